"""Figure cases: loss surfaces, classification, and distributions and overlap."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
from apptest import floats
from figure_inputs import binary, fit, himmelblau, overlap, penalised, softmax
from figure_reading import kinds, marker_points, named, same, titles

from landscape import classify, divergence, figures


# ---- loss surfaces ----------------------------------------------------------------------------------------

def case_surface_3d():
    _, surf, minima, _, _ = himmelblau()
    fig = figures.surface_3d(surf, markers=minima)
    assert kinds(fig) == ["surface", "scatter3d"]
    same(fig.data[0].x, surf.x), same(fig.data[0].y, surf.y), same(fig.data[0].z, surf.z)
    same(fig.data[1].x, [m.x for m in minima]), same(fig.data[1].y, [m.y for m in minima])
    same(fig.data[1].z, [m.z for m in minima])
    assert titles(fig) == {"scene.xaxis": surf.x_label, "scene.yaxis": surf.y_label}
    log = figures.surface_3d(surf, log=True, markers=minima)
    same(log.data[0].z, figures.log_height(surf.z))
    np.testing.assert_allclose(floats(log.data[1].z), 0.0, atol=1e-3)  # the minima sit at the bottom of the log scale
    return [fig, log]


def case_contour():
    obj, surf, _, _, view = himmelblau()
    fig = figures.contour(surf, markers=view.markers, arrows=view.arrows)
    assert kinds(fig) == ["contour", "scatter"] + ["scatter"] * len(view.markers)
    same(fig.data[0].z, surf.z), same(fig.data[0].x, surf.x), same(fig.data[0].y, surf.y)
    same(marker_points(fig, "true minimum"), np.array(obj.minima))
    same(marker_points(fig, "grid minimum"), [surf.minimum[:2]])
    legend = [t.name for t in fig.data if t.showlegend is not False and t.type == "scatter"]
    assert legend == ["descent direction", "grid minimum", "true minimum"]  # four true minima, one entry
    assert fig.data[1].name == "descent direction"
    assert titles(fig) == {"xaxis": surf.x_label, "yaxis": surf.y_label}
    return [fig]


def case_descent_arrows():
    x, y, gx, gy = himmelblau()[-1].arrows
    arrows = figures.descent_arrows(x, y, gx, gy, span=6.0)
    assert arrows.type == "scatter" and arrows.mode == "lines"
    ok = np.hypot(gx, gy).ravel() > 0
    xs, ys = floats(arrows.x).reshape(-1, 6), floats(arrows.y).reshape(-1, 6)  # base, tip, head, tip, head, gap
    same(xs[:, 0], x.ravel()[ok]), same(ys[:, 0], y.ravel()[ok])
    along = (xs[:, 1] - xs[:, 0]) * gx.ravel()[ok] + (ys[:, 1] - ys[:, 0]) * gy.ravel()[ok]
    assert (along < 0).all()  # every shaft points downhill
    assert np.isnan(xs[:, 5]).all()
    return [figures.readable(go.Figure(arrows))]


def case_contour_row():
    view = penalised()
    fig = figures.contour_row(view.parts, view.part_markers)
    assert kinds(fig) == ["contour", "scatter"] * 3
    for trace, part in zip(fig.data[::2], view.parts.values()):
        same(trace.z, part.z), same(trace.x, part.x)
    same(marker_points(fig, "grid minimum"), [part.minimum[:2] for part in view.parts.values()])
    surf = view.surface
    assert titles(fig) == {"xaxis": surf.x_label, "xaxis2": surf.x_label, "xaxis3": surf.x_label,
                           "yaxis": surf.y_label}
    assert [a.text for a in fig.layout.annotations] == ["data loss", "penalty", "total"]
    return [fig]


# ---- classification ---------------------------------------------------------------------------------------

def case_binary_surface():
    view = binary()
    figs = [figures.binary_surface(view, style) for style in ("contour", "3D")]
    assert [kinds(f)[0] for f in figs] == ["contour", "surface"]
    for fig in figs:
        same(fig.data[0].z, view.surface.z)
    same(marker_points(figs[0], "minimum"), [view.fit.theta[:2]])
    same(marker_points(figs[0], "minimum at weight 1"), [view.plain.theta[:2]])
    assert view.fit.theta[0] != view.plain.theta[0]  # the weight moved the minimum: two places to mark
    return figs


def case_decision_boundary():
    view = binary()
    fig = figures.decision_boundary(view)
    assert kinds(fig) == ["heatmap", "contour", "contour", "scatter", "scatter", "scatter"]
    same(fig.data[0].z, view.fit.scores > 0)
    same(named(fig, "boundary of the minimiser").z, view.fit.scores)
    same(named(fig, "boundary at weight 1").z, view.plain.scores)
    for label, name in ((0, "negative (0)"), (1, "positive (1)")):
        same(marker_points(fig, name), view.X[view.y == label])
    w1, w2, b = view.fit.theta
    missed = (view.y == 1) & (view.X @ np.array([w1, w2]) + b <= 0)
    same(marker_points(fig, "missed positive (false negative)"), view.X[missed])
    assert titles(fig) == {"xaxis": "x₁", "yaxis": "x₂"}
    return [fig]


def case_confusion_matrix():
    matrix = binary().fit.metrics.matrix
    fig = figures.confusion_matrix(binary().fit.metrics)
    assert kinds(fig) == ["heatmap"]
    same(fig.data[0].z, matrix)
    assert [t.split("<b>")[1].rstrip("</b>") for row in fig.data[0].text for t in row] == \
        [str(int(v)) for v in matrix.ravel()]
    assert list(fig.data[0].x) == ["predicted 0", "predicted 1"] and list(fig.data[0].y) == ["true 0", "true 1"]
    return [fig]


def case_softmax_surface():
    view = softmax()
    fig = figures.softmax_surface(view)
    assert kinds(fig) == ["contour", "scatter", "scatter", "scatter"]
    same(fig.data[0].z, view.surface.z)
    i, j = (classify.SOFTMAX_PARAMS.index(name) for name in view.pair)
    same(marker_points(fig, "minimum (fit at T = 1)"), [[view.theta[i], view.theta[j]]])
    same(marker_points(fig, "grid minimum"), [view.surface.minimum[:2]])
    assert titles(fig) == {"xaxis": view.surface.x_label, "yaxis": view.surface.y_label}
    return [fig]


def case_simplex():
    view = softmax()
    fig = figures.simplex(view)
    assert kinds(fig) == ["scatterternary"] * 3
    for c, trace in enumerate(fig.data):
        p = view.probabilities[view.y == c]
        same(trace.a, p[:, 0]), same(trace.b, p[:, 1]), same(trace.c, p[:, 2])
    assert titles(fig) == {"ternary.aaxis": "p(A)", "ternary.baxis": "p(B)", "ternary.caxis": "p(C)"}
    return [fig]


# ---- distributions ----------------------------------------------------------------------------------------

def case_divergence_surfaces():
    view = fit()
    fig = figures.divergence_surfaces(view)
    contours = [t for t in fig.data if t.type == "contour"]
    assert [t.name for t in contours] == [divergence.DIVERGENCES[name].label for name in view.surfaces]
    for trace, surf in zip(contours, view.surfaces.values()):
        same(trace.z, figures.log_height(surf.z)), same(trace.x, surf.x)  # a log colour scale
    best = [(m[0].mu, m[0].log_sigma) for m in view.minima.values()]
    same(marker_points(fig, "minimum"), best)
    return [fig]


def case_densities():
    view = fit()
    fig = figures.densities(view)
    assert kinds(fig) == ["scatter"] * (1 + len(view.density_q))
    same(fig.data[0].x, view.x), same(fig.data[0].y, view.density_p)
    for trace, (name, q) in zip(fig.data[1:], view.density_q.items()):
        same(trace.y, q)
        assert f"μ = {view.minima[name][0].mu:.2f}" in trace.name
    assert titles(fig) == {"xaxis": "x", "yaxis": "density"}
    return [fig]


def case_overlap_surfaces():
    view = overlap()
    fig = figures.overlap_surfaces(view)
    contours = [t for t in fig.data if t.type == "contour"]
    assert [t.name for t in contours] == list(view.surfaces)
    for trace, surf in zip(contours, view.surfaces.values()):
        same(trace.z, surf.z)
    same(marker_points(fig, "ground truth"), [view.truth] * len(view.surfaces))
    same(marker_points(fig, "grid minimum"), [s.minimum[:2] for s in view.surfaces.values()])
    return [fig]


def case_segment_slices():
    view = overlap()
    fig = figures.segment_slices(view)
    assert kinds(fig) == ["scatter"] * len(view.slices)
    for trace, y in zip(fig.data, view.slices.values()):
        same(trace.x, view.positions), same(trace.y, y / y.max())
    position, extent = view.truth
    (band,) = fig.layout.shapes
    assert (band.x0, band.x1) == pytest.approx((position - extent / 2, position + extent / 2))
    assert set(titles(fig)) == {"xaxis", "yaxis"}
    return [fig]
