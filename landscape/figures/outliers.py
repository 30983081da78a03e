"""Figures of the Outlier page: the fitted lines, where each minimum moves, who carries the loss, the
influence curve and psi.  No streamlit here; arrays go to Plotly as float32.

Every loss keeps one colour on every figure (``LOSS_COLORS``, by registry name).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from landscape.figures import specs
from landscape.figures.style import readable
from landscape.figures.surface import Marker, contour_row_maps, f32
from landscape.types import Surface

LOSS_COLORS = {"mse": "#d62728", "mae": "#1f77b4", "huber": "#2ca02c", "log_cosh": "#9467bd",
               "quantile": "#17becf", "custom": "#8c564b"}
# Robust losses often draw on top of each other: wide lines under narrow ones keep every colour visible.
LOSS_WIDTHS = {"mse": 2.5, "mae": 7.0, "huber": 4.5, "log_cosh": 2.5, "quantile": 2.0, "custom": 2.5}
LOSS_DASHES = {"quantile": "dot", "custom": "dash"}
OTHER_COLOR = "#7f7f7f"
POINT_COLOR = "#8a9bb0"
OUTLIER_COLOR = "#111111"
GHOST_COLOR = "rgba(90, 90, 90, 0.55)"
SHOWN_MAX = 1e30  # psi of a formula can overflow far out: what a figure gets at most
BAND = 0.45  # room beyond ±limit on the psi chart, per label of a loss whose pull there is off the chart
COLUMN = 0.8  # width of a loss's column on the share chart (1 between columns)
CLICK_GRID = (64, 44)  # invisible click targets across x and y: closer than Plotly's 20 px hover distance
FONT = dict(size=14)


def loss_color(key: str) -> str:
    return LOSS_COLORS.get(key, OTHER_COLOR)


def loss_line(key: str) -> dict:
    """Colour, width and dash of a loss's curves, the same on every figure."""
    return dict(color=loss_color(key), width=LOSS_WIDTHS.get(key, 2.5), dash=LOSS_DASHES.get(key, "solid"))


@dataclass(frozen=True)
class Line:
    """A fitted line ``y = w x + b`` of one loss."""

    key: str  # registry name: its colour
    label: str
    w: float
    b: float


def fitted_lines(keys: Sequence[str], labels: Sequence[str], contaminated: np.ndarray,
                 clean: np.ndarray) -> tuple[list[Line], Line]:
    """Every loss's line fitted to all the points ``contaminated (L, 2)``, and the ghost: MSE's line
    fitted without the outliers (its row of ``clean (L, 2)``)."""
    fitted = [Line(key, label, *theta) for key, label, theta in zip(keys, labels, contaminated)]
    return fitted, Line("ghost", "fit without the outliers", *clean[list(keys).index("mse")])


def _padded(values: np.ndarray, share: float = 0.08) -> tuple[float, float]:
    low, high = float(np.min(values)), float(np.max(values))
    pad = share * (high - low or 1.0)
    return low - pad, high + pad


def click_grid(x_range: tuple[float, float], y_range: tuple[float, float]) -> dict:
    """Invisible points over the whole plot area: a click anywhere selects the nearest one, and
    Plotly reports selections of scatter points only (DESIGN.md)."""
    gx, gy = np.meshgrid(np.linspace(*x_range, CLICK_GRID[0]), np.linspace(*y_range, CLICK_GRID[1]))
    hidden = dict(marker=dict(opacity=0))
    return dict(type="scatter", x=f32(gx.ravel()), y=f32(gy.ravel()), mode="markers", name="click", showlegend=False,
                hoverinfo="none", marker=dict(size=14, opacity=0, color="#000000"), selected=hidden, unselected=hidden)


def fit_scatter(x: np.ndarray, y: np.ndarray, outlier: np.ndarray, lines: Sequence[Line], ghost: Line,
                picked: int | None = None, height: int = 470) -> go.Figure:
    """The points (outliers as black crosses), every loss's fitted line and the clean fit as a ghost.

    Each data point carries its row as ``customdata``, so a click tells which point it was; the
    click grid carries none.  ``picked``: a row drawn ringed (picked to be moved).
    """
    x_range = _padded(x)
    ends = np.array(x_range)
    y_range = _padded(np.concatenate([y, ghost.w * ends + ghost.b]))
    rows = np.arange(len(x))
    keep = dict(marker=dict(opacity=1))
    data = [click_grid(x_range, y_range)]
    for name, mask, marker in (
            ("points", ~outlier, dict(size=7, color=POINT_COLOR, line=dict(width=0.5, color="#ffffff"))),
            ("outliers", outlier, dict(size=10, color=OUTLIER_COLOR, symbol="x"))):
        data.append(dict(type="scatter", x=f32(x[mask]), y=f32(y[mask]), customdata=rows[mask], mode="markers",
                         name=name, marker=marker, selected=keep, unselected=keep, showlegend=name == "outliers",
                         hovertemplate="point %{customdata}<br>x = %{x:.3g}, y = %{y:.3g}<extra></extra>"))
    data.append(dict(type="scatter", x=f32(ends), y=f32(ghost.w * ends + ghost.b), mode="lines", hoverinfo="skip",
                     name=f"{ghost.label} (ghost)", line=dict(color=GHOST_COLOR, width=7)))
    data += [dict(type="scatter", x=f32(ends), y=f32(line.w * ends + line.b), mode="lines", hoverinfo="skip",
                  name=f"{line.label}: slope {line.w:z.2f}", line=loss_line(line.key)) for line in lines]
    if picked is not None:
        data.append(dict(type="scatter", x=f32(x[[picked]]), y=f32(y[[picked]]), mode="markers",
                         name="picked: click where it goes", hoverinfo="skip",
                         marker=dict(size=22, symbol="circle-open", color="#ff7f0e", line=dict(width=3))))
    layout = dict(height=height, margin=dict(l=10, r=10, t=10, b=10), font=FONT, hovermode="closest",
                  xaxis=dict(title=dict(text="x"), range=list(x_range), fixedrange=True),
                  yaxis=dict(title=dict(text="y"), range=list(y_range), fixedrange=True), uirevision="outliers",
                  legend=dict(itemclick=False, itemdoubleclick=False))  # a click adds points here
    return readable(dict(data=data, layout=layout), "inside",
                    corner=_emptiest_corner(x, y, [ghost, *lines], x_range, y_range))


LEGEND_BOX = (0.55, 0.4)  # share of the plot's width and height a legend inside it covers, about


def _emptiest_corner(x, y, lines: Sequence[Line], x_range, y_range) -> tuple[str, str]:
    """The corner of the plot whose legend-sized box covers the fewest points and line samples."""
    ends = np.linspace(*x_range, 50)
    px = np.concatenate([x, np.tile(ends, len(lines))])
    py = np.concatenate([y, *(line.w * ends + line.b for line in lines)])
    u = (px - x_range[0]) / (x_range[1] - x_range[0])
    v = (py - y_range[0]) / (y_range[1] - y_range[0])
    w, h = LEGEND_BOX
    boxes = {("left", "top"): (u < w) & (v > 1 - h), ("right", "top"): (u > 1 - w) & (v > 1 - h),
             ("left", "bottom"): (u < w) & (v < h), ("right", "bottom"): (u > 1 - w) & (v < h)}
    return min(boxes, key=lambda corner: int(boxes[corner].sum()))  # ties: the first, top left


def minimiser_shift(surfaces: Mapping[str, Surface], markers: Mapping[str, tuple[Marker, Marker]],
                    height: int = 380) -> go.Figure:
    """Contour maps side by side on one (w, b) grid, each with the minimum without and with the
    outliers marked and an arrow from the first to the second."""
    spec = contour_row_maps(dict(surfaces), {k: tuple(v) for k, v in markers.items()}, height=height)
    layout = spec["layout"]
    for col, name in enumerate(surfaces, start=1):
        clean, dirty = markers[name][0], markers[name][1]
        axes = specs.cell(1, col, len(surfaces))
        layout["annotations"].append(dict(
            x=dirty.x, y=dirty.y, ax=clean.x, ay=clean.y, xref=axes["xaxis"], yref=axes["yaxis"],
            axref=axes["xaxis"], ayref=axes["yaxis"], showarrow=True, arrowhead=2, arrowsize=1.3, arrowwidth=2.5,
            arrowcolor="#ffffff", standoff=7, startstandoff=7, text=""))
    layout |= dict(font=FONT, margin=dict(l=10, r=10, t=40, b=10))
    return readable(spec)


def outlier_shares(keys: Sequence[str], labels: Sequence[str], x: np.ndarray, shares: np.ndarray,
                   outlier: np.ndarray, height: int = 380) -> go.Figure:
    """Left: the share of each loss carried by the outliers.  Right: every point's share of each loss, one
    column per loss (so no loss hides another), the points placed within their column by their x."""
    layout = specs.subplots(1, 2, column_widths=(0.35, 0.65), horizontal_spacing=0.14,
                            subplot_titles=("the outliers' share of each loss", "each point's share of each loss"))
    total = shares[:, outlier].sum(-1) * 100
    data = [dict(type="bar", x=f32(total), y=list(labels), orientation="h", marker=dict(color=[loss_color(k) for k in keys]),
                 showlegend=False, text=[f"{v:.0f} %" for v in total], textposition="auto", hoverinfo="skip",
                 **specs.cell(1, 1, 2))]
    low, high = (float(np.min(x)), float(np.max(x))) if len(x) else (0.0, 1.0)
    place = COLUMN * ((x - low) / (high - low or 1.0) - 0.5)  # within a column, by x
    for i, (key, label, row) in enumerate(zip(keys, labels, shares * 100)):
        for mask, symbol, size, name in ((~outlier, "circle", 6, "points"), (outlier, "x", 10, "outliers")):
            data.append(dict(type="scatter", x=f32(i + place[mask]), y=f32(row[mask]), mode="markers", name=name,
                             showlegend=False, customdata=f32(x[mask]),
                             marker=dict(color=loss_color(key), size=size, symbol=symbol, opacity=0.8),
                             hovertemplate=f"{label}<br>point at x = %{{customdata:.3g}}: %{{y:.2f}} %<extra></extra>",
                             **specs.cell(1, 2, 2)))
    specs.merge(layout, dict(
        xaxis=dict(title=dict(text="% of the total loss"), range=[0, 100]), yaxis=dict(autorange="reversed"),
        xaxis2=dict(tickvals=list(range(len(keys))), ticktext=list(labels), range=[-0.5, len(keys) - 0.5],
                    title=dict(text="each column: the points by x (✕ outliers)")),
        yaxis2=dict(title=dict(text="% of the total loss"), rangemode="tozero"),
        height=height, font=FONT, margin=dict(l=10, r=10, t=40, b=10)))
    return readable(dict(data=data, layout=layout), legend="none")


def _curve(key: str, label: str, x: np.ndarray, y: np.ndarray, hover: str) -> dict:
    return dict(type="scatter", x=f32(x), y=f32(y), mode="lines", name=label, line=loss_line(key),
                hovertemplate=f"{label}<br>{hover}<extra></extra>")


def influence(keys: Sequence[str], labels: Sequence[str], sizes: np.ndarray, slopes: np.ndarray, now: float,
              clean_slope: float, height: int = 400) -> go.Figure:
    """Fitted slope against the outliers' size, one curve per loss; the current size dotted."""
    data = [_curve(key, label, sizes, row, "size %{x:.1f} σ: slope %{y:.3f}")
            for key, label, row in zip(keys, labels, slopes)]
    layout = dict(height=height, font=FONT, margin=dict(l=10, r=10, t=30, b=10),
                  xaxis=dict(title=dict(text="outlier size (noise σ)")), yaxis=dict(title=dict(text="fitted slope w")))
    specs.hline(layout, clean_slope, dict(color=GHOST_COLOR, width=2, dash="dash"), "MSE's slope without the outliers",
                "bottom right")
    specs.vline(layout, now, dict(color="#444444", width=1.5, dash="dot"), "now", "top")
    return readable(dict(data=data, layout=layout))


def psi_curves(keys: Sequence[str], labels: Sequence[str], r: np.ndarray, psi: np.ndarray, residual: float,
               limit: float, height: int = 400) -> go.Figure:
    """psi(r) = d loss / d r of each loss, the pull of a point with residual r; the y axis is cut at
    ``±limit`` so the bounded ones stay readable, and the outliers' residual is marked (or, beyond
    the range of r, named).  Where ``r`` reaches the outliers, each loss's pull there is a dot on its
    curve, or, off the chart, its value at the chart's edge."""
    psi = np.nan_to_num(np.asarray(psi, dtype=np.float64), nan=0.0, posinf=SHOWN_MAX, neginf=-SHOWN_MAX)
    data = [_curve(key, label, r, row, "ψ(%{x:.3g}) = %{y:.3g}") for key, label, row in zip(keys, labels, psi)]
    notes = []
    low, high = -limit, limit
    if residual != 0 and r[0] <= residual <= r[-1]:
        off = 0
        for key, label, row in zip(keys, labels, psi):
            at = float(np.interp(residual, r, row))
            if abs(at) <= limit:
                data.append(dict(type="scatter", x=f32([residual]), y=f32([at]), mode="markers", showlegend=False,
                                 marker=dict(size=11, color=loss_color(key), line=dict(width=1.5, color="white")),
                                 hovertemplate=f"{label} at the outliers: ψ = {at:.3g}<extra></extra>"))
            else:  # off the chart: its value, in a band beyond the edge it leaves by, where no bounded curve is
                notes.append(dict(x=residual, y=float(np.sign(at) * limit), xanchor="right",
                                  yanchor="bottom" if at > 0 else "top", yshift=22 * off if at > 0 else -22 * off,
                                  showarrow=False, text=f"{label}: ψ = {at:.3g} {'↑' if at > 0 else '↓'}",
                                  font=dict(color=loss_color(key))))
                high, low = (high + BAND * limit, low) if at > 0 else (high, low - BAND * limit)
                off += 1
    layout = dict(height=height, font=FONT, margin=dict(l=10, r=10, t=30, b=10), **({"annotations": notes} if notes else {}),
                  xaxis=dict(title=dict(text="residual r = y − (w x + b)")),
                  yaxis=dict(title=dict(text="ψ(r): pull on the line"), range=[low, high]))
    if residual != 0 and r[0] <= residual <= r[-1]:  # named at the end of the line that no value stands at
        specs.vline(layout, residual, dict(color=OUTLIER_COLOR, width=1.5, dash="dot"), "the outliers",
                    "bottom left" if high > limit else "top left")
    elif residual > r[-1]:  # off to the right: say where
        layout["annotations"] = [dict(x=1.0, y=0.08, xref="paper", yref="paper", xanchor="right", showarrow=False,
                                      text=f"the outliers: r ≈ {residual:.3g} →", font=dict(color=OUTLIER_COLOR))]
    elif residual < r[0]:  # off to the left (outliers below the line)
        layout["annotations"] = [dict(x=0.0, y=0.92, xref="paper", yref="paper", xanchor="left", showarrow=False,
                                      text=f"← the outliers: r ≈ {residual:.3g}", font=dict(color=OUTLIER_COLOR))]
    return readable(dict(data=data, layout=layout))
