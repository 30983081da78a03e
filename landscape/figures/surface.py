"""Plotly figure builders. No streamlit here; arrays go to Plotly as float32 numpy arrays."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from landscape.figures import specs
from landscape.figures.style import readable, scene_room
from landscape.types import Marker, Surface

COLORSCALE = "Viridis"
LOG_TITLE, LINEAR_TITLE = "loss (log scale)", "loss"
MARKER_COLORS = {"grid minimum": "#ff7f0e", "true minimum": "#d62728", "start": "#2ca02c"}


def colour(m: Marker) -> str:
    """A marker's colour: its own, else MARKER_COLORS by its label."""
    return m.color or MARKER_COLORS.get(m.label, "#d62728")


def f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def log_height(z: np.ndarray) -> np.ndarray:
    """``log10(1 + z - min z)``: zero at the minimum, monotone, readable for steep functions."""
    finite = np.isfinite(z)
    low = z[finite].min() if finite.any() else 0.0
    return np.log10(1.0 + np.where(finite, z, np.nan) - low)


def log_ticks(z: np.ndarray, most: int = 7) -> dict:
    """Ticks of a ``log_height`` scale labelled with the loss itself: at the minimum and at the minimum plus
    whole decades (every other decade when there are more than ``most``)."""
    finite = z[np.isfinite(z)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    span = high - low
    if span <= 0:
        return dict(tickvals=[0.0], ticktext=[f"{low:.3g}"])
    top = int(np.floor(np.log10(span) + 1e-9))
    bottom = min(top - most + 1, -1) if span < 1 else 0
    decades = np.arange(bottom, top + 1)
    decades = decades[::-(-len(decades) // most)] if len(decades) > most else decades
    for steps in ((1.0,), (1.0, 2.0, 5.0)):  # whole decades; 1, 2 and 5 of each when that leaves too few
        above = np.array([0.0] + [m * 10.0 ** d for d in decades for m in steps if m * 10.0 ** d <= span * (1 + 1e-9)])
        above = above[(above == 0) | (np.log10(1 + above) > 0.08 * np.log10(1 + span))]  # none crowding the minimum
        if len(above) >= 3:
            break
    digits = int(np.clip(np.ceil(np.log10(max(abs(low), 1e-300) / above[1])) + 2, 3, 8)) if len(above) > 1 else 3
    step = 10.0 ** (np.floor(np.log10(span)) - 4)  # labels to a ten-thousandth of the span: no "1.2e-30" for 0
    return dict(tickvals=[float(v) for v in np.log10(1.0 + above)],
                ticktext=[short(round((low + v) / step) * step, digits) for v in above])


def short(v: float, digits: int = 3) -> str:
    """``v`` to ``digits`` significant digits, exponents without padding (1e3, 2.5e-4)."""
    return f"{v:.{digits}g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def _heights(surf: Surface, log: bool) -> tuple[np.ndarray, str, dict]:
    """Heights drawn, their title in words and, on a log scale, ticks labelled with the loss."""
    if log:
        return log_height(surf.z), LOG_TITLE, log_ticks(surf.z)
    return np.where(np.isfinite(surf.z), surf.z, np.nan), LINEAR_TITLE, {}


def _marker_height(surf: Surface, m: Marker, log: bool) -> float:
    if not log:
        return m.z
    finite = surf.z[np.isfinite(surf.z)]
    return float(np.log10(1.0 + max(m.z - finite.min(), 0.0)))


def surface_3d(surf: Surface, log: bool = False, markers: tuple[Marker, ...] = (), title: str = "",
               height: int = 520, show_scale: bool = True) -> go.Figure:
    """A rotatable 3D surface with the minima marked (one trace for all of them: every WebGL trace costs
    a machine without a GPU its own drawing).  ``show_scale=False`` when a map beside it has the colour bar.

    No contour lines are projected under it: the map beside it shows them, and in software WebGL they
    cost a third of the drawing."""
    z, z_label, ticks = _heights(surf, log)
    data = [dict(type="surface", x=f32(surf.x), y=f32(surf.y), z=f32(z), colorscale=specs.colorscale(COLORSCALE),
                 showscale=show_scale, colorbar=dict(title=dict(text=z_label, side="right"), len=0.8, **ticks),
                 name="loss", hovertemplate=f"{surf.x_label} %{{x:.3g}}, {surf.y_label} %{{y:.3g}}<extra></extra>")]
    if markers:
        data.append(dict(type="scatter3d", x=f32([m.x for m in markers]), y=f32([m.y for m in markers]),
                         z=f32([_marker_height(surf, m, log) for m in markers]), mode="markers",
                         name=" · ".join(dict.fromkeys(m.label for m in markers)), showlegend=False,
                         text=[m.label for m in markers], hovertemplate="%{text}<extra></extra>",
                         marker=dict(size=6, color=[colour(m) for m in markers],
                                     symbol=["diamond" if m.symbol == "x" else m.symbol for m in markers])))
    layout = dict(
        title=dict(text=title), height=height, margin=dict(l=0, r=0, t=40 if title else 10, b=0), uirevision="surface",
        scene=dict(xaxis=dict(title=dict(text=surf.x_label), nticks=5), yaxis=dict(title=dict(text=surf.y_label), nticks=5),
                   zaxis=dict(title=dict(text=""), nticks=5,  # the height is the loss; a z title was cut at the left
                              **{k: v[1:] for k, v in ticks.items()}),  # no label at the minimum: the corner's
                   camera=dict(eye=dict(x=1.5, y=-1.5, z=1.0)), aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.6)))
    return readable(scene_room(dict(data=data, layout=layout)), legend="none")  # readable leaves the camera be


def contour(surf: Surface, log: bool = False, markers: tuple[Marker, ...] = (), title: str = "",
            arrows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
            height: int = 520, show_scale: bool = True, legend: str = "below") -> go.Figure:
    """A filled contour map with the minima marked and, optionally, arrows along -gradient."""
    return readable(contour_map(surf, log, markers, title, arrows, height, show_scale), legend)


def contour_map(surf: Surface, log: bool = False, markers: tuple[Marker, ...] = (), title: str = "",
                arrows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
                height: int = 520, show_scale: bool = True) -> dict:
    """``contour`` before ``readable``, as a spec (``specs.spec_of``): for a builder that adds to it and lays the
    whole out once (laid out twice, presenter mode's look would be undone: ``present`` runs once)."""
    z, z_label, ticks = _heights(surf, log)
    data = [dict(type="contour", x=f32(surf.x), y=f32(surf.y), z=f32(z), colorscale=specs.colorscale(COLORSCALE),
                 ncontours=30, showscale=show_scale, colorbar=dict(title=dict(text=z_label, side="right"), **ticks),
                 name="loss", contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5))]
    if arrows is not None:
        data.append(descent_arrows(*arrows, span=min(np.ptp(surf.x), np.ptp(surf.y))).to_plotly_json())
    return map_frame(dict(data=data, layout={}), surf, markers, title, height)


def map_frame(spec: dict, surf: Surface, markers: tuple[Marker, ...] = (), title: str = "",
              height: int = 520) -> dict:
    """The markers and the axes of a map of ``surf`` (a contour trace, or a picture of one), added to ``spec``;
    each marker label in the legend once (Himmelblau's four true minima are one entry)."""
    labels = [m.label for m in markers]
    spec["data"] += [dict(type="scatter", x=f32([m.x]), y=f32([m.y]), mode="markers", name=m.label,
                          showlegend=labels.index(m.label) == i, legendgroup=m.label,
                          marker=dict(size=13, symbol=m.symbol, color=colour(m), line=dict(width=2, color="white")))
                     for i, m in enumerate(markers)]
    specs.merge(spec["layout"], dict(
        title=dict(text=title), height=height, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        xaxis={"title": {"text": surf.x_label}, "range": [float(surf.x[0]), float(surf.x[-1])]},
        yaxis={"title": {"text": surf.y_label}, "range": [float(surf.y[0]), float(surf.y[-1])]},
        uirevision="contour"))
    return spec


def descent_arrows(x: np.ndarray, y: np.ndarray, gx: np.ndarray, gy: np.ndarray, span: float) -> go.Scatter:
    """Arrows pointing down the gradient (``-grad``), length scaled by ``log(1 + |grad|)``.

    Drawn as one line trace with NaN breaks: a shaft and two head strokes per arrow.
    """
    x, y, gx, gy = (np.ravel(a) for a in (x, y, gx, gy))
    norm = np.hypot(gx, gy)
    ok = np.isfinite(norm) & (norm > 0)
    x, y, gx, gy, norm = x[ok], y[ok], gx[ok], gy[ok], norm[ok]
    length = np.log1p(norm) / np.log1p(norm).max() * span / 22.0 if len(norm) else norm
    ux, uy = -gx / norm, -gy / norm  # unit descent direction
    tip_x, tip_y = x + length * ux, y + length * uy
    head = 0.35 * length
    left_x, left_y = tip_x - head * (ux * 0.87 - uy * 0.5), tip_y - head * (uy * 0.87 + ux * 0.5)
    right_x, right_y = tip_x - head * (ux * 0.87 + uy * 0.5), tip_y - head * (uy * 0.87 - ux * 0.5)
    gap = np.full_like(x, np.nan)
    xs = np.stack([x, tip_x, left_x, tip_x, right_x, gap], 1).ravel()  # (6 * arrows,)
    ys = np.stack([y, tip_y, left_y, tip_y, right_y, gap], 1).ravel()
    return go.Scatter(x=f32(xs), y=f32(ys), mode="lines", name="descent direction", hoverinfo="skip",
                      line=dict(color="rgba(255,255,255,0.8)", width=1.2))


def contour_row(surfaces: dict[str, Surface], markers: dict[str, tuple[Marker, ...]], log: bool = False,
                height: int = 330) -> go.Figure:
    """Several contour maps side by side on the same axes (e.g. data loss, penalty, total)."""
    return readable(contour_row_maps(surfaces, markers, log, height))


def contour_row_maps(surfaces: dict[str, Surface], markers: dict[str, tuple[Marker, ...]], log: bool = False,
                     height: int = 330) -> dict:
    """``contour_row`` before ``readable``, as a spec (``specs.spec_of``): for a builder that adds to it and lays
    the whole out once (laid out twice, presenter mode's look would be undone: ``present`` runs once)."""
    titles = list(surfaces)
    layout = specs.subplots(1, len(titles), subplot_titles=tuple(titles), shared_yaxes=True, horizontal_spacing=0.04)
    data = []
    shown: set[str] = set()  # each marker label in the legend once, at its first appearance
    for col, name in enumerate(titles, start=1):
        surf, axes = surfaces[name], specs.cell(1, col, len(titles))
        z, _, _ = _heights(surf, log)
        data.append(dict(type="contour", x=f32(surf.x), y=f32(surf.y), z=f32(z), colorscale=specs.colorscale(COLORSCALE),
                         showscale=False, ncontours=25, name=name, contours=dict(coloring="heatmap"), **axes))
        for m in markers.get(name, ()):
            data.append(dict(type="scatter", x=f32([m.x]), y=f32([m.y]), mode="markers", name=m.label,
                             showlegend=m.label not in shown, legendgroup=m.label,
                             marker=dict(size=11, symbol=m.symbol, line=dict(width=2, color="white"), color=colour(m)),
                             **axes))
            shown.add(m.label)
        layout[specs.axis_key(axes["xaxis"])]["title"] = dict(text=surf.x_label)
    layout["yaxis"]["title"] = dict(text=next(iter(surfaces.values())).y_label)
    layout |= dict(height=height, margin=dict(l=10, r=10, t=40, b=10), uirevision="row")
    return dict(data=data, layout=layout)
