"""Exact fits of a line ``pred = w x + b`` under any regression loss, batched over whole sweeps.

    thetas = fit.fit_lines(x, Y, "huber")               # (B, 2): every row of Y fitted at once

The linear model ``pred = w x + b`` is scored by

    F(w, b) = mean_i rho(y_i - w x_i - b) + l1 |w| + l2 w^2          (the bias is not penalised)

and each regression loss has its own solver (``SOLVERS``, by loss name; any other loss, e.g. a
custom formula, takes ``NEWTON``):

* MSE in closed form: ``b = mean y - w mean x`` and ``w = soft(cov(x, y), l1 / 2) / (var x + l2)``,
  with ``soft(v, t) = sign(v) max(|v| - t, 0)``.
* MAE and quantile(tau) exactly, by vertex descent on the linear program.  ``rho(r) = u r^+ + d r^-``
  (MAE: u = d = 1; quantile: u = tau, d = 1 - tau).  Restricted to the lines through one data point
  p, F is a convex piecewise-linear (plus ``l2 w^2``) function of w whose kinks are the slopes
  ``s_k = (y_k - y_p) / (x_k - x_p)`` (and 0, from l1); its minimum is found exactly by sorting the
  kinks and a prefix sum of their weights ``(u + d) |x_k - x_p|``.  For fixed w the best b is an
  order statistic of ``y - w x``.  F's directional derivative at a point is piecewise linear in the
  direction, with kinks only where the line rotates about a point it passes through (or, at w = 0,
  along b), so the point is the global minimum iff the derivative is >= 0 along each of those rays
  and along ±b and ±w (``_steepest_ray``).  Until it is, each step takes the best of the exact line
  searches through the steepest ray's point, the PIVOTS points closest to the line, and along b.
  Degenerate data (many points on one line, ties) is handled: every active point's ray is checked.
* Huber, log-cosh and every other loss by damped Newton (Levenberg-Marquardt) on the exact 2 x 2
  Hessian; ``rho'`` and ``rho''`` come from autograd, so any elementwise loss works.  It stops at
  ``|grad F| <= GTOL`` (relative to the gradient's scale).  With l1 > 0: the best b at w = 0 first;
  if ``|dF/dw| <= l1`` there it is the minimum, else the smooth problem on the side where F
  decreases (``_newton``).  For a non-convex custom loss the result is the local minimum reached
  from the least-squares fit.

Any other objective is minimised by ``landscape.minimum``.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence

import numpy as np
import torch

from landscape import budget
from landscape import data as datasets
from landscape import losses as loss_registry
from landscape.problems import PENALTY_PARAMS
from landscape.types import DTYPE, InputError, Loss, LossSpec

PIVOTS = 4  # lines through this many of the closest points are searched at each vertex-descent step
MAX_LP_STEPS = 500
MAX_NEWTON_STEPS = 200
GTOL = 1e-11  # Newton stops at |grad F| <= GTOL * (1 + the gradient's scale)
CHUNK_POINTS = 1 << 16  # rows x points handed to a solver at once (its temporaries are a few times this)
REDUCE = "use fewer points or fewer data sets"


# ---- batched rows: B data sets (or loss parameters) of one loss family ------------------------------

@dataclass(frozen=True)
class Rows:
    """B fitting problems of one loss family: ``F_j(w, b) = mean_i rho_j(y_ji - w x_ji - b) + penalty``."""

    x: torch.Tensor  # (B, N)
    y: torch.Tensor  # (B, N)
    spec: LossSpec
    params: Mapping[str, torch.Tensor]  # each (B, 1)
    l1: float
    l2: float

    def loss(self, pred: torch.Tensor) -> torch.Tensor:
        """Per-point loss ``(B, C, N)`` of predictions ``(B, C, N)``; C candidates per row."""
        params = {k: v[:, :, None] for k, v in self.params.items()}  # (B, 1, 1)
        return self.spec.fn(self.y[:, None, :] - pred, **params)

    def value(self, theta: torch.Tensor) -> torch.Tensor:
        """F at ``theta (B, C, 2)`` -> ``(B, C)``."""
        w, b = theta[..., 0], theta[..., 1]
        pred = w[..., None] * self.x[:, None, :] + b[..., None]  # (B, C, N)
        return self.loss(pred).mean(-1) + self.l1 * w.abs() + self.l2 * w**2


def numbers(*arrays) -> tuple[np.ndarray, ...]:
    try:
        return tuple(np.asarray(a, dtype=np.float64) for a in arrays)
    except (TypeError, ValueError):
        raise InputError("the data must be numbers") from None


def _family(spec: LossSpec) -> tuple[str, str, str]:
    """Losses that differ only in their parameters (a custom formula parsed twice included)."""
    return spec.name, spec.formula, spec.description


def _as_rows(x, y, loss, l1: float = 0.0, l2: float = 0.0) -> Rows:
    """Validate and broadcast: x, y (N,) or (B, N); loss one Loss / name or one per row (same family)."""
    batch = [loss_registry.resolve(item, "regression") for item in
             ([loss] if isinstance(loss, (Loss, str)) else list(loss))]
    x, y = numbers(x, y)
    if x.ndim not in (1, 2) or y.ndim not in (1, 2) or not batch:
        raise InputError("x and y must be (N,) or (B, N) arrays, with at least one loss")
    rows = max(len(x) if x.ndim == 2 else 1, len(y) if y.ndim == 2 else 1, len(batch))
    try:
        x, y = np.broadcast_to(x, (rows, x.shape[-1])), np.broadcast_to(y, (rows, y.shape[-1]))
    except ValueError:
        raise InputError(f"x {x.shape} and y {y.shape} do not describe the same points") from None
    for j in range(rows):
        datasets.check_xy(x[j], y[j])
    batch = batch * rows if len(batch) == 1 else batch
    if len(batch) != rows or len({_family(item.spec) for item in batch}) > 1:
        raise InputError(f"one loss family per call, with one loss or one per data row ({rows}); "
                         f"got {', '.join(sorted({item.describe() for item in batch}))}")
    l1, l2 = (p.check(v, "penalty") for p, v in zip(PENALTY_PARAMS, (l1, l2)))
    params = {k: torch.tensor([[item.params[k]] for item in batch], dtype=DTYPE) for k in batch[0].params}
    return Rows(torch.tensor(x, dtype=DTYPE), torch.tensor(y, dtype=DTYPE), batch[0].spec, params, l1, l2)


# ---- MSE: closed form -----------------------------------------------------------------------------------

def _least_squares(rows: Rows) -> tuple[torch.Tensor, torch.Tensor, int]:
    """``w = soft(cov(x, y), l1 / 2) / (var x + l2)``, ``b = mean y - w mean x``: exact, O(N) per row."""
    mx, my = rows.x.mean(-1), rows.y.mean(-1)  # (B,)
    vxx = ((rows.x - mx[:, None]) ** 2).mean(-1)
    vxy = ((rows.x - mx[:, None]) * (rows.y - my[:, None])).mean(-1)
    w = vxy.sign() * (vxy.abs() - 0.5 * rows.l1).clamp(min=0.0) / (vxx + rows.l2)
    theta = torch.stack([w, my - w * mx], -1)  # (B, 2)
    return theta, torch.ones(len(theta), dtype=torch.bool), 0


# ---- MAE and quantile: exact vertex descent ---------------------------------------------------------------

PINBALL: dict[str, Callable[[Mapping[str, torch.Tensor]], tuple[object, object]]] = {
    "mae": lambda p: (1.0, 1.0),
    "quantile": lambda p: (p["tau"], 1.0 - p["tau"]),
}  # rho(r) = u r^+ + d r^-: the slopes (u, d) of each piecewise-linear loss


def _pivot_lines(rows: Rows, up, down, pivots: torch.Tensor) -> torch.Tensor:
    """The exact best slope among the lines through each pivot point: ``(B, K)`` from pivots ``(B, K)``.

    In sum units ``S(w) = sum_k rho(dy_k - w dx_k) + N (l1 |w| + l2 w^2)``: the slope of the
    piecewise-linear part jumps by ``(u + d) |dx_k|`` at ``s_k = dy_k / dx_k`` and by ``2 N l1`` at 0,
    starting from ``L0 = -u sum(dx^+) - d sum(dx^-) - N l1``; the minimiser is the first kink where
    the right derivative ``D + 2 N l2 w`` is >= 0, or the root ``-D / (2 N l2)`` of the segment before it.
    """
    n = rows.x.shape[-1]
    xp, yp = rows.x.gather(-1, pivots)[..., None], rows.y.gather(-1, pivots)[..., None]  # (B, K, 1)
    dx, dy = rows.x[:, None, :] - xp, rows.y[:, None, :] - yp  # (B, K, N)
    up, down = up[..., None], down[..., None]  # (B, 1, 1)
    moves = dx != 0
    kinks = torch.where(moves, dy / torch.where(moves, dx, 1.0), 0.0)
    weights = (up + down) * dx.abs()
    l1_kink = torch.full_like(kinks[..., :1], 2.0 * n * rows.l1)
    kinks = torch.cat([kinks, torch.zeros_like(l1_kink)], -1)  # (B, K, N + 1)
    weights = torch.cat([weights, l1_kink], -1)
    start = -(up * dx.clamp(min=0) + down * (-dx).clamp(min=0)).sum(-1, keepdim=True) - n * rows.l1  # (B, K, 1)
    kinks, order = kinks.sort(-1)
    slopes = torch.cat([start, start + weights.gather(-1, order).cumsum(-1)], -1)  # (B, K, N + 2): left of each kink
    curve = 2.0 * n * rows.l2
    first = ((slopes[..., 1:] + curve * kinks) < 0).sum(-1, keepdim=True)  # (B, K, 1): first kink with D+ >= 0
    kink = kinks.gather(-1, first.clamp(max=n))
    before = slopes.gather(-1, first)
    at_kink = (first <= n) & (before + curve * kink <= 0)
    root = -before / (curve if curve > 0 else 1.0)
    return torch.where(at_kink, kink, root)[..., 0]


def _best_offset(rows: Rows, up, down, w: torch.Tensor) -> torch.Tensor:
    """The exact best b for slopes ``w (B,)``: the order statistic ``ceil(N u / (u + d))`` of ``y - w x``."""
    n = rows.x.shape[-1]
    rank = (torch.ceil(up / (up + down) * n) - 1).clamp(0, n - 1).long()  # (B, 1)
    return (rows.y - w[:, None] * rows.x).sort(-1).values.gather(-1, rank)[:, 0]


def _steepest_ray(rows: Rows, up: torch.Tensor, down: torch.Tensor, theta: torch.Tensor,
                  residual: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The most negative directional derivative of S along the kink directions at theta.

    At theta, S's directional derivative ``S'(d)`` is piecewise linear in d with kinks only where
    ``d . (x_a, 1) = 0`` for an active point a (``r_a = 0``) and, at ``w = 0``, where ``d_w = 0``.
    So theta is optimal iff ``S' >= 0`` on the rays ``±(1, -x_a)`` (rotating about a), ``±(0, 1)``
    and ``±(1, 0)`` (the last two settle the cases of fewer than two kink lines; ``±(1, 0)`` is the
    rotation about x = 0, so it is computed as the ray of a virtual point there).
    With ``psi_i = u`` or ``-d`` the slope of rho at an inactive residual, along ``s (1, -x_k)``:
    ``S' = -s (sum psi_i x_i - x_k sum psi_i) + sum_a rho(-s (x_a - x_k)) + N (l1 |w|' + 2 l2 w) s``;
    the active sums come from the sorted active x and prefix sums.  Returns the derivative (B,),
    the pivot point whose ray it is (B,) and the scale it is measured against (B,).
    """
    n = rows.x.shape[-1]
    x, w = rows.x, theta[:, :1]
    scale = ((x.abs() + 1.0) * (up + down)).sum(-1, keepdim=True) + n * (rows.l1 + 2.0 * rows.l2 * w.abs())
    size = rows.y.abs().amax(-1, keepdim=True) + (w * x).abs().amax(-1, keepdim=True) + 1.0
    active = residual.abs() <= 1e-12 * size  # on the line, up to rounding
    psi = torch.where(active, 0.0, torch.where(residual > 0, up, -down))  # (B, N)
    s0, s1 = psi.sum(-1, keepdim=True), (psi * x).sum(-1, keepdim=True)
    xa = torch.where(active, x, math.inf).sort(-1).values  # active x first, ascending
    prefix = torch.cat([torch.zeros_like(s0), torch.where(active.sort(-1, descending=True).values,
                                                           xa, 0.0).cumsum(-1)], -1)  # (B, N + 1)
    xk = torch.cat([x, torch.zeros_like(s0)], -1)  # (B, N + 1): every point, then the virtual x = 0
    count = torch.searchsorted(xa, xk.contiguous(), right=True)  # active x_a <= x_k
    below = prefix.gather(-1, count)
    total, many = prefix[:, -1:], active.sum(-1, keepdim=True)
    left = count * xk - below  # sum_a (x_k - x_a)^+
    right = (total - below) - (many - count) * xk  # sum_a (x_a - x_k)^+
    smooth = 2.0 * n * rows.l2 * w
    kink = n * rows.l1 * torch.where(w == 0, 1.0, w.sign())  # |w|' along +w (and along -w at w = 0)
    forward = -(s1 - xk * s0) + up * left + down * right + smooth + kink  # s = +1, (B, N + 1)
    backward = (s1 - xk * s0) + up * right + down * left - smooth + torch.where(w == 0, kink, -kink)
    rays = torch.where(torch.cat([active, torch.ones_like(s0, dtype=torch.bool)], -1),
                       torch.minimum(forward, backward), math.inf)
    offset = torch.minimum(-s0 + many * down, s0 + many * up)  # along ±(0, 1)
    best, pivot = rays[:, :n].min(-1)  # the steepest rotation about a real point
    return torch.minimum(torch.minimum(best, rays[:, n]), offset[:, 0]), pivot, scale[:, 0]


def _vertex_descent(rows: Rows) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Exact MAE / quantile fit (module docstring): from least squares, the best exact line search
    (through the steepest ray's point, the PIVOTS closest points, or along b) until S' >= 0 on every ray."""
    up, down = (torch.as_tensor(v, dtype=DTYPE).reshape(-1, 1).expand(len(rows.x), 1)
                for v in PINBALL[rows.spec.name](rows.params))  # (B, 1)
    theta, _, _ = _least_squares(rows)
    current = rows.value(theta[:, None, :])[:, 0]  # (B,)
    k = min(PIVOTS, rows.x.shape[-1])
    for step in range(MAX_LP_STEPS + 1):
        w, b = theta[:, 0], theta[:, 1]
        residual = rows.y - w[:, None] * rows.x - b[:, None]  # (B, N)
        slope, steepest, scale = _steepest_ray(rows, up, down, theta, residual)
        optimal = slope >= -1e-12 * scale
        if optimal.all() or step == MAX_LP_STEPS:
            return theta, optimal, step
        pivots = torch.cat([residual.abs().topk(k, largest=False).indices, steepest[:, None]], -1)  # (B, K + 1)
        ws = torch.cat([_pivot_lines(rows, up, down, pivots), w[:, None]], -1)  # (B, K + 2)
        bs = torch.cat([rows.y.gather(-1, pivots) - ws[:, :-1] * rows.x.gather(-1, pivots),
                        _best_offset(rows, up, down, w)[:, None]], -1)
        candidates = torch.stack([ws, bs], -1)  # (B, K + 2, 2)
        values = rows.value(candidates)
        value, best = values.min(-1)
        improved = ~optimal & (value < current)
        if not improved.any():
            return theta, optimal, step
        theta = torch.where(improved[:, None], candidates[torch.arange(len(best)), best], theta)
        current = torch.where(improved, value, current)


# ---- smooth and custom losses: damped Newton ---------------------------------------------------------

def _loss_terms(rows: Rows, pred: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """``l``, ``l'`` and ``l''`` at predictions ``pred (B, N)``, derivatives in pred (``r = y - pred``, so
    ``l' = -rho'(r)``): the loss's closed form where it has one (Huber, log-cosh), else autograd's."""
    if rows.spec.derivatives is not None:
        r = rows.y - pred
        slope, curvature = rows.spec.derivatives(r, **rows.params)  # params (B, 1) broadcast over points
        return rows.spec.fn(r, **rows.params), -slope, curvature
    pred = pred.detach().requires_grad_(True)
    ell = rows.loss(pred[:, None, :])[:, 0]
    (d1,) = torch.autograd.grad(ell.sum(), pred, create_graph=True)
    d2 = torch.autograd.grad(d1.sum(), pred)[0] if d1.requires_grad else torch.zeros_like(d1)
    return ell.detach(), d1.detach(), d2


def _newton_terms(rows: Rows, theta: torch.Tensor, linear: torch.Tensor, free: torch.Tensor):
    """F, grad F (B, 2), Hessian (B, 2, 2) and the gradient's scale (B,) of the smooth piece.

    ``F = mean rho + l2 w^2 + linear w``; ``dF/dw = mean(l' x) + 2 l2 w + linear``, ``dF/db = mean(l')``,
    ``H = mean(l'' [x 1]^T [x 1]) + diag(2 l2, 0)`` with ``l' = d loss / d pred``.  Rows where w is
    fixed (``free`` False) have ``dF/dw = 0`` and ``H_ww = 1``.
    """
    ell, d1, d2 = _loss_terms(rows, theta[:, :1] * rows.x + theta[:, 1:])  # each (B, N)
    w, x = theta[:, 0], rows.x
    value = ell.mean(-1) + rows.l2 * w**2 + linear * w
    gw = torch.where(free, (d1 * x).mean(-1) + 2.0 * rows.l2 * w + linear, 0.0)
    hww = torch.where(free, (d2 * x * x).mean(-1) + 2.0 * rows.l2, 1.0)
    hwb = torch.where(free, (d2 * x).mean(-1), 0.0)
    grad = torch.stack([gw, d1.mean(-1)], -1)
    hess = torch.stack([torch.stack([hww, hwb], -1), torch.stack([hwb, d2.mean(-1)], -1)], -2)
    scale = (d1.abs() * (x.abs() + 1.0)).mean(-1) + rows.l1 + 2.0 * rows.l2 * w.abs()
    return value, grad, hess, scale


def _solve2(a: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """``a^-1 g`` for symmetric 2 x 2 matrices ``a (B, 2, 2)`` by the explicit inverse (no LAPACK call)."""
    det = a[:, 0, 0] * a[:, 1, 1] - a[:, 0, 1] ** 2
    return torch.stack([a[:, 1, 1] * g[:, 0] - a[:, 0, 1] * g[:, 1],
                        a[:, 0, 0] * g[:, 1] - a[:, 0, 1] * g[:, 0]], -1) / det[:, None]


def _damped_newton(rows: Rows, theta: torch.Tensor, linear: torch.Tensor, free: torch.Tensor):
    """Levenberg-Marquardt: step ``-(H + mu G)^-1 grad`` with G the Gram matrix of [x 1]; mu /10 after an
    accepted step, x10 after a rejected one.  A step is accepted when it decreases F (Armijo) or, once
    F's change is below rounding, when it shrinks |grad F|.  Returns theta, converged (B,), steps."""
    mx, ones = torch.where(free, rows.x.mean(-1), 0.0), torch.ones(len(theta), dtype=DTYPE)
    gram = torch.stack([torch.stack([torch.where(free, (rows.x**2).mean(-1), 1.0), mx], -1),
                        torch.stack([mx, ones], -1)], -2)  # (B, 2, 2)
    mu = torch.full((len(theta),), 1e-6, dtype=DTYPE)
    state = (theta, *_newton_terms(rows, theta, linear, free))  # theta, F, grad, H, scale
    for step in range(MAX_NEWTON_STEPS + 1):
        theta, value, grad, hess, scale = state
        norm = grad.norm(dim=-1)
        done = norm <= GTOL * (1.0 + scale)
        if done.all() or step == MAX_NEWTON_STEPS:
            return theta, done, step
        trial = theta - _solve2(hess + mu[:, None, None] * gram, grad)
        new = (trial, *_newton_terms(rows, trial, linear, free))
        t_value, t_grad = new[1], new[2]
        decrease = t_value <= value + 1e-4 * (grad * (trial - theta)).sum(-1)
        flat = ((t_value - value).abs() <= 1e-12 * value.abs()) & (t_grad.norm(dim=-1) < norm)
        accept = ~done & torch.isfinite(t_value) & torch.isfinite(t_grad).all(-1) & (decrease | flat)
        state = tuple(torch.where(accept.reshape(-1, *[1] * (a.dim() - 1)), a, b) for a, b in zip(new, state))
        mu = torch.where(accept, (mu / 10.0).clamp(min=1e-15), mu * 10.0)


def _newton(rows: Rows) -> tuple[torch.Tensor, torch.Tensor, int]:
    """Smooth losses from the least-squares fit.  With l1: first the best b at w = 0 and
    ``g = dG/dw`` there (G: F without l1).  If ``|g| <= l1``, 0 is in the subdifferential and
    ``(0, b)`` is the minimum; else the minimiser has ``sign w = -sign g`` and minimises the smooth
    ``G - l1 sign(g) w``, which agrees with F on that side."""
    start, _, _ = _least_squares(rows)
    zeros, free = torch.zeros(len(start), dtype=DTYPE), torch.ones(len(start), dtype=torch.bool)
    if rows.l1 == 0.0:
        return _damped_newton(rows, start, zeros, free)
    at_zero, zero_ok, zero_steps = _damped_newton(rows, start * torch.tensor([0.0, 1.0], dtype=DTYPE), zeros, ~free)
    slope = _newton_terms(rows, at_zero, zeros, free)[1][:, 0]  # dG/dw at (0, b)
    theta, converged, steps = _damped_newton(rows, start, -rows.l1 * slope.sign(), free)
    stay = slope.abs() <= rows.l1
    return torch.where(stay[:, None], at_zero, theta), torch.where(stay, zero_ok, converged), zero_steps + steps


# ---- the registry ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Solver:
    method: str  # how the page describes it
    run: Callable[[Rows], tuple[torch.Tensor, torch.Tensor, int]]  # rows -> theta (B, 2), converged (B,), steps
    ops: Callable[[LossSpec], float]  # cost per row and point in cheap-operation equivalents (landscape.budget)


NEWTON = Solver("damped Newton to |grad| < 1e-11", _newton,  # every loss without an exact solver
                lambda spec: 600.0 + 12.0 * spec.ops)  # measured: a few steps, each value, gradient and Hessian
LINEAR_PROGRAM = Solver("exact (linear program, vertex descent)", _vertex_descent, lambda spec: 10_000.0)
SOLVERS: dict[str, Solver] = {"mse": Solver("closed form", _least_squares, lambda spec: 100.0),
                              "mae": LINEAR_PROGRAM, "quantile": LINEAR_PROGRAM}


def solver(loss: Loss | str) -> Solver:
    """The solver a regression loss gets: its exact one, else damped Newton."""
    return SOLVERS.get(loss_registry.resolve(loss, "regression").name, NEWTON)


@dataclass(frozen=True)
class Fit:
    """Fitted lines of B problems."""

    theta: np.ndarray  # (B, 2): (w, b)
    value: np.ndarray  # (B,): F at theta, penalty included
    converged: np.ndarray  # (B,) bool
    method: str
    steps: int
    seconds: float


def _slice(rows: Rows, start: int, stop: int) -> Rows:
    return replace(rows, x=rows.x[start:stop], y=rows.y[start:stop],
                   params={k: v[start:stop] for k, v in rows.params.items()})


def solve(x, y, loss: Loss | str | Sequence[Loss | str] = "mse", l1: float = 0.0, l2: float = 0.0) -> Fit:
    """Fit ``pred = w x + b`` to every row at once; x, y ``(N,)`` or ``(B, N)``, one loss or one per row.

    Rows go to the solver in chunks of at most CHUNK_POINTS points, so memory stays bounded.
    """
    start = time.perf_counter()
    rows = _as_rows(x, y, loss, l1, l2)
    chosen = SOLVERS.get(rows.spec.name, NEWTON)
    chunk = max(1, CHUNK_POINTS // rows.x.shape[-1])
    budget.charge(budget.elementwise(rows.x.numel(), chosen.ops(rows.spec), 8, chunk * rows.x.shape[-1]),
                  f"fitting {len(rows.x):,} lines to {rows.x.shape[-1]:,} points each", REDUCE)
    parts = []
    for i in range(0, len(rows.x), chunk):
        budget.checkpoint()
        parts.append(chosen.run(_slice(rows, i, i + chunk)))
    theta = torch.cat([p[0] for p in parts]).detach()  # (B, 2)
    converged = torch.cat([p[1] for p in parts])
    value = rows.value(theta[:, None, :])[:, 0]
    return Fit(theta.numpy(), value.numpy(), converged.numpy(), chosen.method, max(p[2] for p in parts),
               time.perf_counter() - start)


def fit_lines(x, y, loss: Loss | str | Sequence[Loss | str] = "mse", l1: float = 0.0, l2: float = 0.0) -> np.ndarray:
    """``(B, 2)`` minimisers (w, b) of every row; see ``solve``."""
    return solve(x, y, loss, l1, l2).theta
