"""The minimiser of any two-parameter objective: exact for a linear model, else L-BFGS from many starts.

    theta = minimum.minimize(obj)    # (2,), also ls.optim.minimize
    end = minimum.lbfgs(fn, start)   # L-BFGS (strong Wolfe) on any scalar function of a vector

A linear model ``pred = w x + b`` goes to its exact solver (``landscape.fit``).  Objectives without
one (benchmarks, logistic regression, divergences) are minimised by L-BFGS from a grid of starts over
the view; the best point found is returned, a local minimum only.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch

from landscape import budget
from landscape.fit import fit_lines
from landscape.types import DTYPE, InputError, Objective

START_GRID = 3  # L-BFGS starts: a START_GRID x START_GRID grid over the view
UNBOUNDED = 1e4  # a minimiser further than this many view widths from the view is "no minimum"
TYPICAL_EVALUATIONS = 60  # gradients of one L-BFGS run on a smooth two-parameter objective (it may take more)


def minimize(obj: Objective) -> np.ndarray:
    """The minimiser ``(2,)`` of an objective: exact for a linear model (see SOLVERS), else the best
    L-BFGS result from a grid of starts over the view (a local minimum, not guaranteed global).

    Raises InputError when the objective decreases without bound (e.g. the saddle).
    """
    if obj.linear is not None:
        model = obj.linear
        return fit_lines(model.x.numpy(), model.y.numpy(), model.loss, model.l1, model.l2)[0]
    return _multistart(obj)


def _starts(obj: Objective) -> torch.Tensor:
    """A START_GRID x START_GRID grid over the view's interior (odd: its middle point is the centre)."""
    (x0, x1), (y0, y1) = obj.view
    return torch.cartesian_prod(torch.linspace(x0, x1, START_GRID + 2, dtype=DTYPE)[1:-1],
                                torch.linspace(y0, y1, START_GRID + 2, dtype=DTYPE)[1:-1])  # (START_GRID^2, 2)


def lbfgs(fn: Callable[[torch.Tensor], torch.Tensor], start: torch.Tensor, max_iter: int = 500) -> torch.Tensor:
    """The end point of L-BFGS (strong-Wolfe line search) on a scalar function of a parameter vector."""
    theta = start.detach().clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS([theta], lr=1.0, max_iter=max_iter, tolerance_grad=1e-12, tolerance_change=1e-16,
                                  history_size=20, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        value = fn(theta)
        value.backward()
        return value

    optimizer.step(closure)
    return theta.detach()


class _Escaped(Exception):
    """An L-BFGS run went downhill out of the region where a minimum is looked for (``args[0]``: the point)."""


def _lbfgs(obj: Objective, start: torch.Tensor, within: Callable[[torch.Tensor], bool]) -> tuple[torch.Tensor, float]:
    """L-BFGS from one start: (end point (2,), value there).  A run stops at the first point it evaluates
    outside the search region (``within`` False) with a lower or undefined value than the start's: one that
    would escape otherwise goes on for all its iterations, to infinity and NaN (1 s of CPU on the saddle)."""
    with torch.no_grad():
        at_start = float(obj(start))

    def watched(theta: torch.Tensor) -> torch.Tensor:
        value = obj(theta)
        if not within(theta.detach()) and not float(value.detach()) >= at_start:
            raise _Escaped(theta.detach().clone())
        return value

    try:
        end = lbfgs(watched, start)
    except _Escaped as escaped:
        end = escaped.args[0]
    with torch.no_grad():
        return end, float(obj(end))


def _multistart(obj: Objective) -> np.ndarray:
    """The best L-BFGS end inside ``UNBOUNDED`` view widths; an end that escaped (non-finite, or far
    away) with a lower or undefined value means the objective has no minimum."""
    (x0, x1), (y0, y1) = obj.view
    reach = UNBOUNDED * max(x1 - x0, y1 - y0)
    centre = torch.tensor([(x0 + x1) / 2, (y0 + y1) / 2], dtype=DTYPE)

    def within(theta: torch.Tensor) -> bool:  # False for NaN and infinity too
        return float((theta - centre).abs().max()) <= reach

    starts = _starts(obj)
    work = budget.elementwise(len(starts) * TYPICAL_EVALUATIONS * int(obj.meta.get("n_points", 1)), 4.0 * obj.ops)
    budget.charge(work, f"the minimum of {obj.title}", "use fewer data points or a simpler loss")
    ends = []
    for start in starts:
        budget.checkpoint()
        ends.append(_lbfgs(obj, start, within))
    escaped = [not (math.isfinite(v) and within(t)) for t, v in ends]
    inside = [end for end, out in zip(ends, escaped) if not out]
    best = min(inside, key=lambda end: end[1]) if inside else None
    if best is None or any(out and not v >= best[1] for (_, v), out in zip(ends, escaped)):
        raise InputError(f"{obj.title} has no minimum: it keeps decreasing away from the view")
    return best[0].numpy()
