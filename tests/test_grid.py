"""Grid evaluation: the exact fast paths equal plain evaluation; memory stays bounded; bad input is refused."""
import dataclasses

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import data, grid, losses, problems
from landscape.types import InputError, Objective

FAST = [("mse", {}), ("mae", {}), ("huber", {"delta": 0.3}), ("huber", {"delta": 2.5}),
        ("quantile", {"tau": 0.1}), ("quantile", {"tau": 0.75})]


def _regression(n=300, outliers=15, seed=0, **penalty):
    x, y = data.line(n=n, seed=seed)
    x, y, _ = data.add_outliers(x, y, outliers, 8.0, seed=seed)
    return x, y


@pytest.mark.parametrize("name,params", FAST)
@pytest.mark.parametrize("penalty", [{}, {"l2": 0.4, "l1": 0.2}])
def test_fast_paths_equal_plain_evaluation(name, params, penalty):
    obj = problems.linear_regression(*_regression(), loss=losses.get(name, **params), **penalty)
    fast = grid.evaluate(obj, n=41)
    plain = grid.evaluate(obj, n=41, method="plain")
    assert fast.method != "plain" and plain.method == "plain"
    np.testing.assert_allclose(fast.z, plain.z, rtol=1e-9, atol=0)


@given(st.integers(2, 400), st.integers(0, 10_000), st.sampled_from(FAST),
       st.floats(-5, 5), st.floats(0.1, 4))
@settings(max_examples=40, deadline=None)
def test_fast_paths_equal_plain_on_random_data(n, seed, loss, centre, half_width):
    rng = np.random.default_rng(seed)
    x, y = rng.normal(size=n) * rng.uniform(0.1, 10), rng.standard_t(2, size=n) * 3
    if np.ptp(x) == 0:
        return
    obj = problems.linear_regression(x, y, loss=losses.get(loss[0], **loss[1]))
    box = ((centre - half_width, centre + half_width), (-half_width, half_width))
    fast, plain = grid.evaluate(obj, *box, n=9), grid.evaluate(obj, *box, n=9, method="plain")
    np.testing.assert_allclose(fast.z, plain.z, rtol=1e-9, atol=1e-300)


@pytest.mark.parametrize("name,params", FAST)
def test_fast_paths_equal_plain_when_residuals_fall_exactly_on_the_grid(name, params):
    """Whole-number data on a grid of halves: every residual y - w x is a multiple of 0.5, so many lie exactly on
    a b of the grid (a kink of MAE and quantile)."""
    rng = np.random.default_rng(3)
    x, y = rng.integers(-3, 4, 200).astype(float), rng.integers(-4, 5, 200).astype(float)
    obj = problems.linear_regression(x, y, loss=losses.get(name, **params))
    box = ((-2, 2), (-2, 2))
    fast, plain = grid.evaluate(obj, *box, n=9), grid.evaluate(obj, *box, n=9, method="plain")
    np.testing.assert_allclose(fast.z, plain.z, rtol=1e-12, atol=0)


@given(st.floats(-1e6, 1e6), st.floats(1e-9, 1e3), st.integers(5, 60), st.integers(0, 10_000))
@settings(max_examples=60, deadline=None)
def test_residuals_are_binned_between_the_edges_exactly_as_a_binary_search_does(offset, width, ny, seed):
    """The fast paths' count of edges (a grid's b, or b -/+ delta) at or below each residual, guessed from the
    spacing and then corrected, equals torch.searchsorted's, also for residuals exactly on an edge, a hair beside
    one, and beyond them all, and for a narrow range far from 0 (its edges rounded unevenly); the counts and sums
    below each edge equal the direct ones."""
    rng = np.random.default_rng(seed)
    edges = torch.linspace(offset - width, offset + width, ny, dtype=torch.float64)[None]  # (1, ny), as the grid's
    on = edges[0, rng.integers(0, ny, 200)]
    e = torch.cat([on, torch.nextafter(on, torch.tensor(np.inf)), torch.nextafter(on, torch.tensor(-np.inf)),
                   torch.from_numpy(rng.uniform(offset - 2 * width, offset + 2 * width, 400))])[None]  # (1, 1000)
    assert torch.equal(grid._edges_at_or_below(e, edges), torch.searchsorted(edges, e, right=True))
    count, total, squares = grid._below(e, edges, squares=True)  # (1, ny) each
    under = e[0, :, None] < edges[0]  # (1000, ny)
    assert torch.equal(count[0], under.sum(0).to(torch.float64))
    largest = abs(offset) + 2 * width  # of the residuals: their sums are within e.shape[1] times this (squared)
    np.testing.assert_allclose(total[0], (e[0, :, None] * under).sum(0), rtol=1e-12,
                               atol=1e-13 * largest * e.shape[1])
    np.testing.assert_allclose(squares[0], (e[0, :, None] ** 2 * under).sum(0), rtol=1e-12,
                               atol=1e-13 * largest**2 * e.shape[1])


def test_edges_that_rounding_made_equal_or_uneven_are_counted_exactly():
    """Far from 0 a narrow range of b can round to a single value, or to uneven steps: still the exact count."""
    e = torch.tensor([[-1e12, 4.0, 5.0, np.nextafter(5.0, 6.0), 6.0, 1e12]], dtype=torch.float64)
    for edges in ([5.0] * 5, [0.0, 0.0, 5.0, 5.0, 5.5], [4.0, 4.5, 5.0, 5.0, 9.0]):
        edges = torch.tensor([edges], dtype=torch.float64)
        assert torch.equal(grid._edges_at_or_below(e, edges), torch.searchsorted(edges, e, right=True))
    rng = np.random.default_rng(0)  # a surface whose b, shifted by residuals near 1e12, round to one value
    x, y = rng.uniform(9e5, 1e6, 50), rng.uniform(-1e6, 1e6, 50)
    for name, params in FAST:
        obj = problems.linear_regression(x, y, loss=losses.get(name, **params))
        box = ((9.99e5, 1e6), (0.0, 1e-9))
        fast, plain = grid.evaluate(obj, *box, n=7), grid.evaluate(obj, *box, n=7, method="plain")
        np.testing.assert_allclose(fast.z, plain.z, rtol=1e-12, atol=0)


def test_grid_orientation_and_minimum():
    obj = problems.benchmark("quadratic", condition=4.0, angle=0.0)
    surf = grid.evaluate(obj, (-1, 1), (-2, 2), n=5)
    assert surf.z.shape == (5, 5)
    # z[i, j] = f(x[j], y[i]) = 0.5 (x² + 4 y²)
    np.testing.assert_allclose(surf.z, 0.5 * (surf.x[None, :] ** 2 + 4 * surf.y[:, None] ** 2))
    assert surf.minimum == (0.0, 0.0, 0.0)


def test_chunked_plain_path_independent_of_chunk_size(monkeypatch):
    obj = problems.logistic_regression(*data.moons(n=500), loss="focal")
    reference = grid.evaluate(obj, n=21).z
    monkeypatch.setattr(grid, "CHUNK_ELEMENTS", 700)
    np.testing.assert_allclose(grid.evaluate(obj, n=21).z, reference, rtol=1e-13)


def test_plain_path_works_in_bounded_chunks():
    """Each chunk of grid points times N stays within CHUNK_ELEMENTS (bench/grid.py measures the bytes)."""
    inner = problems.linear_regression(*data.line(n=20_000), loss="mae")
    chunks = []

    def recording(theta):
        chunks.append(theta.shape[0])
        return inner(theta)

    obj = Objective(recording, inner.names, inner.view, inner.title, meta=inner.meta)
    grid.evaluate(obj, n=31, method="plain")
    assert sum(chunks) == 31 * 31 and max(chunks) * 20_000 <= grid.CHUNK_ELEMENTS


def test_gradients_match_autograd_closed_form():
    obj = problems.benchmark("quadratic", condition=3.0, angle=20.0)
    xs, ys = torch.linspace(-1, 1, 4, dtype=torch.float64), torch.linspace(-2, 2, 3, dtype=torch.float64)
    g = grid.gradients(obj, xs, ys)
    A = torch.as_tensor(obj.meta["hessian"])
    X, Y = torch.meshgrid(xs, ys, indexing="xy")
    expected = torch.stack([X, Y], -1) @ A
    torch.testing.assert_close(g, expected)


@pytest.mark.parametrize("name", list(problems.BENCHMARKS))
def test_arrows_from_a_closed_form_gradient_equal_autograd(name):
    obj = problems.benchmark(name)
    (x0, x1), (y0, y1) = obj.view
    xs, ys = torch.linspace(x0, x1, 17, dtype=torch.float64), torch.linspace(y0, y1, 13, dtype=torch.float64)
    torch.testing.assert_close(grid.gradients(obj, xs, ys),
                               grid.gradients(dataclasses.replace(obj, gradient=None), xs, ys), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("kwargs,message", [
    ({"n": 3}, "resolution must be between"),
    ({"n": 10_000}, "resolution must be between"),
    ({"n": "ten"}, "whole number"),
    ({"x_range": (2, 1)}, "must be below the maximum"),
    ({"x_range": (1, 1)}, "must be below the maximum"),
    ({"y_range": (float("nan"), 1)}, "finite"),
    ({"y_range": (0, float("inf"))}, "finite"),
    ({"x_range": (-1e9, 1)}, "within"),
    ({"x_range": ("a", 1)}, "must be numbers"),
    ({"method": "magic"}, "unknown evaluation method"),
])
def test_bad_grid_requests_are_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        grid.evaluate(problems.benchmark("himmelblau"), **kwargs)
