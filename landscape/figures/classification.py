"""Figures of the classification page: data with decision boundaries, confusion matrix, probability simplex."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from landscape.classify import CLASSES, SOFTMAX_PARAMS, BinaryView, Metrics, SoftmaxView
from landscape.figures.style import TEXT, readable
from landscape.figures.surface import Marker, contour, f32, surface_3d

CLASS_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c")  # negative / A, positive / B, C
REGION_COLORS = [[0.0, "#e3eef9"], [1.0, "#fdebd9"]]  # predicted negative, predicted positive


SURFACE_STYLES = {"contour": contour, "3D": surface_3d}


def binary_surface(view: BinaryView, style: str = "contour", height: int = 480) -> go.Figure:
    """The loss over (w1, w2) at the minimiser's bias, with the minimiser and the weight-1 minimiser."""
    (w1, w2, _), (v1, v2, _) = view.fit.theta, view.plain.theta
    markers = (Marker(w1, w2, view.heights[0], "minimum", "x", "#d62728"),
               Marker(v1, v2, view.heights[1], "minimum at weight 1", "circle-open", "#17becf"))
    return SURFACE_STYLES[style](view.surface, markers=markers, height=height)


def softmax_surface(view: SoftmaxView, height: int = 480) -> go.Figure:
    """The cross-entropy over the two chosen parameters, the fit and the point whose predictions are shown."""
    i, j = (SOFTMAX_PARAMS.index(name) for name in view.pair)
    markers = (Marker(view.theta[i], view.theta[j], 0.0, "minimum (fit at T = 1)", "x", "#d62728"),
               Marker(view.point[i], view.point[j], 0.0, "predictions shown", "circle", "#e377c2"),
               Marker(*view.surface.minimum, "grid minimum", "circle-open"))
    return contour(view.surface, markers=markers, height=height)


def _boundary_line(x, y, scores, name: str, color: str, dash: str) -> go.Contour:
    """The line ``score = 0`` as a single contour level."""
    return go.Contour(x=f32(x), y=f32(y), z=f32(scores), showscale=False, name=name, showlegend=True,
                      contours=dict(start=0.0, end=0.0, size=1.0, coloring="lines"),
                      colorscale=[[0, color], [1, color]], line=dict(width=3, dash=dash), hoverinfo="skip")


def decision_boundary(view: BinaryView, height: int = 480) -> go.Figure:
    """The points by class, the regions the fitted line predicts, its boundary and the weight-1 boundary.

    Missed positives (false negatives) get a black ring.
    """
    fig = go.Figure(go.Heatmap(x=f32(view.box_x), y=f32(view.box_y), z=f32(view.fit.scores > 0),
                               colorscale=REGION_COLORS, zmin=0, zmax=1, showscale=False, hoverinfo="skip",
                               name="predicted class"))
    fig.add_trace(_boundary_line(view.box_x, view.box_y, view.plain.scores, "boundary at weight 1", "#7f7f7f", "dash"))
    fig.add_trace(_boundary_line(view.box_x, view.box_y, view.fit.scores, "boundary of the minimiser", "#222", "solid"))
    w1, w2, b = view.fit.theta
    scores = view.X @ np.array([w1, w2]) + b
    for label, name in ((0, "negative (0)"), (1, "positive (1)")):
        pick = view.y == label
        fig.add_trace(go.Scatter(x=f32(view.X[pick, 0]), y=f32(view.X[pick, 1]), mode="markers", name=name,
                                 marker=dict(color=CLASS_COLORS[label], size=7, line=dict(width=0.5, color="white"))))
    missed = (view.y == 1) & (scores <= 0)
    fig.add_trace(go.Scatter(x=f32(view.X[missed, 0]), y=f32(view.X[missed, 1]), mode="markers",
                             name="missed positive (false negative)",
                             marker=dict(color="rgba(0,0,0,0)", size=13, line=dict(width=2, color="#111"))))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), uirevision="boundary",
                      xaxis_title="x₁", yaxis_title="x₂")
    fig.update_xaxes(range=[float(view.box_x[0]), float(view.box_x[-1])])
    fig.update_yaxes(range=[float(view.box_y[0]), float(view.box_y[-1])], scaleanchor="x", scaleratio=1)
    return readable(fig)


def confusion_matrix(m: Metrics, height: int = 300) -> go.Figure:
    """Counts: rows are the truth, columns the prediction."""
    names = [["true negative", "false positive"], ["false negative", "true positive"]]
    text = [[f"{names[i][j]}<br><b>{int(m.matrix[i, j])}</b>" for j in range(2)] for i in range(2)]
    fig = go.Figure(go.Heatmap(z=f32(m.matrix), x=["predicted 0", "predicted 1"], y=["true 0", "true 1"],
                               text=text, texttemplate="%{text}", textfont=dict(size=TEXT + 1), colorscale="Blues",
                               showscale=False, hovertemplate="%{y}, %{x}: %{z}<extra></extra>"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), uirevision="confusion")
    fig.update_yaxes(autorange="reversed")
    return readable(fig, legend="none")


def simplex(view: SoftmaxView, height: int = 480) -> go.Figure:
    """Each point's predicted probabilities (p_A, p_B, p_C) as a point of the triangle, coloured by its class."""
    fig = go.Figure()
    p = view.probabilities
    for c, name in enumerate(CLASSES):
        pick = view.y == c
        fig.add_trace(go.Scatterternary(a=f32(p[pick, 0]), b=f32(p[pick, 1]), c=f32(p[pick, 2]), mode="markers",
                                        name=f"class {name}", marker=dict(color=CLASS_COLORS[c], size=6, opacity=0.75,
                                                                          line=dict(width=0.5, color="white"))))
    axis = dict(min=0, linewidth=1, ticks="outside", tickformat=".1f")
    fig.update_layout(height=height, margin=dict(l=40, r=40, t=40, b=10), uirevision="simplex",
                      ternary=dict(sum=1, aaxis=dict(title=dict(text="p(A)"), **axis),
                                   baxis=dict(title=dict(text="p(B)"), **axis),
                                   caxis=dict(title=dict(text="p(C)"), **axis)))
    return readable(fig)
