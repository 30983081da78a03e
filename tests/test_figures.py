"""What every figure builder of ``landscape.figures`` draws, from real compute output on small grids.

The builders are derived from ``landscape.figures.__all__`` (every exported function that returns a Plotly
object), so a new one fails ``test_every_builder_has_a_case`` until it gets a case here.  A case builds the
inputs with the compute package, as the pages do, and checks the trace types, that the plotted arrays are the
compute output (as the float32 the figures send), the markers at the minimisers and the axis titles.  Every
figure also keeps ``readable``'s promise: no text below ``style.MIN_TEXT`` px.
"""
from __future__ import annotations

import inspect
from functools import cache

import numpy as np
import plotly.graph_objects as go
import pytest
from apptest import floats

from landscape import (
    capacity,
    classify,
    curves,
    divergence,
    figures,
    nn,
    optim,
    outliers,
    problems,
    slices,
    surface,
)
from landscape.figures import style
from landscape.figures.outliers import fitted_lines
from landscape.figures.trajectories import basin_name

RESTYLERS = {"readable"}  # takes a finished figure: every case's figures go through it


def builders() -> set[str]:
    """Exported functions that return a Plotly figure or trace (``go.Figure``, ``tuple[go.Figure, ...]``)."""
    return {name for name in figures.__all__ if inspect.isfunction(f := getattr(figures, name))
            and "go." in str(inspect.signature(f).return_annotation)} - RESTYLERS


# ---- reading a figure -------------------------------------------------------------------------------------

def same(drawn, computed) -> None:
    """The plotted array is exactly the compute output as float32."""
    np.testing.assert_array_equal(floats(drawn), np.asarray(computed, dtype=np.float32))


def kinds(fig) -> list[str]:
    return [t.type for t in fig.data]


def named(fig, name: str):
    (trace,) = [t for t in fig.data if t.name == name]
    return trace


def titles(fig) -> dict[str, str]:
    """Every axis title in the layout: ``{"xaxis": ..., "scene.zaxis": ..., "ternary.aaxis": ...}``."""
    layout, out = fig.layout.to_plotly_json(), {}
    for key, axis in layout.items():
        if key.startswith(("xaxis", "yaxis")):
            out[key] = axis.get("title", {}).get("text")
        elif key.startswith(("scene", "ternary")):
            out |= {f"{key}.{k}": a.get("title", {}).get("text") for k, a in axis.items() if k.endswith("axis")}
    return {k: v for k, v in out.items() if v}


def font_sizes(node, path: str = ""):
    """(where, size) of every visible font size set anywhere in a figure's JSON."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("font") and isinstance(value, dict) and "size" in value \
                    and value.get("color") != "rgba(0,0,0,0)":  # the animation slider's hidden step labels
                yield f"{path}.{key}", value["size"]
            yield from font_sizes(value, f"{path}.{key}")
    elif isinstance(node, (list, tuple)):
        for i, value in enumerate(node):
            yield from font_sizes(value, f"{path}[{i}]")


def assert_readable(fig) -> None:
    """Text of at least MIN_TEXT px everywhere, set on every axis (Streamlit's theme greys ticks to 12 px)."""
    assert fig.layout.font.size >= style.MIN_TEXT
    small = [(where, size) for where, size in font_sizes(fig.to_plotly_json()) if size < style.MIN_TEXT]
    assert not small, small
    layout = fig.layout.to_plotly_json()
    axes = [a for k, a in layout.items() if k.startswith(("xaxis", "yaxis"))]
    axes += [a for k, s in layout.items() if k.startswith(("scene", "ternary")) for n, a in s.items()
             if n.endswith("axis")]
    assert all(a.get("tickfont", {}).get("size", 0) >= style.MIN_TEXT for a in axes), axes


def marker_points(fig, label: str) -> np.ndarray:
    """(K, 2) positions of every marker trace called ``label``."""
    found = [np.stack([floats(t.x), floats(t.y)], -1) for t in fig.data if t.name == label and "markers" in t.mode]
    assert found, f"no {label!r} marker"
    return np.concatenate(found)


# ---- the compute the cases draw (cached: a case may reuse another's) ----------------------------------------

@cache
def himmelblau():
    """The Loss surface page's view of Himmelblau's function (four minima) on a 21 x 21 grid with the downhill
    arrows, and a short race from (-1, 1) with a diverging run."""
    obj = problems.benchmark("himmelblau")
    view = surface.view(obj, obj.view[0], obj.view[1], 21, arrows=True)
    paths = optim.race(obj, {"sgd": {"lr": 0.01}, "adam": {"lr": 0.1}}, start=(-1.0, 1.0), steps=40)
    paths["too fast"] = optim.run(obj, "sgd", start=(-1.0, 1.0), steps=40, lr=1.0)
    return obj, view.surface, view.mesh_markers, paths, view


@cache
def penalised():
    """A ridge regression's view: data loss, penalty and total."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    obj = problems.linear_regression(x, 2 * x + 1 + rng.normal(size=40), loss="mse", l2=0.5)
    return surface.view(obj, (-1, 4), (-2, 3), 15)


@cache
def binary():
    return classify.binary_view("blobs", 100, 0, "bce", {}, 2.0, resolution=21)


@cache
def softmax():
    return classify.softmax_view(0, classify.SOFTMAX_PARAMS[:2], 1.0, 0.0, resolution=21)


@cache
def fit():
    return divergence.fit_view(3.0, 0.5, 1.0, resolution=21)


@cache
def overlap():
    return divergence.overlap_view(0.5, 0.2, 0.05, 1.0, resolution=21)


@cache
def outlier_view():
    points = outliers.points(outliers.scenario_spec(), None, "")
    return outliers.outlier_view(points, outliers.loss_set(outliers.scenario_losses()))


@cache
def degree_sweep():
    split = capacity.curve_split(n_train=30, noise=0.3, seed=0, n_val=100)
    return split, capacity.sweep_degrees(split, 0.3, max_degree=8)


@cache
def network():
    """A 2-4-1 tanh network trained briefly, the plane of its path's main directions and the path on it."""
    run = nn.train(nn.split("moons", n=100, seed=0), widths=(4,), epochs=10, lr=0.05, seed=0)
    pca = slices.pca(run, k=2)
    plane = slices.plane(run, pca.directions, *pca.view(), resolution=11)
    path_z = slices.losses_at(run.spec, run.data, "train", run.theta, pca.directions, pca.coords)
    return run, plane, pca.coords, path_z


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


# ---- loss curves ------------------------------------------------------------------------------------------

def case_gallery_curves():
    g = curves.gallery("binary", {"bce": {}, "hinge": {}}, n=101)
    fig = figures.gallery_curves(g)
    drawn = [c for c in ([g.reference] if g.reference is not None else []) + list(g.curves)]
    assert kinds(fig) == ["scatter"] * 4 * len(drawn)
    for k, c in enumerate(drawn):
        value, at_value, slope, at_slope = fig.data[4 * k: 4 * k + 4]
        same(value.x, g.x), same(value.y, c.value), same(slope.y, c.slope)
        same(at_value.x, [g.at]), same(at_value.y, [c.at_value]), same(at_slope.y, [c.at_slope])
    assert titles(fig) == {"xaxis": g.x_label, "xaxis2": g.x_label}  # the subplot titles name the y axes
    return [fig]


def case_confidence_curve():
    c = curves.confidence(0.1, 3, n=50)
    fig = figures.confidence_curve(c)
    assert kinds(fig) == ["scatter"] * 3
    for trace, y in zip(fig.data, (c.cross_entropy, c.smoothed, c.squared_error)):
        same(trace.x, c.p), same(trace.y, y)
    assert any(s.x0 == c.best_p for s in fig.layout.shapes)  # where label smoothing's loss is smallest
    assert set(titles(fig)) == {"xaxis", "yaxis"}
    return [fig]


# ---- overfitting and neural networks ------------------------------------------------------------------------

def case_train_val_curves():
    _, sweep = degree_sweep()
    fig = figures.train_val_curves(sweep.degrees, sweep.train, sweep.val, "polynomial degree", "mean squared error",
                                   marks={"best": sweep.degrees[sweep.best]}, labels=sweep.labels, floor=sweep.floor)
    same(named(fig, "train").y, sweep.train), same(named(fig, "validation").y, sweep.val)
    same(named(fig, "train").x, sweep.degrees)
    bands = [t.name for t in fig.data if t.mode == "markers"]
    assert bands == list(dict.fromkeys(sweep.labels))  # a legend entry per fit regime, in order
    assert any(s.y0 == sweep.floor for s in fig.layout.shapes)  # the noise floor
    assert any(s.x0 == sweep.degrees[sweep.best] for s in fig.layout.shapes)  # the mark
    assert titles(fig) == {"xaxis": "polynomial degree", "yaxis": "mean squared error (log scale)"}
    return [fig]


def case_fitted_curves():
    split, sweep = degree_sweep()
    x = np.linspace(-1, 1, 50)
    fits = {"degree 3": capacity.predict(sweep.coefs[3], x)}
    fig = figures.fitted_curves(split.X_train[:, 0], split.y_train, split.X_val[:, 0], split.y_val, x,
                                capacity.truth(x), fits)
    assert kinds(fig) == ["scatter"] * 4
    same(named(fig, "training points").x, split.X_train[:, 0]), same(named(fig, "training points").y, split.y_train)
    same(named(fig, "validation points").y, split.y_val)
    same(named(fig, "true curve").y, capacity.truth(x)), same(named(fig, "degree 3").y, fits["degree 3"])
    assert titles(fig) == {"xaxis": "x", "yaxis": "y"}
    return [fig]


def case_plane_figures():
    _, plane, coords, path_z = network()
    flat, tall = figures.plane_figures(plane.train, float(path_z[-1]), False, coords, path_z)
    assert kinds(flat) == ["contour", "scatter", "scatter", "scatter"]
    assert kinds(tall) == ["surface", "scatter3d", "scatter3d"]
    same(flat.data[0].z, plane.train.z), same(tall.data[0].z, plane.train.z)
    same(marker_points(flat, "trained weights"), [[0.0, 0.0]])  # the plane's centre: the minimiser found
    same(named(flat, "training path").x, coords[:, 0]), same(named(flat, "training path").y, coords[:, 1])
    same(named(flat, "initial weights").x, coords[:1, 0])
    same(named(tall, "training path").z, path_z)
    assert titles(flat) == {"xaxis": plane.train.x_label, "yaxis": plane.train.y_label}
    return [flat, tall]


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


# ---- optimisers -------------------------------------------------------------------------------------------

def case_animated_contour():
    obj, surf, minima, paths, _ = himmelblau()
    fig = figures.animated_contour(surf, paths, markers=minima)
    assert "contour" not in kinds(fig) and len(fig.layout.images) == 1  # the map is a picture under the paths
    for name, path in paths.items():
        same(named(fig, name).x, path.points[:, 0]), same(named(fig, name).y, path.points[:, 1])
    heads = named(fig, "current step")
    same(heads.x, [p.points[-1, 0] for p in paths.values()])
    assert list(heads.marker.symbol) == ["circle", "circle", "x"]  # the diverged path ends in a cross
    last = fig.frames[-1].data
    same(last[0].x, paths["sgd"].points[:, 0])
    same(marker_points(fig, "true minimum"), np.array(obj.minima))
    assert titles(fig) == {"xaxis": surf.x_label, "yaxis": surf.y_label}
    return [fig]


def case_paths_3d():
    _, surf, minima, paths, _ = himmelblau()
    fig = figures.paths_3d(surf, {k: paths[k] for k in ("sgd", "adam")}, markers=minima)
    assert kinds(fig) == ["surface", "scatter3d", "scatter3d", "scatter3d"]
    same(fig.data[0].z, surf.z)
    for name in ("sgd", "adam"):
        same(named(fig, name).x, paths[name].points[:, 0]), same(named(fig, name).y, paths[name].points[:, 1])
        assert (floats(named(fig, name).z) >= paths[name].losses.astype(np.float32)).all()  # drawn just above
    return [fig]


def case_loss_curves():
    _, _, _, paths, _ = himmelblau()
    assert paths["too fast"].diverged_at is not None
    fig = figures.loss_curves(paths, floor=0.0)
    assert kinds(fig) == ["scatter"] * 4 and fig.layout.yaxis.type == "log"
    for name, path in paths.items():
        same(named(fig, name).y, np.maximum(path.losses, 1e-30))
    cross = fig.data[-1]
    assert cross.marker.symbol == "x" and "diverged at step" in cross.name
    same(cross.x, [len(paths["too fast"].losses) - 1])
    assert titles(fig) == {"xaxis": "step", "yaxis": "loss"}
    return [fig]


def case_basins():
    obj, surf, _, _, _ = himmelblau()
    swarm = optim.swarm(obj, "adam", n=10, lr=0.1, steps=30)
    fig = figures.basins(surf, {"Adam": (swarm.starts, swarm.basin)}, swarm.minima, 10)
    assert kinds(fig)[0] == "contour" and set(kinds(fig)[1:]) == {"scatter"}
    same(fig.data[0].z, np.nan_to_num(figures.log_height(surf.z)))
    for k in np.unique(swarm.basin):
        same(marker_points(fig, basin_name(k, swarm.minima)), swarm.starts[swarm.basin == k])
    same(marker_points(fig, "minimum"), swarm.minima)
    assert titles(fig) == {"xaxis": surf.x_label, "yaxis": surf.y_label}
    return [fig]


def case_lr_momentum():
    obj, _, _, _, _ = himmelblau()
    lrs, momenta = np.array([1e-3, 1e-2, 0.1]), np.array([0.0, 0.5, 0.9])
    final = optim.lr_momentum_map(obj, start=(-1.0, 1.0), lrs=lrs, momenta=momenta, steps=30)
    limit = 2 * (1 + momenta) / 50.0  # a stand-in stability limit 2 (1 + mu) / lambda_max
    fig = figures.lr_momentum(lrs, momenta, final, floor=0.0, limit=limit)
    assert kinds(fig) == ["heatmap", "scatter", "scatter", "scatter"]
    same(fig.data[0].x, np.log10(lrs)), same(fig.data[0].y, momenta)
    ok = np.isfinite(final)
    same(floats(fig.data[0].z)[ok], np.log10(final[ok]))
    rows, cols = np.nonzero(~ok)
    same(marker_points(fig, "diverged"), np.stack([np.log10(lrs)[cols], momenta[rows]], -1))
    same(named(fig, "stability limit 2(1+μ)/λ_max").x, np.log10(limit))
    assert titles(fig) == {"xaxis": "learning rate", "yaxis": "momentum μ"}
    return [fig]


# ---- the tests --------------------------------------------------------------------------------------------

CASES = {name.removeprefix("case_"): case for name, case in globals().items() if name.startswith("case_")}


def test_every_builder_has_a_case():
    assert builders() == set(CASES), "give every exported figure builder a case in tests/test_figures.py"


@pytest.mark.parametrize("name", sorted(CASES))
def test_builder_draws_the_compute_output(name):
    drawn = CASES[name]()
    assert drawn
    for fig in drawn:
        assert_readable(fig)
