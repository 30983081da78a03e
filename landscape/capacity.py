"""Under- and overfitting: polynomial ridge fits over a capacity sweep, early stopping, fit regimes.

The data are ``data.sine``'s noisy curve ``y = sin(2x) + sigma * N(0, 1)``, x uniform on [-3, 3]:
a small training set and a large validation set drawn from the same distribution, so the
validation error estimates the expected error on new points and its floor is ``sigma^2``.

* A polynomial of degree d is ``f(x) = sum_k w_k P_k(x / 3)`` with Legendre polynomials ``P_k``
  (the same functions as ``sum_k c_k x^k``, but well conditioned up to degree 30).  Ridge fit:
  ``w = argmin (1/n) ||Phi w - y||^2 + lambda ||w_{1:}||^2`` (the constant term is not penalised),
  solved as the least-squares problem ``[Phi / sqrt(n); sqrt(lambda) J] w = [y / sqrt(n); 0]``
  with ``J = [0 | I]``; with lambda = 0 and more coefficients than points, the least-norm fit.
* The network counterpart is ``nn.train`` with the same penalty: torch's ``weight_decay = 2 lambda``
  adds ``2 lambda theta`` to the gradient, the gradient of ``lambda ||theta||^2`` (biases included).
* Early stopping keeps the record with the lowest validation error: ``best = argmin val``.
* Fit regimes, read from the curves (``regimes``), with ``r = min val`` the best validation error
  of the sweep (or run) and ``f`` the floor: the error an ideal model makes on new points, here
  ``max(sigma^2, 1 % of var y)`` (a fit explaining 99 % of the variance of noiseless data has
  reached it); without a floor, ``f = r``:
    good fit  ``train <= (1 + tol) f`` and ``val <= r + s``, with the slack ``s = tol max(r, f)``: the
              training points are fitted down to the noise level, new points about as well as by the
              best model;
    overfit   ``train <= (1 + tol) f``, ``val > r + s`` and ``val - train > s``: the training points are
              fitted to the noise level or below, new points clearly worse, with a gap between the
              two errors (the model has learned the noise);
    underfit  everything else: the training error stays above the noise level, or new points go
              worse without a gap (too simple, stopped too early, or penalised too hard).
  Over-penalised sweeps are all underfit, even their best member, since the training error never
  reaches the floor.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from numpy.polynomial import legendre

from landscape import data, nn
from landscape.checks import check_float, check_int
from landscape.types import DTYPE, InputError

MAX_DEGREE = 30
MIN_TRAIN, MAX_TRAIN = 5, 2_000
VAL_POINTS = 500  # validation points: enough for a smooth curve, cheap for every record
MAX_NOISE, MAX_L2 = 2.0, 5.0  # nn.train allows weight_decay = 2 lambda up to 10
X_SCALE = 3.0  # data.sine draws x on [-3, 3]; the Legendre features read x / X_SCALE in [-1, 1]
TOLERANCE = 0.25  # "close to" the floor or the best validation error: within 25 %
FLOOR_SHARE = 0.01  # the floor is at least this share of the variance of y
GRID_POINTS = 301  # where fitted curves are drawn

REGIMES: dict[str, str] = {  # label -> what it means (the rule is ``regimes``)
    "underfit": "does not fit even its training points down to the noise level",
    "good fit": "fits the training points to the noise level and new points about as well as the best model",
    "overfit": "fits the training points to the noise level or below, but new points clearly worse than the best",
}


def truth(x) -> np.ndarray:
    """The noiseless curve of ``data.sine``: ``sin(2x)``."""
    return np.sin(2.0 * np.asarray(x, dtype=np.float64))


# ---- data ---------------------------------------------------------------------------------------

def curve_split(n_train: int = 30, noise: float = 0.3, seed: int = 0, n_val: int = VAL_POINTS) -> nn.Split:
    """``n_train`` training and ``n_val`` validation points of ``data.sine``, one seeded draw cut in two."""
    n_train = check_int(n_train, "training points", MIN_TRAIN, MAX_TRAIN)
    noise = check_float(noise, "noise", 0.0, MAX_NOISE)
    seed = check_int(seed, "seed", 0, 2**31 - 1)
    x, y = data.sine(n_train + n_val, noise=noise, seed=seed)  # i.i.d. points: any cut is a random split
    return nn.Split("sine", "regression", x[:n_train, None], y[:n_train], x[n_train:, None], y[n_train:])


def noise_floor(noise: float, y) -> float:
    """The floor ``f = max(sigma^2, FLOOR_SHARE var y)``: the squared error an ideal model makes on new points
    (``sigma^2``), kept above zero so that noiseless data need not be fitted exactly."""
    return max(float(noise) ** 2, FLOOR_SHARE * float(np.var(y)))


# ---- polynomial ridge --------------------------------------------------------------------------------

def features(x, degree: int) -> np.ndarray:
    """Legendre features ``Phi (n, degree + 1)``: ``Phi[i, k] = P_k(x_i / X_SCALE)``."""
    return legendre.legvander(np.asarray(x, dtype=np.float64) / X_SCALE, degree)


def check_degree(degree: object, name: str = "polynomial degree") -> int:
    return check_int(degree, name, 0, MAX_DEGREE)


def check_l2(l2: object) -> float:
    return check_float(l2, "L2 penalty λ", 0.0, MAX_L2)


def fit_polynomial(x, y, degree: int, l2: float = 0.0) -> np.ndarray:
    """Ridge coefficients ``w (degree + 1,)`` of the Legendre features (see the module docstring)."""
    degree, l2 = check_degree(degree), check_l2(l2)
    x, y = np.asarray(x, dtype=np.float64).ravel(), np.asarray(y, dtype=np.float64).ravel()
    if x.shape != y.shape or len(x) < 1 or not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise InputError("x and y must be finite numbers, as many of one as of the other")
    n = len(x)
    A = features(x, degree) / math.sqrt(n)  # (n, d + 1)
    b = y / math.sqrt(n)  # (n,)
    if l2 > 0:
        J = np.eye(degree + 1)[1:]  # (d, d + 1): every coefficient but the constant one
        A, b = np.vstack([A, math.sqrt(l2) * J]), np.concatenate([b, np.zeros(degree)])
    solution = torch.linalg.lstsq(torch.as_tensor(A, dtype=DTYPE), torch.as_tensor(b, dtype=DTYPE)[:, None],
                                  driver="gelsd")  # SVD based: the least-norm fit when rank deficient
    return solution.solution[:, 0].numpy()


def predict(coef: np.ndarray, x) -> np.ndarray:
    """``f(x) = Phi(x) w`` for Legendre coefficients ``w``."""
    return features(x, len(coef) - 1) @ coef


def mse(pred, y) -> float:
    """Mean squared error ``(1/n) sum (y - f)^2``."""
    return float(np.mean((np.asarray(y, dtype=np.float64) - pred) ** 2))


# ---- reading the curves ----------------------------------------------------------------------------

def best_index(val) -> int:
    """Early stopping / model selection: the first index of the lowest validation error."""
    val = np.asarray(val, dtype=np.float64)
    if val.ndim != 1 or len(val) == 0 or not np.isfinite(val).all():
        raise InputError("validation errors must be a non-empty list of finite numbers")
    return int(np.argmin(val))


def regime(train: float, val: float, best: float, floor: float, tol: float = TOLERANCE) -> str:
    """The label of one (train, val) pair, given the best validation error and the floor (module docstring)."""
    slack = tol * max(best, floor)
    if train > (1.0 + tol) * floor:
        return "underfit"
    if val <= best + slack:
        return "good fit"
    return "overfit" if val - train > slack else "underfit"


def regimes(train, val, floor: float | None = None, tol: float = TOLERANCE) -> tuple[str, ...]:
    """Label each (train, val) pair underfit / good fit / overfit by the rule of the module docstring."""
    train, val = np.asarray(train, dtype=np.float64), np.asarray(val, dtype=np.float64)
    if train.shape != val.shape or not np.isfinite(train).all():
        raise InputError("train and validation errors must be finite and of the same length")
    best = val[best_index(val)]
    f = best if floor is None else floor
    return tuple(regime(t, v, best, f, tol) for t, v in zip(train, val))


def floor_sentence(train: float, floor: float, tol: float = TOLERANCE, overfit: bool = False) -> str:
    """Where the training error is against the noise floor, exactly: below it, within ``tol`` above it, or
    further above.  Below the floor is not "down at" it: the model fits its own points better than any
    model can predict new ones (on average).  For an ``overfit`` model that is the sign of it; for another,
    only that it has begun to fit its points' noise (its validation error decides)."""
    if train < floor and overfit:
        return (f"its training error {train:.3g} is below the noise floor {floor:.3g}, the sign of overfitting: it "
                "fits its own points better than any model can predict new ones")
    if train < floor:
        return (f"its training error {train:.3g} is below the noise floor {floor:.3g} (it has begun to fit the noise "
                "of its own points)")
    if train <= (1.0 + tol) * floor:
        return f"its training error {train:.3g} is within {tol:.0%} above the noise floor {floor:.3g}"
    return f"its training error {train:.3g} is above the noise floor {floor:.3g} by more than {tol:.0%}"


def regime_reason(label: str, train: float, val: float, best: float, floor: float, tol: float = TOLERANCE) -> str:
    """One sentence with the numbers that put (train, val) under ``label``; each clause is chosen by the
    numbers, and ``label`` must be the one they give (``regime``)."""
    if label != regime(train, val, best, floor, tol):
        raise ValueError(f"{label!r} is not the label of train {train:g}, val {val:g} (best {best:g}, floor {floor:g})")
    where = floor_sentence(train, floor, tol, overfit=label == "overfit")
    slack = tol * max(best, floor)
    if label == "underfit" and train > (1.0 + tol) * floor:
        return where
    if label == "underfit":
        return (f"{where}, but its validation error {val:.3g} is above the best, {best:.3g}, by more than {slack:.2g} "
                f"and not clearly above its training error: it misses part of the curve, on old and new points alike")
    if label == "overfit":
        return (f"{where}; its validation error {val:.3g} is {val / best:.1f}× the best, {best:.3g}, and "
                f"{val - train:.3g} above its training error")
    joined = f"{where}, but" if train < floor else f"{where}, and"
    if val <= best:
        return f"{joined} its validation error {val:.3g} is the best"
    return f"{joined} its validation error {val:.3g} is close to the best, {best:.3g} (within {slack:.2g})"


# ---- capacity sweep -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sweep:
    """Training and validation MSE of polynomials of degree 0 .. max_degree on one data set."""

    degrees: np.ndarray  # (K,)
    train: np.ndarray  # (K,)
    val: np.ndarray  # (K,)
    labels: tuple[str, ...]  # (K,) from ``regimes``
    best: int  # index of the lowest validation error
    floor: float  # noise_floor
    coefs: tuple[np.ndarray, ...]  # (K,) of (degree + 1,)
    seconds: float


def sweep_degrees(split: nn.Split, noise: float, max_degree: int = 20, l2: float = 0.0) -> Sweep:
    """Fit every degree 0 .. ``max_degree`` with ridge ``l2``; errors on both parts; labels from the curves."""
    start = time.perf_counter()
    max_degree = check_degree(max_degree, "largest degree")
    x, y, xv, yv = split.X_train[:, 0], split.y_train, split.X_val[:, 0], split.y_val
    coefs = tuple(fit_polynomial(x, y, d, l2) for d in range(max_degree + 1))
    train = np.array([mse(predict(c, x), y) for c in coefs])
    val = np.array([mse(predict(c, xv), yv) for c in coefs])
    floor = noise_floor(noise, yv)
    return Sweep(np.arange(max_degree + 1), train, val, regimes(train, val, floor), best_index(val), floor, coefs,
                 time.perf_counter() - start)


# ---- training over epochs ------------------------------------------------------------------------------

@dataclass(frozen=True)
class EpochCurve:
    """A network trained on the curve: errors at each record, early stopping and the fitted functions."""

    epochs: np.ndarray  # (R,)
    train: np.ndarray  # (R,) training MSE
    val: np.ndarray  # (R,) validation MSE
    labels: tuple[str, ...]  # (R,)
    floor: float  # noise_floor
    best: int  # record with the lowest validation error
    grid: np.ndarray  # (G,) x where the fits are drawn
    fit_best: np.ndarray  # (G,) the network at the best record
    fit_final: np.ndarray  # (G,) the network at the end
    diverged_at: int | None
    cancelled: bool
    seconds: float


def train_network(split: nn.Split, noise: float, widths=(64, 64), epochs: int = 1000, lr: float = 0.01, l2: float = 0.0,
                  activation: str = "tanh", seed: int = 0,
                  on_progress: Callable[[float], bool] | None = None) -> EpochCurve:
    """Full-batch Adam on ``split`` minimising ``MSE + l2 ||theta||^2``; errors at every record."""
    run = nn.train(split, widths=widths, activation=activation, optimizer="adam", lr=lr,
                   weight_decay=2.0 * check_l2(l2), batch_size=len(split.X_train), epochs=epochs, seed=seed,
                   on_progress=on_progress)
    best = best_index(run.val_loss)
    grid = np.linspace(-X_SCALE, X_SCALE, GRID_POINTS)
    X = torch.as_tensor(grid[:, None], dtype=DTYPE)
    with torch.no_grad():
        fit_best, fit_final = (nn.forward(run.spec, torch.as_tensor(run.path[r]), X)[:, 0].numpy()
                               for r in (best, -1))
    floor = noise_floor(noise, split.y_val)
    labels = regimes(run.train_loss, run.val_loss, floor)
    return EpochCurve(run.epochs, run.train_loss, run.val_loss, labels, floor, best, grid, fit_best, fit_final,
                      run.diverged_at, run.cancelled, run.seconds)
