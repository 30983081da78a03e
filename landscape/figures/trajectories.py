"""Optimiser figures: paths animated on a contour, paths on the 3D surface, loss curves (the figures of
many runs, the swarm's basins and the learning-rate x momentum map, are ``sweeps.py``).  No streamlit here;
arrays go as float32.

Paths are ``{label: Trajectory}``; a path's colour is its position in that mapping, the same in
every figure.  A Trajectory never holds a non-finite number; what is shown of a loss is clipped
to float32's range so that no figure receives an infinity either.
"""
from __future__ import annotations

import base64
import functools
import hashlib
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.colors import hex_to_rgb, sequential
from PIL import Image
from _plotly_utils.basevalidators import ImageUriValidator

from landscape.figures import specs
from landscape.figures.style import TEXT, readable, scene_room
from landscape.figures.surface import Marker, f32, log_height, map_frame, surface_3d
from landscape.types import Surface, Trajectory

PATH_COLORS = ("#d62728", "#ff7f0e", "#1f3dff", "#e600e6", "#000000", "#8c564b", "#00a5c8", "#2ca02c", "#7f7f7f")
MAX_FRAMES = 60  # animation frames; long runs are sampled evenly
MAX_DRAWN = 150  # points drawn per path; long runs are sampled evenly (frame steps always included)
CLICK_GRID = 31  # invisible points per side laid over the map: click to start there, hover for the loss
SHOWN_MAX = 1e38  # float32 tops out at 3.4e38
TINY = 1e-30  # the smallest gap drawn on a log axis
ROUNDING = 1e-13  # gaps below this times |f*| are rounding noise, not progress
MAP_OPACITY = 0.6  # the map under the paths is paler: the paths are the subject
MAP_LEVELS = 30  # colour bands of the map, each edged by a contour line
MAP_PIXELS = 500  # the map image's side, about


def color(i: int) -> str:
    return PATH_COLORS[i % len(PATH_COLORS)]


def shown(a) -> np.ndarray:
    """float32 of values clipped to what float32 holds (no infinities reach a figure)."""
    return f32(np.clip(np.asarray(a, dtype=np.float64), -SHOWN_MAX, SHOWN_MAX))


def typed(a) -> dict[str, str]:
    """A float32 array as Plotly's typed-array spec: what ``to_json`` sends for a numpy array, but
    accepted by the validators without a per-array conversion (60 frames x paths add up)."""
    return {"dtype": "f4", "bdata": base64.b64encode(f32(a).tobytes()).decode()}


def gap(losses, floor: float | None) -> np.ndarray:
    """What a log axis shows: ``loss - floor`` (at least TINY), or the loss itself without a floor."""
    losses = np.asarray(losses, dtype=np.float64)
    return losses if floor is None else np.maximum(losses - floor, max(TINY, ROUNDING * abs(floor)))


def gap_label(floor: float | None) -> str:
    if floor is None:
        return "loss"
    return "loss" if floor == 0 else f"loss − f*  (f* = {floor:.6g})"


# ---- animated contour ----------------------------------------------------------------------------

def frame_steps(length: int, max_frames: int = MAX_FRAMES) -> np.ndarray:
    """Steps shown by the animation: ``0 .. length-1``, at most ``max_frames`` of them, evenly spread."""
    return np.unique(np.round(np.linspace(0, length - 1, min(max_frames, length))).astype(int))


def _drawn(length: int, steps: np.ndarray, max_drawn: int = MAX_DRAWN) -> np.ndarray:
    """Step indices of a path of ``length`` points that are drawn: an even sample, every frame step, the end."""
    sample = np.round(np.linspace(0, length - 1, min(max_drawn, length))).astype(int)
    return np.unique(np.concatenate([sample, steps[steps < length], [length - 1]]))


def _path_at(path: Trajectory, drawn: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    idx = drawn[drawn <= t]
    return f32(path.points[idx, 0]), f32(path.points[idx, 1])


def _heads_at(paths: Sequence[Trajectory], t: int) -> dict[str, object]:
    """Where every path is at step ``t``: a dot, or a cross once a path has diverged."""
    last = [min(t, len(p.points) - 1) for p in paths]
    return dict(x=typed([p.points[i, 0] for p, i in zip(paths, last)]),
                y=typed([p.points[i, 1] for p, i in zip(paths, last)]),
                marker=dict(symbol=["x" if p.diverged_at is not None and t >= len(p.points) - 1 else "circle"
                                    for p in paths]))


def _upsample(z: np.ndarray, factor: int) -> np.ndarray:
    """Bilinear interpolation of ``z (ny, nx)`` onto ``factor`` times as many points per side."""
    def along(a: np.ndarray, axis: int) -> np.ndarray:
        n = a.shape[axis]
        at = np.linspace(0, n - 1, (n - 1) * factor + 1)
        i = np.minimum(at.astype(int), n - 2)
        w = (at - i).reshape([-1 if k == axis else 1 for k in range(a.ndim)])
        return np.take(a, i, axis) * (1 - w) + np.take(a, i + 1, axis) * w
    return along(along(z, 0), 1)


def map_image(surf: Surface, log: bool = False, levels: int = MAP_LEVELS, pixels: int = MAP_PIXELS) -> dict:
    """The filled contour of ``surf`` as a layout image: Viridis bands edged by darker contour lines.

    Animation frames leave layout images alone, whereas plotly.js drops a contour trace's layer
    while it plays frames that move scatter traces only.
    """
    z = np.nan_to_num(log_height(surf.z) if log else surf.z, nan=np.inf)
    finite = np.isfinite(z)
    low, high = (z[finite].min(), z[finite].max()) if finite.any() else (0.0, 1.0)
    t = np.where(finite, (z - low) / max(high - low, 1e-300), 1.0)  # 0 .. 1
    t = _upsample(t, max(1, pixels // max(t.shape)))
    band = np.clip((t * levels).astype(int), 0, levels - 1)
    palette = np.array([hex_to_rgb(c) for c in sequential.Viridis], dtype=np.float64)  # (10, 3)
    at = (np.arange(levels) + 0.5) / levels * (len(palette) - 1)
    lut = np.stack([np.interp(at, np.arange(len(palette)), palette[:, k]) for k in range(3)], -1)  # (levels, 3)
    rgb = lut[band]
    edge = np.zeros(band.shape, bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    rgb[edge] *= 0.6
    source = Image.fromarray(rgb[::-1].round().astype(np.uint8))  # plotly sends it as a PNG data URI
    x0, x1, y0, y1 = (float(v) for v in (surf.x[0], surf.x[-1], surf.y[0], surf.y[-1]))
    return dict(source=source, xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0, sizey=y1 - y0, sizing="stretch",
                layer="below", opacity=MAP_OPACITY)


def map_picture(surf: Surface, log: bool = False) -> dict:
    """``map_image`` with its picture as the PNG data URI Plotly sends, drawn once per surface: a change to an
    optimiser draws new paths over the same map (17 ms of a 25 ms animated map, issue 13)."""
    return dict(_picture(_SurfaceKey(surf), log))


class _SurfaceKey:
    """A surface as a cache key: equal when its grid and heights are equal, bit for bit."""

    def __init__(self, surf: Surface):
        self.surf = surf
        self.digest = hashlib.blake2b(b"".join(np.ascontiguousarray(a).tobytes() for a in (surf.x, surf.y, surf.z))
                                      + repr((surf.z.shape, surf.z.dtype.str)).encode(), digest_size=16).digest()

    def __hash__(self) -> int:
        return hash(self.digest)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SurfaceKey) and other.digest == self.digest


@functools.lru_cache(maxsize=16)
def _picture(key: _SurfaceKey, log: bool) -> dict:
    image = map_image(key.surf, log)
    image["source"] = ImageUriValidator.pil_image_to_uri(image["source"])  # as Plotly sends a picture
    return image


def _click_grid(surf: Surface, n: int = CLICK_GRID) -> dict:
    """Invisible points on the surface's own grid: Plotly reports clicks on scatter points only.
    Hovering one shows the loss there."""
    iy, ix = (np.unique(np.round(np.linspace(0, len(a) - 1, n)).astype(int)) for a in (surf.y, surf.x))
    gx, gy = np.meshgrid(surf.x[ix], surf.y[iy])
    return dict(type="scatter", x=f32(gx.ravel()), y=f32(gy.ravel()), customdata=shown(surf.z[np.ix_(iy, ix)].ravel()),
                mode="markers", name="click to start here", showlegend=False,
                marker=dict(size=12, opacity=0, color="white"),
                selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
                hovertemplate="loss %{customdata:.4g} at (%{x:.3g}, %{y:.3g})<br>click to start here<extra></extra>")


def _dedupe_legend(traces: list[dict]) -> None:
    seen = set()
    for trace in traces:
        if trace.get("showlegend") is not False and trace.get("name") in seen:
            trace["showlegend"] = False
        seen.add(trace.get("name"))


def _animate_args(duration: int) -> dict[str, object]:
    return dict(mode="immediate", fromcurrent=True, transition=dict(duration=0),
                frame=dict(duration=duration, redraw=False))


def animated_contour(surf: Surface, paths: Mapping[str, Trajectory], log: bool = False,
                     markers: tuple[Marker, ...] = (), frame_ms: int = 60, height: int = 540,
                     clickable: bool = True) -> go.Figure:
    """The contour map with every path, animated: Play / Pause and a step slider under the map.

    The initial picture shows the whole paths (the last frame).  The map is a layout image
    (``map_image``); frames update only the path traces and the trace of the current positions
    (``Frame.traces``), so the map is drawn once.
    """
    spec = map_frame(dict(data=[], layout=dict(images=[map_picture(surf, log)])), surf, markers, height=height)
    data = spec["data"]
    if clickable:
        data.append(_click_grid(surf))
    labels, trajs = list(paths), list(paths.values())
    length = max(len(p.points) for p in trajs)
    steps = frame_steps(length)
    drawn = [_drawn(len(p.points), steps) for p in trajs]
    first = len(data)
    for i, (label, path, d) in enumerate(zip(labels, trajs, drawn)):
        x, y = _path_at(path, d, steps[-1])
        data.append(dict(type="scatter", x=x, y=y, mode="lines+markers", name=label,
                         line=dict(color=color(i), width=2.5), marker=dict(size=4, color=color(i)),
                         unselected=dict(marker=dict(opacity=1)),
                         hovertemplate=f"{label}<br>(%{{x:.4g}}, %{{y:.4g}})<extra></extra>"))
    heads = _heads_at(trajs, int(steps[-1]))
    data.append(dict(type="scatter", x=heads["x"], y=heads["y"], mode="markers", name="current step", showlegend=False,
                     marker=dict(size=13, color=[color(i) for i in range(len(trajs))],
                                 symbol=heads["marker"]["symbol"], line=dict(width=2, color="white")),
                     unselected=dict(marker=dict(opacity=1)), hoverinfo="skip"))
    moving = list(range(first, len(data)))
    spec["frames"] = [dict(name=str(t), traces=moving,
                           data=[dict(type="scatter", x=typed(x), y=typed(y))
                                 for x, y in (_path_at(p, d, t) for p, d in zip(trajs, drawn))]
                           + [dict(type="scatter", **_heads_at(trajs, int(t)))])
                      for t in steps]
    specs.merge(spec["layout"], dict(
        plot_bgcolor="white", xaxis=dict(showgrid=False, zeroline=False), yaxis=dict(showgrid=False, zeroline=False),
        margin=dict(l=10, r=10, t=10, b=90),
        updatemenus=[dict(type="buttons", direction="left", x=0, y=-0.1, xanchor="left", yanchor="top",
                          showactive=False, pad=dict(t=0, r=8), buttons=[
                              dict(label="▶ Play", method="animate", args=[None, _animate_args(frame_ms)]),
                              dict(label="❚❚ Pause", method="animate", args=[[None], _animate_args(0)])])],
        sliders=[dict(active=len(steps) - 1, x=0.2, len=0.8, y=-0.1, yanchor="top", pad=dict(t=0, b=0),
                      ticklen=0, minorticklen=0, tickcolor="rgba(0,0,0,0)", font=dict(color="rgba(0,0,0,0)", size=1),
                      currentvalue=dict(prefix="step ", xanchor="right", font=dict(size=15)),
                      steps=[dict(label=str(t), method="animate", args=[[str(t)], _animate_args(0)])
                             for t in steps])]))
    _dedupe_legend(data)
    return readable(spec)


# ---- 3D ---------------------------------------------------------------------------------------------

def _lift(surf: Surface, losses: np.ndarray, log: bool) -> np.ndarray:
    """Heights of path points on the surface's scale (log: ``log10(1 + loss - min)``), just above it."""
    finite = surf.z[np.isfinite(surf.z)]
    low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
    z = np.log10(1.0 + np.maximum(losses - low, 0.0)) if log else losses
    top = np.log10(1.0 + high - low) if log else high
    bottom = 0.0 if log else low
    return np.clip(z + 0.01 * (top - bottom), bottom, top)


def paths_3d(surf: Surface, paths: Mapping[str, Trajectory], log: bool = False,
             markers: tuple[Marker, ...] = (), height: int = 540) -> go.Figure:
    """The 3D surface with every path drawn on it (points outside the view are clipped)."""
    spec = specs.spec_of(surface_3d(surf, log, markers, height=height, show_scale=False))  # the map has the legend
    for i, (label, path) in enumerate(paths.items()):
        keep = _drawn(len(path.points), np.array([], dtype=int))
        inside = ((path.points[keep, 0] >= surf.x[0]) & (path.points[keep, 0] <= surf.x[-1])
                  & (path.points[keep, 1] >= surf.y[0]) & (path.points[keep, 1] <= surf.y[-1]))
        keep = keep[inside]
        spec["data"].append(dict(type="scatter3d", x=f32(path.points[keep, 0]), y=f32(path.points[keep, 1]),
                                 z=shown(_lift(surf, path.losses[keep], log)), mode="lines", name=label,
                                 line=dict(color=color(i), width=7)))
    specs.merge(spec["layout"], dict(
        showlegend=False, scene=dict(camera=dict(eye=dict(x=0.9, y=-1.5, z=1.6)),  # from above: paths run in valleys
                                     xaxis=dict(range=[float(surf.x[0]), float(surf.x[-1])]),
                                     yaxis=dict(range=[float(surf.y[0]), float(surf.y[-1])]))))
    return specs.figure(scene_room(spec))


# ---- loss curves --------------------------------------------------------------------------------------

def _log_axis(values: list[np.ndarray], floor: float | None, title: str) -> dict[str, object]:
    """A log axis labelled at whole decades, at most about eight labels (linear without a floor)."""
    if floor is None:
        return dict(title=dict(text=title), type="linear")
    shown_gaps = np.log10(shown(np.concatenate([gap(v, floor) for v in values])).astype(np.float64))
    decades = float(shown_gaps.max() - shown_gaps.min())
    return dict(title=dict(text=title), type="log", dtick=max(1, int(np.ceil(decades / 8))), exponentformat="power",
                tickfont=dict(size=TEXT + 2))  # the exponents are superscripts, 7/8 of that: still 14 px


def loss_curves(paths: Mapping[str, Trajectory], floor: float | None = None, height: int = 420) -> go.Figure:
    """Loss (or ``loss - f*``) against step on a log axis; a cross where a path diverged.

    Without a floor (an objective unbounded below) the axis is linear and shows the loss itself.
    """
    data = []
    for i, (label, path) in enumerate(paths.items()):
        y = shown(gap(path.losses, floor))
        data.append(dict(type="scatter", x=f32(np.arange(len(y))), y=y, mode="lines", name=label,
                         line=dict(color=color(i), width=2), legendgroup=label))
        if path.diverged_at is not None:
            data.append(dict(type="scatter", x=f32([len(y) - 1]), y=y[-1:], mode="markers", legendgroup=label,
                             name=f"{label} diverged at step {path.diverged_at}", showlegend=False,
                             marker=dict(symbol="x", size=12, color=color(i), line=dict(width=1, color="black"))))
    layout = dict(height=height, margin=dict(l=10, r=10, t=10, b=10), xaxis=dict(title=dict(text="step")),
                  yaxis=_log_axis([p.losses for p in paths.values()], floor, gap_label(floor)),
                  uirevision="curves", plot_bgcolor="#f4f4f8")
    return readable(dict(data=data, layout=layout))
