"""Exact line fits (landscape.fit): oracles (numpy.polyfit, scipy linprog / minimize), batching, properties and
bad input.  Minimising any objective: test_minimum.py; the outlier lesson: test_influence.py."""
import dataclasses

import numpy as np
import pytest
import scipy.optimize
import torch
from fit_data import D, DATA, gradient, heavy, value
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import data, fit, influence, losses, problems
from landscape.types import InputError, Loss


# ---- MSE: closed form ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", DATA)
def test_mse_fit_equals_polyfit(name):
    x, y = DATA[name]()
    np.testing.assert_allclose(fit.fit_lines(x, y, "mse")[0], np.polyfit(x, y, 1), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("l2", [0.0, 0.1, 5.0])
def test_ridge_equals_the_normal_equations(l2):
    x, y = heavy()
    # d/dw, d/db of mean (y - w x - b)^2 + l2 w^2 = 0
    a = np.array([[np.mean(x * x) + l2, np.mean(x)], [np.mean(x), 1.0]])
    np.testing.assert_allclose(fit.fit_lines(x, y, "mse", l2=l2)[0], np.linalg.solve(a, [np.mean(x * y), np.mean(y)]),
                               rtol=1e-12)


@pytest.mark.parametrize("l1,l2", [(0.5, 0.0), (0.5, 0.3), (100.0, 0.0)])
def test_lasso_satisfies_the_optimality_conditions_and_beats_scipy(l1, l2):
    x, y = heavy()
    w, b = fit.fit_lines(x, y, "mse", l1=l1, l2=l2)[0]
    cov, var = np.mean((x - x.mean()) * (y - y.mean())), np.var(x)
    assert b == pytest.approx(y.mean() - w * x.mean(), abs=1e-12)
    if w == 0:  # 0 is in the subdifferential
        assert abs(2 * cov) <= l1
    else:
        assert -2 * cov + 2 * w * (var + l2) + l1 * np.sign(w) == pytest.approx(0.0, abs=1e-12)
    obj = problems.linear_regression(x, y, "mse", l1=l1, l2=l2)
    ref = scipy.optimize.minimize(lambda t: float(obj(torch.tensor(t, dtype=D))), [1.0, 0.0], method="Nelder-Mead",
                                  options={"xatol": 1e-10, "fatol": 1e-13, "maxiter": 5000})
    assert value(x, y, "mse", (w, b), l1, l2) <= ref.fun + 1e-12


# ---- MAE and quantile: exact, against linear programming ---------------------------------------------------

def _linprog_value(x, y, up, down, l1=0.0):
    """min (1/N) sum (up u_i + down v_i) + l1 (p + q)  s.t.  w x_i + b + u_i - v_i = y_i, w = p - q."""
    n = len(x)
    c = np.r_[0.0, 0.0, np.full(n, up / n), np.full(n, down / n), l1, l1]
    a = np.c_[x, np.ones(n), np.eye(n), -np.eye(n), np.zeros((n, 2))]
    split = np.zeros((1, 2 * n + 4))
    split[0, [0, -2, -1]] = 1.0, -1.0, 1.0
    bounds = [(None, None)] * 2 + [(0, None)] * (2 * n + 2)
    result = scipy.optimize.linprog(c, A_eq=np.r_[a, split], b_eq=np.r_[y, 0.0], bounds=bounds, method="highs")
    assert result.success
    return result.fun


LP_LOSSES = [("mae", {}, 1.0, 1.0), ("quantile", {"tau": 0.5}, 0.5, 0.5), ("quantile", {"tau": 0.1}, 0.1, 0.9),
             ("quantile", {"tau": 0.9}, 0.9, 0.1)]


@pytest.mark.parametrize("name,params,up,down", LP_LOSSES)
@pytest.mark.parametrize("data_name", DATA)
@pytest.mark.parametrize("l1", [0.0, 0.3])
def test_lp_losses_equal_linprog(name, params, up, down, data_name, l1):
    x, y = DATA[data_name]()
    loss = losses.get(name, **params)
    result = fit.solve(x, y, loss, l1=l1)
    assert result.converged.all()
    assert result.value[0] == pytest.approx(value(x, y, loss, result.theta[0], l1), abs=1e-12)
    assert abs(result.value[0] - _linprog_value(x, y, up, down, l1)) < 1e-9  # the brief asks for 1e-6


@pytest.mark.parametrize("name,params,up,down", LP_LOSSES[::3])
@pytest.mark.parametrize("l1,l2", [(0.0, 0.05), (0.2, 1.0)])
def test_lp_losses_with_ridge_equal_the_profile_oracle(name, params, up, down, l1, l2):
    """With l2 the problem is a QP; min over b is an order statistic, then F(w) is convex in w: Brent."""
    x, y = heavy(n=40, seed=3)
    n, share = len(x), up / (up + down)

    def profile(w):
        e = np.sort(y - w * x)
        r = e - e[int(np.ceil(share * n)) - 1]
        return np.mean(np.maximum(up * r, -down * r)) + l1 * abs(w) + l2 * w * w

    grid = np.linspace(-10, 10, 4001)
    i = int(np.argmin([profile(w) for w in grid]))
    ref = scipy.optimize.minimize_scalar(profile, bounds=(grid[i - 1], grid[i + 1]), method="bounded",
                                         options={"xatol": 1e-12})
    result = fit.solve(x, y, losses.get(name, **params), l1=l1, l2=l2)
    assert result.converged.all()
    assert result.value[0] <= min(ref.fun, profile(grid[i])) + 1e-12


def test_lp_fit_of_points_on_a_line_is_that_line():
    x = np.arange(50.0)
    np.testing.assert_allclose(fit.fit_lines(x, 3.0 * x - 2.0, "mae")[0], [3.0, -2.0], atol=1e-12)


# ---- smooth and custom losses: Newton to tolerance ------------------------------------------------------------

SMOOTH = [losses.get("huber", delta=0.1), losses.get("huber"), losses.get("huber", delta=5.0), losses.get("log_cosh"),
          losses.custom("sqrt(1 + r**2) - 1"), losses.custom("abs(r)**p + 0.1*r**2", p=1.5)]


def _scipy_fit(obj, start):
    value = lambda t: float(obj(torch.tensor(t, dtype=D)))  # noqa: E731
    return scipy.optimize.minimize(value, start, jac=lambda t: gradient(obj, t), method="BFGS",
                                   options={"gtol": 1e-12, "maxiter": 10_000})


@pytest.mark.parametrize("loss", SMOOTH, ids=lambda loss: loss.describe())
@pytest.mark.parametrize("data_name", ["scenario", "heavy"])
@pytest.mark.parametrize("l2", [0.0, 0.2])
def test_smooth_losses_reach_gradient_tolerance_and_match_scipy(loss, data_name, l2):
    x, y = DATA[data_name]()
    obj = problems.linear_regression(x, y, loss, l2=l2)
    result = fit.solve(x, y, loss, l2=l2)
    assert result.converged.all() and result.method.startswith("damped Newton")
    assert np.linalg.norm(gradient(obj, result.theta[0])) < 1e-8
    ref = _scipy_fit(obj, [0.0, 0.0])
    np.testing.assert_allclose(result.theta[0], ref.x, atol=1e-6)
    assert result.value[0] <= ref.fun + 1e-12


@pytest.mark.parametrize("loss", SMOOTH[1::2], ids=lambda loss: loss.describe())
@pytest.mark.parametrize("l1", [0.05, 0.5, 50.0])
def test_smooth_losses_with_lasso_beat_derivative_free_search(loss, l1):
    x, y = heavy(seed=5)
    obj = problems.linear_regression(x, y, loss, l1=l1)
    theta = fit.fit_lines(x, y, loss, l1=l1)[0]
    value = lambda t: float(obj(torch.tensor(t, dtype=D)))  # noqa: E731
    ref = min((scipy.optimize.minimize(value, start, method="Nelder-Mead",
                                       options={"xatol": 1e-11, "fatol": 1e-14, "maxiter": 20_000})
               for start in ([0.0, 0.0], [3.0, 1.0], [-3.0, 1.0])), key=lambda r: r.fun)
    assert value(theta) <= ref.fun + 1e-12
    if theta[0] != 0:  # smooth there: the gradient vanishes
        assert np.linalg.norm(gradient(obj, theta)) < 1e-8


@pytest.mark.parametrize("name", [n for n in losses.names("regression") if losses.spec(n).derivatives])
@pytest.mark.parametrize("l1,l2", [(0.0, 0.0), (0.3, 0.0), (0.0, 0.2), (50.0, 0.1)])
def test_closed_form_loss_derivatives_fit_as_autograd(name, l1, l2):
    """Damped Newton with the loss's rho', rho'' in closed form reaches the fit it reaches through autograd."""
    x, y = heavy(seed=2)
    spec = losses.spec(name)
    through_autograd = Loss(dataclasses.replace(spec, derivatives=None), {p.name: 0.7 for p in spec.params})
    closed = Loss(spec, dict(through_autograd.params))
    np.testing.assert_allclose(fit.fit_lines(x, y, closed, l1=l1, l2=l2),
                               fit.fit_lines(x, y, through_autograd, l1=l1, l2=l2), rtol=1e-10, atol=1e-12)


# ---- batching --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["mse", "mae", "huber", "log_cosh", losses.get("quantile", tau=0.8),
                                  losses.custom("sqrt(1 + r**2) - 1")], ids=str)
@pytest.mark.parametrize("l1", [0.0, 0.2])
def test_batched_fits_equal_one_by_one(loss, l1):
    x, y, flags = influence.DEFAULT_SCENARIO.data()
    ys = y + np.outer(np.linspace(-5.0, 15.0, 12), flags)  # (12, N)
    batched = fit.fit_lines(x, ys, loss, l1=l1)
    single = np.stack([fit.fit_lines(x, row, loss, l1=l1)[0] for row in ys])
    np.testing.assert_allclose(batched, single, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("name,param,values", [("huber", "delta", [0.05, 0.5, 1.0, 3.0, 10.0]),
                                               ("quantile", "tau", [0.01, 0.25, 0.5, 0.75, 0.99])])
def test_a_sweep_of_loss_parameters_is_one_call(name, param, values):
    x, y = heavy(seed=7)
    items = [losses.get(name, **{param: v}) for v in values]
    batched = fit.fit_lines(x, y, items)
    single = np.stack([fit.fit_lines(x, y, item)[0] for item in items])
    np.testing.assert_allclose(batched, single, rtol=1e-10, atol=1e-10)


def test_a_custom_loss_parameter_sweep_is_one_call():
    x, y = heavy(seed=8)
    items = [losses.custom("abs(r)**p + 0.1*r**2", p=p) for p in (1.2, 1.5, 2.0)]
    np.testing.assert_allclose(fit.fit_lines(x, y, items), np.stack([fit.fit_lines(x, y, i)[0] for i in items]),
                               rtol=1e-10, atol=1e-10)


def test_large_batches_are_fitted_in_chunks(monkeypatch):
    x, y, flags = influence.DEFAULT_SCENARIO.data()
    ys = y + np.outer(np.linspace(0.0, 10.0, 7), flags)
    whole = {name: fit.solve(x, ys, name) for name in ("mae", "huber")}
    monkeypatch.setattr(fit, "CHUNK_POINTS", 2 * len(x))  # two rows per chunk
    for name, expected in whole.items():
        np.testing.assert_allclose(fit.solve(x, ys, name).theta, expected.theta, rtol=1e-12, atol=1e-12)


def test_different_data_sets_in_one_call():
    sets = [data.line(n=50, noise=s, seed=s) for s in range(1, 6)]
    xs, ys = (np.stack(a) for a in zip(*sets))
    for name in ("mse", "mae", "huber"):
        np.testing.assert_allclose(fit.fit_lines(xs, ys, name),
                                   np.stack([fit.fit_lines(x, y, name)[0] for x, y in sets]), rtol=1e-10, atol=1e-10)


# ---- properties -------------------------------------------------------------------------------------------------

@st.composite
def _points(draw):
    n = draw(st.integers(3, 25))
    coord = st.floats(-20, 20, allow_nan=False, allow_infinity=False)
    x = np.array(draw(st.lists(coord, min_size=n, max_size=n)))
    y = np.array(draw(st.lists(coord.map(lambda v: 5 * v), min_size=n, max_size=n)))
    x[-1] = x[0] + 1.0 + abs(x[-1])  # x is never constant
    return x, y


ALL = ["mse", "mae", "huber", "log_cosh", "quantile"]


@settings(max_examples=25, deadline=None)
@given(_points(), st.sampled_from(["mse", "mae", "quantile"]), st.floats(0.1, 10.0), st.floats(-50, 50))
def test_scaling_and_shifting_y_moves_the_fit_alike(points, name, scale, shift):
    """Homogeneous losses: min F(c y + t) = c^k min F(y) (k = 2 for MSE, else 1), attained at (c w, c b + t)."""
    x, y = points
    base = fit.solve(x, y, name)
    moved = fit.solve(x, scale * y + shift, name)
    w, b = base.theta[0]
    expected = base.value[0] * scale ** (2 if name == "mse" else 1)  # MSE is homogeneous of degree 2
    assert moved.value[0] == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert value(x, scale * y + shift, name, (scale * w, scale * b + shift)) == pytest.approx(moved.value[0], rel=1e-9,
                                                                                              abs=1e-9)
    if name == "mse":  # unique minimiser
        np.testing.assert_allclose(moved.theta[0], [scale * w, scale * b + shift], rtol=1e-8, atol=1e-8)


@settings(max_examples=25, deadline=None)
@given(_points(), st.sampled_from(ALL), st.floats(-5, 5), st.floats(-50, 50))
def test_adding_a_line_to_y_adds_it_to_the_fit(points, name, slope, shift):
    x, y = points
    base, moved = fit.solve(x, y, name), fit.solve(x, y + slope * x + shift, name)
    assert moved.value[0] == pytest.approx(base.value[0], rel=1e-7, abs=1e-9)


@settings(max_examples=25, deadline=None)
@given(_points(), st.sampled_from(ALL), st.lists(st.floats(-30, 30), min_size=2, max_size=2),
       st.sampled_from([(0.0, 0.0), (0.3, 0.0), (0.0, 0.5), (1.0, 2.0)]))
def test_the_fit_is_no_worse_than_any_other_line(points, name, theta, penalty):
    x, y = points
    l1, l2 = penalty
    result = fit.solve(x, y, name, l1=l1, l2=l2)
    assert result.value[0] <= value(x, y, name, theta, l1, l2) + 1e-9
    jitter = result.theta[0] + np.array([1e-4, -1e-4])
    assert result.value[0] <= value(x, y, name, jitter, l1, l2) + 1e-9


# ---- bad input ----------------------------------------------------------------------------------------------------

X, Y = data.line(n=20, seed=0)


@pytest.mark.parametrize("call,message", [
    (lambda: fit.fit_lines(np.ones(5), np.arange(5.0), "mae"), "all x values are equal"),
    (lambda: fit.fit_lines([0.0, np.nan, 2.0], [1.0, 2.0, 3.0]), "NaN"),
    (lambda: fit.fit_lines([1.0], [2.0], "huber"), "at least two points"),
    (lambda: fit.fit_lines(["a", "b"], [1.0, 2.0]), "must be numbers"),
    (lambda: fit.fit_lines(X, Y[:-1]), "same"),
    (lambda: fit.fit_lines(np.zeros(100_001), np.zeros(100_001)), "limit"),
    (lambda: fit.fit_lines(X, Y, losses.get("huber", delta=0.0)), "delta must be between"),
    (lambda: fit.fit_lines(X, Y, "quantile", l1=-1.0), "l1 must be between"),
    (lambda: losses.get("quantile", tau=1.5), "tau must be between"),
    (lambda: fit.fit_lines(X, Y, "bce"), "regression loss"),
    (lambda: fit.fit_lines(X, Y, ["mse", "huber"]), "one loss family"),
    (lambda: fit.fit_lines(X, np.stack([Y, Y, Y]), ["mae", "mae"]), "one loss family"),
    (lambda: influence.outlier_fits(X, Y, np.ones(20, dtype=bool)), "every point"),
    (lambda: influence.outlier_fits(X, Y, np.arange(20) > 0), "every point"),
    (lambda: influence.outlier_fits(X, Y, np.ones(19, dtype=bool)), "one true/false flag"),
    (lambda: data.add_outliers(X, Y, 20, 10.0), "at least two points stay clean"),
    (lambda: data.add_outliers(X, Y, 2.5, 10.0), "whole number"),
    (lambda: data.add_outliers(X, Y, 3, float("nan")), "finite"),
    (lambda: influence.influence_sweep(X, Y, count=19), "at least two points stay clean"),
    (lambda: influence.influence_sweep(X, Y, sizes=[1.0, np.inf]), "finite"),
    (lambda: influence.influence_sweep(X, Y, sizes=np.zeros(2000)), "between 1 and"),
    (lambda: influence.influence_sweep(X, Y, losses=[]), "at least one loss"),
    (lambda: influence.influence_sweep(*data.line(n=100_000), sizes=np.zeros(50)), "too large"),
    (lambda: influence.influence_sweep(X, Y * 1e5, sizes=[1e3], noise=1e3), "rescale"),
    (lambda: influence.loss_shares(X, Y, np.zeros((2, 2)), ["mse"]), "one finite"),
    (lambda: influence.psi([], ["mse"]), "finite"),
])
def test_bad_input_gets_a_clear_message(call, message):
    with pytest.raises(InputError, match=message):
        call()
