"""Oracles of landscape.curvature against the exact Hessian of a small network."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from landscape import curvature, nn
from landscape.types import InputError


@pytest.fixture(scope="module")
def run():
    return nn.train(nn.split("moons", n=200, seed=0), widths=(8, 8), epochs=100, lr=0.02, seed=0)


@pytest.fixture(scope="module")
def hessian(run):
    """The exact Hessian ``(P, P)`` of the mean training loss at the trained parameters."""
    return torch.autograd.functional.hessian(nn.loss_fn(run.spec, run.data), torch.as_tensor(run.theta))


def test_hessian_vector_products_equal_the_exact_hessian(run, hessian):
    matvec = curvature.hessian_operator(nn.loss_fn(run.spec, run.data), torch.as_tensor(run.theta))
    V = torch.randn(3, run.spec.size, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    torch.testing.assert_close(matvec(V[0]), hessian @ V[0], rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(matvec(V), V @ hessian, rtol=1e-10, atol=1e-12)  # batched


def test_top_eigenvalues_equal_those_of_the_exact_hessian(run, hessian):
    exact = torch.linalg.eigvalsh(hessian).flip(0)[:3].numpy()
    eig = curvature.top_eigenvalues(run, k=3, iterations=30)
    np.testing.assert_allclose(eig.values, exact, rtol=1e-4)
    H = hessian.numpy()
    for value, vector, residual in zip(eig.values, eig.vectors, eig.residuals):
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-10)
        assert np.linalg.norm(H @ vector - value * vector) <= max(1e-4 * abs(value), 10 * residual + 1e-8)


def test_lanczos_on_a_known_spectrum():
    values = torch.linspace(-1.0, 10.0, 60, dtype=torch.float64)
    eig = curvature.lanczos(lambda v: values * v, 60, k=4, iterations=60, seed=3)
    np.testing.assert_allclose(eig.values, values.flip(0)[:4].numpy(), rtol=1e-10)
    assert eig.iterations <= 60


def test_hutchinson_trace_is_close_to_the_exact_trace(run, hessian):
    exact = hessian.trace().item()
    est = curvature.trace(run, probes=1000, seed=0)
    assert abs(est.estimate - exact) < 4 * est.std_error and abs(est.estimate - exact) < 0.1 * abs(exact)
    assert est == curvature.trace(run, probes=1000, seed=0)  # seeded


def test_sharpness_of_small_and_large_batch_minima():
    data = nn.split("moons", n=120, seed=0)
    small, large = curvature.compare_sharpness(data, small_batch=8, widths=(6,), epochs=10, optimizer="sgd", lr=0.2)
    assert (small.batch_size, large.batch_size) == (8, len(data.X_train))
    for s in (small, large):
        assert np.isfinite([s.top_eigenvalue, s.trace.estimate, s.trace.std_error]).all()
        assert s.top_eigenvalue > 0 and s.run.hparams["batch_size"] == s.batch_size
    cancelled = curvature.compare_sharpness(data, small_batch=8, widths=(6,), epochs=10, on_progress=lambda f: f < 0.2)
    assert cancelled == []


@pytest.mark.parametrize("call", [
    lambda r: curvature.top_eigenvalues(r, k=0), lambda r: curvature.top_eigenvalues(r, k=3, iterations=2),
    lambda r: curvature.top_eigenvalues(r, iterations=10_000), lambda r: curvature.trace(r, probes=1),
    lambda r: curvature.trace(r, seed="x"), lambda r: curvature.trace(r, theta=np.full(r.spec.size, np.nan)),
    lambda r: curvature.compare_sharpness(r.data, batch_size=4),
])
def test_bad_curvature_input_raises_input_error(run, call):
    with pytest.raises(InputError):
        call(run)


def test_curvature_requests_that_would_take_too_long_are_refused():
    big = nn.train(nn.split("moons", n=nn.MAX_POINTS), widths=(128,) * 4, epochs=1, batch_size=500)
    with pytest.raises(InputError, match="too large"):
        curvature.top_eigenvalues(big, iterations=200)
