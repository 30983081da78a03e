"""Curvature of a network's training loss: Hessian-vector products, top eigenvalues, trace.

``H = d^2 L / d theta^2`` of the mean training loss at the flat float64 parameters of a run;
H itself is never formed (P can be 50k), only products ``H v``:

* ``hessian_operator``: double backward.  The gradient ``g(theta)`` is built once with its own
  graph; then ``H v = d(g . v)/d theta`` is one more backward pass through it (about 3 forward
  passes; 2-4x faster here than ``torch.func.jvp(grad)``, which re-traces at every call).
* ``top_eigenvalues``: Lanczos with full re-orthogonalisation.  m steps from a seeded unit
  vector build an orthonormal basis Q (m, P) of the Krylov space span{q, Hq, ..., H^{m-1} q} with
  ``Q H Q^T = T`` tridiagonal; the eigenvalues of T (Ritz values) converge to H's extreme
  eigenvalues first, with residual ``||H u - lambda u|| = beta_m |s_m|`` (s: T's eigenvector).
* ``trace``: Hutchinson, ``tr H = E[v^T H v]`` for Rademacher ``v`` (entries ±1, seeded), with
  the standard error of the mean.
* ``compare_sharpness``: Keskar et al. 2017: the same network trained with small and large
  batches from the same initialisation, top eigenvalue and trace of each minimum.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from landscape import budget, nn
from landscape.budget import Cost
from landscape.checks import check_int
from landscape.types import DTYPE, InputError

Tensor = torch.Tensor
HVP_COST = 4  # forward passes per Hessian-vector product (measured ~3)
PROBE_ELEMENTS = 1 << 18  # Hutchinson probes share a batched backward pass while probes x N x width stays below this


def hessian_operator(f: Callable[[Tensor], Tensor], theta: Tensor) -> Callable[[Tensor], Tensor]:
    """``v (P,) -> H v`` (or ``V (B, P) -> (B, P)``) for the Hessian of the scalar ``f`` at ``theta``."""
    theta = theta.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(f(theta), theta, create_graph=True)  # (P,), with a graph

    def matvec(v: Tensor) -> Tensor:
        (hv,) = torch.autograd.grad(g, theta, v, retain_graph=True, is_grads_batched=v.dim() == 2)
        return hv

    return matvec


def _operator(run: nn.Run, theta, products: int, what: str) -> tuple[Callable[[Tensor], Tensor], int]:
    """``v -> H v`` of the run's mean training loss at ``theta`` (default: the trained parameters)."""
    macs = (products + 1) * HVP_COST * len(run.data.X_train) * run.spec.macs
    budget.charge(Cost(products * budget.HVP_SECONDS + macs / budget.MACS_PER_SECOND, 8.0 * products * run.spec.size),
                  what, "use fewer points, a smaller network, or fewer iterations or probes")
    theta = torch.as_tensor(run.theta if theta is None else theta, dtype=DTYPE)
    if theta.shape != (run.spec.size,) or not torch.isfinite(theta).all():
        raise InputError(f"parameters must be {run.spec.size} finite numbers")
    return hessian_operator(nn.loss_fn(run.spec, run.data, "train"), theta), run.spec.size


@dataclass(frozen=True)
class Eigen:
    """The top-k eigenpairs of the Hessian, largest first."""

    values: np.ndarray  # (k,)
    vectors: np.ndarray  # (k, P), unit length
    residuals: np.ndarray  # (k,) ||H u - lambda u||
    iterations: int


def lanczos(matvec: Callable[[Tensor], Tensor], dim: int, k: int, iterations: int, seed: int = 0) -> Eigen:
    """Top-k eigenpairs of a symmetric operator ``(dim,) -> (dim,)`` by ``iterations`` Lanczos steps."""
    m = min(iterations, dim)
    q = torch.randn(dim, generator=torch.Generator().manual_seed(seed), dtype=DTYPE)
    q /= q.norm()
    Q = torch.zeros(m, dim, dtype=DTYPE)  # (m, P)
    alpha, beta = torch.zeros(m, dtype=DTYPE), torch.zeros(m, dtype=DTYPE)
    for j in range(m):
        budget.checkpoint()
        Q[j] = q
        w = matvec(q)  # (P,)
        alpha[j] = w @ q
        for _ in range(2):  # full re-orthogonalisation; twice is enough
            w -= Q[:j + 1].T @ (Q[:j + 1] @ w)
        beta[j] = w.norm()
        if beta[j] <= 1e-10 * alpha[:j + 1].abs().max().clamp_min(1e-30):
            m = j + 1  # invariant subspace: the Ritz values are exact eigenvalues
            break
        q = w / beta[j]
    T = torch.diag(alpha[:m]) + torch.diag(beta[:m - 1], 1) + torch.diag(beta[:m - 1], -1)  # (m, m)
    values, S = torch.linalg.eigh(T)
    top = torch.arange(m - 1, max(m - k, 0) - 1, -1)
    return Eigen(values[top].numpy(), (S[:, top].T @ Q[:m]).numpy(), (beta[m - 1] * S[-1, top]).abs().numpy(), m)


def top_eigenvalues(run: nn.Run, k: int = 3, iterations: int = 40, seed: int = 0, theta=None) -> Eigen:
    """The k largest Hessian eigenvalues (and vectors) of the training loss, by Lanczos."""
    k = check_int(k, "number of eigenvalues", 1, 10)
    iterations = check_int(iterations, "Lanczos iterations", k, 200)
    matvec, dim = _operator(run, theta, iterations, "this eigenvalue computation")
    return lanczos(matvec, dim, k, iterations, check_int(seed, "seed", 0, 2**31 - 1))


@dataclass(frozen=True)
class Trace:
    """Hutchinson's ``tr H`` with the standard error of the mean over the probes."""

    estimate: float
    std_error: float
    probes: int


def trace(run: nn.Run, probes: int = 64, seed: int = 0, theta=None) -> Trace:
    """Hutchinson's estimate of ``tr H``: the mean of ``v^T H v`` over Rademacher probes ``v``."""
    probes = check_int(probes, "number of probes", 2, 2000)
    matvec, dim = _operator(run, theta, probes, "this trace estimate")
    gen = torch.Generator().manual_seed(check_int(seed, "seed", 0, 2**31 - 1))
    chunk = min(16, max(1, PROBE_ELEMENTS // (len(run.data.X_train) * max(run.spec.dims[1:]))))
    samples = torch.empty(probes, dtype=DTYPE)
    for start in range(0, probes, chunk):
        budget.checkpoint()
        V = torch.randint(0, 2, (min(chunk, probes - start), dim), generator=gen).to(DTYPE) * 2 - 1  # (B, P)
        samples[start:start + len(V)] = (V * (matvec(V) if len(V) > 1 else matvec(V[0]))).sum(-1)  # (B,) v^T H v
    return Trace(samples.mean().item(), (samples.std() / probes**0.5).item(), probes)


@dataclass(frozen=True)
class Sharpness:
    """One minimum of ``compare_sharpness``: the run that found it and its curvature."""

    batch_size: int
    run: nn.Run
    top_eigenvalue: float
    top_vector: np.ndarray  # (P,) unit length
    trace: Trace


def compare_sharpness(data: nn.Split, small_batch: int = 16, large_batch: int | None = None, probes: int = 32,
                      on_progress: Callable[[float], bool] | None = None, **train_kwargs) -> list[Sharpness]:
    """Train from the same seed with ``small_batch`` and ``large_batch`` (default: the whole training
    set) for the same epochs, and measure each minimum's top Hessian eigenvalue and trace.

    ``on_progress`` sees the two runs as [0, 0.5] and [0.5, 1]; if it cancels, the list holds
    only the comparisons finished before.
    """
    if "batch_size" in train_kwargs:
        raise InputError("give the two batch sizes as small_batch and large_batch")
    batches = (small_batch, len(data.X_train) if large_batch is None else large_batch)
    out = []
    for i, batch in enumerate(batches):
        report = None if on_progress is None else (lambda f, i=i: on_progress((i + f) / 2))
        run = nn.train(data, batch_size=batch, on_progress=report, **train_kwargs)
        if run.cancelled:
            break
        top = top_eigenvalues(run, k=1)
        out.append(Sharpness(run.hparams["batch_size"], run, float(top.values[0]), top.vectors[0],
                             trace(run, probes)))
    return out
