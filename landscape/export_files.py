"""The files a page's view offers for download: per figure shown, a standalone HTML file and its numbers (NPZ for
surfaces and planes, CSV for the rest, as ``export.figure_data`` writes them); the Optimisers page's race as a GIF
too.  Their names, formats, headings and hints.  No streamlit, no plotly: ``landscape.ui.exports`` draws a button
per ``Download``, ``landscape.figures.export.view_file`` makes its bytes.
"""
from __future__ import annotations

from dataclasses import dataclass

from landscape.lessons import links

TITLES = {"parts": "data loss, penalty, total", "view": "slice", "race": "race map", "curves": "loss curves",
          "map": "learning-rate map", "psi": "ψ curves", "degree_fits": "fits by degree",
          "epoch_fits": "fits by epoch", "history": "training curves"}
MIME = {"html": "text/html", "csv": "text/csv", "npz": "application/octet-stream", "gif": "image/gif"}
NPZ = {("loss_surface", f) for f in ("contour", "surface", "parts")} | {
    ("outliers", "surfaces"), ("classification", "surface"), ("classification", "softmax"),
    ("distributions", "divergences"), ("distributions", "overlap"), ("optimisers", "map")}
NPZ_SLICES = ("plane", "pca")  # the Neural landscape's slices that are planes


@dataclass(frozen=True)
class Download:
    """One file of a view: ``page-figure.kind``, with its button's label and what it holds."""
    page: str
    figure: str
    kind: str  # a key of MIME
    label: str
    hint: str

    @property
    def name(self) -> str:
        return file_name(self.page, self.figure, self.kind)

    @property
    def mime(self) -> str:
        return MIME[self.kind]


def title(figure: str) -> str:
    """A figure's name as people read it (``degree_fits`` -> ``fits by degree``)."""
    return TITLES.get(figure, figure)


def data_format(page: str, figure: str, inputs: dict) -> str:
    """``"npz"`` for surfaces and planes, ``"csv"`` for the rest (as ``export.figure_data`` writes them)."""
    if page == "neural_landscape" and figure == "view":
        return "npz" if inputs["view"] in NPZ_SLICES else "csv"
    return "npz" if (page, figure) in NPZ else "csv"


def file_name(page: str, figure: str, kind: str) -> str:
    return f"{page}-{figure}.{kind}"


def downloads(page: str, inputs: dict) -> list[tuple[str, tuple[Download, ...]]]:
    """(heading, its files) for each figure the view ``inputs`` shows, then the race on the Optimisers page."""
    offered = []
    for figure in links.shown_figures(page, inputs):
        kind = data_format(page, figure, inputs)
        offered.append((title(figure).capitalize(), (
            Download(page, figure, "html", "Figure (HTML)", "interactive, opens offline in any browser"),
            Download(page, figure, kind, kind.upper(), "the numbers behind the figure"))))
    if page == "optimisers":
        offered.append(("Race", (Download(page, "race", "gif", "Animated GIF", "the race, one frame per step"),)))
    return offered
