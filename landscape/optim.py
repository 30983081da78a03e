"""Optimiser trajectories on two-parameter objectives, driven by torch.optim's own optimisers.

    traj = run(obj, "adam", start=(-1.5, 2.0), lr=0.05, steps=500)        # Trajectory
    paths = run_many(obj, "adam", starts)                                  # K starts, one tensor
    paths = race(obj, {"gd": {}, "adam": {"lr": 0.1}}, start=(-1.5, 2.0))   # label -> Trajectory

Batching: every optimiser here except L-BFGS updates each coordinate from that coordinate's
own gradient history (it is elementwise), and ``sum_k f(theta_k)`` has gradient
``grad f(theta_k)`` in row k.  So K independent starts run as one ``(K, 2)`` parameter tensor,
cost about one run, and equal K single runs.  L-BFGS (curvature pairs, line search) runs one
start at a time.

Divergence: step t of a path is bad when ``theta_t`` or ``f(theta_t)`` is not finite or
``max_i |theta_t,i| > bound``.  The first bad step ends the path: ``points`` keeps steps
``0 .. t-1`` and ``diverged_at = t``, so a path never holds a non-finite number.  A diverged
row of a batch keeps computing (elementwise, so it touches no other row) but is not recorded.

The optimisers, schedules and their hyper-parameters are the registries of ``landscape.optimizers``.
"""
from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import partial
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np
import torch

from landscape import budget
from landscape.budget import Cost
from landscape.checks import check_int
from landscape.optimizers import (MAX_STEPS, MOMENTUM, OPTIMIZERS, SCHEDULES, OptimizerSpec, ScheduleSpec,  # noqa: F401
                                  names, schedule_names, schedule_spec, spec)  # run's registry: optim.names() etc.
from landscape.minimum import minimize  # noqa: F401  (DESIGN.md's public API: ls.optim.minimize)
from landscape.types import DTYPE, InputError, Objective, Param, Trajectory

DEFAULT_STEPS = 200
MAX_PATH_POINTS = 1_000_000  # starts x (steps + 1) of one call: 24 MB of float64 points
MAX_RACE = 12
CHECK_EVERY = 50  # steps between two budget checkpoints
LBFGS_EVALUATIONS = 5  # gradients per L-BFGS step in a typical line search (at most its max_eval, 25)
MAX_MAP_SIDE = 100
START_MARGIN = 10.0  # a start may lie this many view half-widths from the view's centre
BOUND_FACTOR = 1e3  # default divergence bound: this times the largest |view limit|
CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_'s guard against a zero norm

LR_GRID = tuple(np.geomspace(1e-4, 1.0, 30))  # default lr axis of the lr x momentum map
MOMENTUM_GRID = tuple(np.linspace(0.0, 0.95, 20))  # default momentum axis
DEFAULT_RACE = ("gd", "momentum", "nesterov", "rmsprop", "adam")

# ---- settings of a run ------------------------------------------------------------------------

CLIP = Param("clip", 1.0, 1e-6, 1e6, "largest gradient norm of each path; longer gradients are shortened")
BOUND = Param("bound", 1e6, 1e-3, 1e12, "a path that leaves |theta_i| <= bound has diverged")
RADIUS = Param("radius", 0.1, 1e-9, 1e6, "an end point this close to a known minimum has reached it")


# ---- checking what a person typed ---------------------------------------------------------------

def _points(value: object, what: str) -> torch.Tensor:
    """``value`` as a ``(K, 2)`` float64 tensor of finite numbers."""
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(f"{what} must be numbers (x, y), got {value!r}") from None
    a = a.reshape(1, -1) if a.ndim == 1 else a
    if a.ndim != 2 or a.shape[1] != 2 or len(a) == 0:
        raise InputError(f"{what} must be points (x, y), got an array of shape {np.shape(value)}")
    if not np.isfinite(a).all():
        raise InputError(f"{what} must be finite numbers (no NaN or infinity)")
    return torch.as_tensor(a, dtype=DTYPE)


def start_region(obj: Objective) -> tuple[tuple[float, float], tuple[float, float]]:
    """Where a start may lie: the view widened to START_MARGIN half-widths around its centre."""
    return tuple((0.5 * (lo + hi) - START_MARGIN * 0.5 * (hi - lo), 0.5 * (lo + hi) + START_MARGIN * 0.5 * (hi - lo))
                 for lo, hi in obj.view)  # type: ignore[return-value]


def default_start(obj: Objective) -> tuple[float, float]:
    """A start in the upper left of the view: (-1.5, 2) on Rosenbrock."""
    (x0, x1), (y0, y1) = obj.view
    return x0 + 0.125 * (x1 - x0), y0 + 0.75 * (y1 - y0)


def default_bound(obj: Objective) -> float:
    """BOUND_FACTOR times the largest |view limit|: far enough to see a path blow up."""
    return BOUND_FACTOR * max(abs(v) for axis in obj.view for v in axis)


def _starts(obj: Objective, starts: object, bound: float) -> torch.Tensor:
    """Checked starts ``(K, 2)``: finite, near the view, inside the bound, with a finite, differentiable loss."""
    theta = _points(starts, "the start")  # (K, 2)
    for axis, name, (lo, hi) in zip(theta.T, obj.names, start_region(obj)):
        outside = (axis < lo) | (axis > hi)
        if bool(outside.any()):
            raise InputError(f"the start {name} = {float(axis[outside][0]):g} is far outside the view; "
                             f"keep {name} between {lo:g} and {hi:g}")
    if float(theta.abs().max()) > bound:
        raise InputError(f"the start lies outside the divergence bound |theta| <= {bound:g}")
    loss = obj(theta.clone().requires_grad_(True))  # (K,)
    if not loss.requires_grad:
        raise InputError(f"{obj.title} has no gradient to follow; choose a differentiable loss")
    bad = ~torch.isfinite(loss.detach())
    if bool(bad.any()):
        x, y = theta[bad][0].tolist()
        raise InputError(f"the loss is not finite at the start ({x:g}, {y:g}); choose another start")
    return theta


def cost(obj: Objective, starts: int, steps: int, evaluations: int = 1) -> Cost:
    """What ``steps`` steps of one torch optimiser moving ``starts`` points cost, each step taking
    ``evaluations`` gradients and recording the full objective once, with the recorded path."""
    n = int(obj.meta.get("n_points", 1))
    work = budget.elementwise(starts * n, (3 * evaluations + 1) * obj.ops, 2 * obj.live)  # autograd keeps the graph
    seconds = steps * (evaluations * budget.PATH_STEP_SECONDS + work.seconds)
    return Cost(seconds, work.bytes + 24.0 * starts * (steps + 1))


def _evaluations(plan: "_Plan") -> int:
    """Gradients per step: one, or L-BFGS's typical line search (LBFGS_EVALUATIONS)."""
    return 1 if plan.optimizer.elementwise else LBFGS_EVALUATIONS


def _check_size(obj: Objective, steps: int, groups: Sequence[tuple[int, int]]) -> None:
    """Refuse ``steps`` steps of optimisers moving ``(starts, evaluations per step)`` each, if too costly."""
    starts = sum(k for k, _ in groups)
    if starts * (steps + 1) > MAX_PATH_POINTS:
        raise InputError(f"{starts} paths of {steps} steps is too many points; keep starts x steps "
                         f"under {MAX_PATH_POINTS:,}")
    total = sum((cost(obj, k, steps, e) for k, e in groups), Cost(0.0))
    budget.charge(Cost(total.seconds, total.bytes), f"{starts} paths of {steps} steps",
                  "use fewer steps, starts or data points, or mini-batches")


@dataclass(frozen=True)
class _Plan:
    """Checked settings of a run, shared by all its starts."""

    optimizer: OptimizerSpec
    hparams: dict[str, float]  # the optimiser's, lr included
    schedule: ScheduleSpec
    schedule_params: dict[str, float]
    steps: int
    clip: float | None
    batch_size: int | None
    seed: int
    bound: float

    def record(self) -> dict[str, object]:
        """What a Trajectory stores as its hyper-parameters: everything needed to rerun it."""
        return {**self.hparams, "schedule": self.schedule.name, **self.schedule_params,
                "clip": self.clip, "batch_size": self.batch_size, "seed": self.seed}


def _bind(params: Sequence[Param], given: Mapping[str, object], owner: str) -> dict[str, float]:
    return {p.name: p.check(given.get(p.name, p.default), owner) for p in params}


def _plan(obj: Objective, name: str, steps: object, lr: object, schedule: str, clip: object,
          batch_size: object, seed: object, bound: object, hparams: Mapping[str, object]) -> _Plan:
    opt, sched = spec(name), schedule_spec(schedule)
    given = dict(hparams) if lr is None else {"lr": lr, **hparams}
    accepted = [p.name for p in (*opt.params, *sched.params)]
    unknown = sorted(set(given) - set(accepted))
    if unknown:
        raise InputError(f"{opt.label} with a {sched.label} schedule has no setting {', '.join(unknown)}; "
                         f"it takes {', '.join(accepted)}")
    if not opt.elementwise and (clip is not None or batch_size is not None):
        raise InputError(f"{opt.label} works on the full objective: it takes no gradient clipping or mini-batches")
    if batch_size is not None and obj.subset is None:
        raise InputError(f"mini-batches need a problem with data points; {obj.title} has none")
    return _Plan(
        opt, _bind(opt.params, given, opt.label), sched, _bind(sched.params, given, sched.label),
        check_int(steps, "steps", 1, MAX_STEPS), None if clip is None else CLIP.check(clip, "clipping"),
        None if batch_size is None else check_int(batch_size, "batch size", 1, int(obj.meta["n_points"])),
        check_int(seed, "seed", 0, 2**32 - 1),
        default_bound(obj) if bound is None else BOUND.check(bound, "divergence"))


# ---- the descent loop -----------------------------------------------------------------------------

GradShaper = Callable[[Sequence[torch.Tensor]], None]
Step = Callable[[Objective], None]


def _valid(theta: torch.Tensor, loss: torch.Tensor, bound: float) -> torch.Tensor:
    """Rows whose parameters and loss are finite and whose parameters lie within ``bound``: ``(K,)``."""
    return torch.isfinite(loss) & (theta.abs() <= bound).all(-1)  # NaN compares False


def _clip_rows(leaves: Sequence[torch.Tensor], max_norms: Sequence[float | None]) -> None:
    """``g <- g * min(1, c / (|g| + 1e-6))`` for every row: torch's clip_grad_norm_, one path at a time."""
    for p, max_norm in zip(leaves, max_norms):
        if max_norm is not None:
            norm = torch.linalg.vector_norm(p.grad, dim=-1, keepdim=True)  # (K, 1)
            p.grad.mul_((max_norm / (norm + CLIP_EPS)).clamp(max=1.0))


def _scale_rows(leaves: Sequence[torch.Tensor], scale: torch.Tensor) -> None:
    for p in leaves:
        p.grad.mul_(scale)


def _batches(obj: Objective, batch_size: int | None, seed: int) -> Iterator[Objective]:
    """The objective each step's gradient comes from: the full one, or ``batch_size`` rows drawn
    without replacement from a generator seeded with ``seed`` (fresh rows every step)."""
    if batch_size is None:
        return itertools.repeat(obj)
    generator = torch.Generator().manual_seed(seed)
    n = int(obj.meta["n_points"])
    return (obj.subset(torch.randperm(n, generator=generator)[:batch_size]) for _ in itertools.count())


def _backward(objective: Objective, leaves: Sequence[torch.Tensor], shape: GradShaper | None) -> torch.Tensor:
    """``sum_k f(theta_k)`` and its gradient, row k's in row k, then shaped (clipped, scaled) in place."""
    loss = objective(torch.cat(leaves)).sum()
    loss.backward()
    if shape is not None:
        shape(leaves)
    return loss


def _step_together(objective: Objective, leaves: Sequence[torch.Tensor], optimizers, schedulers,
                   shape: GradShaper | None) -> None:
    """One gradient for every leaf, then every optimiser steps the leaf it owns (elementwise ones)."""
    for leaf in leaves:
        leaf.grad = None
    _backward(objective, leaves, shape)
    for optimizer in optimizers:
        optimizer.step()
    for scheduler in schedulers:
        scheduler.step()


def _closure(objective: Objective, leaves: Sequence[torch.Tensor], optimizer: torch.optim.Optimizer,
             shape: GradShaper | None) -> torch.Tensor:
    optimizer.zero_grad()
    return _backward(objective, leaves, shape)


def _step_with_closure(objective: Objective, leaves: Sequence[torch.Tensor], optimizers, schedulers,
                       shape: GradShaper | None) -> None:
    """One step of one optimiser that evaluates the objective itself (L-BFGS's line search)."""
    (optimizer,), (scheduler,) = optimizers, schedulers
    optimizer.step(partial(_closure, objective, leaves, optimizer, shape))
    scheduler.step()


def _descend(obj: Objective, leaves: Sequence[torch.Tensor], step: Step, steps: int, bound: float,
             batches: Iterator[Objective]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Step all rows of ``leaves`` together, recording the full objective at every point.

    Returns ``points (T+1, K, 2)``, ``losses (T+1, K)`` and ``ends (K,)``: each row's first bad
    step, or ``steps + 1`` when it has none.  Stops early once every row has gone bad.
    """
    k = sum(len(p) for p in leaves)
    points = torch.empty(steps + 1, k, 2, dtype=DTYPE)  # (T+1, K, 2)
    losses = torch.empty(steps + 1, k, dtype=DTYPE)  # (T+1, K)
    ends = torch.full((k,), steps + 1)  # (K,)
    for t in range(steps + 1):
        if t % CHECK_EVERY == 0:
            budget.checkpoint()
        with torch.no_grad():
            points[t] = torch.cat(leaves)
            losses[t] = obj(points[t])
            ends.masked_fill_(~_valid(points[t], losses[t], bound) & (ends > steps), t)
        if t == steps or bool((ends <= t).all()):
            break
        step(next(batches))
    return points[:t + 1], losses[:t + 1], ends


def _trajectories(points: torch.Tensor, losses: torch.Tensor, ends: torch.Tensor, plan: _Plan) -> list[Trajectory]:
    """One Trajectory per row, cut before its first bad step."""
    record = plan.record()
    return [Trajectory(points[:end, k].clone().numpy(), losses[:end, k].clone().numpy(), plan.optimizer.name,
                       dict(record), end if end <= plan.steps else None)
            for k, end in enumerate(ends.tolist())]


def _run_together(obj: Objective, plans: Sequence[_Plan], starts: Sequence[torch.Tensor]) -> list[list[Trajectory]]:
    """Plans that share steps, bound and mini-batches, plan i from the rows of ``starts[i] (K_i, 2)``,
    as one descent: each plan is one optimiser owning one ``(K_i, 2)`` parameter tensor."""
    first = plans[0]
    leaves = [s.clone().requires_grad_(True) for s in starts]
    optimizers = [p.optimizer.cls([leaf], **p.optimizer.torch_kwargs(p.hparams)) for p, leaf in zip(plans, leaves)]
    schedulers = [p.schedule.make(o, p.steps, p.schedule_params) for p, o in zip(plans, optimizers)]
    clips = [p.clip for p in plans]
    shape = None if clips == [None] * len(plans) else partial(_clip_rows, max_norms=clips)
    step = partial(_step_together if first.optimizer.elementwise else _step_with_closure,
                   leaves=leaves, optimizers=optimizers, schedulers=schedulers, shape=shape)
    points, losses, ends = _descend(obj, leaves, step, first.steps, first.bound,
                                    _batches(obj, first.batch_size, first.seed))
    rows = np.cumsum([0] + [len(s) for s in starts])
    return [_trajectories(points[:, a:b], losses[:, a:b], ends[a:b], plan)
            for plan, a, b in zip(plans, rows[:-1], rows[1:])]


# ---- public entry points ----------------------------------------------------------------------------

def run_many(obj: Objective, name: str, starts, steps: int = DEFAULT_STEPS, lr: float | None = None,
             schedule: str = "constant", clip: float | None = None, batch_size: int | None = None,
             seed: int = 0, bound: float | None = None, **hparams: float) -> list[Trajectory]:
    """One optimiser from each row of ``starts (K, 2)``: ``K`` Trajectories, as one batched run.

    Settings are ``run``'s.  Elementwise optimisers step all K rows as one ``(K, 2)`` tensor
    (clipping is per row, mini-batches are shared by all rows), which equals K single runs;
    L-BFGS runs the starts one after the other.
    """
    plan = _plan(obj, name, steps, lr, schedule, clip, batch_size, seed, bound, hparams)
    theta = _starts(obj, starts, plan.bound)  # (K, 2)
    _check_size(obj, plan.steps, [(len(theta), _evaluations(plan))])
    groups = [theta] if plan.optimizer.elementwise else list(theta[:, None])  # (K, 2) or K x (1, 2)
    return [traj for group in groups for traj in _run_together(obj, [plan], [group])[0]]


def _start(obj: Objective, start: object) -> torch.Tensor:
    """One start ``(1, 2)``: ``start``, or ``default_start(obj)`` when it is None."""
    theta = _points(default_start(obj) if start is None else start, "the start")
    if len(theta) != 1:
        raise InputError("the start must be one point (x, y)")
    return theta


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
    return run_many(obj, name, _start(obj, start), steps, lr, schedule, clip, batch_size, seed, bound, **hparams)[0]


def _race_plan(obj: Objective, label: str, settings: object, steps: object, bound: object) -> _Plan:
    shared = {"start", "steps", "bound", "name", "obj"}
    if not isinstance(settings, Mapping) or shared & set(settings):
        raise InputError(f"{label}: settings must be a mapping without {', '.join(sorted(shared))}")
    s = dict(settings)
    return _plan(obj, s.pop("optimizer", label), steps, s.pop("lr", None), s.pop("schedule", "constant"),
                 s.pop("clip", None), s.pop("batch_size", None), s.pop("seed", 0), bound, s)


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
    if not isinstance(entries, Mapping) or not 1 <= len(entries) <= MAX_RACE:
        raise InputError(f"a race needs 1 to {MAX_RACE} entries {{label: settings}}")
    plans = {label: _race_plan(obj, label, settings, steps, bound) for label, settings in entries.items()}
    first = next(iter(plans.values()))  # steps and bound are the same in every plan
    theta = _starts(obj, _start(obj, start), first.bound)  # (1, 2)
    _check_size(obj, first.steps, [(1, _evaluations(p)) for p in plans.values()])
    groups: dict[object, list[str]] = {}  # elementwise entries on the same batches share a descent
    for label, p in plans.items():
        key = (p.batch_size, p.seed if p.batch_size else None) if p.optimizer.elementwise else label
        groups.setdefault(key, []).append(label)
    out = {}
    for labels in groups.values():
        paths = _run_together(obj, [plans[label] for label in labels], [theta] * len(labels))
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
    n = check_int(n, "swarm grid size", 10, 40)
    radius = 0.05 * min(hi - lo for lo, hi in obj.view) if radius is None else RADIUS.check(radius, "swarm")
    starts = start_grid(obj, n)  # (n*n, 2)
    paths = run_many(obj, name, starts, **settings)
    ends = np.array([t.points[-1] for t in paths])  # (K, 2)
    minima = np.asarray(obj.minima, dtype=np.float64).reshape(-1, 2)  # (M, 2)
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
    start = _starts(obj, _start(obj, start), bound)  # (1, 2)
    _check_size(obj, steps, [(len(lr) * len(mu), 1)])
    leaves = [start.expand(len(lr), 2).clone().requires_grad_(True) for _ in mu]  # M x (L, 2)
    optimizer = torch.optim.SGD([{"params": [p], "momentum": float(m)} for p, m in zip(leaves, mu)], lr=1.0)
    step = partial(_step_together, leaves=leaves, optimizers=[optimizer], schedulers=[],
                   shape=partial(_scale_rows, scale=lr[:, None]))
    _, losses, ends = _descend(obj, leaves, step, steps, bound, itertools.repeat(obj))
    final = torch.where(ends > steps, losses[-1], math.inf)  # (M * L,)
    return final.reshape(len(mu), len(lr)).numpy()
