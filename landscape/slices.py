"""Slices of a network's loss landscape: directions, 1D and 2D slices, the PCA plane of a training path.

A slice is an affine map of the flat parameters (``landscape.nn``): ``theta(a, b) = theta* + a d1 + b d2``.
The methods are the research ones:

* directions with filter normalisation (Li et al. 2018): for every output unit i of a
  layer, ``d_i <- d_i ||w_i|| / ||d_i||``; 1-D parameters (biases) get zero by default;
* linear interpolation ``theta(alpha) = (1 - alpha) theta_a + alpha theta_b`` (Goodfellow et al. 2015);
* PCA of the path ``theta_i - theta_final`` (Li et al.), the path projected onto it.

Precision: interpolation oracles run in float64.  Slices evaluate in float32 by default
(``dtype=``): a figure is float32 anyway and the batched plane runs about twice as fast; float32
and float64 planes agree to ~1e-6 relative.  The training weight decay is not part of a slice.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from landscape import budget
from landscape.budget import Cost
from landscape.checks import check_choice, check_int, check_range
from landscape.nn import ACTIVATIONS, MLP, TASKS, Run, Split, Task, forward
from landscape.types import DTYPE, InputError, Surface

Tensor = torch.Tensor
MAX_RESOLUTION, MAX_COORDINATE = 201, 100.0
REDUCE = "use fewer points, a smaller network or a lower resolution"
CHUNK_ELEMENTS = 1 << 19  # batched slice: activations per layer buffer (2 MiB of float32, allocated once)


# ---- directions ----------------------------------------------------------------------------------

def _rows(t: Tensor) -> Tensor:
    return t.reshape(len(t), -1)  # a weight (out, in) has one row per output unit; a bias one per entry


def _filter(d: Tensor, w: Tensor) -> Tensor:
    scale = _rows(w).norm(dim=1) / _rows(d).norm(dim=1).clamp_min(1e-30)  # (rows,)
    return d * scale.view(-1, *[1] * (d.dim() - 1))


NORMALISATIONS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {  # (direction, weight) -> direction
    "filter": _filter,
    "layer": lambda d, w: d * (w.norm() / d.norm().clamp_min(1e-30)),
    "none": lambda d, w: d,
}


def random_directions(spec: MLP, theta: np.ndarray, k: int = 2, seed: int = 0, norm: str = "filter",
                      bias: bool = False, orthogonal: bool = False) -> np.ndarray:
    """``k`` Gaussian directions ``(k, P)`` normalised against ``theta`` per row ("filter"),
    per parameter tensor ("layer") or not at all ("none"); bias entries zero unless ``bias``.

    ``orthogonal``: Gram-Schmidt on the flat vectors, ``d_i <- d_i - sum_{j<i} (d_i . u_j) u_j``,
    each then rescaled to its former length (so rows no longer have exactly the filter norms).
    """
    check_choice(norm, "normalisation", NORMALISATIONS)
    k = check_int(k, "number of directions", 1, 8)
    gen = torch.Generator().manual_seed(check_int(seed, "seed", 0, 2**31 - 1))
    theta = torch.as_tensor(theta, dtype=DTYPE)
    dirs = torch.randn(k, spec.size, generator=gen, dtype=DTYPE)  # (k, P)
    for d in dirs:
        for (W, b), (dW, db) in zip(spec.unflatten(theta), spec.unflatten(d)):
            dW.copy_(NORMALISATIONS[norm](dW, W))
            db.copy_(NORMALISATIONS[norm](db, b) if bias else torch.zeros_like(db))
    if orthogonal:
        for i in range(1, k):
            length = dirs[i].norm()
            for u in dirs[:i] / dirs[:i].norm(dim=1, keepdim=True):
                dirs[i] -= (dirs[i] @ u) * u
            dirs[i] *= length / dirs[i].norm().clamp_min(1e-30)
    return dirs.numpy()


@dataclass(frozen=True)
class PathPCA:
    """Principal directions of a training path relative to its end point (Li et al. 2018)."""

    directions: np.ndarray  # (k, P), orthonormal
    coords: np.ndarray  # (R, k): (theta_r - theta_final) . direction; the end point is at 0
    explained: np.ndarray  # (k,) share of the path's variance along each direction

    def view(self, margin: float = 0.25) -> tuple[tuple[float, float], tuple[float, float]]:
        """Ranges of the first two coordinates around the path and the origin, padded by ``margin``."""
        lo, hi = np.minimum(self.coords.min(0), 0.0), np.maximum(self.coords.max(0), 0.0)
        pad = margin * np.maximum(hi - lo, 1e-3)
        return (float(lo[0] - pad[0]), float(hi[0] + pad[0])), (float(lo[1] - pad[1]), float(hi[1] + pad[1]))


def pca(run: Run, k: int = 2) -> PathPCA:
    """SVD of the centred matrix ``M = [theta_r - theta_final]`` (as sklearn's PCA in Li et al.):
    directions are the top right singular vectors, ``explained = s_i^2 / sum s^2``; signs are
    chosen so that the start of the path has non-negative coordinates."""
    k = check_int(k, "number of PCA directions", 1, 8)
    if len(run.path) < k + 1:
        raise InputError(f"the path has {len(run.path)} recorded points; PCA with {k} directions needs {k + 1}")
    M = torch.as_tensor(run.path - run.theta, dtype=DTYPE)  # (R, P)
    _, s, Vh = torch.linalg.svd(M - M.mean(0), full_matrices=False)
    if s[0] <= 1e-12 * max(1.0, float(M.abs().max())):
        raise InputError("the training path does not move, so it has no principal directions")
    coords = M @ Vh[:k].T  # (R, k)
    sign = torch.where(coords[0] < 0, -1.0, 1.0).to(DTYPE)
    return PathPCA((Vh[:k] * sign[:, None]).numpy(), (coords * sign).numpy(), (s[:k] ** 2 / (s**2).sum()).numpy())


# ---- evaluation at many parameter points -------------------------------------------------------------

def _batched(spec: MLP, task: Task, centre: Tensor, D: Tensor, C: Tensor, X: Tensor, y: Tensor, out: Tensor) -> None:
    """Loss at ``theta_g = centre + C_g D`` for every row g, chunk by chunk, as batched matmuls.

    Activations are kept transposed, ``(B, width, N)``, in buffers allocated once.  With
    ``act(z) = so k(si z) + sh`` the hidden state is ``g_l = k(si z_l)`` and each layer reads
    ``W' = si so W``, ``b' = si (b + sh W 1)`` so that only the in-place kernel touches ``(B, width, N)``.
    """
    act = ACTIVATIONS[spec.activation]
    N, widths = len(X), spec.dims[1:]
    B = max(1, CHUNK_ELEMENTS // (N * max(widths)))
    XT = X.T.contiguous()  # (d, N)
    thetas = torch.empty(B, spec.size, dtype=X.dtype)  # (B, P)
    bufs = [torch.empty(B, w, N, dtype=X.dtype) for w in widths]  # (B, w_l, N)
    last = len(widths) - 1
    for start in range(0, len(C), B):
        budget.checkpoint()
        b = min(B, len(C) - start)
        th = torch.addmm(centre, C[start:start + b], D, out=thetas[:b])  # (b, P)
        h = XT.expand(b, *XT.shape)  # (b, d, N)
        for l, ((W, bias), buf) in enumerate(zip(spec.unflatten(th), bufs)):  # W (b, out, in), bias (b, out)
            so, sh = (1.0, 0.0) if l == 0 else (act.scale_out, act.shift)
            si = 1.0 if l == last else act.scale_in
            bias.add_(W.sum(-1), alpha=sh).mul_(si)
            W.mul_(si * so)
            h = torch.baddbmm(bias.unsqueeze(-1), W, h, out=buf[:b])  # (b, out, N)
            if l < last:
                act.kernel_(h)
        out[start:start + b] = task.loss(h.transpose(1, 2), y.expand(b, -1)).mean(-1)  # (b, N, C) -> (b,)


def _vmapped(spec: MLP, task: Task, centre: Tensor, D: Tensor, C: Tensor, X: Tensor, y: Tensor, out: Tensor) -> None:
    """The same with ``torch.func.vmap`` over the network's forward pass (one chunk at a time)."""
    B = max(1, CHUNK_ELEMENTS // (len(X) * max(spec.dims[1:])))
    point_loss = torch.func.vmap(lambda theta: task.loss(forward(spec, theta, X), y).mean())
    for start in range(0, len(C), B):
        budget.checkpoint()
        out[start:start + B] = point_loss(torch.addmm(centre, C[start:start + B], D))


def _looped(spec: MLP, task: Task, centre: Tensor, D: Tensor, C: Tensor, X: Tensor, y: Tensor, out: Tensor) -> None:
    """One forward pass per point: the oracle, and the baseline of bench/nn_plane.py."""
    for g, c in enumerate(C):
        out[g] = task.loss(forward(spec, centre + c @ D, X), y).mean()


METHODS = {"batched": _batched, "vmap": _vmapped, "loop": _looped}


def losses_at(spec: MLP, data: Split, part: str, centre, directions, coeffs, method: str = "batched",
              dtype: torch.dtype = torch.float32) -> np.ndarray:
    """Mean loss on ``data``'s ``part`` at ``centre + coeffs @ directions``: ``(G,)`` for ``coeffs (G, K)``."""
    check_choice(method, "evaluation method", METHODS)
    X, y = data.tensors(part, dtype)
    centre, D, C = (torch.as_tensor(np.asarray(a), dtype=dtype) for a in (centre, directions, coeffs))
    out = torch.empty(len(C), dtype=dtype)
    with torch.no_grad():
        METHODS[method](spec, TASKS[data.kind], centre, D.reshape(-1, spec.size), C.reshape(len(C), -1), X, y, out)
    return out.numpy().astype(np.float64)


def _check_slice(run: Run, points: int, *vectors) -> None:
    for v in vectors:
        if np.shape(v)[-1] != run.spec.size or not np.isfinite(v).all():
            raise InputError(f"parameter vectors must be {run.spec.size} finite numbers")
    n_all = len(run.data.X_train) + len(run.data.X_val)
    budget.charge(Cost(points * n_all * run.spec.macs / budget.SLICE_MACS_PER_SECOND, 2.0 * CHUNK_ELEMENTS * 4),
                  "this slice", REDUCE)


def _axis(bounds, resolution: int, name: str) -> np.ndarray:
    lo, hi = check_range(bounds, name)
    if max(abs(lo), abs(hi)) > MAX_COORDINATE:
        raise InputError(f"{name}: keep the range within ±{MAX_COORDINATE:g}")
    return np.linspace(lo, hi, resolution)


@dataclass(frozen=True)
class Interpolation:
    """Losses along ``theta(alpha) = (1 - alpha) theta_a + alpha theta_b``."""

    alphas: np.ndarray  # (n,)
    train_loss: np.ndarray  # (n,)
    val_loss: np.ndarray  # (n,)


def interpolate(run: Run, theta_a, theta_b, alpha_range=(-0.5, 1.5), resolution: int = 101,
                dtype: torch.dtype = torch.float32) -> Interpolation:
    """1D slice through two parameter vectors, e.g. ``(run.theta0, run.theta)`` or two minima."""
    alphas = _axis(alpha_range, check_int(resolution, "resolution", 2, 10 * MAX_RESOLUTION), "alpha")
    _check_slice(run, len(alphas), theta_a, theta_b)
    step = np.asarray(theta_b) - np.asarray(theta_a)
    train_loss, val_loss = (losses_at(run.spec, run.data, part, theta_a, step[None], alphas[:, None], dtype=dtype)
                            for part in ("train", "val"))
    return Interpolation(alphas, train_loss, val_loss)


@dataclass(frozen=True)
class Plane:
    """Train and validation losses on the plane ``centre + x d1 + y d2`` (same grid)."""

    train: Surface
    val: Surface
    directions: np.ndarray  # (2, P)
    centre: np.ndarray  # (P,)


def plane(run: Run, directions, x_range=(-1.0, 1.0), y_range=(-1.0, 1.0), resolution: int = 51, centre=None,
          labels: tuple[str, str] = ("direction 1", "direction 2"), method: str = "batched",
          dtype: torch.dtype = torch.float32) -> Plane:
    """``z[i, j] = loss(centre + x_j d1 + y_i d2)`` around ``run.theta`` (or ``centre``)."""
    n = check_int(resolution, "resolution", 5, MAX_RESOLUTION)
    xs, ys = _axis(x_range, n, "first direction"), _axis(y_range, n, "second direction")
    centre = run.theta if centre is None else np.asarray(centre, dtype=np.float64)
    directions = np.asarray(directions, dtype=np.float64)
    if directions.shape != (2, run.spec.size):
        raise InputError(f"a plane needs two directions of {run.spec.size} parameters")
    _check_slice(run, n * n, centre, directions)
    coeffs = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)  # (ny * nx, 2), x fastest
    surfaces = []
    for part in ("train", "val"):
        start = time.perf_counter()
        z = losses_at(run.spec, run.data, part, centre, directions, coeffs, method, dtype).reshape(n, n)
        surfaces.append(Surface(xs, ys, z, *labels, method, time.perf_counter() - start))
    return Plane(*surfaces, directions, centre)
