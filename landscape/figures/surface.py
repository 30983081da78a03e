"""Plotly figure builders. No streamlit here; arrays go to Plotly as float32 numpy arrays."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from landscape.types import Surface

COLORSCALE = "Viridis"
MARKER_COLORS = {"grid minimum": "#ff7f0e", "true minimum": "#d62728", "start": "#2ca02c"}


@dataclass(frozen=True)
class Marker:
    x: float
    y: float
    z: float
    label: str  # legend name, e.g. "grid minimum", "true minimum"
    symbol: str = "x"
    color: str | None = None  # None: MARKER_COLORS by label

    @property
    def colour(self) -> str:
        return self.color or MARKER_COLORS.get(self.label, "#d62728")


def f32(a) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def log_height(z: np.ndarray) -> np.ndarray:
    """``log10(1 + z - min z)``: zero at the minimum, monotone, readable for steep functions."""
    finite = np.isfinite(z)
    low = z[finite].min() if finite.any() else 0.0
    return np.log10(1.0 + np.where(finite, z, np.nan) - low)


def _heights(surf: Surface, log: bool) -> tuple[np.ndarray, str]:
    if log:
        return log_height(surf.z), "log10(1 + loss - min)"
    return np.where(np.isfinite(surf.z), surf.z, np.nan), "loss"


def _marker_height(surf: Surface, m: Marker, log: bool) -> float:
    if not log:
        return m.z
    finite = surf.z[np.isfinite(surf.z)]
    return float(np.log10(1.0 + max(m.z - finite.min(), 0.0)))


def surface_3d(surf: Surface, log: bool = False, markers: tuple[Marker, ...] = (), title: str = "",
               height: int = 520) -> go.Figure:
    """A rotatable 3D surface with the minima marked."""
    z, z_label = _heights(surf, log)
    fig = go.Figure(go.Surface(x=f32(surf.x), y=f32(surf.y), z=f32(z), colorscale=COLORSCALE,
                               colorbar=dict(title=dict(text=z_label), len=0.7), name="loss",
                               contours=dict(z=dict(show=True, usecolormap=True, project_z=True, width=1))))
    for m in markers:
        fig.add_trace(go.Scatter3d(x=f32([m.x]), y=f32([m.y]), z=f32([_marker_height(surf, m, log)]),
                                   mode="markers", name=m.label,
                                   marker=dict(size=6, color=m.colour,
                                               symbol="diamond" if m.symbol == "x" else m.symbol)))
    fig.update_layout(
        title=title, height=height, margin=dict(l=0, r=0, t=40 if title else 10, b=0), uirevision="surface",
        legend=dict(orientation="h", y=0.02),
        scene=dict(xaxis_title=surf.x_label, yaxis_title=surf.y_label, zaxis_title=z_label,
                   camera=dict(eye=dict(x=1.5, y=-1.5, z=1.0)), aspectmode="manual",
                   aspectratio=dict(x=1, y=1, z=0.6)))
    return fig


def contour(surf: Surface, log: bool = False, markers: tuple[Marker, ...] = (), title: str = "",
            arrows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None,
            height: int = 520, show_scale: bool = True) -> go.Figure:
    """A filled contour map with the minima marked and, optionally, arrows along -gradient."""
    z, z_label = _heights(surf, log)
    fig = go.Figure(go.Contour(x=f32(surf.x), y=f32(surf.y), z=f32(z), colorscale=COLORSCALE, ncontours=30,
                               showscale=show_scale, colorbar=dict(title=dict(text=z_label)), name="loss",
                               contours=dict(coloring="heatmap", showlines=True), line=dict(width=0.5)))
    if arrows is not None:
        fig.add_trace(descent_arrows(*arrows, span=min(np.ptp(surf.x), np.ptp(surf.y))))
    for m in markers:
        fig.add_trace(go.Scatter(x=f32([m.x]), y=f32([m.y]), mode="markers", name=m.label,
                                 marker=dict(size=13, symbol=m.symbol, color=m.colour,
                                             line=dict(width=2, color="white"))))
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                      xaxis_title=surf.x_label, yaxis_title=surf.y_label, uirevision="contour",
                      legend=dict(orientation="h", y=-0.15))
    fig.update_xaxes(range=[float(surf.x[0]), float(surf.x[-1])])
    fig.update_yaxes(range=[float(surf.y[0]), float(surf.y[-1])])
    return fig


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
    from plotly.subplots import make_subplots

    titles = list(surfaces)
    fig = make_subplots(rows=1, cols=len(titles), subplot_titles=titles, shared_yaxes=True,
                        horizontal_spacing=0.04)
    shown: set[str] = set()  # each marker label in the legend once, at its first appearance
    for col, name in enumerate(titles, start=1):
        surf = surfaces[name]
        z, _ = _heights(surf, log)
        fig.add_trace(go.Contour(x=f32(surf.x), y=f32(surf.y), z=f32(z), colorscale=COLORSCALE, showscale=False,
                                 ncontours=25, name=name, contours=dict(coloring="heatmap")), 1, col)
        for m in markers.get(name, ()):
            fig.add_trace(go.Scatter(x=f32([m.x]), y=f32([m.y]), mode="markers", name=m.label,
                                     showlegend=m.label not in shown, legendgroup=m.label,
                                     marker=dict(size=11, symbol=m.symbol, line=dict(width=2, color="white"),
                                                 color=m.colour)), 1, col)
            shown.add(m.label)
        fig.update_xaxes(title_text=surf.x_label, row=1, col=col)
    fig.update_yaxes(title_text=next(iter(surfaces.values())).y_label, row=1, col=1)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), uirevision="row",
                      legend=dict(orientation="h", y=-0.25))
    return fig
