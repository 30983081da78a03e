"""Evaluate a two-parameter objective over a grid, in bounded memory, with exact fast paths.

The plain path evaluates the objective batched over chunks of grid points, writing each
chunk into a preallocated output.  For a linear model ``pred = w x + b`` some losses allow
exact shortcuts that give the same numbers (to rounding) far faster:

* MSE from sufficient statistics: ``mean (y - w x - b)^2 = var(y) - 2 w cov(x, y) + w^2 var(x)
  + (mean y - w mean x - b)^2``, O(1) per grid point whatever N.
* MAE, Huber and quantile by sorting the residuals ``e_i = y_i - w x_i`` of one grid column
  once; every ``b`` of that column then needs a binary search and prefix sums, O(log N).
"""
from __future__ import annotations

import math
import time
from typing import Callable

import numpy as np
import torch

from landscape import budget
from landscape.budget import Cost
from landscape.checks import check_range
from landscape.types import DTYPE, NOT_FINITE, InputError, LinearModel, Objective, Surface

MIN_RESOLUTION, MAX_RESOLUTION = 5, 401
CHUNK_ELEMENTS = 1 << 18  # per-chunk tensor size of the plain path (2 MiB of float64; see landscape.runtime)
CHUNK_BYTES = 32 << 20  # all tensors of one chunk alive at once, plain path and gradients
PREFIX_ELEMENTS = 1 << 21  # residuals sorted at once by the prefix paths (columns x data points)
PREFIX_LIVE = 6  # (columns, N) tensors alive at once there: residuals, sorted, two prefix sums, temporaries
REDUCE = "lower the resolution, use fewer data points or a simpler loss"


def check_resolution(n: object) -> int:
    try:
        n = int(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"resolution must be a whole number, got {n!r}") from None
    if not MIN_RESOLUTION <= n <= MAX_RESOLUTION:
        raise InputError(f"resolution must be between {MIN_RESOLUTION} and {MAX_RESOLUTION}, got {n}")
    return n


def evaluate(obj: Objective, x_range=None, y_range=None, n: int = 101, method: str = "auto") -> Surface:
    """The objective on an ``n x n`` grid over ``x_range x y_range`` (default: the objective's view).

    ``method="auto"`` takes an exact fast path when one applies; ``"plain"`` forces batched evaluation.
    """
    n = check_resolution(n)
    (x0, x1), (y0, y1) = (check_range(r if r is not None else v, label)
                          for r, v, label in zip((x_range, y_range), obj.view, obj.names))
    xs, ys = torch.linspace(x0, x1, n, dtype=DTYPE), torch.linspace(y0, y1, n, dtype=DTYPE)
    fast = _fast_path(obj, method)
    budget.charge(cost(obj, n, method), f"a {n}x{n} surface of {obj.title}", REDUCE)
    start = time.perf_counter()
    with torch.no_grad():
        if fast is not None:
            name, path = fast
            z = path(obj.linear, xs, ys) + _penalty(obj.linear, xs)
        else:
            name, z = "plain", plain(obj, xs, ys)
    seconds = time.perf_counter() - start
    if not bool(torch.isfinite(z).any()):
        raise InputError(NOT_FINITE)
    return Surface(xs.numpy(), ys.numpy(), z.numpy(), obj.names[0], obj.names[1], name, seconds)


def _fast_path(obj: Objective, method: str):
    if method not in ("auto", "plain"):
        raise InputError(f"unknown evaluation method {method!r}; use auto or plain")
    return FAST_PATHS.get(obj.linear.loss.name) if (obj.linear is not None and method == "auto") else None


def _n_points(obj: Objective) -> int:
    return max(1, int(obj.meta.get("n_points", 1)))


def _chunk(obj: Objective, live: float) -> int:
    """Grid points per chunk: CHUNK_ELEMENTS values per tensor, and at most CHUNK_BYTES for ``live`` of them."""
    per_point = _n_points(obj)
    return max(1, min(CHUNK_ELEMENTS, int(CHUNK_BYTES // (8 * live))) // per_point)


def cost(obj: Objective, n: int, method: str = "auto") -> Cost:
    """What ``evaluate(obj, n=n, method=method)`` costs, before it runs."""
    points, per_point = n * n, _n_points(obj)
    fast = _fast_path(obj, method)
    if fast is None:
        return budget.elementwise(points * per_point, obj.ops, obj.live, _chunk(obj, obj.live) * per_point)
    if fast[0] == "mse-statistics":
        return budget.elementwise(points + per_point, 8.0, live=4)
    columns = min(n, max(1, PREFIX_ELEMENTS // per_point))
    sort = budget.elementwise(n * per_point, 12.0 * (4.0 + math.log2(per_point)), PREFIX_LIVE, columns * per_point)
    return sort + budget.elementwise(points, 12.0 * (1.0 + math.log2(per_point)), live=8)


def plain(obj: Objective, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """Batched evaluation over chunks of grid points, in bounded memory (``_chunk``)."""
    theta = torch.cartesian_prod(ys, xs).flip(-1)  # (ny * nx, 2), x varying fastest
    out = torch.empty(len(theta), dtype=DTYPE)
    chunk = _chunk(obj, obj.live)
    with torch.no_grad():
        for start in range(0, len(theta), chunk):
            budget.checkpoint()
            out[start:start + chunk] = obj(theta[start:start + chunk])
    return out.reshape(len(ys), len(xs))  # (ny, nx)


GRADIENT_LIVE = 2  # autograd keeps every intermediate of the forward pass and makes one gradient each


def gradient_cost(obj: Objective, points: int) -> Cost:
    """What ``gradients`` costs for ``points`` grid points: a forward and a backward pass, chunked."""
    live = GRADIENT_LIVE * obj.live
    per_point = _n_points(obj)
    ops = 3.0 * obj.ops + 4.0 * obj.live  # backward ~ 2 forwards, plus autograd's bookkeeping per saved tensor
    return budget.elementwise(points * per_point, ops, live, _chunk(obj, live) * per_point)


def gradients(obj: Objective, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
    """The gradient of the objective at every grid point: ``(ny, nx, 2)``, in chunks of bounded memory (the
    closed form where the objective has one, else autograd's)."""
    theta = torch.cartesian_prod(ys, xs).flip(-1)  # (ny * nx, 2)
    budget.charge(gradient_cost(obj, len(theta)), f"the downhill arrows of {obj.title}", REDUCE)
    out = torch.empty_like(theta)
    chunk = _chunk(obj, GRADIENT_LIVE * obj.live)
    for start in range(0, len(theta), chunk):
        budget.checkpoint()
        part = theta[start:start + chunk]
        if obj.gradient is not None:
            out[start:start + chunk] = obj.gradient(part)
        else:
            part = part.clone().requires_grad_(True)
            (out[start:start + chunk],) = torch.autograd.grad(obj(part).sum(), part)
    return out.reshape(len(ys), len(xs), 2)


# ---- exact fast paths for the linear model ------------------------------------------------------

def _penalty(model: LinearModel, ws: torch.Tensor) -> torch.Tensor:
    return model.l1 * ws.abs() + model.l2 * ws**2  # (nx,), broadcasts over rows


def mse_statistics(model: LinearModel, ws: torch.Tensor, bs: torch.Tensor) -> torch.Tensor:
    x, y = model.x, model.y
    mx, my = x.mean(), y.mean()
    vxx, vxy, vyy = ((x - mx) ** 2).mean(), ((x - mx) * (y - my)).mean(), ((y - my) ** 2).mean()
    spread = vyy - 2.0 * ws * vxy + ws**2 * vxx  # (nx,)
    offset = my - ws * mx - bs[:, None]  # (ny, nx)
    return spread + offset**2


def _sorted_residual_sums(model: LinearModel, ws: torch.Tensor, bs: torch.Tensor,
                          column: Callable[..., torch.Tensor]) -> torch.Tensor:
    """Sort each column's residuals once, then let ``column`` sum the loss for every b."""
    x, y = model.x, model.y
    n = len(x)
    out = torch.empty(len(bs), len(ws), dtype=DTYPE)  # (ny, nx)
    step = max(1, PREFIX_ELEMENTS // n)
    for j in range(0, len(ws), step):
        budget.checkpoint()
        w = ws[j:j + step, None]  # (k, 1)
        e = y - w * x  # (k, N)
        centre = e.mean(-1, keepdim=True)  # shift for accurate prefix sums
        e = torch.from_numpy(np.sort((e - centre).numpy(), axis=-1))  # numpy's SIMD sort: ~8x torch.sort here
        b = bs - centre  # (k, ny)
        zero = torch.zeros(len(e), 1, dtype=DTYPE)
        p1 = torch.cat([zero, e.cumsum(-1)], -1)  # (k, N + 1)
        p2 = torch.cat([zero, (e * e).cumsum(-1)], -1)
        out[:, j:j + step] = (column(e, b, p1, p2, n, **model.loss.params) / n).T
    return out


def _below(e, b, p):
    """(count, sum, sum of squares) of the sorted residuals below each b."""
    k = torch.searchsorted(e, b.contiguous())
    return k.to(DTYPE), p[0].gather(-1, k), p[1].gather(-1, k)


def _mae_column(e, b, p1, p2, n):
    k, s, _ = _below(e, b, (p1, p2))
    return (p1[:, -1:] - s) - (n - k) * b + k * b - s


def _quantile_column(e, b, p1, p2, n, tau):
    k, s, _ = _below(e, b, (p1, p2))
    return tau * ((p1[:, -1:] - s) - (n - k) * b) + (1.0 - tau) * (k * b - s)


def _huber_column(e, b, p1, p2, n, delta):
    lo, s_lo, q_lo = _below(e, b - delta, (p1, p2))  # residuals below b - delta: linear part
    hi, s_hi, q_hi = _below(e, b + delta, (p1, p2))  # residuals above b + delta: linear part
    left = delta * (lo * (b - 0.5 * delta) - s_lo)
    right = delta * ((p1[:, -1:] - s_hi) - (n - hi) * (b + 0.5 * delta))
    middle = 0.5 * ((q_hi - q_lo) - 2.0 * b * (s_hi - s_lo) + (hi - lo) * b * b)
    return left + middle + right


def _prefix_path(column):
    return lambda model, ws, bs: _sorted_residual_sums(model, ws, bs, column)


FAST_PATHS: dict[str, tuple[str, Callable[[LinearModel, torch.Tensor, torch.Tensor], torch.Tensor]]] = {
    "mse": ("mse-statistics", mse_statistics),
    "mae": ("sorted-prefix", _prefix_path(_mae_column)),
    "quantile": ("sorted-prefix", _prefix_path(_quantile_column)),
    "huber": ("sorted-prefix", _prefix_path(_huber_column)),
}
