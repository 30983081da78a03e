"""The Optimisers page's compute: the reference minimum f*, the race, the swarm and the learning-rate map.

    ref = race.reference(obj)                                           # Reference: minima, f*, their label
    view = race.race_view(obj, {"gd": {}, "adam": {"lr": 0.1}}, (-1.5, 2.0), 300, 0.05, ref)   # RaceView
    swarm = race.swarm_view(obj, {"adam": {}}, steps=300, n=12)        # SwarmView: basins of attraction
    lr_map = race.map_view(obj, (-1.5, 2.0), steps=300, ref=ref)       # MapView: final loss per (lr, momentum)

Every view is a frozen dataclass of numpy arrays and plain values, so the page caches it in one line and
the lessons (``landscape.lessons.compute``) quote and draw the very numbers the page shows.  ``race_job``,
``swarm_job`` and ``map_job`` are the same compute from plain values only (a problem spec, an upload's
bytes, settings as JSON), as ``landscape.jobs`` runs them on the class server's workers.  Bad input raises
InputError with the message the page shows.  No streamlit, no plotly.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from landscape import budget, data, grid, optim, problems
from landscape.problems import ProblemSpec
from landscape.store import Store
from landscape.surface import loss_at, true_minima
from landscape.types import InputError, Marker, Objective, Param, Surface, Trajectory

RESOLUTION = 101  # grid points per side of the contour and the 3D surface
TOLERANCE = Param("tol", 0.05, 1e-12, 1e6,
                  "a path has converged once its loss is within this of the best known loss f*")
NO_OPTIMISER = "choose at least one optimiser"


# ---- the reference minimum ------------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """The problem's minimisers and the best known loss f* (none when the loss has no lower bound)."""

    minima: tuple[tuple[float, float], ...]
    value: float | None  # f*: the lowest loss among the minima
    label: str  # their markers' legend


def reference(obj: Objective) -> Reference:
    """Known minimisers (the literature's, or an exact fit for linear regression), else ``optim.minimize``
    (the best of many L-BFGS runs); none when the loss decreases without bound."""
    minima, label = true_minima(obj), "true minimum"
    if not minima:
        try:
            minima, label = (tuple(float(v) for v in optim.minimize(obj)),), "minimum found by L-BFGS"
        except InputError:
            return Reference((), None, "")
    return Reference(minima, min(loss_at(obj, m) for m in minima), label)


def floor(ref: Reference, losses: list[np.ndarray]) -> float | None:
    """f*: the reference value, or the lowest loss seen when that is lower (so loss - f* >= 0)."""
    finite = [float(a[np.isfinite(a)].min()) for a in losses if np.isfinite(a).any()]
    return None if ref.value is None else min([ref.value, *finite])


# ---- the race ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RaceView:
    surface: Surface
    paths: dict[str, Trajectory]  # label -> path, in the chosen order
    markers: tuple[Marker, ...]
    floor: float | None  # f*; None: the loss has no known lower bound
    leaderboard: tuple[dict[str, str], ...]
    diverged: tuple[str, ...]  # one sentence per diverged path
    notes: tuple[str, ...]  # e.g. a start outside the map
    title: str
    log_scale: bool
    steps: int
    seconds: float
    names: tuple[str, ...]  # the optimiser of each path, in the order of ``paths``
    minima: tuple[tuple[float, float], ...]  # the reference minimisers

    def by_name(self) -> dict[str, Trajectory]:
        """Optimiser name -> path, in the chosen order."""
        return dict(zip(self.names, self.paths.values()))


def reached(path: Trajectory, floor: float | None, tol: float) -> int | None:
    """The first step with loss <= f* + tol, if any."""
    hits = np.nonzero(path.losses - floor <= tol)[0] if floor is not None else []
    return int(hits[0]) if len(hits) else None


def ranked(paths: Mapping[str, Trajectory], floor: float | None, tol: float) -> list[tuple[str, Trajectory, int | None]]:
    """``(key, path, steps to tol)`` ranked: not diverged first, then by steps to reach loss <= f* + tol,
    then by final loss (ties keep the chosen order)."""
    rows = sorted(((p.diverged_at is not None, step is None, step or 0, float(p.losses[-1]), key, p, step)
                   for key, p in paths.items() for step in [reached(p, floor, tol)]), key=lambda r: r[:4])
    return [(key, p, step) for *_, key, p, step in rows]


def leaderboard(paths: Mapping[str, Trajectory], floor: float | None, tol: float) -> tuple[dict[str, str], ...]:
    """The page's table, ranked by ``ranked``: final loss, "steps to tol" and where a path diverged, as text."""
    return tuple({"#": str(i), "optimiser": label, "final loss": f"{p.losses[-1]:.4g}",
                  "steps to tol": "—" if step is None else str(step),
                  "diverged": "no" if p.diverged_at is None else f"at step {p.diverged_at}"}
                 for i, (label, p, step) in enumerate(ranked(paths, floor, tol), start=1))


def markers(obj: Objective, ref: Reference, start) -> tuple[Marker, ...]:
    """The reference minima and the start."""
    minima = tuple(Marker(x, y, loss_at(obj, (x, y)), ref.label, "x") for x, y in ref.minima)
    return minima + (Marker(*start, loss_at(obj, start), "start", "circle"),)


def diverged_sentence(label: str, path: Trajectory, floor: float | None) -> str:
    """Why a path stopped, and what to try: a smaller learning rate, unless the loss has no minimum at all
    (``floor`` None: it decreases without bound), where every path that follows the slope far enough leaves."""
    t = path.diverged_at
    text = (f"{label} diverged at step {t}: its loss or parameters stopped being finite or left the bound, so its "
            f"path is drawn up to step {t - 1}.")
    if floor is None:
        return text + (" This loss has no lowest point (it keeps decreasing away from the view), so any path that "
                       "keeps going downhill leaves in the end; a smaller learning rate only delays it.")
    return text + " Try a smaller learning rate."


def inside(obj: Objective, point) -> bool:
    """Whether ``point`` lies in the objective's view."""
    return all(lo <= v <= hi for v, (lo, hi) in zip(point, obj.view))


def remembered(memo: tuple[Store, str] | None, entries: Mapping[str, Mapping[str, object]], run: Callable,
               *what) -> dict:
    """``run(entries)``: one result per entry (``{label: settings}``).  With ``memo`` (a store and a key naming
    the problem), each entry's result an earlier call with the same settings and ``what`` (start, steps, ...)
    stored comes from the store, and ``run`` gets only the missing entries (none: it is not called)."""
    if memo is None:
        return run(entries)
    store, problem = memo
    keys = {label: json.dumps([problem, label, settings, *what], sort_keys=True) for label, settings in entries.items()}
    known = {label: store.get(key) for label, key in keys.items()}
    missing = {label: settings for label, settings in entries.items() if known[label] is None}
    ran = run(missing) if missing else {}
    for label, value in ran.items():
        store.put(keys[label], value)
    return {label: ran[label] if known[label] is None else known[label] for label in entries}


def raced(obj: Objective, entries: Mapping[str, Mapping[str, object]], start, steps,
          memo: tuple[Store, str] | None = None, run: Callable[..., dict[str, Trajectory]] = optim.race
          ) -> dict[str, Trajectory]:
    """``run(obj, entries, start=start, steps=steps)`` (``optim.race``, or the page's ``race_job`` on the class
    server), each path ``remembered`` in ``memo``: a race's path equals its own run (tests/test_optim.py), so a
    change to one optimiser's settings runs that optimiser alone."""
    return remembered(memo, entries, lambda missing: run(obj, missing, start=start, steps=steps), list(start), steps)


def race_view(obj: Objective, entries: Mapping[str, Mapping[str, object]], start, steps, tol,
              ref: Reference | None = None, surface: Surface | None = None,
              memo: tuple[Store, str] | None = None, run: Callable[..., dict[str, Trajectory]] = optim.race
              ) -> RaceView:
    """Every optimiser of ``entries`` (``{name: optim.race settings}``) from one start (``raced``: ``memo``
    keeps the paths, ``run`` runs the race), the surface under them (``surface``, else RESOLUTION points a side
    over the view) and the leaderboard against ``ref`` (default ``reference(obj)``)."""
    began = time.perf_counter()
    if not entries:
        raise InputError(NO_OPTIMISER)
    tol = TOLERANCE.check(tol, "tolerance")
    raced_paths = raced(obj, entries, start, steps, memo, run)
    paths = {optim.spec(name).label: path for name, path in raced_paths.items()}
    ref = reference(obj) if ref is None else ref
    f_star = floor(ref, [p.losses for p in paths.values()])
    surf = grid.evaluate(obj, None, None, RESOLUTION) if surface is None else surface
    diverged = tuple(diverged_sentence(label, p, f_star) for label, p in paths.items() if p.diverged_at is not None)
    notes = () if inside(obj, start) else (
        f"The start ({start[0]:g}, {start[1]:g}) lies outside the map; the paths appear once they enter it.",)
    return RaceView(surf, paths, markers(obj, ref, start), f_star, leaderboard(paths, f_star, tol), diverged,
                    notes, obj.title, obj.log_scale, int(steps), time.perf_counter() - began, tuple(raced_paths),
                    ref.minima)


# ---- the swarm --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SwarmView:
    panels: dict[str, tuple[np.ndarray, np.ndarray]]  # label -> (starts (K, 2), basin (K,))
    minima: np.ndarray  # (M, 2)
    n: int
    skipped: tuple[str, ...]  # optimisers that cannot run many starts at once
    seconds: float


def swarm_panels(obj: Objective, entries: Mapping[str, Mapping[str, object]], steps, n
                 ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each elementwise optimiser of ``entries`` (``{name: settings}``) from an ``n x n`` grid of starts: the
    starts ``(K, 2)`` and the basin each path ends in ``(K,)``, all of them stepping together
    (``optim.swarms``)."""
    return {name: (s.starts, s.basin) for name, s in optim.swarms(obj, entries, n, steps).items()}


def with_minima(obj: Objective, minima: tuple[tuple[float, float], ...] | None) -> Objective:
    """``obj``, given ``minima`` (a data problem's computed ones, ``reference``) where they lie in the view
    when it knows none of its own."""
    return obj if obj.minima or minima is None else replace(obj, minima=tuple(m for m in minima if inside(obj, m)))


def swarm_view(obj: Objective, entries: Mapping[str, Mapping[str, object]], steps, n,
               minima: tuple[tuple[float, float], ...] | None = None, memo: tuple[Store, str] | None = None,
               run: Callable[..., dict[str, tuple[np.ndarray, np.ndarray]]] = swarm_panels) -> SwarmView:
    """Each optimiser of ``entries`` from an ``n x n`` grid of starts; where each path ends (basins of
    attraction).  ``minima``: see ``with_minima``.  ``run(obj, entries, steps, n)`` computes the panels
    (``swarm_panels``, or the page's ``swarm_job`` on the class server: all of them in one task, which waits
    for a worker once), each ``remembered`` in ``memo``, so a change to one optimiser's settings runs that
    optimiser's swarm alone."""
    began = time.perf_counter()
    obj = with_minima(obj, minima)
    runnable = {name: settings for name, settings in entries.items() if optim.spec(name).elementwise}
    if not runnable:
        raise InputError("the swarm needs an optimiser that runs many starts at once; L-BFGS runs one at a time")
    panels = remembered(memo, runnable, lambda missing: run(obj, missing, steps, n), "swarm", steps, n)
    found = np.asarray(obj.minima, dtype=np.float64).reshape(-1, 2)
    return SwarmView({optim.spec(name).label: panel for name, panel in panels.items()}, found, int(n),
                     tuple(optim.spec(name).label for name in entries if name not in runnable),
                     time.perf_counter() - began)


# ---- the learning-rate x momentum map ------------------------------------------------------------------------

@dataclass(frozen=True)
class MapView:
    lrs: np.ndarray  # (L,)
    momenta: np.ndarray  # (M,)
    final: np.ndarray  # (M, L), inf where training diverged
    floor: float | None  # f* (None: unknown, or not asked for)
    limit: np.ndarray | None  # (M,) stability limit of each momentum, for quadratics
    seconds: float


def map_view(obj: Objective, start, steps, ref: Reference | None = None) -> MapView:
    """Final loss of SGD with momentum over the default learning-rate x momentum grid; its floor f* from
    ``ref`` when given (``with_floor``)."""
    began = time.perf_counter()
    final = optim.lr_momentum_map(obj, start=start, steps=steps)
    limits = [optim.stability_limit(obj, m) for m in optim.MOMENTUM_GRID]
    limit = None if limits[0] is None else np.array(limits)
    view = MapView(np.array(optim.LR_GRID), np.array(optim.MOMENTUM_GRID), final, None, limit,
                   time.perf_counter() - began)
    return view if ref is None else with_floor(view, ref)


def with_floor(view: MapView, ref: Reference) -> MapView:
    """The map with its floor f*: the reference value, or the lowest final loss when that is lower."""
    return replace(view, floor=floor(ref, [view.final]))


# ---- as jobs: plain values in ------------------------------------------------------------------------------

def objective(spec: ProblemSpec, csv: bytes | None) -> Objective:
    """The objective of ``spec``, with an uploaded CSV's points read under the point limit in force."""
    return problems.from_spec(spec, None if csv is None else data.load_csv(csv, max_rows=budget.current().points))


def race_job(spec: ProblemSpec, csv: bytes | None, entries: str, start: tuple[float, float], steps
             ) -> dict[str, Trajectory]:
    """``optim.race`` from plain values, ``entries`` as JSON: the paths ``raced`` runs, on a worker."""
    return optim.race(objective(spec, csv), json.loads(entries), start=start, steps=steps)


def swarm_job(spec: ProblemSpec, csv: bytes | None, entries: str, steps, n,
              minima: tuple[tuple[float, float], ...] | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``swarm_panels`` from plain values: ``entries`` as JSON, ``minima`` as for ``with_minima``."""
    return swarm_panels(with_minima(objective(spec, csv), minima), json.loads(entries), steps, n)


def map_job(spec: ProblemSpec, csv: bytes | None, start: tuple[float, float], steps) -> MapView:
    """``map_view`` from plain values, without its floor (``with_floor``, where the reference is cached)."""
    return map_view(objective(spec, csv), start, steps)
