"""Figure cases: loss curves, overfitting and neural networks."""
from __future__ import annotations

import numpy as np
from figure_inputs import degree_sweep, network
from figure_reading import kinds, marker_points, named, same, titles

from landscape import capacity, curves, figures


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
