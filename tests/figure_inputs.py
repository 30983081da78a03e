"""The compute the figure cases draw, built as the pages build it on small grids (cached: a case may reuse
another's)."""
from __future__ import annotations

from functools import cache

import numpy as np

from landscape import capacity, classify, divergence, nn, optim, outliers, problems, slices, surface


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
