"""Figures of the distributions page: the fitted Normals over the two-mode p, and segment-loss slices."""
from __future__ import annotations

import plotly.graph_objects as go

from landscape.divergence import DIVERGENCES, FitView, OverlapView
from landscape.figures.losses import PALETTE
from landscape.figures.style import readable
from landscape.figures.surface import Marker, contour_row, f32

DIVERGENCE_COLORS = dict(zip(DIVERGENCES, PALETTE[1:]))
DIVERGENCE_DASH = {"forward": "solid", "reverse": "solid", "js": "dash"}  # JS often lands on the forward KL's q
OVERLAP_COLORS = {"soft Dice": PALETTE[1], "soft IoU": PALETTE[2], "BCE": PALETTE[0]}


def divergence_surfaces(view: FitView, height: int = 360) -> go.Figure:
    """Forward KL, reverse KL and Jensen-Shannon over (mu, log sigma), log colour scale, minima marked."""
    surfaces = {DIVERGENCES[name].label: surf for name, surf in view.surfaces.items()}
    markers = {DIVERGENCES[name].label: tuple(
        Marker(m.mu, m.log_sigma, m.value, "minimum" if k == 0 else "other local minimum",
               "x" if k == 0 else "circle-open", "#d62728" if k == 0 else "#ff7f0e")
        for k, m in enumerate(minima)) for name, minima in view.minima.items()}
    return contour_row(surfaces, markers, log=True, height=height)


def overlap_surfaces(view: OverlapView, height: int = 360) -> go.Figure:
    """Soft Dice, soft IoU and BCE over the predicted segment's (position, width), the truth marked."""
    position, extent = view.truth
    markers = {name: (Marker(position, extent, 0.0, "ground truth", "star", "#2ca02c"),
                      Marker(*surf.minimum, "grid minimum", "circle-open"))
               for name, surf in view.surfaces.items()}
    return contour_row(view.surfaces, markers, log=False, height=height)


def densities(view: FitView, height: int = 360) -> go.Figure:
    """p (filled) and the best Normal q of each divergence."""
    x = f32(view.x)
    fig = go.Figure(go.Scatter(x=x, y=f32(view.density_p), name="p (two modes)", mode="lines", fill="tozeroy",
                               line=dict(color="#444", width=2), fillcolor="rgba(120,120,120,0.25)"))
    for name, q in view.density_q.items():
        best = view.minima[name][0]
        fig.add_trace(go.Scatter(x=x, y=f32(q), mode="lines",
                                 line=dict(color=DIVERGENCE_COLORS[name], width=2.5, dash=DIVERGENCE_DASH[name]),
                                 name=f"best q for {DIVERGENCES[name].label}: μ = {best.mu:z.2f}, "
                                      f"σ = {best.sigma:.2f}"))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=20, b=10), uirevision="densities",
                      xaxis_title="x", yaxis_title="density")
    return readable(fig)


def segment_slices(view: OverlapView, height: int = 360) -> go.Figure:
    """Every overlap loss along the prediction's position at the true width, scaled to its largest value,
    over the ground-truth mask."""
    position, extent = view.truth
    fig = go.Figure()
    fig.add_vrect(x0=position - extent / 2, x1=position + extent / 2, fillcolor="#2ca02c", opacity=0.15, line_width=0,
                  annotation_text="ground truth", annotation_position="top left")
    x = f32(view.positions)
    for name, y in view.slices.items():
        top = float(y.max()) or 1.0
        fig.add_trace(go.Scatter(x=x, y=f32(y / top), mode="lines", name=f"{name} (÷ {top:.3g})",
                                 line=dict(color=OVERLAP_COLORS[name], width=2.5)))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), uirevision="slices",
                      xaxis_title="position of the predicted segment (width = true width)",
                      yaxis_title="loss ÷ its largest value")
    fig.update_xaxes(range=[0, 1])
    return readable(fig)
