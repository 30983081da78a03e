"""The Loss surface page's compute: a surface, its parts, its minima, the downhill field, the data, and what
the penalty did to the minimiser (``penalty_sentence``, built from the exact minimisers).

    view = surface.view(obj, x_range, y_range, n, arrows=True, points=(x, y))   # SurfaceView

Everything is plain arrays and frozen dataclasses, so the page caches a view in one line.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from landscape import grid, minimum, problems
from landscape.types import DTYPE, Marker, Objective, Surface

MESH_3D = 81  # points a side of the 3D surface drawn: finer is invisible there, and costs every change a redraw
ARROWS = 17  # arrows a side of the downhill field


@dataclass(frozen=True)
class SurfaceView:
    """What the Loss Surface page draws, as plain arrays (picklable, so it can be cached)."""

    surface: Surface
    parts: dict[str, Surface]  # data loss, penalty, total when there is a penalty
    markers: tuple[Marker, ...]
    part_markers: dict[str, tuple[Marker, ...]]
    arrows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None  # x, y, gx, gy: (ARROWS, ARROWS) each
    title: str
    log_scale: bool
    penalised: tuple[np.ndarray, np.ndarray] | None = None  # exact minimisers (w, b) without and with the penalty
    mesh: Surface | None = None  # what the 3D surface draws: at most MESH_3D points a side (``mesh_3d``)
    points: tuple[np.ndarray, np.ndarray] | None = None  # the data of a regression or classification, else None

    @property
    def mesh_markers(self) -> tuple[Marker, ...]:
        """The markers of the 3D surface: the known minima only (the grid minimum depends on the resolution,
        and is marked on the map)."""
        return tuple(m for m in self.markers if m.label != "grid minimum")


def loss_at(obj: Objective, point) -> float:
    """The objective's value at one point ``(x, y)``."""
    with torch.no_grad():
        return float(obj(torch.as_tensor(point, dtype=DTYPE)))


def true_minima(obj: Objective) -> tuple[tuple[float, float], ...]:
    """Known minimisers: from the literature for test functions, computed exactly for linear regression."""
    if obj.linear is not None:
        return (tuple(float(v) for v in minimum.minimize(obj)),)
    return obj.minima


def mesh_3d(obj: Objective, surf: Surface, x_range, y_range, n: int) -> Surface:
    """The surface the 3D chart draws: ``surf`` itself up to MESH_3D points a side, else its own MESH_3D grid
    over the same ranges, the same for every finer resolution, so that a change of resolution leaves the 3D
    chart byte-identical and the browser does not draw it again (a WebGL chart takes a machine without a GPU
    about a second)."""
    return surf if n <= MESH_3D else grid.evaluate(obj, x_range, y_range, MESH_3D)


def downhill(obj: Objective, surf: Surface) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The gradient field on an ARROWS x ARROWS grid over the surface's ranges: ``(x, y, gx, gy)``."""
    xs, ys = (torch.linspace(float(a[0]), float(a[-1]), ARROWS, dtype=DTYPE) for a in (surf.x, surf.y))
    g = grid.gradients(obj, xs, ys).numpy()  # (ARROWS, ARROWS, 2)
    gx, gy = np.meshgrid(xs.numpy(), ys.numpy())
    return gx, gy, g[..., 0], g[..., 1]


def _grid_marker(surf: Surface) -> Marker:
    return Marker(*surf.minimum, label="grid minimum", symbol="circle-open")


def view(obj: Objective, x_range, y_range, n: int, arrows: bool = False,
         points: tuple[np.ndarray, np.ndarray] | None = None) -> SurfaceView:
    """The surface over the view, its parts (data loss, penalty, total) when there is a penalty, the grid and
    true minima, the exact minimisers with and without the penalty, and the downhill field if asked."""
    surf = grid.evaluate(obj, x_range, y_range, n)
    true = tuple(Marker(x, y, loss_at(obj, (x, y)), "true minimum", "x") for x, y in true_minima(obj))
    parts, part_markers = {}, {}
    if obj.penalty is not None:
        for name, part in (("data loss", "data"), ("penalty", "penalty"), ("total", "total")):
            parts[name] = surf if part == "total" else grid.evaluate(obj.part(part), x_range, y_range, n)
            part_markers[name] = (_grid_marker(parts[name]),)
    penalised = None
    if obj.penalty is not None and obj.linear is not None:
        m = obj.linear
        plain = problems.linear_regression(m.x.numpy(), m.y.numpy(), m.loss)  # the same data loss, no penalty
        penalised = (minimum.minimize(plain), minimum.minimize(obj))
    field = downhill(obj, surf) if arrows else None
    return SurfaceView(surf, parts, (_grid_marker(surf),) + true, part_markers, field, obj.title, obj.log_scale,
                       penalised, mesh_3d(obj, surf, x_range, y_range, n), points)


BETWEEN = 1e-6  # relative tolerance of "between the data loss's minimum and w = 0"


def penalty_sentence(view: SurfaceView) -> str:
    """What the penalty did to the minimiser's slope w, from the exact minimisers: "between the data loss's
    minimum and w = 0" only when it is.  For a convex loss it always is (the penalty is convex, even and grows
    with |w|), nearer to 0 the larger the penalty; a custom loss need not be convex."""
    general = ("The penalty grows with |w| and leaves b alone. For a convex data loss the total's minimum lies "
               "between the data loss's minimum and the axis w = 0, nearer to w = 0 the larger λ is.")
    if view.penalised is None:
        return general
    (w0, _), (w1, _) = view.penalised
    here = f"Here it moves the best slope from w = {w0:.4g} (data loss alone) to w = {w1:.4g} (total)"
    if w1 == 0.0 or (w0 * w1 > 0 and abs(w1) <= abs(w0) * (1 + BETWEEN)):
        return f"{general} {here}{': all the way to 0' if w1 == 0.0 else ''}."
    return f"{general} {here}, which is not between them: this loss is not convex."
