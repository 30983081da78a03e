"""How every figure reads on a projector at 1280x720: one layout pass that each builder ends with.

- Text at least ``TEXT`` px (tick labels, legends, colour bars, annotations) and axis titles at
  ``TITLE`` px, in dark ink.  Streamlit's Plotly theme sets tick labels to 12 px grey through its
  template, so the sizes are set on every axis, not only through ``layout.font``.
- Plotly's toolbar (the modebar) floats over the top right corner of the figure: every figure keeps
  a top margin of at least ``MODEBAR`` px, and legends go below the plot, anchored to the bottom of
  the figure (Plotly then makes room for them), or on the right under that band.
- 3D scenes keep their axis labels inside the canvas: the camera stands further back than Plotly's
  default and the scene leaves a margin.

``readable(fig)`` is the one place for this; builders choose only where the legend goes.
``CONFIG`` is the Plotly config the pages pass with every chart (see its comments).

Presenter mode (a projector at the front of a room): ``readable`` ends with ``present(spec)`` while the
current look (``use_look``, set once per app run by the frame, like the request's budget) is not ``PLAIN``:
text 1.5x (annotations keep their size), thicker lines, larger markers, a high-contrast palette, and for ``DARK`` a dark background.

They work on plain specs (``landscape.figures.specs``): a figure given is turned into one, and a new figure
comes back.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar

import plotly.graph_objects as go

from landscape.figures.specs import figure, has_property, merge, spec_of, value_at

TEXT = 15  # px: tick labels, legends, colour bars, annotations (never below MIN_TEXT)
MIN_TEXT = 14  # px: what a projector at the back of a room still shows
TITLE = 16  # px: axis and subplot titles
INK = "#262730"  # Streamlit's text colour; its chart theme greys axis text to #808495
MODEBAR = 38  # px at the top of every figure kept for Plotly's toolbar
LEGENDS = ("below", "right", "inside", "none")
CORNERS = {"left": 0.01, "right": 0.99, "top": 0.99, "bottom": 0.01}

# Plotly draws WebGL (3D) at twice the canvas size by default (``plotGlPixelRatio`` 2): four times the
# pixels, which a machine without a GPU renders in software on every change.  One pixel per pixel
# is what a projector shows.
# The camera button of every chart saves a PNG at slide size: laid out at 960 x 540 and drawn at twice that,
# 1920 x 1080, so its text is as large on a slide as on the projector.
SLIDE_PNG = {"format": "png", "width": 960, "height": 540, "scale": 2, "filename": "loss-landscape"}
CONFIG = {"displaylogo": False, "plotGlPixelRatio": 1, "toImageButtonOptions": SLIDE_PNG}


def _font(size: int = TEXT, color: str = INK) -> dict:
    return dict(size=size, color=color)


def _axis(axis: dict | None = None) -> dict:
    """Tick labels and title of an axis at projector sizes (a larger size the builder set is kept)."""
    size = value_at(axis, "tickfont", "size") or 0
    return {"tickfont": _font(max(size, TEXT)), "title": {"font": _font(TITLE)}}


def _legend(legend: str, corner: tuple[str, str]) -> dict:
    """The layout properties that place the legend (``LEGENDS``)."""
    if legend == "below":
        return {"legend": {"orientation": "h", "x": 0, "xanchor": "left", "y": 0, "yanchor": "bottom",
                           "yref": "container", "font": _font()}}
    if legend == "inside":
        (x, y) = corner
        return {"legend": {"orientation": "v", "x": CORNERS[x], "xanchor": x, "y": CORNERS[y], "yanchor": y,
                           "yref": "paper", "bgcolor": "rgba(255,255,255,0.85)", "font": _font()}}
    if legend == "right":
        return {"legend": {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top",
                           "yref": "paper", "font": _font()}}
    return {"showlegend": False}


def _subplots(layout: dict, prefix: str) -> list[str]:
    """The layout's subplot names ``prefix``, ``prefix2``, ... that are set, and always ``prefix`` itself (what
    ``fig.for_each_xaxis`` visits)."""
    numbered = [k for k in layout if re.fullmatch(prefix + r"\d+", k)]
    return [prefix] + sorted(numbered, key=lambda k: int(k[len(prefix):]))


def _scenes(spec: dict) -> list[str]:
    """The 3D scenes that the layout sets or a trace draws in (2D figures have none)."""
    drawn = {t.get("scene") or "scene" for t in spec["data"] if has_property(t["type"], "scene")}
    return sorted({k for k in spec["layout"] if re.fullmatch(r"scene\d*", k)} | drawn)


def _ternaries(spec: dict) -> list[str]:
    """The ternary plots that the layout sets or a trace draws in."""
    drawn = {t.get("subplot") or "ternary" for t in spec["data"] if t["type"] == "scatterternary"}
    return sorted({k for k in spec["layout"] if re.fullmatch(r"ternary\d*", k)} | drawn)


def readable(fig: go.Figure | dict, legend: str = "below", top: int | None = None,
             corner: tuple[str, str] = ("left", "top")) -> go.Figure:
    """``fig`` (a figure or its spec) with projector-sized text, its legend placed (``LEGENDS``) and room for
    the toolbar, as a new figure.

    ``top``: a top margin larger than the toolbar's (for titles or annotations above the plot).
    ``corner``: where an ``"inside"`` legend sits in the plot, e.g. ``("right", "bottom")``."""
    if legend not in LEGENDS:
        raise ValueError(f"legend must be one of {LEGENDS}, got {legend!r}")
    spec = spec_of(fig)
    layout = spec["layout"]
    margin = layout.get("margin") or {}
    patch = {"font": _font(), "hoverlabel": {"font": {"size": TEXT}},
             "margin": {"t": max(top or 0, MODEBAR, margin.get("t") or 0), "l": max(margin.get("l") or 0, 10),
                        "r": max(margin.get("r") or 0, 10), "b": max(margin.get("b") or 0, 10)},
             **_legend(legend, corner)}
    patch |= {name: _axis(layout.get(name)) for name in _subplots(layout, "xaxis") + _subplots(layout, "yaxis")}
    patch |= {name: {axis: _axis() for axis in ("xaxis", "yaxis", "zaxis")} for name in _scenes(spec)}
    patch |= {name: {axis: _axis() for axis in ("aaxis", "baxis", "caxis")} for name in _ternaries(spec)}
    if value_at(layout, "title", "text"):
        patch["title"] = {"font": _font(TITLE + 2)}
    merge(layout, patch)
    for trace in spec["data"]:
        if has_property(trace["type"], "colorbar") and trace.get("showscale") is not False:
            merge(trace, {"colorbar": {"tickfont": _font(), "title": {"font": _font()}}})
    for a in layout.get("annotations", ()):
        merge(a, {"font": dict(size=max(value_at(a, "font", "size") or TITLE, MIN_TEXT),
                                color=value_at(a, "font", "color") or INK)})
    for menu in layout.get("updatemenus", ()):
        menu["font"] = _font()
    for slider in layout.get("sliders", ()):
        if value_at(slider, "currentvalue", "font", "size") is not None:
            slider["currentvalue"]["font"] = _font()
    if _look.get() != PLAIN:
        present(spec, _look.get())
    return figure(spec)


def scene_room(spec: dict, distance: float = 1.3) -> dict:
    """``spec`` with every 3D camera moved ``distance`` times further from the centre (in place): the axis
    labels, which WebGL draws inside the canvas, then stay inside it."""
    for name in _scenes(spec):
        eye = value_at(spec["layout"], name, "camera", "eye")
        if eye and eye.get("x") is not None:
            spec["layout"][name]["camera"]["eye"] = {k: eye[k] * distance for k in ("x", "y", "z")}
    return spec


# ---- presenter mode ----------------------------------------------------------------------------------------

PLAIN, PRESENT, DARK = "plain", "present", "dark"
LOOKS = (PLAIN, PRESENT, DARK)
SCALE = 1.5  # text and markers in presenter mode
MIN_LINE = 3.5  # px: the thinnest line a projector shows well
DARK_PAPER, DARK_INK, DARK_GRID = "#0e1117", "#f5f5f5", "#3a3f4b"
# The figures' category colours (Plotly's D3 and a few of their own) -> darker, more saturated ones that keep
# their hue on a washed-out projector; for the dark look, lighter ones that stand out on black.
HIGH_CONTRAST = {"#1f77b4": "#0046ad", "#ff7f0e": "#e05a00", "#2ca02c": "#00782f", "#d62728": "#c4001a",
                 "#9467bd": "#6a1fb0", "#8c564b": "#5c3317", "#e377c2": "#c0007a", "#7f7f7f": "#4a4a4a",
                 "#bcbd22": "#7d7d00", "#17becf": "#007b8a", "#4c78a8": "#0046ad", "#54a24b": "#00782f",
                 "#e45756": "#c4001a", "#8a9bb0": "#4f6480", "#5b7fa6": "#2f5580", "#444444": "#111111"}
ON_DARK = {"#1f77b4": "#5fb4ff", "#ff7f0e": "#ffa040", "#2ca02c": "#4cdc5a", "#d62728": "#ff5a5a",
           "#9467bd": "#c89bff", "#8c564b": "#d9a27a", "#e377c2": "#ff8fd8", "#7f7f7f": "#bdbdbd",
           "#bcbd22": "#e6e64d", "#17becf": "#4fe3f2", "#4c78a8": "#5fb4ff", "#54a24b": "#4cdc5a",
           "#e45756": "#ff5a5a", "#8a9bb0": "#b8c8dc", "#5b7fa6": "#9cc2ee", "#444444": "#dddddd",
           "#111111": "#f5f5f5", "#000000": "#ffffff", "#262730": "#f5f5f5"}

_look: ContextVar[str] = ContextVar("figure_look", default=PLAIN)


def use_look(look: str) -> None:
    """Draw the figures of the rest of this context (one app run) in ``look`` (one of ``LOOKS``)."""
    if look not in LOOKS:
        raise ValueError(f"look must be one of {LOOKS}, got {look!r}")
    _look.set(look)


def current_look() -> str:
    return _look.get()


@contextmanager
def looking(look: str):
    """Draw figures in ``look`` inside the block (e.g. an export in the plain look whatever the page shows)."""
    token = _look.set(look)
    try:
        yield
    finally:
        _look.reset(token)


def _bigger(size, minimum: float = MIN_TEXT * SCALE):
    return max(size * SCALE, minimum) if isinstance(size, (int, float)) else minimum


def _recolour(color, table: dict):
    return table.get(color.lower(), color) if isinstance(color, str) else color


def present(spec: dict, look: str = PRESENT) -> None:
    """``spec`` for a projector, in place: text 1.5x (annotations excepted), lines at least ``MIN_LINE`` px, markers
    1.5x, high-contrast colours (``DARK``: light colours on a dark background).  Applied once: a spec already
    presented is left as it is."""
    layout = spec["layout"]
    if layout.get("meta") == "presented":
        return
    table, ink = (ON_DARK, DARK_INK) if look == DARK else (HIGH_CONTRAST, "#000000")
    merge(layout, {"font": dict(size=_bigger(value_at(layout, "font", "size") or TEXT), color=ink),
                    "hoverlabel": {"font": {"size": _bigger(TEXT)}},
                    "legend": {"font": dict(size=_bigger(TEXT), color=ink)}, "meta": "presented"})

    def axis(a: dict):
        merge(a, {"tickfont": dict(size=_bigger(value_at(a, "tickfont", "size") or TEXT), color=ink),
                   "title": {"font": dict(size=_bigger(value_at(a, "title", "font", "size") or TITLE), color=ink)}})
        if look == DARK:
            merge(a, {"gridcolor": DARK_GRID, "zerolinecolor": DARK_GRID, "linecolor": DARK_GRID})
    for name in _subplots(layout, "xaxis") + _subplots(layout, "yaxis"):
        axis(layout.setdefault(name, {}))
    for name in _scenes(spec):
        for a in ("xaxis", "yaxis", "zaxis"):
            axis(layout.setdefault(name, {}).setdefault(a, {}))
    # annotations keep their size (readable's, at least 14 px): builders stack them by pixel offsets made for it
    for a in layout.get("annotations", ()):
        merge(a, {"font": dict(color=_recolour(value_at(a, "font", "color"), table) or ink)})
    for trace in spec["data"]:
        _present_trace(trace, table, ink)
    if value_at(layout, "title", "text"):
        merge(layout, {"title": {"font": dict(size=_bigger(TITLE + 2), color=ink)}})
    if look == DARK:
        merge(layout, {"paper_bgcolor": DARK_PAPER, "plot_bgcolor": DARK_PAPER,
                        "legend": {"bgcolor": "rgba(14,17,23,0.85)"}})


def _recoloured(obj: dict, table: dict) -> None:
    color = _recolour(obj.get("color"), table)
    if color is not None:
        obj["color"] = color


def _present_trace(trace: dict, table: dict, ink: str) -> None:
    kind = trace["type"]
    if has_property(kind, "line", "width") and kind not in ("contour", "histogram2dcontour"):
        line = trace.setdefault("line", {})
        line["width"] = max((line.get("width") or 2) * SCALE, MIN_LINE)
    if has_property(kind, "line", "color") and "line" in trace:
        _recoloured(trace["line"], table)
    marker = trace.get("marker") or {}
    if has_property(kind, "marker", "size") and isinstance(marker.get("size"), (int, float)):
        marker["size"] = marker["size"] * SCALE
    if has_property(kind, "marker", "color") and marker:
        _recoloured(marker, table)
    if isinstance(trace.get("colorscale"), (list, tuple)):  # bands of category colours (a swarm's basins)
        trace["colorscale"] = [[edge, _recolour(colour, table)] for edge, colour in trace["colorscale"]]
    bars = [trace.setdefault("colorbar", {})] if has_property(kind, "colorbar") and trace.get("showscale") is not False else []
    if has_property(kind, "marker", "showscale") and marker.get("showscale"):
        bars.append(marker.setdefault("colorbar", {}))
    for bar in bars:  # touching a colour bar that is not shown would show it
        merge(bar, {"tickfont": dict(size=_bigger(value_at(bar, "tickfont", "size") or TEXT), color=ink),
                     "title": {"font": dict(size=_bigger(TEXT), color=ink)}})
    if has_property(kind, "textfont"):
        trace["textfont"] = merge(trace.get("textfont") or {}, {"size": _bigger(value_at(trace, "textfont", "size") or TEXT)})
