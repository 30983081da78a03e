"""Optimiser trajectories on two-parameter objectives, driven by torch.optim's own optimisers.

    traj = run(obj, "adam", start=(-1.5, 2.0), lr=0.05, steps=500)        # Trajectory
    paths = run_many(obj, "adam", starts)                                  # K starts, one tensor
    paths = race(obj, {"gd": {}, "adam": {"lr": 0.1}}, start=(-1.5, 2.0))   # label -> Trajectory
    basins = swarm(obj, "adam", n=12)                                      # Swarm: where a grid of starts ends
    panels = swarms(obj, {"gd": {}, "adam": {"lr": 0.1}}, n=12)             # label -> Swarm, stepping together
    final = lr_momentum_map(obj)                                           # (momenta, lrs) final losses

Batching: every optimiser here except L-BFGS updates each coordinate from that coordinate's
own gradient history (it is elementwise), and ``sum_k f(theta_k)`` has gradient
``grad f(theta_k)`` in row k.  So K independent starts run as one ``(K, 2)`` parameter tensor,
cost about one run, and equal K single runs.  L-BFGS (curvature pairs, line search) runs one
start at a time.

Divergence: step t of a path is bad when ``theta_t`` or ``f(theta_t)`` is not finite or
``max_i |theta_t,i| > bound``.  The first bad step ends the path: ``points`` keeps steps
``0 .. t-1`` and ``diverged_at = t``, so a path never holds a non-finite number.  A diverged
row of a batch keeps computing (elementwise, so it touches no other row) but is not recorded.

The checked settings and the descent loop these entry points share are ``landscape.descent``; the
optimisers, schedules and their hyper-parameters are the registries of ``landscape.optimizers``.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from landscape import descent
from landscape.checks import check_int
from landscape.descent import (BOUND, CLIP, LBFGS_EVALUATIONS, MAX_PATH_POINTS, cost,  # noqa: F401  (optim.CLIP etc.)
                               default_bound, default_start, start_region)
from landscape.minimum import minimize  # noqa: F401  (DESIGN.md's public API: ls.optim.minimize)
from landscape.optimizers import (MAX_STEPS, MOMENTUM, OPTIMIZERS, SCHEDULES, OptimizerSpec, ScheduleSpec,  # noqa: F401
                                  names, schedule_names, schedule_spec, spec)  # run's registry: optim.names() etc.
from landscape.types import DTYPE, InputError, Objective, Param, Trajectory

DEFAULT_STEPS = 200
MAX_RACE = 12
MAX_MAP_SIDE = 100

LR_GRID = tuple(np.geomspace(1e-4, 1.0, 30))  # default lr axis of the lr x momentum map
MOMENTUM_GRID = tuple(np.linspace(0.0, 0.95, 20))  # default momentum axis
DEFAULT_RACE = ("gd", "momentum", "nesterov", "rmsprop", "adam")
RADIUS = Param("radius", 0.1, 1e-9, 1e6, "an end point this close to a known minimum has reached it")


# ---- public entry points ----------------------------------------------------------------------------

def run_many(obj: Objective, name: str, starts, steps: int = DEFAULT_STEPS, lr: float | None = None,
             schedule: str = "constant", clip: float | None = None, batch_size: int | None = None,
             seed: int = 0, bound: float | None = None, **hparams: float) -> list[Trajectory]:
    """One optimiser from each row of ``starts (K, 2)``: ``K`` Trajectories, as one batched run.

    Settings are ``run``'s.  Elementwise optimisers step all K rows as one ``(K, 2)`` tensor
    (clipping is per row, mini-batches are shared by all rows), which equals K single runs;
    L-BFGS runs the starts one after the other.
    """
    plan = descent.plan(obj, name, steps, lr, schedule, clip, batch_size, seed, bound, hparams)
    theta = descent.checked_starts(obj, starts, plan.bound)  # (K, 2)
    descent.check_size(obj, plan.steps, [(len(theta), descent.evaluations(plan))])
    return _run_together(obj, [plan], theta)[0]


def _run_together(obj: Objective, plans: Sequence[descent.Plan], theta: torch.Tensor) -> list[list[Trajectory]]:
    """Plans of one descent (``_shared``), each from every row of ``theta (K, 2)``: elementwise ones as one
    ``(K, 2)`` tensor each, stepping together; L-BFGS (alone) one start at a time."""
    if plans[0].optimizer.elementwise:
        return descent.run_together(obj, plans, [theta] * len(plans))
    (plan,) = plans
    return [[traj for row in theta[:, None] for traj in descent.run_together(obj, [plan], [row])[0]]]


def _shared(plans: Mapping[str, descent.Plan]) -> list[list[str]]:
    """The labels of ``plans`` grouped into descents: elementwise entries on the same (mini-)batches share one
    gradient evaluation per step; L-BFGS runs alone."""
    groups: dict[object, list[str]] = {}
    for label, p in plans.items():
        key = (p.batch_size, p.seed if p.batch_size else None) if p.optimizer.elementwise else label
        groups.setdefault(key, []).append(label)
    return list(groups.values())


def run(obj: Objective, name: str, start=None, steps: int = DEFAULT_STEPS, lr: float | None = None,
        schedule: str = "constant", clip: float | None = None, batch_size: int | None = None,
        seed: int = 0, bound: float | None = None, **hparams: float) -> Trajectory:
    """The path of optimiser ``name`` from ``start`` (default ``default_start(obj)``) for ``steps`` steps.

    ``theta_{t+1} = optimizer step(theta_t, g_t)`` with ``g_t`` the gradient of the objective
    (or, with ``batch_size``, of ``batch_size`` data rows drawn from a generator seeded with
    ``seed``); the recorded loss is always the full objective.  ``lr`` and ``**hparams`` default
    to the registry's values (``OPTIMIZERS[name].params``); ``schedule`` names a
    SCHEDULES entry whose parameters also go in ``**hparams``; ``clip`` caps the gradient norm
    as torch.nn.utils.clip_grad_norm_ does; ``bound`` (default ``default_bound(obj)``) is the
    divergence bound on ``|theta_i|``.  Bad input raises InputError.
    """
    return run_many(obj, name, descent.one_start(obj, start), steps, lr, schedule, clip, batch_size, seed, bound,
                    **hparams)[0]


def _race_plan(obj: Objective, label: str, settings: object, steps: object, bound: object) -> descent.Plan:
    shared = {"start", "steps", "bound", "name", "obj"}
    if not isinstance(settings, Mapping) or shared & set(settings):
        raise InputError(f"{label}: settings must be a mapping without {', '.join(sorted(shared))}")
    s = dict(settings)
    return descent.plan(obj, s.pop("optimizer", label), steps, s.pop("lr", None), s.pop("schedule", "constant"),
                 s.pop("clip", None), s.pop("batch_size", None), s.pop("seed", 0), bound, s)


def _race_plans(obj: Objective, entries: object, steps: object, bound: object, what: str) -> dict[str, descent.Plan]:
    if not isinstance(entries, Mapping) or not 1 <= len(entries) <= MAX_RACE:
        raise InputError(f"{what} needs 1 to {MAX_RACE} entries {{label: settings}}")
    return {label: _race_plan(obj, label, settings, steps, bound) for label, settings in entries.items()}


def race(obj: Objective, entries: Mapping[str, Mapping[str, object]], start=None, steps: int = DEFAULT_STEPS,
         bound: float | None = None) -> dict[str, Trajectory]:
    """Several optimisers from one start: ``{label: settings}`` -> ``{label: Trajectory}``.

    ``settings`` are ``run``'s keyword arguments (``lr``, ``schedule``, ``clip``, ``batch_size``,
    ``seed``, hyper-parameters); ``settings["optimizer"]`` names the optimiser and defaults to the
    label, so the same optimiser can race itself::

        race(obj, {"adam": {"lr": 0.1}, "slow adam": {"optimizer": "adam", "lr": 0.01}, "gd": {}})

    ``start``, ``steps`` and ``bound`` are shared by every entry.  Each path equals its own
    ``run``; entries on the same (mini-)batches share one gradient evaluation per step.
    """
    plans = _race_plans(obj, entries, steps, bound, "a race")
    first = next(iter(plans.values()))  # steps and bound are the same in every plan
    theta = descent.checked_starts(obj, descent.one_start(obj, start), first.bound)  # (1, 2)
    descent.check_size(obj, first.steps, [(1, descent.evaluations(p)) for p in plans.values()])
    out = {}
    for labels in _shared(plans):
        paths = _run_together(obj, [plans[label] for label in labels], theta)
        out.update((label, traj) for label, (traj,) in zip(labels, paths))
    return {label: out[label] for label in entries}


@dataclass(frozen=True)
class Swarm:
    """Where a grid of starts ends: ``basin[k]`` indexes ``minima``, or is -1 when path k diverged
    or ended farther than ``radius`` from every known minimum."""

    starts: np.ndarray  # (K, 2)
    ends: np.ndarray  # (K, 2): the last recorded point of each path
    basin: np.ndarray  # (K,) int
    minima: np.ndarray  # (M, 2)
    radius: float
    trajectories: tuple[Trajectory, ...]


def start_grid(obj: Objective, n: int) -> np.ndarray:
    """``n x n`` starts at the cell centres of the view, x varying fastest: ``(n*n, 2)``."""
    (x0, x1), (y0, y1) = obj.view
    xs, ys = ((lo + (np.arange(n) + 0.5) * (hi - lo) / n) for lo, hi in ((x0, x1), (y0, y1)))
    return np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)


def nearest_minimum(ends: np.ndarray, minima: np.ndarray, radius: float) -> np.ndarray:
    """Index of the minimum within ``radius`` of each end point ``(K, 2)``, -1 for none: ``(K,)``."""
    if len(minima) == 0:
        return np.full(len(ends), -1)
    distance = np.linalg.norm(ends[:, None, :] - minima[None, :, :], axis=-1)  # (K, M)
    nearest = distance.argmin(-1)
    return np.where(distance[np.arange(len(ends)), nearest] <= radius, nearest, -1)


def swarm(obj: Objective, name: str, n: int = 12, radius: float | None = None, **settings) -> Swarm:
    """Basins of attraction: optimiser ``name`` from an ``n x n`` grid of starts over the view
    (``n`` from 10 to 40: 100 to 1600 starts), run batched; ``settings`` are ``run``'s.
    ``radius`` defaults to 5% of the view's shorter side."""
    steps, bound = settings.pop("steps", DEFAULT_STEPS), settings.pop("bound", None)
    return swarms(obj, {name: settings}, n, steps, radius, bound)[name]


def swarms(obj: Objective, entries: Mapping[str, Mapping[str, object]], n: int = 12, steps: int = DEFAULT_STEPS,
           radius: float | None = None, bound: float | None = None) -> dict[str, Swarm]:
    """``swarm`` of several optimisers from one grid of starts: ``{label: settings}`` -> ``{label: Swarm}``,
    settings as ``race``'s.  Entries that share a descent in a race (``_shared``) step together here too, as
    many at a time as ``MAX_PATH_POINTS`` allows (five optimisers' 12 x 12 swarms: one descent, about three
    times faster than one after the other), and each equals its own ``swarm``.  One charge for them all, before
    the first runs: every path is kept until the swarms are returned."""
    n = check_int(n, "swarm grid size", 10, 40)
    radius = 0.05 * min(hi - lo for lo, hi in obj.view) if radius is None else RADIUS.check(radius, "swarm")
    plans = _race_plans(obj, entries, steps, bound, "a swarm")
    first = next(iter(plans.values()))  # steps and bound are the same in every plan
    starts = start_grid(obj, n)  # (n*n, 2)
    theta = descent.checked_starts(obj, starts, first.bound)  # (K, 2)
    descent.check_size(obj, first.steps, [(len(theta), descent.evaluations(p)) for p in plans.values()],
                       recorded=len(theta))  # one panel a descent at least
    at_once = MAX_PATH_POINTS // (len(theta) * (first.steps + 1))  # panels a descent may record
    descents = [labels[i:i + at_once] for labels in _shared(plans) for i in range(0, len(labels), at_once)]
    paths = {}
    for labels in descents:
        paths.update(zip(labels, _run_together(obj, [plans[label] for label in labels], theta)))
    minima = np.asarray(obj.minima, dtype=np.float64).reshape(-1, 2)  # (M, 2)
    return {label: _basins(starts, paths[label], minima, radius) for label in entries}


def _basins(starts: np.ndarray, paths: list[Trajectory], minima: np.ndarray, radius: float) -> Swarm:
    ends = np.array([t.points[-1] for t in paths])  # (K, 2)
    diverged = np.array([t.diverged_at is not None for t in paths])
    basin = np.where(diverged, -1, nearest_minimum(ends, minima, radius))
    return Swarm(starts, ends, basin, minima, radius, tuple(paths))


def stability_limit(obj: Objective, momentum: float = 0.0) -> float | None:
    """The largest stable learning rate of (heavy-ball) gradient descent on a quadratic:
    ``eta < 2 (1 + mu) / lambda_max`` (``2 / lambda_max`` for plain GD).

    None when the objective has no constant Hessian (``obj.meta["hessian"]``) or no positive curvature.
    """
    hessian = obj.meta.get("hessian")
    if hessian is None:
        return None
    top = float(np.linalg.eigvalsh(np.asarray(hessian, dtype=np.float64)).max())
    return 2.0 * (1.0 + MOMENTUM.check(momentum, "stability limit")) / top if top > 0 else None


def _axis(values: object, param: Param, what: str) -> torch.Tensor:
    """A checked axis of the lr x momentum map: ``(n,)``."""
    try:
        a = np.asarray(values, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be numbers") from None
    if not 1 <= a.size <= MAX_MAP_SIDE:
        raise InputError(f"{what}: give 1 to {MAX_MAP_SIDE} values")
    return torch.as_tensor([param.check(v, what) for v in a], dtype=DTYPE)


def lr_momentum_map(obj: Objective, start=None, lrs: Sequence[float] = LR_GRID,
                    momenta: Sequence[float] = MOMENTUM_GRID, steps: int = DEFAULT_STEPS,
                    bound: float | None = None) -> np.ndarray:
    """Final loss of SGD with (heavy-ball) momentum for every pair: ``(len(momenta), len(lrs))``,
    ``inf`` where the run diverged (the array holds no NaN).

    All cells run at once: one torch.optim.SGD at ``lr = 1`` with a param group per momentum
    ``mu_m`` whose parameter has one row per learning rate ``(L, 2)``, and row l's gradient
    multiplied by ``eta_l`` before each step.  SGD keeps ``b_t = mu b_{t-1} + g_t`` and steps
    ``theta -= lr b_t``; fed ``eta g_t`` at ``lr = 1`` it keeps ``b'_t = eta b_t`` and steps
    ``theta -= eta b_t``, the path of ``SGD(lr=eta, momentum=mu)`` up to rounding.  For a
    quadratic, ``stability_limit(obj, mu)`` is where the cells start to diverge.
    """
    momentum = OPTIMIZERS["momentum"]
    lr_param, mu_param = momentum.params[:2]
    lr = _axis(lrs, lr_param, "learning rates")  # (L,)
    mu = _axis(momenta, mu_param, "momenta")  # (M,)
    steps = check_int(steps, "steps", 1, MAX_STEPS)
    bound = default_bound(obj) if bound is None else BOUND.check(bound, "divergence")
    start = descent.checked_starts(obj, descent.one_start(obj, start), bound)  # (1, 2)
    descent.check_size(obj, steps, [(len(lr) * len(mu), 1)])
    leaves = [start.expand(len(lr), 2).clone().requires_grad_(True) for _ in mu]  # M x (L, 2)
    optimizer = torch.optim.SGD([{"params": [p], "momentum": float(m)} for p, m in zip(leaves, mu)], lr=1.0)
    _, losses, ends = descent.descend_full(obj, leaves, [optimizer], [], partial(descent.scale_rows, scale=lr[:, None]),
                                           steps, bound)
    final = torch.where(ends > steps, losses[-1], math.inf)  # (M * L,)
    return final.reshape(len(mu), len(lr)).numpy()
