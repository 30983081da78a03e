"""Figures as files for slides and for a room with no server.  No streamlit here.

    figure_html(fig, title)          # one standalone interactive HTML file, plotly.js embedded: opens offline
    race_gif(surface, paths, log)    # the optimiser race as an animated GIF (Pillow, no browser)
    lesson_html(lesson)              # a whole lesson in one offline HTML file: question, figure, reveal per step
    view_file(page, figure, kind, inputs)   # one download of a page's view (``export_files``): HTML, GIF, numbers
    SLIDE_CONFIG                     # Plotly config whose camera button saves a 1920 x 1080 PNG

Text from a lesson (title, questions, choices, reveals) is HTML-escaped and shown as text: a ``<script>``
in a lesson is printed, never run.  The lesson file also forbids, by its Content-Security-Policy, every
request to the network and every script but its own inline ones.
"""
from __future__ import annotations

import html
import io
import math
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from PIL import Image, ImageDraw, ImageFont

from landscape import export, export_files, lessons
from landscape.figures.steps import step_figure
from landscape.figures.trajectories import PATH_COLORS, frame_steps, map_image
from landscape.lessons.compute import Memo
from landscape.types import InputError, Surface, Trajectory

SLIDE_CONFIG = {"displaylogo": False, "responsive": True,
                "toImageButtonOptions": {"format": "png", "width": 1920, "height": 1080, "filename": "figure"}}
STANDALONE_TEMPLATE = "plotly_white"  # a figure in a file: Plotly's own template nearest Streamlit's look
MAX_HTML_BYTES = 5 * 1024 * 1024  # a standalone figure: 5 MB (plotly.js is 4.8 MB of it)
MIN_FRAMES = 12  # an animation keeps at least this many frames
MIN_GRID = 30  # a grid keeps at least this many points a side
GIF_MAX_FRAMES = 301  # one frame per step up to 300 steps; longer races are sampled evenly
GIF_FRAME_MS = 40
GIF_LEGEND = 44  # pixels under the map for the step counter and the legend
TICK = (230, 230, 230)
GIF_COUNTS = 30  # the step counter is redrawn about this many times (each redraw enlarges that frame's delta)
HEAD_RADIUS = 5
LINE_WIDTH = 2
CSP = ("default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
       "font-src data:; connect-src 'none'")


# ---- one figure ------------------------------------------------------------------------------------

def figure_html(fig: go.Figure, title: str = "Loss Landscape Explorer", max_bytes: int = MAX_HTML_BYTES) -> str:
    """The figure as one interactive HTML page with plotly.js inside it: it needs no network.

    plotly.js alone is 4.8 MB.  A figure that would take the file past ``max_bytes`` is made lighter until
    it fits: an animation keeps fewer of its frames (evenly spread, always the last: the whole paths), down
    to MIN_FRAMES; then every grid (contour, heatmap, surface) keeps every other row and column, down to
    MIN_GRID points a side.  The numbers at full resolution are the data export's (``landscape.export``)."""
    page = _html(fig, title)
    while len(page.encode("utf-8")) > max_bytes:
        frames = len(fig.frames or ())
        lighter = thin_frames(fig, max(MIN_FRAMES, frames // 2)) if frames > MIN_FRAMES else coarser(fig)
        if lighter is None:
            break
        fig = lighter
        page = _html(fig, title)
    return page


def coarser(fig: go.Figure) -> go.Figure | None:
    """A copy of the figure with every 2D grid at half its resolution (None when none can be halved)."""
    out, changed = go.Figure(fig), False
    for trace in out.data:
        z = getattr(trace, "z", None)
        if z is None or np.ndim(z) != 2 or min(np.shape(z)) < 2 * MIN_GRID:
            continue
        z = np.asarray(z)
        rows, cols = z.shape
        trace.z = z[::2, ::2]
        for axis, n in (("x", cols), ("y", rows)):
            values = getattr(trace, axis, None)
            if values is not None and np.ndim(values) == 2:
                setattr(trace, axis, np.asarray(values)[::2, ::2])
            elif values is not None and len(values) == n:
                setattr(trace, axis, np.asarray(values)[::2])
        changed = True
    return out if changed else None


def standalone(fig: go.Figure) -> go.Figure:
    """A copy of the figure on Plotly's own white template.  Inside the app a figure is built on Streamlit's
    template, whose colours are placeholders (``#000001``...) that only Streamlit's front end fills in and which
    leaves the margins to it: in a file of its own such a figure had near-black default colours and tick
    labels cut at the edge."""
    return go.Figure(fig).update_layout(template=STANDALONE_TEMPLATE)


def _html(fig: go.Figure, title: str) -> str:
    page = standalone(fig).to_html(include_plotlyjs=True, full_html=True, config=SLIDE_CONFIG)
    return page.replace("<head>", f"<head>\n    <title>{html.escape(title)}</title>", 1)


def thin_frames(fig: go.Figure, count: int) -> go.Figure:
    """A copy of an animated figure with ``count`` of its frames (evenly spread, the first and the last kept)
    and the slider steps that show them."""
    frames = list(fig.frames)
    keep = np.unique(np.round(np.linspace(0, len(frames) - 1, min(count, len(frames)))).astype(int))
    kept = [frames[i] for i in keep]
    names = {f.name for f in kept}
    out = go.Figure(fig)
    out.frames = kept
    if out.layout.sliders:
        slider = out.layout.sliders[0].to_plotly_json()
        slider["steps"] = [st for st in slider.get("steps", []) if st.get("args") and st["args"][0]
                           and st["args"][0][0] in names]
        slider["active"] = len(slider["steps"]) - 1
        out.layout.sliders = [slider] + list(out.layout.sliders[1:])
    return out


# ---- the race as a GIF --------------------------------------------------------------------------------

@dataclass(frozen=True)
class GifLayout:
    """Where a race's GIF puts things: the map's pixel box and the steps drawn, one frame each."""

    width: int
    height: int  # of the map; the legend strip lies below it
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    steps: np.ndarray  # the step shown by each frame

    def pixel(self, point: Sequence[float]) -> tuple[float, float]:
        """Image coordinates of a point ``(x, y)`` of the map (may lie outside the image)."""
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        return ((point[0] - x0) / (x1 - x0) * (self.width - 1), (y1 - point[1]) / (y1 - y0) * (self.height - 1))


def gif_layout(surf: Surface, paths: Mapping[str, Trajectory], max_frames: int = GIF_MAX_FRAMES) -> GifLayout:
    base = map_image(surf)["source"]
    length = max(len(p.points) for p in paths.values())
    return GifLayout(base.width, base.height, (float(surf.x[0]), float(surf.x[-1])),
                     (float(surf.y[0]), float(surf.y[-1])), frame_steps(length, max_frames))


def _clip(p: tuple[float, float], q: tuple[float, float], box: tuple[float, float, float, float]):
    """The part of segment p-q inside ``box`` (Liang-Barsky), or None: PIL is not asked to walk far outside."""
    (x0, y0), (x1, y1) = p, q
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for edge_p, edge_q in ((-dx, x0 - box[0]), (dx, box[2] - x0), (-dy, y0 - box[1]), (dy, box[3] - y0)):
        if edge_p == 0:
            if edge_q < 0:
                return None
            continue
        t = edge_q / edge_p
        if edge_p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return None
    return (x0 + lo * dx, y0 + lo * dy), (x0 + hi * dx, y0 + hi * dy)


def _rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return tuple(int(color[i:i + 2], 16) for i in (0, 2, 4))  # type: ignore[return-value]


def race_gif(surf: Surface, paths: Mapping[str, Trajectory], log: bool = False,
             minima: Sequence[Sequence[float]] = (), max_frames: int = GIF_MAX_FRAMES,
             frame_ms: int = GIF_FRAME_MS) -> bytes:
    """The race as an animated GIF: the loss map (the Optimisers page's picture) with the known ``minima``
    as black crosses, every path drawn up to the frame's step and a dot at its head (a cross once it has
    diverged).  One frame per drawn step (``gif_layout(...).steps``); the last frame shows every path
    whole, its head at the path's end."""
    layout = gif_layout(surf, paths, max_frames)
    w, h = layout.width, layout.height
    mapped = map_image(surf, log)["source"].convert("RGB")
    paper = Image.new("RGB", (w, h + GIF_LEGEND), "white")
    paper.paste(Image.blend(Image.new("RGB", (w, h), "white"), mapped, 0.6), (0, 0))  # the page's map opacity
    trajs, labels = list(paths.values()), list(paths)
    colors = [_rgb(PATH_COLORS[i % len(PATH_COLORS)]) for i in range(len(trajs))]
    font = ImageFont.load_default()
    legend = ImageDraw.Draw(paper)
    for m in minima:
        mx, my = layout.pixel(m)
        if 0 <= mx < w and 0 <= my < h:
            legend.line((mx - 6, my - 6, mx + 6, my + 6), fill=(0, 0, 0), width=2)
            legend.line((mx - 6, my + 6, mx + 6, my - 6), fill=(0, 0, 0), width=2)
    x = 6
    for label, color in zip(labels, colors):
        legend.rectangle((x, h + 26, x + 10, h + 36), fill=color)
        legend.text((x + 14, h + 25), label, fill=(0, 0, 0), font=font)
        x += 24 + int(legend.textlength(label, font=font))
    # One palette for every frame: the map's colours, then the paths', black and white (no dithering per frame).
    reserved = [*colors, (0, 0, 0), (255, 255, 255), TICK]
    base = paper.quantize(colors=256 - len(reserved), dither=Image.Dither.NONE)
    free = 256 - len(reserved)
    palette = (base.getpalette() or [])[:3 * free]
    palette += [0] * (3 * free - len(palette)) + [c for rgb in reserved for c in rgb]  # reserved: the last entries
    base.putpalette(palette)
    index = {rgb: 256 - len(reserved) + k for k, rgb in enumerate(reserved)}
    black, white, tick = index[(0, 0, 0)], index[(255, 255, 255)], index[TICK]
    pixels = [np.array([layout.pixel(p) for p in t.points]) for t in trajs]
    box = (-LINE_WIDTH * 4.0, -LINE_WIDTH * 4.0, w + LINE_WIDTH * 4.0, h + LINE_WIDTH * 4.0)
    trails = base.copy()
    draw_trails = ImageDraw.Draw(trails)
    frames, done = [], [0] * len(trajs)
    every = max(1, math.ceil(len(layout.steps) / GIF_COUNTS))  # the counter changes this often: small frame deltas
    counter = base.copy()
    corner, ticked = (w - 1, h + GIF_LEGEND - 1), white
    for n, t in enumerate(layout.steps):
        for k, (px, color) in enumerate(zip(pixels, colors)):
            end = min(int(t), len(px) - 1)
            for a in range(done[k], end):
                seg = _clip(tuple(px[a]), tuple(px[a + 1]), box)
                if seg is not None:
                    draw_trails.line(seg, fill=index[color], width=LINE_WIDTH)
            done[k] = max(done[k], end)
        frame = trails.copy()
        draw = ImageDraw.Draw(frame)
        for k, (traj, px, color) in enumerate(zip(trajs, pixels, colors)):
            at = min(int(t), len(px) - 1)
            cx, cy = px[at]
            if not (math.isfinite(cx) and math.isfinite(cy)) or not (-50 < cx < w + 50 and -50 < cy < h + 50):
                continue
            r = HEAD_RADIUS
            if traj.diverged_at is not None and at == len(px) - 1:
                draw.line((cx - r, cy - r, cx + r, cy + r), fill=index[color], width=3)
                draw.line((cx - r, cy + r, cx + r, cy - r), fill=index[color], width=3)
            else:
                draw.ellipse((cx - r - 1, cy - r - 1, cx + r + 1, cy + r + 1), fill=white)
                draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=index[color])
        if n % every == 0 or n == len(layout.steps) - 1:
            counter = _counter(base, int(t), int(layout.steps[-1]), h, black, white, font)
        frame.paste(counter.crop((0, h, w, h + 22)), (0, h))
        # A frame equal to the one before (every path standing still) would be merged into it by the GIF
        # writer; one corner pixel, flipped only then, keeps one frame per step at the cost of one pixel.
        frame.putpixel(corner, ticked)
        if frames and frame.tobytes() == frames[-1].tobytes():
            ticked = white if ticked == tick else tick
            frame.putpixel(corner, ticked)
        frames.append(frame)
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=frame_ms, loop=0,
                   optimize=False, disposal=1)
    return out.getvalue()


def _counter(base: Image.Image, step: int, last: int, top: int, black: int, white: int, font) -> Image.Image:
    strip = base.copy()
    draw = ImageDraw.Draw(strip)
    draw.rectangle((0, top, strip.width, top + 22), fill=white)
    draw.text((6, top + 5), f"step {step} of {last}", fill=black, font=font)
    return strip


def step_gif(inputs: dict, memo: Memo | None = None) -> bytes:
    """The Optimisers page's race for its view ``inputs`` (``links.parse("optimisers", ...).inputs``) as a GIF."""
    step = (memo or Memo()).get("race", inputs)
    paths = {step.labels[name]: path for name, path in step.paths.items()}
    return race_gif(step.surface, paths, step.log, step.minima)


def view_file(page: str, figure: str, kind: str, inputs: dict) -> bytes:
    """One file of a page's view (``links.parse(page, ...).inputs``): the figure as standalone HTML, the race as a
    GIF, or the figure's numbers (CSV / NPZ)."""
    if kind == "html":
        title = f"{lessons.links.page(page).title}: {export_files.title(figure)}"
        return figure_html(step_figure(page, figure, inputs), title).encode("utf-8")
    if kind == "gif":
        return step_gif(inputs)
    return export.figure_data(page, figure, inputs).content


# ---- a whole lesson ---------------------------------------------------------------------------------------

STYLE = """
body { font: 18px/1.5 system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #111; }
h1 { font-size: 1.8em; } h2 { font-size: 1.3em; margin-top: 2.5em; border-top: 2px solid #ccc; padding-top: 1em; }
.text { white-space: pre-wrap; } .question { font-size: 1.25em; font-weight: 600; }
.link { color: #555; font-size: 0.85em; } .answer { font-weight: 600; }
details { margin: 1em 0; } summary { cursor: pointer; font-size: 1.1em; color: #1f3dff; }
.figure { min-height: 300px; } .error { color: #b00020; }
"""
RESIZE = """
document.querySelectorAll('details').forEach(function (d) {
  d.addEventListener('toggle', function () {
    if (d.open) d.querySelectorAll('.js-plotly-plot').forEach(function (p) { Plotly.Plots.resize(p); });
  });
});
"""


def _text(text: str, cls: str = "text", tag: str = "p") -> str:
    return f'<{tag} class="{cls}">{html.escape(text)}</{tag}>'


def lesson_html(lesson: "lessons.Lesson", memo: Memo | None = None) -> str:
    """The lesson as one HTML file that works offline: for every step the question (and the choices), then,
    behind "Reveal", the page's figure, the reveal with its numbers computed now, and the right answer."""
    memo = memo or Memo()
    parts = [f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
             f'<title>{html.escape(lesson.title)}</title>\n<style>{STYLE}</style>\n'
             f'<script>{_plotly_js()}</script>\n</head>\n<body>\n'
             f'{_text(lesson.title, "title", "h1")}\n{_text(lesson.summary)}\n']
    for k, step in enumerate(lesson.steps, start=1):
        parts.append(f'<section class="step" id="step-{k}">\n<h2>Step {k} of {len(lesson.steps)}</h2>\n')
        parts.append(_text(step.question, "text question") + "\n")
        if step.choices:
            parts.append('<ol type="A" class="choices">' + "".join(f"<li>{html.escape(c)}</li>" for c in step.choices)
                         + "</ol>\n")
        parts.append('<details>\n<summary>Reveal</summary>\n')
        try:
            inputs = step.parsed().inputs
            fig = step_figure(step.page, step.figure, inputs, memo)
            parts.append('<div class="figure">' + standalone(fig).to_html(include_plotlyjs=False, full_html=False,
                                                               div_id=f"figure-{k}", config=SLIDE_CONFIG) + "</div>\n")
            parts.append(_text(lessons.reveal(step, memo), "text reveal") + "\n")
        except InputError as err:
            parts.append(_text(f"This step could not be computed: {err}", "text error") + "\n")
        if step.answer is not None:
            parts.append(_text(f"Answer: {'ABCDEF'[step.answer]}. {step.choices[step.answer]}", "text answer") + "\n")
        parts.append(_text(f"In the app: {step.link()}", "text link") + "\n</details>\n</section>\n")
    parts.append(f"<script>{RESIZE}</script>\n</body>\n</html>\n")
    return "".join(parts)


def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs
    return get_plotlyjs()
