"""Figures of the neural-landscape and overfitting pages: train / validation curves with marks and fit
regimes, slices of a network's landscape with its training path, curvature slices, fitted curves.
No streamlit here; arrays go as float32.
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from landscape.figures import specs
from landscape.figures.style import TEXT, readable
from landscape.figures.surface import Marker, contour, f32, surface_3d
from landscape.types import Surface

TRAIN_COLOR, VAL_COLOR = "#1f77b4", "#ff7f0e"
PART_COLORS = {"train": TRAIN_COLOR, "validation": VAL_COLOR}
REGIME_COLORS = {"underfit": "#4c78a8", "good fit": "#54a24b", "overfit": "#e45756"}
REGIME_OPACITY = 0.14
PATH_COLOR = "#d62728"
LINE_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b")
HEIGHT = 390  # a plane's contour and 3D surface, side by side under the metrics (1280x720: above the fold)


def lines(x, ys: Mapping[str, np.ndarray], x_label: str, y_label: str = "loss", log_y: bool = False,
          colors: Mapping[str, str] | None = None, title: str = "", height: int = 380) -> go.Figure:
    """One line per entry of ``ys`` (label -> (n,) values over ``x (n,)``)."""
    fig = go.Figure()
    for i, (label, y) in enumerate(ys.items()):
        color = (colors or {}).get(label, LINE_COLORS[i % len(LINE_COLORS)])
        hover = f"{label}<br>{x_label} = %{{x:.4g}}<br>{y_label} = %{{y:.4g}}<extra></extra>"
        fig.add_trace(go.Scatter(x=f32(x), y=f32(y), mode="lines", name=label, line=dict(color=color, width=2.5),
                                 hovertemplate=hover))
    fig.update_layout(title=title, height=height, margin=dict(l=10, r=10, t=40 if title else 10, b=10),
                      xaxis_title=x_label, yaxis_title=y_label + (" (log scale)" if log_y else ""),
                      yaxis=_log_axis(ys.values()) if log_y else dict(type="linear"),
                      uirevision=x_label)
    return readable(fig, top=40 if title else None)


def _log_axis(values) -> dict[str, object]:
    """A log axis with ticks labelled in full (0.05, not "5"): at 1, 2, 5 times powers of ten, more of them
    over less than a decade and only powers of ten over more than three."""
    positive = np.concatenate([np.ravel(v)[np.isfinite(v) & (np.asarray(v) > 0)] for v in values] or [[1.0]])
    lo, hi = (np.log10(positive.min()), np.log10(positive.max())) if positive.size else (0.0, 1.0)
    steps = (1, 1.5, 2, 3, 4, 5, 7) if hi - lo < 1 else (1, 2, 5) if hi - lo <= 3 else (1,)
    ticks = [m * 10.0**e for e in range(int(np.floor(lo)), int(np.ceil(hi)) + 1) for m in steps]
    return dict(type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks])


def _segments(x: np.ndarray, labels: Sequence[str]) -> list[tuple[float, float, str]]:
    """Runs of equal labels as ``(x0, x1, label)``, each point owning the span to halfway to its neighbours."""
    x = np.asarray(x, dtype=np.float64)
    edges = np.concatenate([[x[0]], (x[1:] + x[:-1]) / 2, [x[-1]]])  # (n + 1,)
    out, start = [], 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            out.append((float(edges[start]), float(edges[i]), labels[start]))
            start = i
    return out


def train_val_curves(x, train, val, x_label: str, y_label: str = "loss", marks: Mapping[str, float] | None = None,
                     labels: Sequence[str] | None = None, floor: float | None = None, log_y: bool = True,
                     title: str = "", height: int = 380) -> go.Figure:
    """Training and validation curves over ``x``; dashed vertical ``marks`` (label -> x), fit-regime bands
    behind the curves (``labels``, one per point) and the noise floor as a dotted line."""
    fig = specs.editable(lines(x, {"train": train, "validation": val}, x_label, y_label, log_y,
                               {"train": TRAIN_COLOR, "validation": VAL_COLOR}, title, height))
    if labels is not None:
        for x0, x1, label in _segments(x, labels):
            fig.add_vrect(x0=x0, x1=x1, fillcolor=REGIME_COLORS[label], opacity=REGIME_OPACITY, layer="below",
                          line_width=0)
        for label in dict.fromkeys(labels):  # legend entries of the bands, in order of appearance
            fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=label, hoverinfo="skip",
                                     marker=dict(symbol="square", size=14, color=REGIME_COLORS[label],
                                                 opacity=0.5)))
    if floor is not None:  # the label placed by hand: add_hline's annotation misses on a log axis
        fig.add_hline(y=floor, line=dict(color="#555", width=1.5, dash="dot"))
        fig.add_annotation(x=0.01, xref="paper", y=float(np.log10(floor)) if log_y else floor, text="noise floor",
                           showarrow=False, xanchor="left", yanchor="top", font=dict(size=TEXT, color="#555"))
    ordered = sorted((marks or {}).items(), key=lambda item: item[1])
    for i, (label, at) in enumerate(ordered):  # the leftmost label reads leftward, the others rightward
        fig.add_vline(x=at, line=dict(color="#333", width=1.5, dash="dash"))
        fig.add_annotation(x=at, y=1.0, yref="paper", text=label, showarrow=False, yanchor="bottom",
                           xanchor="right" if i == 0 and len(ordered) > 1 else "left", font=dict(size=TEXT))
    return readable(fig, top=50 if title else None)


# ---- slices of a network's landscape -------------------------------------------------------------------

def _heights(surf: Surface, z: np.ndarray, log: bool) -> np.ndarray:
    """Heights of points ``z`` drawn over ``surf``, on its scale (``figures.surface_3d``'s log height)."""
    if not log:
        return np.asarray(z, dtype=np.float64)
    low = surf.z[np.isfinite(surf.z)].min()
    return np.log10(1.0 + np.maximum(np.asarray(z, dtype=np.float64) - low, 0.0))


def plane_figures(surf: Surface, centre_z: float, log: bool, path: np.ndarray | None = None,
                  path_z: np.ndarray | None = None) -> tuple[go.Figure, go.Figure]:
    """(contour, 3D surface) of a plane through the trained weights, at (0, 0) with loss ``centre_z``; with
    ``path (R, 2)`` and its losses ``path_z (R,)`` on the plane, the training path drawn on both."""
    centre = Marker(0.0, 0.0, float(centre_z), "trained weights", "x", PATH_COLOR)
    flat = specs.editable(contour(surf, log, (centre,), height=HEIGHT))  # the colour bar is the map's, not the 3D's
    tall = specs.editable(surface_3d(surf, log, (centre,), height=HEIGHT, show_scale=False))
    if path is not None and path_z is not None:
        flat.add_trace(go.Scatter(x=f32(path[:, 0]), y=f32(path[:, 1]), mode="lines+markers", name="training path",
                                  line=dict(color="white", width=2), marker=dict(size=4, color=PATH_COLOR)))
        flat.add_trace(go.Scatter(x=f32(path[:1, 0]), y=f32(path[:1, 1]), mode="markers", name="initial weights",
                                  marker=dict(size=12, symbol="circle", color="#2ca02c",
                                              line=dict(width=2, color="white"))))
        tall.add_trace(go.Scatter3d(x=f32(path[:, 0]), y=f32(path[:, 1]), z=f32(_heights(surf, path_z, log)),
                                    mode="lines", name="training path", line=dict(color=PATH_COLOR, width=6)))
    return flat, tall


# ---- data and fitted curves ------------------------------------------------------------------------------

def fitted_curves(x_train, y_train, x_val, y_val, grid, truth, fits: Mapping[str, np.ndarray],
                  height: int = 420) -> go.Figure:
    """The training points, a faint sample of the validation points, the true curve and fitted curves."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=f32(x_val), y=f32(y_val), mode="markers", name="validation points",
                             marker=dict(size=4, color=VAL_COLOR, opacity=0.25)))
    fig.add_trace(go.Scatter(x=f32(grid), y=f32(truth), mode="lines", name="true curve",
                             line=dict(color="#333", width=2, dash="dash")))
    for i, (label, y) in enumerate(fits.items()):
        fig.add_trace(go.Scatter(x=f32(grid), y=f32(y), mode="lines", name=label,
                                 line=dict(color=LINE_COLORS[(i + 1) % len(LINE_COLORS)], width=3)))
    fig.add_trace(go.Scatter(x=f32(x_train), y=f32(y_train), mode="markers", name="training points",
                             marker=dict(size=9, color=TRAIN_COLOR, line=dict(width=1, color="white"))))
    span = np.ptp(np.concatenate([np.ravel(y_train), np.ravel(y_val)]))
    low, high = float(np.min(y_val)), float(np.max(y_val))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), xaxis_title="x", yaxis_title="y",
                      uirevision="fit",
                      yaxis=dict(range=[low - 0.25 * span, high + 0.25 * span]))  # wild fits run off the chart
    return readable(fig)
