"""Figure cases: the Optimisers page."""
from __future__ import annotations

import numpy as np
from apptest import floats
from figure_inputs import himmelblau
from figure_reading import kinds, marker_points, named, same, titles

from landscape import figures, optim
from landscape.figures.sweeps import basin_end, basin_name


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
    fig = figures.basins(surf, {"Adam": (swarm.starts, swarm.basin)}, swarm.minima)
    assert kinds(fig)[:2] == ["heatmap", "contour"] and set(kinds(fig)[2:]) == {"scatter"}
    cells, lines = fig.data[:2]
    same(lines.z, np.nan_to_num(figures.log_height(surf.z)))
    # every start is the centre of its cell, and the cell's colour band is the basin its path reached
    xs, ys = floats(cells.x), floats(cells.y)
    assert len(xs) == len(ys) == 10
    reached = np.unique(swarm.basin)
    for (x, y), basin in zip(swarm.starts, swarm.basin):
        row, col = np.flatnonzero(ys == np.float32(y)), np.flatnonzero(xs == np.float32(x))
        band = np.asarray(cells.z)[row[0], col[0]]
        assert reached[band] == basin and cells.text[row[0]][col[0]] == basin_end(basin, swarm.minima)
    colours = [named(fig, basin_name(k, swarm.minima)).marker.color for k in reached]  # the legend's key
    scale = [c for _, c in cells.colorscale]
    assert all(scale[2 * i] == scale[2 * i + 1] == colour for i, colour in enumerate(colours))
    assert (cells.zmin, cells.zmax) == (-0.5, len(reached) - 0.5)
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
