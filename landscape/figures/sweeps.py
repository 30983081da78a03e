"""Figures of many runs: where each start of a grid ends (the swarm's basins of attraction) and the final loss
over a grid of learning rates x momenta.  No streamlit here; arrays go as float32."""
from __future__ import annotations

from typing import Mapping

import numpy as np
import plotly.graph_objects as go

from landscape.figures import specs
from landscape.figures.style import readable
from landscape.figures.surface import MARKER_COLORS, f32, log_height, short
from landscape.figures.trajectories import gap, gap_label, shown
from landscape.types import Surface

BASIN_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#bcbd22", "#17becf")
NO_BASIN_COLOR = "#b0b0b0"
LIMIT_COLOR = "#ff00ff"


# ---- swarm: basins of attraction ------------------------------------------------------------------------

def basin_name(k: int, minima: np.ndarray) -> str:
    return "no minimum reached / diverged" if k < 0 else f"→ minimum at {basin_end(k, minima)}"


def basin_end(k: int, minima: np.ndarray) -> str:
    """Where a start of basin ``k`` ends, short (a cell's hover text: one per start is sent)."""
    return "no minimum" if k < 0 else f"({minima[k][0]:.3g}, {minima[k][1]:.3g})"


def basins(surf: Surface, panels: Mapping[str, tuple[np.ndarray, np.ndarray]], minima: np.ndarray,
           columns: int = 3, panel_height: int = 340) -> go.Figure:
    """One map per optimiser: its grid of starts as cells, each coloured by the minimum its path
    reached, under the loss's contour lines.  The cells are a heatmap, so they tile the map at any size
    (square markers of a fixed pixel size left gaps or overlapped as the page's width changed).

    ``panels`` is ``{label: (starts (K, 2), basin (K,))}``, starts on a grid (``optim.start_grid``), basin -1
    for none.  The legend has one entry per basin reached in any panel.
    """
    labels = list(panels)
    cols = min(columns, len(labels))
    rows = -(-len(labels) // cols)
    layout = specs.subplots(rows, cols, subplot_titles=tuple(labels), horizontal_spacing=0.05,
                            vertical_spacing=90 / (panel_height * rows) if rows > 1 else 0.0)  # 90 px between rows
    reached = np.unique(np.concatenate([basin for _, basin in panels.values()]))  # (B,) basin numbers, sorted
    colours = [NO_BASIN_COLOR if k < 0 else BASIN_COLORS[int(k) % len(BASIN_COLORS)] for k in reached]
    bands = [[edge / len(reached), c] for i, c in enumerate(colours) for edge in (i, i + 1)]  # one flat band each
    names = [basin_name(int(k), minima) for k in reached]
    ends = np.array([basin_end(int(k), minima) for k in reached])
    lines = shown(np.nan_to_num(log_height(surf.z)))
    data = []
    for i, label in enumerate(labels):
        row, col = divmod(i, cols)
        axes = specs.cell(row + 1, col + 1, cols)
        starts, basin = panels[label]
        xs, ys = np.unique(starts[:, 0]), np.unique(starts[:, 1])  # (n,), (n,)
        band = np.zeros((len(ys), len(xs)), dtype=np.int64)  # (ny, nx): each start's basin as its band
        band[np.searchsorted(ys, starts[:, 1]), np.searchsorted(xs, starts[:, 0])] = np.searchsorted(reached, basin)
        data.append(dict(type="heatmap", x=f32(xs), y=f32(ys), z=band, zmin=-0.5, zmax=len(reached) - 0.5,
                         colorscale=bands, showscale=False, opacity=0.85, text=ends[band], name=label,
                         hovertemplate="start (%{x:.3g}, %{y:.3g}) → %{text}<extra></extra>", **axes))
        data.append(dict(type="contour", x=f32(surf.x), y=f32(surf.y), z=lines, showscale=False, ncontours=15,
                         contours=dict(coloring="lines"), colorscale=[[0, "#444"], [1, "#444"]], line=dict(width=0.6),
                         hoverinfo="skip", name="contour lines", showlegend=False, **axes))
        if len(minima):
            data.append(dict(type="scatter", x=f32(minima[:, 0]), y=f32(minima[:, 1]), mode="markers", name="minimum",
                             legendgroup="minimum", showlegend=i == 0,
                             marker=dict(symbol="x", size=12, color=MARKER_COLORS["true minimum"],
                                         line=dict(width=1.5, color="white")), **axes))
        specs.merge(layout, {
            specs.axis_key(axes["xaxis"]): dict(range=[float(surf.x[0]), float(surf.x[-1])],
                                                title=dict(text=surf.x_label)),
            specs.axis_key(axes["yaxis"]): dict(range=[float(surf.y[0]), float(surf.y[-1])],
                                                **({"title": dict(text=surf.y_label)} if col == 0 else {}))})
    data += [dict(type="scatter", x=[None], y=[None], mode="markers", name=name, legendgroup=name, showlegend=True,
                  marker=dict(symbol="square", size=12, opacity=0.85, color=colour), **specs.cell(1, 1, cols))
             for name, colour in zip(names, colours)]  # the legend's key to the colours
    layout |= dict(height=panel_height * rows + 90 * (rows - 1) + 60, margin=dict(l=10, r=10, t=40, b=10),
                   uirevision="basins", plot_bgcolor="white")
    return readable(dict(data=data, layout=layout))


# ---- learning rate x momentum -------------------------------------------------------------------------

def lr_momentum(lrs: np.ndarray, momenta: np.ndarray, final: np.ndarray, floor: float | None = None,
                limit: np.ndarray | None = None, height: int = 460) -> go.Figure:
    """Final loss of SGD with momentum for every (learning rate, momentum): a heatmap over log10(lr),
    crosses where training diverged and, for a quadratic, the stability limit ``2 (1 + mu) / lambda_max``.

    ``final (M, L)`` holds ``inf`` for diverged cells; ``limit (M,)`` is the limit per momentum.
    """
    x = np.log10(np.asarray(lrs, dtype=np.float64))
    diverged = ~np.isfinite(final)
    value = np.log10(gap(np.where(diverged, 0.0, final), floor)) if floor is not None else np.where(diverged, 0, final)
    ok = ~diverged
    worst = value[ok].max() if ok.any() else 0.0
    z = np.where(diverged, worst, value)
    title = f"final {gap_label(floor)}, log scale" if floor is not None else "final loss"
    colorbar = dict(title=dict(text=title, side="right"))
    if floor is not None:  # the colours are log10 of the gap: ticks at whole decades, labelled with the gap
        decades = np.arange(np.floor(z.min()), np.ceil(z.max()) + 1) if np.isfinite(z).all() else np.zeros(1)
        decades = decades[::-(-len(decades) // 7)]
        colorbar |= dict(tickvals=[float(d) for d in decades], ticktext=[short(10.0 ** d) for d in decades])
    fig = go.Figure(go.Heatmap(x=f32(x), y=f32(momenta), z=shown(z), colorscale="Viridis", name="final loss",
                               colorbar=colorbar,
                               hovertemplate="lr %{customdata[0]:.3g}, momentum %{y:.2f}<br>"
                                             f"final {gap_label(floor)}: %{{customdata[1]:.3g}}<extra></extra>",
                               customdata=np.stack([shown(np.broadcast_to(np.asarray(lrs), z.shape)),
                                                    shown(10.0 ** z if floor is not None else z)], -1)))
    my, mx = np.nonzero(diverged)
    if len(mx):
        fig.add_trace(go.Scatter(x=f32(x[mx]), y=f32(np.asarray(momenta)[my]), mode="markers", name="diverged",
                                 marker=dict(symbol="x-thin", size=7, color="#d62728", line=dict(width=1.5,
                                                                                                  color="#d62728")),
                                 customdata=f32(np.asarray(lrs)[mx]),
                                 hovertemplate="diverged: lr %{customdata:.3g}, momentum %{y:.2f}<extra></extra>"))
    if limit is not None:
        lx = np.log10(np.asarray(limit, dtype=np.float64))
        fig.add_trace(go.Scatter(x=f32(lx), y=f32(momenta), mode="lines", name="stability limit 2(1+μ)/λ_max",
                                 line=dict(color=LIMIT_COLOR, width=3, dash="dash")))
        fig.add_trace(go.Scatter(x=f32(lx[:1]), y=f32(np.asarray(momenta)[:1]), mode="markers+text",
                                 name="2/λ_max of plain GD", text=[f"2/λ_max = {limit[0]:.3g}"],
                                 textposition="top left", textfont=dict(color=LIMIT_COLOR, size=14),
                                 marker=dict(size=12, color=LIMIT_COLOR, symbol="diamond",
                                             line=dict(width=1, color="white"))))
    ticks = np.arange(np.floor(x.min()), np.ceil(x.max()) + 1)
    fig.update_layout(height=height, margin=dict(l=10, r=10, t=10, b=10), uirevision="lr_momentum",
                      xaxis=dict(title="learning rate", tickvals=ticks, ticktext=[f"{10 ** t:g}" for t in ticks],
                                 range=[float(x[0] - (x[1] - x[0]) / 2), float(x[-1] + (x[-1] - x[-2]) / 2)]
                                 if len(x) > 1 else None),
                      yaxis=dict(title="momentum μ"))
    return readable(fig)
