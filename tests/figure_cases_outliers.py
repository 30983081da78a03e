"""Figure cases: the Outliers page."""
from __future__ import annotations

import numpy as np
from apptest import floats
from figure_inputs import outlier_view
from figure_reading import kinds, marker_points, named, same, titles

from landscape import figures
from landscape.figures.outliers import fitted_lines


# ---- outliers ---------------------------------------------------------------------------------------------

def case_fit_scatter():
    view, p = outlier_view(), outlier_view().points
    lines, ghost = fitted_lines(view.keys, view.labels, view.contaminated, view.clean)
    fig = figures.fit_scatter(p.x, p.y, p.outlier, lines, ghost, picked=0)
    assert kinds(fig) == ["scatter"] * (5 + len(lines)) and fig.data[0].marker.opacity == 0  # the click grid
    same(marker_points(fig, "points"), np.stack([p.x, p.y], -1)[~p.outlier])
    same(marker_points(fig, "outliers"), np.stack([p.x, p.y], -1)[p.outlier])
    np.testing.assert_array_equal(named(fig, "outliers").customdata, np.flatnonzero(p.outlier))  # rows, for clicks
    for line in [ghost, *lines]:
        (trace,) = [t for t in fig.data if t.name.startswith(line.label)]
        np.testing.assert_allclose(floats(trace.y), line.w * floats(trace.x) + line.b, rtol=1e-5, atol=1e-4)
    mse = view.keys.index("mse")
    assert (lines[mse].w, lines[mse].b) == tuple(view.contaminated[mse])  # the fit, not a copy of it
    same(fig.data[-1].x, p.x[[0]])  # the picked point is ringed
    assert titles(fig) == {"xaxis": "x", "yaxis": "y"}
    return [fig]


def case_minimiser_shift():
    view = outlier_view()
    fig = figures.minimiser_shift(view.surfaces, view.markers)
    contours = [t for t in fig.data if t.type == "contour"]
    assert [t.name for t in contours] == list(view.surfaces)
    for trace, surf in zip(contours, view.surfaces.values()):
        same(trace.z, surf.z)
    at = [view.labels.index(label) for label in view.surfaces]
    same(marker_points(fig, "minimum without the outliers"), view.clean[at])
    same(marker_points(fig, "minimum with them"), view.contaminated[at])
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert [(a.ax, a.ay, a.x, a.y) for a in arrows] == [(*view.clean[i], *view.contaminated[i]) for i in at]
    return [fig]


def case_outlier_shares():
    view, p = outlier_view(), outlier_view().points
    fig = figures.outlier_shares(view.keys, view.labels, p.x, view.shares, p.outlier)
    assert kinds(fig) == ["bar"] + ["scatter"] * 2 * len(view.keys)
    same(fig.data[0].x, view.shares[:, p.outlier].sum(-1) * 100)
    assert list(fig.data[0].y) == list(view.labels)
    for i, row in enumerate(view.shares * 100):
        same(fig.data[1 + 2 * i].y, row[~p.outlier]), same(fig.data[2 + 2 * i].y, row[p.outlier])
    assert titles(fig) == {"xaxis": "% of the total loss", "xaxis2": "each column: the points by x (✕ outliers)",
                           "yaxis2": "% of the total loss"}  # the left panel's y axis is the losses' names
    return [fig]


def case_influence():
    view = outlier_view()
    clean_slope = view.clean[view.keys.index("mse")][0]
    fig = figures.influence(view.keys, view.labels, view.sweep_sizes, view.sweep_slopes, view.size, clean_slope)
    assert kinds(fig) == ["scatter"] * len(view.keys) and [t.name for t in fig.data] == list(view.labels)
    for trace, slopes in zip(fig.data, view.sweep_slopes):
        same(trace.x, view.sweep_sizes), same(trace.y, slopes)
    assert sorted((s.x0, s.y0) for s in fig.layout.shapes) == sorted([(0, clean_slope), (view.size, 0)])
    assert titles(fig) == {"xaxis": "outlier size (noise σ)", "yaxis": "fitted slope w"}
    return [fig]


def case_psi_curves():
    view = outlier_view()
    fig = figures.psi_curves(view.keys, view.labels, view.r, view.psi, view.outlier_residual, view.psi_limit)
    curves_ = fig.data[:len(view.keys)]
    for trace, psi in zip(curves_, view.psi):
        same(trace.x, view.r), same(trace.y, psi)
    low, high = fig.layout.yaxis.range
    assert low <= -view.psi_limit and high >= view.psi_limit
    assert any(s.x0 == view.outlier_residual for s in fig.layout.shapes)  # where the outliers are
    assert set(titles(fig)) == {"xaxis", "yaxis"}
    return [fig]
