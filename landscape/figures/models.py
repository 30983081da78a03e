"""One point of a loss surface is one model: the line (or decision boundary) of a point of the map, drawn
over the data the surface is built from, and the map's invisible click targets.  No streamlit here.

Regression: ``y ≈ w x + b``; the residuals of the picked line are drawn as thin segments, since the height
of the surface at (w, b) is their mean loss.  Classification (two weights, no bias): the decision boundary
``w1 x1 + w2 x2 = 0`` over the points coloured by class.  ``DRAWINGS`` is the registry of how a model is
drawn, keyed by what one point of a family's map is (``problems.Family.model``): no branch on family names.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import plotly.graph_objects as go

from landscape import problems
from landscape.figures import specs
from landscape.figures.style import readable
from landscape.figures.surface import Marker, contour, f32
from landscape.types import Surface

PICK_COLOR = "#e6007e"  # the picked model, on the map and over the data
BEST_COLOR = "#444444"
POINT_COLOR = "#5b7fa6"
CLASS_COLORS = ("#1f77b4", "#ff7f0e")
RESIDUAL_COLOR = "rgba(230, 0, 126, 0.35)"
MAX_RESIDUALS = 400  # residual segments drawn (more points: none, they would be a smear)
CLICK_GRID = 41  # invisible click targets a side laid over the map


def click_grid(surf: Surface, kind: str, n: int = CLICK_GRID) -> go.Scatter:
    """Invisible points on the surface's own grid (Plotly reports clicks on scatter points only, DESIGN.md);
    hovering one names the model there and its loss."""
    iy, ix = (np.unique(np.round(np.linspace(0, len(a) - 1, n)).astype(int)) for a in (surf.y, surf.x))
    gx, gy = np.meshgrid(surf.x[ix], surf.y[iy])
    z = np.clip(np.nan_to_num(surf.z[np.ix_(iy, ix)], nan=np.inf), -3e38, 3e38)
    drawing = drawing_of(kind)
    what = drawing.hover if drawing else ""
    hidden = dict(marker=dict(opacity=0))
    return go.Scatter(x=f32(gx.ravel()), y=f32(gy.ravel()), customdata=f32(z.ravel()), mode="markers",
                      name="click to draw its model", showlegend=False, marker=dict(size=12, opacity=0, color="white"),
                      selected=hidden, unselected=hidden,
                      hovertemplate=(f"{what}<br>" if what else "") + f"{surf.x_label} = %{{x:.3g}}, "
                                    f"{surf.y_label} = %{{y:.3g}}: loss %{{customdata:.4g}}<br>click to draw it"
                                    "<extra></extra>")


def clickable_map(surf: Surface, log: bool, markers: tuple[Marker, ...], arrows, kind: str,
                  height: int = 320) -> go.Figure:
    """The contour map with ``click_grid`` laid over it; no legend (the page's caption names the markers)."""
    fig = specs.editable(contour(surf, log, markers, arrows=arrows, height=height, legend="none"))
    fig.add_trace(click_grid(surf, kind))
    return fig


def _span(values: np.ndarray, share: float = 0.05) -> tuple[float, float]:
    low, high = float(np.min(values)), float(np.max(values))
    pad = share * (high - low or 1.0)
    return low - pad, high + pad


def model_on_data(points: tuple[np.ndarray, np.ndarray], kind: str, theta: tuple[float, float],
                  best: tuple[float, float] | None, loss: float, names: tuple[str, str],
                  height: int = 250) -> go.Figure:
    """The data, the model at ``theta`` (the picked point of the map) and, dashed, the model at ``best``
    (the minimum); the title quotes the picked point and its loss."""
    x, y = (np.asarray(a, dtype=np.float64) for a in points)
    fig = go.Figure()
    title = f"{names[0]} = {theta[0]:.3g}, {names[1]} = {theta[1]:.3g}: loss {loss:.4g}"
    drawing_of(kind).draw(fig, x, y, theta, best)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), uirevision="model",
                      title=dict(text=title, x=0, xanchor="left", y=1, yanchor="top", yref="container",
                                 pad=dict(t=8, l=8)))
    fig.update_xaxes(fixedrange=True)
    fig.update_yaxes(fixedrange=True)
    return readable(fig, legend="none")


def _draw_line(fig: go.Figure, x: np.ndarray, y: np.ndarray, theta: tuple[float, float],
               best: tuple[float, float] | None) -> None:
    """The points, the residuals of the line at ``theta``, the best line dashed and the picked line."""
    a, b = theta
    ends = np.array(_span(x))
    fig.add_trace(go.Scatter(x=f32(x), y=f32(y), mode="markers", name="data",
                             marker=dict(size=6, color=POINT_COLOR, opacity=0.8)))
    if len(x) <= MAX_RESIDUALS:
        fit = a * x + b
        gap = np.full_like(x, np.nan)
        fig.add_trace(go.Scatter(x=f32(np.stack([x, x, gap], 1).ravel()), y=f32(np.stack([y, fit, gap], 1).ravel()),
                                 mode="lines", name="residuals", hoverinfo="skip",
                                 line=dict(color=RESIDUAL_COLOR, width=1.5)))
    if best is not None:
        fig.add_trace(go.Scatter(x=f32(ends), y=f32(best[0] * ends + best[1]), mode="lines", name="the best line",
                                 hoverinfo="skip", line=dict(color=BEST_COLOR, width=2, dash="dash")))
    fig.add_trace(go.Scatter(x=f32(ends), y=f32(a * ends + b), mode="lines", name="the picked line",
                             hoverinfo="skip", line=dict(color=PICK_COLOR, width=3.5)))
    low, high = _span(np.concatenate([y, a * ends + b]))
    fig.update_layout(xaxis=dict(title="x", range=list(ends)), yaxis=dict(title="y", range=[low, high]))


def _draw_boundary(fig: go.Figure, x: np.ndarray, y: np.ndarray, theta: tuple[float, float],
                   best: tuple[float, float] | None) -> None:
    """The points coloured by class, the best boundary dashed and the picked boundary through the origin."""
    a, b = theta
    labels = y.astype(int)
    for c in (0, 1):
        pick = labels == c
        fig.add_trace(go.Scatter(x=f32(x[pick, 0]), y=f32(x[pick, 1]), mode="markers", name=f"class {c}",
                                 marker=dict(size=6, color=CLASS_COLORS[c], opacity=0.8)))
    xr, yr = _span(x[:, 0]), _span(x[:, 1])
    for (w1, w2), name, line in (((best or (np.nan, np.nan)), "the best boundary",
                                  dict(color=BEST_COLOR, width=2, dash="dash")),
                                 ((a, b), "the picked boundary", dict(color=PICK_COLOR, width=3.5))):
        if not (np.isfinite(w1) and np.isfinite(w2)) or (w1 == 0 and w2 == 0):
            continue
        if abs(w2) >= abs(w1):  # x2 = -w1 x1 / w2
            xs = np.array(xr)
            ys = -w1 * xs / w2
        else:
            ys = np.array(yr)
            xs = -w2 * ys / w1
        fig.add_trace(go.Scatter(x=f32(xs), y=f32(ys), mode="lines", name=name, hoverinfo="skip", line=line))
    fig.update_layout(xaxis=dict(title="x₁", range=list(xr)), yaxis=dict(title="x₂", range=list(yr)))


@dataclass(frozen=True)
class Drawing:
    """How one model of a family's map is named on hover and drawn over the data."""

    hover: str  # Plotly hover text naming the model at the click target (x, y)
    draw: Callable[[go.Figure, np.ndarray, np.ndarray, tuple[float, float], tuple[float, float] | None], None]


DRAWINGS: dict[str, Drawing] = {
    "line": Drawing("the line ŷ = %{x:.3g} x + %{y:.3g}", _draw_line),
    "decision boundary": Drawing("the boundary %{x:.3g} x₁ + %{y:.3g} x₂ = 0", _draw_boundary),
}


def drawing_of(family: str) -> Drawing | None:
    """The drawing of a problem family's model (None for a family without data, a test function)."""
    return DRAWINGS.get(problems.family(family).model)
