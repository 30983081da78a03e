"""Oracles of landscape.capacity: polynomial ridge fits, the capacity sweep, early stopping, fit regimes."""
from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import capacity, data, nn
from landscape.types import InputError


@pytest.fixture(scope="module")
def split():
    return capacity.curve_split(30, 0.3, seed=0)


# ---- data ------------------------------------------------------------------------------------------

def test_curve_split_is_seeded_and_follows_data_sine(split):
    assert split.X_train.shape == (30, 1) and split.X_val.shape == (capacity.VAL_POINTS, 1)
    assert split.kind == "regression"
    again = capacity.curve_split(30, 0.3, seed=0)
    np.testing.assert_array_equal(split.y_train, again.y_train)
    assert not np.array_equal(split.y_train, capacity.curve_split(30, 0.3, seed=1).y_train)
    x, y = data.sine(50, noise=0.0, seed=3)
    np.testing.assert_allclose(capacity.truth(x), y, rtol=0, atol=1e-15)


def test_noise_floor_is_the_noise_variance_with_a_small_minimum():
    y = np.sin(np.linspace(-3, 3, 1000))
    assert capacity.noise_floor(0.3, y) == pytest.approx(0.09)
    assert capacity.noise_floor(0.0, y) == pytest.approx(capacity.FLOOR_SHARE * np.var(y))


# ---- polynomial ridge ------------------------------------------------------------------------------

@pytest.mark.parametrize("degree", [0, 1, 3, 7, 12])
def test_polynomial_fit_equals_numpy_polyfit(split, degree):
    x, y = split.X_train[:, 0], split.y_train
    coef = capacity.fit_polynomial(x, y, degree)
    grid = np.linspace(-3, 3, 41)
    reference = np.polyval(np.polyfit(x, y, degree), grid)
    np.testing.assert_allclose(capacity.predict(coef, grid), reference, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("l2", [1e-4, 0.01, 1.0])
def test_ridge_equals_the_normal_equations(split, l2):
    x, y = split.X_train[:, 0], split.y_train
    degree, n = 9, len(x)
    Phi = capacity.features(x, degree)  # (n, d + 1)
    J = np.diag([0.0] + [1.0] * degree)  # the constant term is not penalised
    w = np.linalg.solve(Phi.T @ Phi / n + l2 * J, Phi.T @ y / n)
    np.testing.assert_allclose(capacity.fit_polynomial(x, y, degree, l2), w, rtol=1e-8, atol=1e-10)


def test_ridge_shrinks_toward_the_mean(split):
    x, y = split.X_train[:, 0], split.y_train
    norms = [np.linalg.norm(capacity.fit_polynomial(x, y, 8, l2)[1:]) for l2 in (0.0, 0.01, 0.1, 1.0, 5.0)]
    assert all(a > b for a, b in zip(norms, norms[1:]))
    heavy = capacity.fit_polynomial(x, y, 8, capacity.MAX_L2)
    assert heavy[0] == pytest.approx(y.mean(), abs=0.05)


def test_more_coefficients_than_points_gives_the_least_norm_interpolant():
    x = np.linspace(-3, 3, 6)
    y = np.cos(x)
    coef = capacity.fit_polynomial(x, y, 10)
    np.testing.assert_allclose(capacity.predict(coef, x), y, atol=1e-9)
    np.testing.assert_allclose(coef, np.linalg.pinv(capacity.features(x, 10)) @ y, atol=1e-8)


# ---- reading the curves -------------------------------------------------------------------------------

def test_best_index_is_the_first_argmin():
    assert capacity.best_index([3.0, 1.0, 2.0, 1.0]) == 1
    val = np.random.default_rng(0).uniform(size=50)
    assert capacity.best_index(val) == int(np.argmin(val))


F = 0.1  # the floor of the constructed cases


@pytest.mark.parametrize("train, val, expected", [
    ([0.50, 0.30, 0.09, 0.05, 0.01], [0.52, 0.33, 0.10, 0.13, 0.40],
     ("underfit", "underfit", "good fit", "overfit", "overfit")),
    ([0.20, 0.20], [0.21, 0.20], ("underfit", "underfit")),  # penalised too hard: never reaches the floor
    ([0.12, 0.08], [0.12, 0.11], ("good fit", "good fit")),  # within 25 % of the floor and of the best
    ([0.12, 0.124], [0.10, 0.128], ("good fit", "underfit")),  # worse on new points, but without a gap
])
def test_regimes_of_constructed_curves(train, val, expected):
    assert capacity.regimes(train, val, F) == expected


def test_regimes_without_a_floor_use_the_best_validation_error():
    assert capacity.regimes([0.5, 0.1, 0.01], [0.5, 0.1, 0.3]) == ("underfit", "good fit", "overfit")


def test_regime_reason_quotes_the_numbers():
    assert "0.4" in capacity.regime_reason("overfit", 0.01, 0.4, 0.1, 0.09)
    for label, train, val in (("underfit", 0.2, 0.3), ("good fit", 0.1, 0.1), ("overfit", 0.05, 0.3)):
        assert capacity.regime_reason(label, train, val, 0.1, 0.09)
    with pytest.raises(ValueError):  # a label the numbers do not give is never explained
        capacity.regime_reason("overfit", 0.2, 0.3, 0.1, 0.09)


def test_a_training_error_below_the_floor_is_called_below_it_and_the_sign_of_overfitting():
    """Issue 11: "training error 0.0488 is down at the floor 0.09" -- it is below the floor, and that is the point."""
    text = capacity.regime_reason("overfit", 0.0488, 0.16, 0.09, 0.09)
    assert "0.0488 is below the noise floor 0.09, the sign of overfitting" in text
    assert "down at" not in text
    assert "within 25% above the noise floor" in capacity.regime_reason("overfit", 0.1, 0.3, 0.1, 0.09)


def test_a_good_fit_below_the_floor_is_not_called_overfitting():
    """The Overfitting page's best epoch: its training error 0.0634 below the floor 0.09 was called "the sign of
    overfitting" in the sentence that labelled it a good fit."""
    assert capacity.regime_reason("good fit", 0.0634, 0.118, 0.118, 0.09) == (
        "its training error 0.0634 is below the noise floor 0.09 (it has begun to fit the noise of its own points), "
        "but its validation error 0.118 is the best")
    assert capacity.regime_reason("good fit", 0.1, 0.12, 0.11, 0.09) == (
        "its training error 0.1 is within 25% above the noise floor 0.09, and its validation error 0.12 is close to "
        "the best, 0.11 (within 0.028)")


@given(train=st.floats(1e-4, 2.0), val=st.floats(1e-4, 2.0), best=st.floats(1e-4, 2.0), floor=st.floats(1e-4, 1.0))
@settings(max_examples=500, deadline=None)
def test_every_reason_says_only_what_the_numbers_give(train, val, best, floor):
    best = min(best, val)  # the best validation error is at most this one
    label = capacity.regime(train, val, best, floor)
    text = capacity.regime_reason(label, train, val, best, floor)
    assert ("below the noise floor" in text) == (train < floor)
    assert ("within 25% above the noise floor" in text) == (floor <= train <= 1.25 * floor)
    assert ("above the noise floor" in text and "by more than 25%" in text) == (train > 1.25 * floor)
    slack = 0.25 * max(best, floor)
    good = "close to the best" in text or f"validation error {val:.3g} is the best" in text
    assert good == (label == "good fit") == (train <= 1.25 * floor and val <= best + slack)
    assert ("the sign of overfitting" in text) == (label == "overfit" and train < floor)
    if label == "overfit":
        assert f"{val - train:.3g} above its training error" in text and val - train > slack and val > best + slack


def test_degree_sweep_reads_its_labels_from_the_curves(split):
    sweep = capacity.sweep_degrees(split, 0.3, 20)
    assert sweep.best == int(np.argmin(sweep.val)) and sweep.floor == pytest.approx(0.09)
    assert sweep.labels == capacity.regimes(sweep.train, sweep.val, sweep.floor)
    assert sweep.labels[0] == "underfit" and sweep.labels[sweep.best] == "good fit" and sweep.labels[20] == "overfit"
    assert np.all(np.diff(sweep.train) <= 1e-12)  # nested least squares: more degrees never fit worse
    assert capacity.sweep_degrees(split, 0.3, 20, l2=0.5).labels[20] == "underfit"  # penalised too hard


def test_network_curve_marks_the_best_epoch_and_draws_its_fits(split):
    curve = capacity.train_network(split, 0.3, widths=(16,), epochs=200, lr=0.02, seed=0)
    assert curve.best == int(np.argmin(curve.val)) and curve.labels[0] == "underfit"
    assert curve.labels == capacity.regimes(curve.train, curve.val, curve.floor)
    assert curve.fit_best.shape == curve.grid.shape == (capacity.GRID_POINTS,)
    assert curve.epochs[-1] == 200 and curve.diverged_at is None


def test_network_penalty_is_weight_decay_two_lambda(split, monkeypatch):
    seen = {}
    real = nn.train
    monkeypatch.setattr(nn, "train", lambda *a, **k: seen.update(k) or real(*a, **k))
    capacity.train_network(split, 0.3, widths=(4,), epochs=3, l2=0.25)
    assert seen["weight_decay"] == 0.5 and seen["batch_size"] == len(split.X_train)


def test_a_diverging_network_stops_without_nan(split):
    curve = capacity.train_network(split, 0.3, widths=(8,), epochs=50, lr=1e6)
    assert curve.diverged_at is not None
    assert np.isfinite(curve.train).all() and np.isfinite(curve.fit_final).all()


# ---- bad input and bounds ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call", [
    lambda: capacity.curve_split(capacity.MIN_TRAIN - 1), lambda: capacity.curve_split(capacity.MAX_TRAIN + 1),
    lambda: capacity.curve_split(30, noise=-1), lambda: capacity.curve_split(30, noise=float("nan")),
    lambda: capacity.curve_split("many"), lambda: capacity.curve_split(30, seed=-1),
    lambda: capacity.fit_polynomial([0, 1], [0, 1], capacity.MAX_DEGREE + 1),
    lambda: capacity.fit_polynomial([0, 1], [0, 1], 2.5), lambda: capacity.fit_polynomial([0, 1], [0, 1], 1, -0.1),
    lambda: capacity.fit_polynomial([0, 1], [0, 1], 1, capacity.MAX_L2 * 2),
    lambda: capacity.fit_polynomial([0, np.nan], [0, 1], 1), lambda: capacity.fit_polynomial([0, 1], [0], 1),
    lambda: capacity.best_index([]), lambda: capacity.best_index([1.0, np.inf]),
    lambda: capacity.regimes([1.0], [1.0, 2.0]),
])
def test_bad_input_raises_input_error(call):
    with pytest.raises(InputError):
        call()


def test_bad_network_settings_raise_input_error(split):
    for kwargs in (dict(widths=(nn.MAX_WIDTH + 1,)), dict(epochs=0), dict(epochs=nn.MAX_EPOCHS + 1), dict(lr=0),
                   dict(l2=capacity.MAX_L2 + 1)):
        with pytest.raises(InputError):
            capacity.train_network(split, 0.3, **kwargs)
    big = capacity.curve_split(capacity.MAX_TRAIN, 0.3)
    with pytest.raises(InputError, match="too large"):
        capacity.train_network(big, 0.3, widths=(nn.MAX_WIDTH,) * nn.MAX_DEPTH, epochs=nn.MAX_EPOCHS)


def test_the_largest_sweep_is_quick():
    start = time.perf_counter()
    sweep = capacity.sweep_degrees(capacity.curve_split(capacity.MAX_TRAIN, 1.0), 1.0, capacity.MAX_DEGREE,
                                   capacity.MAX_L2)
    assert time.perf_counter() - start < 5 and len(sweep.labels) == capacity.MAX_DEGREE + 1


def test_capacity_does_not_load_ui_libraries():
    code = "import sys, landscape.capacity; print(sorted({'streamlit', 'plotly'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
