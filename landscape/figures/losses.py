"""Figures of the loss gallery: curves beside their slopes, and cross-entropy against confidence."""
from __future__ import annotations

import plotly.graph_objects as go
from plotly.colors import qualitative
from plotly.subplots import make_subplots

from landscape.curves import Confidence, Gallery
from landscape.figures.style import readable
from landscape.figures.surface import f32

PALETTE = qualitative.D3
REFERENCE_COLOR = "#7f7f7f"


def curve_colors(g: Gallery) -> list[str]:
    """One colour per curve, the same in both panels and in the read-out table."""
    return [PALETTE[i % len(PALETTE)] for i in range(len(g.curves))]


def gallery_curves(g: Gallery, height: int = 440) -> go.Figure:
    """Left: each loss over the residual or margin; right: its slope.  A dotted line marks the read-out."""
    v = g.variable
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.08,
                        subplot_titles=(f"loss ℓ({v})", f"slope dℓ/d{v}  (what gradient descent feels)"))
    x = f32(g.x)
    items = [(c, color, "solid") for c, color in zip(g.curves, curve_colors(g))]
    if g.reference is not None:
        items.insert(0, (g.reference, REFERENCE_COLOR, "dash"))
    for c, color, dash in items:
        for col, y, at in ((1, c.value, c.at_value), (2, c.slope, c.at_slope)):
            fig.add_trace(go.Scatter(x=x, y=f32(y), mode="lines", name=c.legend, legendgroup=c.label,
                                     showlegend=col == 1, line=dict(color=color, width=2.5, dash=dash),
                                     hovertemplate=f"{c.label}<br>{v} = %{{x:.3g}}<br>%{{y:.4g}}<extra></extra>"),
                          1, col)
            fig.add_trace(go.Scatter(x=f32([g.at]), y=f32([at]), mode="markers", legendgroup=c.label,
                                     showlegend=False,
                                     marker=dict(color=color, size=9, line=dict(width=1, color="white")),
                                     hovertemplate=f"{c.label} at {v} = {g.at:g}: %{{y:.4g}}<extra></extra>"), 1, col)
    for col in (1, 2):
        fig.add_vline(x=g.at, line=dict(color="#444", width=1, dash="dot"), row=1, col=col)
        fig.update_xaxes(title_text=g.x_label, row=1, col=col, zeroline=True)
    fig.add_hline(y=0, line=dict(color="#bbb", width=1), row=1, col=2)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=40, b=10), uirevision="gallery",
                      hovermode="closest")
    return readable(fig)


def confidence_curve(c: Confidence, height: int = 400) -> go.Figure:
    """Cross-entropy (and with label smoothing) against the probability of the true class, beside the
    bounded squared error; the confident-and-wrong corner shaded."""
    fig = go.Figure()
    fig.add_vrect(x0=0.0, x1=0.1, fillcolor="#d62728", opacity=0.08, line_width=0,
                  annotation_text="confident and wrong", annotation_position="top left")
    fig.add_vrect(x0=0.9, x1=1.0, fillcolor="#2ca02c", opacity=0.08, line_width=0,
                  annotation_text="confident and right", annotation_position="top right")
    p = f32(c.p)
    fig.add_trace(go.Scatter(x=p, y=f32(c.cross_entropy), name="cross-entropy −log p", mode="lines",
                             line=dict(color=PALETTE[0], width=3)))
    if c.label_smoothing > 0:
        fig.add_trace(go.Scatter(x=p, y=f32(c.smoothed), name=f"with label smoothing ε = {c.label_smoothing:g}",
                                 mode="lines", line=dict(color=PALETTE[1], width=2.5, dash="dash")))
        fig.add_vline(x=c.best_p, line=dict(color=PALETTE[1], width=1, dash="dot"),
                      annotation_text=f"smallest at p = {c.best_p:.3g}", annotation_position="bottom left")
    fig.add_trace(go.Scatter(x=p, y=f32(c.squared_error),
                             name="squared error of the probabilities (Brier),<br>wrong mass spread evenly",
                             mode="lines", line=dict(color=PALETTE[2], width=2.5)))
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=30, b=10), uirevision="confidence",
                      xaxis_title="probability the model gives the true class", yaxis_title="loss of one example",
                      hovermode="x unified")
    fig.update_xaxes(range=[0, 1])
    return readable(fig)
