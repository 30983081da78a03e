"""Evaluate a two-parameter objective over a grid, in bounded memory, with exact fast paths.

The plain path evaluates the objective batched over chunks of grid points, writing each
chunk into a preallocated output.  For a linear model ``pred = w x + b`` some losses allow
exact shortcuts that give the same numbers (to rounding) far faster:

* MSE from sufficient statistics: ``mean (y - w x - b)^2 = var(y) - 2 w cov(x, y) + w^2 var(x)
  + (mean y - w mean x - b)^2``, O(1) per grid point whatever N.
* MAE, quantile and Huber, whose kinks lie at b (or b -/+ delta), by counting and summing the residuals
  ``e_i = y_i - w x_i`` of one grid column between consecutive kinks of the grid's b: one pass over the
  residuals, no sort, then O(1) per ``b``.
"""
from __future__ import annotations

import math
import time
from functools import partial
from typing import Callable

import torch

from landscape import budget
from landscape.budget import Cost
from landscape.checks import check_range
from landscape.types import DTYPE, NOT_FINITE, InputError, LinearModel, Objective, Surface

MIN_RESOLUTION, MAX_RESOLUTION = 5, 401
CHUNK_ELEMENTS = 1 << 18  # per-chunk tensor size of the plain path (2 MiB of float64; see landscape.runtime)
CHUNK_BYTES = 32 << 20  # all tensors of one chunk alive at once, plain path and gradients
BINNED_ELEMENTS = 1 << 21  # residuals binned at once by the fast paths of MAE, quantile, Huber (columns x points)
BINNED_LIVE = 7  # (columns, N) tensors alive at once there: residuals, squares, guesses, bins, two edge gathers
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
    columns = min(n, max(1, BINNED_ELEMENTS // per_point))
    # binned sums: one pass over the residuals, about 50 ops each for MAE and 100 for Huber (measured)
    return (budget.elementwise(n * per_point, 12.0 * 8.0, BINNED_LIVE, columns * per_point)
            + budget.elementwise(points, 12.0 * 4.0, live=8))


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


def _residual_sums(model: LinearModel, ws: torch.Tensor, bs: torch.Tensor,
                   column: Callable[..., torch.Tensor]) -> torch.Tensor:
    """For a loss whose kinks lie at fixed offsets from b: let ``column`` sum the loss for every b of a chunk of
    grid columns from ``below``, the residuals' count and sums below any evenly spaced edges, and their total.
    Residuals and b are shifted by the residuals' mean, for accurate sums."""
    x, y = model.x, model.y
    out = torch.empty(len(bs), len(ws), dtype=DTYPE)  # (ny, nx)
    step = max(1, BINNED_ELEMENTS // len(x))
    for j in range(0, len(ws), step):
        budget.checkpoint()
        e = y - ws[j:j + step, None] * x  # (k, N)
        centre = e.mean(-1, keepdim=True)
        e -= centre
        sums = column(partial(_below, e), e.sum(-1, keepdim=True), bs - centre, len(x), **model.loss.params)
        out[:, j:j + step] = (sums / len(x)).T
    return out


def _below(e: torch.Tensor, edges: torch.Tensor, squares: bool = False) -> tuple[torch.Tensor, ...]:
    """Count, sum (and sum of squares) of each row's residuals below each of its edges, (k, ny) each: one pass
    that puts every residual between two edges (``_edges_at_or_below``), no sort."""
    k, ny = edges.shape
    bins = (_edges_at_or_below(e, edges) + (ny + 1) * torch.arange(k)[:, None]).ravel()  # (k N,): row's own bins

    def summed(weights: torch.Tensor | None) -> torch.Tensor:
        return torch.bincount(bins, weights, minlength=k * (ny + 1)).view(k, ny + 1).cumsum(-1)[:, :ny]

    sums = (summed(None).to(DTYPE), summed(e.ravel()))
    return sums + (summed((e * e).ravel()),) if squares else sums


def _edges_at_or_below(e: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    """How many of each row's edges (non-decreasing) are <= each (finite) residual: a guess from the spacing, then
    corrected by comparing with the edges around it, so that it is exactly the count.  The guess is right but
    near an edge when the edges are evenly spaced, as a grid's b are; otherwise the correction takes longer."""
    ny = edges.shape[-1]
    scale = (ny - 1) / (edges[:, -1:] - edges[:, :1])  # (k, 1); inf when rounding far from 0 made the edges equal
    guess = torch.nan_to_num((e - edges[:, :1]) * scale).floor_().clamp_(-1, ny - 1)
    guess = guess.add_(1).long()  # (k, N)
    infinity = torch.full((len(edges), 1), math.inf, dtype=DTYPE)
    padded = torch.cat([-infinity, edges, infinity], -1)  # (k, ny + 2): padded[:, a] is the a-th edge, from 1
    while True:
        fewer = (padded.gather(-1, guess) > e).long()  # the guess counts an edge above the residual
        more = (padded.gather(-1, guess + 1) <= e).long()  # it misses one at or below it
        if not (fewer.any() or more.any()):
            return guess
        guess += more - fewer


def _mae_column(below, total, b, n):
    """sum |e - b| from the count ``k`` and the sum ``s`` of the residuals below b, and their ``total``."""
    k, s = below(b)
    return (total - s) - (n - k) * b + k * b - s


def _quantile_column(below, total, b, n, tau):
    k, s = below(b)
    return tau * ((total - s) - (n - k) * b) + (1.0 - tau) * (k * b - s)


def _huber_column(below, total, b, n, delta):
    lo, s_lo, q_lo = below(b - delta, squares=True)  # residuals below b - delta: linear part
    hi, s_hi, q_hi = below(b + delta, squares=True)  # residuals above b + delta: linear part
    left = delta * (lo * (b - 0.5 * delta) - s_lo)
    right = delta * ((total - s_hi) - (n - hi) * (b + 0.5 * delta))
    middle = 0.5 * ((q_hi - q_lo) - 2.0 * b * (s_hi - s_lo) + (hi - lo) * b * b)
    return left + middle + right


FAST_PATHS: dict[str, tuple[str, Callable[[LinearModel, torch.Tensor, torch.Tensor], torch.Tensor]]] = {
    "mse": ("mse-statistics", mse_statistics),
    "mae": ("binned-sums", partial(_residual_sums, column=_mae_column)),
    "quantile": ("binned-sums", partial(_residual_sums, column=_quantile_column)),
    "huber": ("binned-sums", partial(_residual_sums, column=_huber_column)),
}
