"""How an optimiser's descent runs: the checked settings of a run (``Plan``) and the batched descent loop.

``landscape.optim`` builds on this: ``run``, ``run_many``, ``race``, ``swarm`` and the learning-rate x
momentum map are each a ``plan`` (or several) turned into one ``descend`` over a ``(K, 2)`` parameter tensor.

- Checks: a start (``checked_starts``: finite, near the view, inside the divergence bound, with a finite,
  differentiable loss), the settings of one optimiser and schedule (``plan``), and the size of a request
  (``check_size``: path points, and ``cost`` charged to the budget in force).
- The loop: ``run_together`` steps plans that share steps, bound and mini-batches as one descent, each
  plan one torch.optim optimiser owning its rows; ``descend`` records the full objective at every point
  and ends each row at its first bad step (see ``landscape.optim`` on divergence).

No streamlit, no plotly.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from landscape import budget
from landscape.budget import Cost
from landscape.checks import check_int
from landscape.optimizers import MAX_STEPS, OptimizerSpec, ScheduleSpec, schedule_spec, spec
from landscape.types import DTYPE, InputError, Objective, Param, Trajectory

MAX_PATH_POINTS = 1_000_000  # starts x (steps + 1) of one call: 24 MB of float64 points
CHECK_EVERY = 50  # steps between two budget checkpoints
ENDS_EVERY = 10  # steps between two looks, in a full-batch descent, for rows that went bad
LBFGS_EVALUATIONS = 5  # gradients per L-BFGS step in a typical line search (at most its max_eval, 25)
START_MARGIN = 10.0  # a start may lie this many view half-widths from the view's centre
BOUND_FACTOR = 1e3  # default divergence bound: this times the largest |view limit|
CLIP_EPS = 1e-6  # torch.nn.utils.clip_grad_norm_'s guard against a zero norm
CONSTANT = "constant"  # the schedule that never changes the learning rate

# ---- settings of a run ------------------------------------------------------------------------

CLIP = Param("clip", 1.0, 1e-6, 1e6, "largest gradient norm of each path; longer gradients are shortened")
BOUND = Param("bound", 1e6, 1e-3, 1e12, "a path that leaves |theta_i| <= bound has diverged")


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


def one_start(obj: Objective, start: object) -> torch.Tensor:
    """One start ``(1, 2)``: ``start``, or ``default_start(obj)`` when it is None."""
    theta = _points(default_start(obj) if start is None else start, "the start")
    if len(theta) != 1:
        raise InputError("the start must be one point (x, y)")
    return theta


def checked_starts(obj: Objective, starts: object, bound: float) -> torch.Tensor:
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


def evaluations(plan: Plan) -> int:
    """Gradients per step: one, or L-BFGS's typical line search (LBFGS_EVALUATIONS)."""
    return 1 if plan.optimizer.elementwise else LBFGS_EVALUATIONS


def check_size(obj: Objective, steps: int, groups: Sequence[tuple[int, int]], recorded: int | None = None) -> None:
    """Refuse ``steps`` steps of optimisers moving ``(starts, evaluations per step)`` each, if too costly: more
    path points than one descent records (``recorded``: the fewest starts a descent of them moves, default all
    of them), or over the budget for them all (every path is kept)."""
    starts = sum(k for k, _ in groups)
    at_once = starts if recorded is None else recorded
    if at_once * (steps + 1) > MAX_PATH_POINTS:
        raise InputError(f"{at_once} paths of {steps} steps is too many points; keep starts x steps "
                         f"under {MAX_PATH_POINTS:,}")
    costs = [cost(obj, k, steps, e) for k, e in groups]  # held at once: the memory adds up too (Cost + reuses it)
    budget.charge(Cost(sum(c.seconds for c in costs), sum(c.bytes for c in costs)), f"{starts} paths of {steps} steps",
                  "use fewer steps, starts or data points, or mini-batches")


@dataclass(frozen=True)
class Plan:
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


def plan(obj: Objective, name: str, steps: object, lr: object, schedule: str, clip: object,
          batch_size: object, seed: object, bound: object, hparams: Mapping[str, object]) -> Plan:
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
    return Plan(
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


def scale_rows(leaves: Sequence[torch.Tensor], scale: torch.Tensor) -> None:
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


def _forward(objective: Objective, leaves: Sequence[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    """``theta (K, 2)``, the rows of ``leaves``, and ``f(theta) (K,)``; with autograd's graph only when the
    objective has no gradient in closed form."""
    with torch.set_grad_enabled(objective.gradient is None):
        theta = torch.cat(leaves)
        return theta, objective(theta)


def _set_gradients(objective: Objective, leaves: Sequence[torch.Tensor], theta: torch.Tensor,
                   loss: torch.Tensor) -> None:
    """Row k of the leaves' ``.grad`` = the gradient of ``f`` at ``theta_k``: the closed form where the
    objective has one (a test function: several times cheaper than autograd on a tiny graph), else the
    backward pass of ``sum_k f(theta_k)``."""
    for leaf in leaves:
        leaf.grad = None
    if objective.gradient is None:
        loss.sum().backward()
        return
    with torch.no_grad():
        for leaf, grad in zip(leaves, objective.gradient(theta).split([len(leaf) for leaf in leaves])):
            leaf.grad = grad


def _backward(objective: Objective, leaves: Sequence[torch.Tensor], shape: GradShaper | None) -> torch.Tensor:
    """``sum_k f(theta_k)`` and its gradient, row k's in row k, then shaped (clipped, scaled) in place."""
    theta, loss = _forward(objective, leaves)
    _set_gradients(objective, leaves, theta, loss)
    if shape is not None:
        shape(leaves)
    return loss.sum()


def step_together(objective: Objective, leaves: Sequence[torch.Tensor], optimizers, schedulers,
                   shape: GradShaper | None) -> None:
    """One gradient for every leaf, then every optimiser steps the leaf it owns (elementwise ones)."""
    _backward(objective, leaves, shape)
    for optimizer in optimizers:
        optimizer.step()
    for scheduler in schedulers:
        scheduler.step()


def _step_with_closure(objective: Objective, leaves: Sequence[torch.Tensor], optimizers, schedulers,
                       shape: GradShaper | None) -> None:
    """One step of one optimiser that evaluates the objective itself (L-BFGS's line search)."""
    (optimizer,) = optimizers
    optimizer.step(partial(_backward, objective, leaves, shape))
    for scheduler in schedulers:  # none for a constant schedule
        scheduler.step()


def descend(obj: Objective, leaves: Sequence[torch.Tensor], step: Step, steps: int, bound: float,
             batches: Iterator[Objective]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Step all rows of ``leaves`` together, recording the full objective at every point.

    Returns ``points (T+1, K, 2)``, ``losses (T+1, K)`` and ``ends (K,)``: each row's first bad
    step, or ``steps + 1`` when it has none.  Stops early once every row has gone bad.
    """
    points, losses, ends = _records(leaves, steps)
    for t in range(steps + 1):
        if t % CHECK_EVERY == 0:
            budget.checkpoint()
        with torch.no_grad():
            points[t] = torch.cat(leaves)
            losses[t] = obj(points[t])
        if _ended(points, losses, ends, t, steps, bound, every=1):
            break
        step(next(batches))
    return points[:t + 1], losses[:t + 1], ends


def descend_full(obj: Objective, leaves: Sequence[torch.Tensor], optimizers, schedulers,
                 shape: GradShaper | None, steps: int, bound: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``descend`` of elementwise optimisers on the full objective, one forward pass per step: the
    recorded loss of each point is the very forward pass its gradient comes from (same values as
    ``descend``'s separate evaluation, one objective call and one concatenation fewer per step)."""
    points, losses, ends = _records(leaves, steps)
    for t in range(steps + 1):
        if t % CHECK_EVERY == 0:
            budget.checkpoint()
        theta, loss = _forward(obj, leaves)  # (K, 2), (K,)
        points[t], losses[t] = theta.detach(), loss.detach()
        if _ended(points, losses, ends, t, steps, bound, every=ENDS_EVERY):
            break
        _set_gradients(obj, leaves, theta, loss)
        if shape is not None:
            shape(leaves)
        for optimizer in optimizers:
            optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
    return points[:t + 1], losses[:t + 1], ends


def _records(leaves: Sequence[torch.Tensor], steps: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Empty ``points (T+1, K, 2)`` and ``losses (T+1, K)``, and ``ends (K,)`` all ``steps + 1``."""
    k = sum(len(p) for p in leaves)
    return (torch.empty(steps + 1, k, 2, dtype=DTYPE), torch.empty(steps + 1, k, dtype=DTYPE),
            torch.full((k,), steps + 1))


def _ended(points: torch.Tensor, losses: torch.Tensor, ends: torch.Tensor, t: int, steps: int, bound: float,
           every: int) -> bool:
    """At the last step ``t`` of a block of ``every`` recorded steps, or the last step: end each row at its first
    bad step in the block; whether the descent stops here (last step, or no row left).

    A row that went bad keeps stepping to the block's end, cut off later: looking at every step cost a race 12%
    of its time (a tensor op per check), so ``descend_full`` looks every ``ENDS_EVERY`` steps."""
    if (t + 1) % every and t != steps:
        return False
    first = t - t % every
    bad = ~_valid(points[first:t + 1], losses[first:t + 1], bound)  # (B, K)
    new = bad.any(0) & (ends > steps)
    ends[new] = first + bad.int().argmax(0)[new]  # argmax: the first bad step of the block
    return t == steps or bool((ends <= t).all())


def _trajectories(points: torch.Tensor, losses: torch.Tensor, ends: torch.Tensor, plan: Plan) -> list[Trajectory]:
    """One Trajectory per row, cut before its first bad step."""
    record = plan.record()
    return [Trajectory(points[:end, k].clone().numpy(), losses[:end, k].clone().numpy(), plan.optimizer.name,
                       dict(record), end if end <= plan.steps else None)
            for k, end in enumerate(ends.tolist())]


def _optimizers(plans: Sequence[Plan], leaves: Sequence[torch.Tensor]) -> tuple[list, list]:
    """The torch optimisers of ``plans`` (plan i owning ``leaves[i]``) and their schedulers.

    Elementwise plans of one torch class and one schedule share one optimiser, a param group each: torch
    steps every group as its own optimiser would (gd, momentum and Nesterov race as one SGD), with fewer
    calls.  A constant schedule gets no scheduler: its step leaves the learning rate as it is.
    """
    shared: dict[object, list[tuple[Plan, torch.Tensor]]] = {}
    for i, (p, leaf) in enumerate(zip(plans, leaves)):
        key = (p.optimizer.cls, p.schedule.name, tuple(sorted(p.schedule_params.items()))) \
            if p.optimizer.elementwise else i  # L-BFGS takes one param group
        shared.setdefault(key, []).append((p, leaf))
    optimizers, schedulers = [], []
    for members in shared.values():
        first = members[0][0]
        groups = [{"params": [leaf], **p.optimizer.torch_kwargs(p.hparams)} for p, leaf in members]
        # CPU tensors take torch's single-tensor path anyway; saying so skips its check of that on every step
        optimizer = first.optimizer.cls(groups, **({"foreach": False} if first.optimizer.elementwise else {}))
        optimizers.append(optimizer)
        if first.schedule.name != CONSTANT:
            schedulers.append(first.schedule.make(optimizer, first.steps, first.schedule_params))
    return optimizers, schedulers


def run_together(obj: Objective, plans: Sequence[Plan], starts: Sequence[torch.Tensor]) -> list[list[Trajectory]]:
    """Plans that share steps, bound and mini-batches, plan i from the rows of ``starts[i] (K_i, 2)``,
    as one descent: each plan is one optimiser owning one ``(K_i, 2)`` parameter tensor."""
    first = plans[0]
    leaves = [s.clone().requires_grad_(True) for s in starts]
    optimizers, schedulers = _optimizers(plans, leaves)
    clips = [p.clip for p in plans]
    shape = None if clips == [None] * len(plans) else partial(_clip_rows, max_norms=clips)
    if first.optimizer.elementwise and first.batch_size is None:
        points, losses, ends = descend_full(obj, leaves, optimizers, schedulers, shape, first.steps, first.bound)
        return _split(points, losses, ends, plans, starts)
    step = partial(step_together if first.optimizer.elementwise else _step_with_closure,
                   leaves=leaves, optimizers=optimizers, schedulers=schedulers, shape=shape)
    points, losses, ends = descend(obj, leaves, step, first.steps, first.bound,
                                    _batches(obj, first.batch_size, first.seed))
    return _split(points, losses, ends, plans, starts)


def _split(points: torch.Tensor, losses: torch.Tensor, ends: torch.Tensor, plans: Sequence[Plan],
           starts: Sequence[torch.Tensor]) -> list[list[Trajectory]]:
    """The recorded rows cut back into each plan's trajectories."""
    rows = np.cumsum([0] + [len(s) for s in starts])
    return [_trajectories(points[:, a:b], losses[:, a:b], ends[a:b], plan)
            for plan, a, b in zip(plans, rows[:-1], rows[1:])]
