"""The outlier lesson (the influence of points): how far outliers pull each loss's exact fit, each point's
share of a loss, psi(r).

    fits = influence.outlier_fits(x, y, flags)                    # every loss with and without the flagged points
    sweep = influence.influence_sweep(x, y, sizes, count=5)       # fitted slope vs outlier size, every loss
    sweep = influence.outlier_sweep(x, y, flags, sizes, size=10.0, noise=3.0)  # the same for flagged points

Every fit is exact (``landscape.fit``); a sweep fits all its data sets of one loss in one batched call.
``DEFAULT_SCENARIO`` is the documented scenario of the Outliers page, its lessons and its benchmark.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from landscape import budget
from landscape import data as datasets
from landscape import losses as loss_registry
from landscape.fit import fit_lines, numbers, solver
from landscape.problems import linear_regression
from landscape.types import DTYPE, InputError, Loss

MAX_SIZE = 1000.0  # largest outlier size in noise standard deviations
MAX_SWEEP = 1000  # largest number of outlier sizes in one sweep
REDUCE = "use fewer points, fewer outlier sizes or fewer losses"
SWEEP_LOSSES = tuple(loss_registry.names("regression"))  # the influence sweep's default: every built-in one
SWEEP_SIZES = tuple(np.linspace(0.0, 20.0, 50))  # outlier sizes, in noise standard deviations


def _losses(items: Sequence[Loss | str]) -> list[Loss]:
    items = [loss_registry.resolve(item, "regression") for item in items]
    if not items:
        raise InputError("choose at least one loss")
    return items


def _checked(x, y) -> tuple[np.ndarray, np.ndarray]:
    return datasets.check_xy(*numbers(x, y))


def _clean_points(x: np.ndarray, y: np.ndarray, is_outlier) -> tuple[np.ndarray, np.ndarray]:
    """The points not flagged ``is_outlier (N,)``; at least two, with different x."""
    flags = np.asarray(is_outlier)
    if flags.shape != x.shape or flags.dtype != bool:
        raise InputError(f"is_outlier must be one true/false flag for each of the {len(x)} points")
    clean = ~flags
    if clean.sum() < 2 or np.ptp(x[clean]) == 0:
        raise InputError("every point (or every x value but one) is marked as an outlier: keep at least "
                         "two ordinary points with different x, so that the clean fit exists")
    return x[clean], y[clean]


def _fit_each(x: np.ndarray, y: np.ndarray, items: Sequence[Loss]) -> np.ndarray:
    return np.stack([fit_lines(x, y, item)[0] for item in items])  # (L, 2)


@dataclass(frozen=True)
class OutlierFits:
    """Each loss fitted with and without the outliers."""

    names: tuple[str, ...]  # (L,) loss descriptions
    clean: np.ndarray  # (L, 2): fit to the points that are not outliers
    contaminated: np.ndarray  # (L, 2): fit to every point

    @property
    def shift(self) -> np.ndarray:
        """``contaminated - clean``: (L, 2)."""
        return self.contaminated - self.clean


def outlier_fits(x, y, is_outlier, losses: Sequence[Loss | str] = SWEEP_LOSSES) -> OutlierFits:
    """Every loss fitted to all points and to the points not flagged ``is_outlier`` (N,) bool."""
    x, y = _checked(x, y)
    clean = _clean_points(x, y, is_outlier)
    items = _losses(losses)
    return OutlierFits(tuple(item.describe() for item in items), _fit_each(*clean, items), _fit_each(x, y, items))


@dataclass(frozen=True)
class InfluenceSweep:
    """Fitted lines as the outliers grow: ``slopes[l, s]`` for loss l at size ``sizes[s]``."""

    names: tuple[str, ...]  # (L,)
    sizes: np.ndarray  # (S,) in noise standard deviations
    slopes: np.ndarray  # (L, S)
    intercepts: np.ndarray  # (L, S)
    clean: np.ndarray  # (L, 2): fit without the outlier points
    is_outlier: np.ndarray  # (N,) bool: the points that are moved
    seconds: float


def _sizes(sizes) -> np.ndarray:
    (sizes,) = numbers(sizes)
    sizes = sizes.reshape(-1)
    if not 1 <= len(sizes) <= MAX_SWEEP:
        raise InputError(f"the sweep needs between 1 and {MAX_SWEEP} outlier sizes, got {len(sizes)}")
    if not (np.isfinite(sizes).all() and np.abs(sizes).max() <= MAX_SIZE):
        raise InputError(f"outlier sizes must be finite and within ±{MAX_SIZE:g} noise standard deviations")
    return sizes


def influence_sweep(x, y, sizes=SWEEP_SIZES, losses: Sequence[Loss | str] = SWEEP_LOSSES, count: int = 5,
                    leverage: bool = True, noise: float = 1.0, seed: int = 0) -> InfluenceSweep:
    """Fit every loss to ``data.add_outliers(x, y, count, size, noise, leverage, seed)`` for every size.

    x, y are the clean data.  The same points move for every size, so the S data sets are
    ``y + size * noise * is_outlier`` ``(S, N)``, and each loss fits all S of them in one batched call.
    """
    start = time.perf_counter()
    sizes = _sizes(sizes)
    x, y = _checked(x, y)
    _, _, flags = datasets.add_outliers(x, y, count, 0.0, noise=noise, leverage=leverage, seed=seed)
    return _sweep(x, y, flags, sizes, 0.0, noise, losses, start)


def outlier_sweep(x, y, is_outlier, sizes=SWEEP_SIZES, size: float = 0.0, noise: float = 1.0,
                  losses: Sequence[Loss | str] = SWEEP_LOSSES, clean: np.ndarray | None = None) -> InfluenceSweep:
    """The flagged points moved from where they are (``size`` noise standard deviations) to each of ``sizes``.

    Row s fits ``y + (sizes[s] - size) * noise * is_outlier``: for data made by ``data.add_outliers(x, y0,
    count, size, noise, ...)`` that is exactly the data at size ``sizes[s]``, and points flagged by hand
    move by the same amount.  At ``sizes[s] == size`` the row is the data as given, so the curve passes
    through ``outlier_fits(x, y, is_outlier)``.  ``clean``: that call's ``clean`` fits (L, 2), when the
    caller has them, so they are not fitted again.
    """
    start = time.perf_counter()
    sizes, (size,) = _sizes(sizes), _sizes([size])
    x, y = _checked(x, y)
    if not (isinstance(noise, (int, float, np.number)) and math.isfinite(noise) and noise > 0):
        raise InputError(f"the noise scale must be a positive number, got {noise!r}")
    return _sweep(x, y, is_outlier, sizes, size, float(noise), losses, start, clean)


def _sweep(x: np.ndarray, y: np.ndarray, flags, sizes: np.ndarray, size: float, noise: float,
           losses: Sequence[Loss | str], start: float, clean: np.ndarray | None = None) -> InfluenceSweep:
    """Every loss fitted to the S data sets ``y + (sizes - size) * noise * flags`` in one batched call each."""
    items = _losses(losses)
    fits = sum((budget.elementwise(len(sizes) * len(x), solver(item).ops(item.spec)) for item in items), budget.Cost(0))
    budget.charge(fits, f"a sweep of {len(sizes)} outlier sizes x {len(items)} losses on {len(x):,} points", REDUCE)
    if clean is None:
        clean = _fit_each(*_clean_points(x, y, flags), items)
    ys = y + np.outer((sizes - size) * noise, flags)  # (S, N): the same arithmetic as add_outliers
    fits = np.stack([fit_lines(x, ys, item) for item in items])  # (L, S, 2)
    return InfluenceSweep(tuple(item.describe() for item in items), sizes, fits[..., 0], fits[..., 1],
                          clean, np.asarray(flags), time.perf_counter() - start)


NOISE_MAD = 1.4826  # median absolute deviation -> standard deviation, for Gaussian noise


def noise_scale(x, y) -> float:
    """A robust estimate of the noise standard deviation around a line, for data with no stated noise.

    ``NOISE_MAD`` times the median absolute residual of the MAE fit, which a minority of outliers
    barely moves.  When more than half the points lie on that line (median 0): the residuals' root
    mean square; for points exactly on a line, 1.
    """
    x, y = _checked(x, y)
    w, b = fit_lines(x, y, "mae")[0]
    residual = np.abs(y - w * x - b)
    for scale in (NOISE_MAD * float(np.median(residual)), float(np.sqrt(np.mean(residual**2)))):
        if scale > 1e-12 * (1.0 + np.abs(y).max()):
            return scale
    return 1.0


def loss_shares(x, y, thetas, losses: Sequence[Loss | str] = SWEEP_LOSSES) -> np.ndarray:
    """``share[l, i] = rho_l(r_li) / sum_j rho_l(r_lj)`` at each loss's own line ``thetas (L, 2)``: (L, N).

    Which points dominate each loss.  A loss that is zero at every point gives zeros.
    """
    x, y = _checked(x, y)
    items = _losses(losses)
    (thetas,) = numbers(thetas)
    if thetas.shape != (len(items), 2) or not np.isfinite(thetas).all():
        raise InputError(f"need one finite (w, b) per loss: shape ({len(items)}, 2), got {thetas.shape}")
    xt, yt = torch.as_tensor(x, dtype=DTYPE), torch.as_tensor(y, dtype=DTYPE)
    with torch.no_grad():
        per_point = torch.stack([item(w * xt + b, yt) for item, (w, b) in zip(items, thetas.tolist())])  # (L, N)
    total = per_point.sum(-1, keepdim=True)
    return torch.where(total > 0, per_point / torch.where(total > 0, total, 1.0), 0.0).numpy()


def psi(r, losses: Sequence[Loss | str] = SWEEP_LOSSES) -> np.ndarray:
    """``psi_l(r) = d rho_l / d r`` by autograd at residuals ``r (R,)``: (L, R).

    Unbounded for MSE (2 r), clipped at ±delta for Huber, ±1 for MAE (0 at r = 0), tanh r for log-cosh.
    """
    (r,) = numbers(r)
    r = r.reshape(-1)
    if not (len(r) and np.isfinite(r).all()):
        raise InputError("the residual range must be finite numbers")
    rows = []
    for item in _losses(losses):
        rt = torch.as_tensor(r, dtype=DTYPE).requires_grad_(True)
        (grad,) = torch.autograd.grad(item.of_residual(rt).sum(), rt)
        rows.append(grad)
    return torch.stack(rows).numpy()


PSI_REACH = 3.0  # psi is drawn over at least ±3 noise sigma (and ±3 delta): the bulk of the points, Huber's clipping
PSI_BEYOND = 1.15  # ... and out to 15 % beyond the outliers


def psi_range(noise: float, delta: float, outliers: float = 0.0, points: int = 401) -> np.ndarray:
    """The residuals psi is drawn over: the bulk of the points (±PSI_REACH noise sigma, and at least
    ±PSI_REACH delta, so that Huber's clipping shows) and, on their side, the outliers at residual
    ``outliers`` with room beyond, so that a chart shows how hard they pull where they are."""
    reach = max(PSI_REACH * noise, PSI_REACH * delta)
    return np.linspace(min(-reach, PSI_BEYOND * outliers), max(reach, PSI_BEYOND * outliers), points)


# ---- the documented default scenario -------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    """A line with noise and outliers, and the losses fitted to it, as the Outlier page starts.

    ``data.line(n, slope, intercept, noise, seed)`` (x uniform on [-3, 3]), then ``data.add_outliers``
    moving ``round(share * n)`` points up by ``size`` noise standard deviations, at the high-x end
    when ``leverage``.  ``DEFAULT_SCENARIO``: slope 2, noise 3, 5 of 100 points at +10 sigma at the
    high-x end, seed 0; MSE, MAE and Huber with ``delta`` 4, about 1.35 noise sigma (Huber's tuning for
    95 % efficiency under Gaussian noise: quadratic for the bulk of the points, linear for the outliers;
    a delta of 1 at sigma 3 makes Huber all but MAE).  The other losses are one click away.  Clean fit
    (without the 5 points) vs contaminated fit (all 100), slope shift: MSE +1.25, MAE +0.14,
    Huber(delta=4) +0.23, three behaviours apart; the outliers' share of each loss at its own line: MSE
    71 %, Huber 60 %, MAE 41 % (tests/test_fit.py asserts MSE > 1.0, MAE < 0.2 < Huber < 0.3 and the
    order of the shares).

    Why one seed: k outliers at x_o move the least-squares slope by ``k size sigma (x_o - mean x) /
    sum (x - mean x)^2`` and a bounded-psi loss's slope by about ``k c sigma (x_o - mean x) / sum (...)``
    over the clean points, with ``c = sup psi / (sigma E psi')``: 1.25 for MAE under Gaussian noise
    (``1 / (2 f(0))``), about 1.6 for Huber(delta=1.35 sigma).  So MSE moves at most ``size / c``
    = 6 to 8 times as far, less with the outliers at the end of x (they also widen x's spread for
    MSE).  It holds on average but not for every seed, because MAE's shift from 5 points varies by
    about ±40 % between seeds.  Over seeds 0-19 at these settings: MSE moves by more than 1.0 in all 20,
    by 5.2 times the larger of MAE's and Huber's shifts in the median (3.4 at least), and Huber's shift
    is 1.36 times MAE's in the median.
    """

    n: int = 100
    slope: float = 2.0
    intercept: float = 1.0
    noise: float = 3.0
    seed: int = 0
    share: float = 0.05
    size: float = 10.0
    leverage: bool = True
    delta: float = 4.0  # Huber's delta on the page: about 1.35 noise sigma
    losses: tuple[str, ...] = ("mse", "mae", "huber")  # fitted and drawn by default; the rest one click away

    @property
    def count(self) -> int:
        return int(round(self.share * self.n))

    def data(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(x, y, is_outlier)``, y with the outliers moved."""
        x, y = datasets.line(n=self.n, slope=self.slope, intercept=self.intercept, noise=self.noise, seed=self.seed)
        return datasets.add_outliers(x, y, self.count, self.size, noise=self.noise, leverage=self.leverage,
                                     seed=self.seed)


DEFAULT_SCENARIO = Scenario()


# ---- checks of a fitted line (a custom formula need not have one) ---------------------------------------

class NoFit(InputError):
    """A loss (a person's formula) that has no best line on the points."""


NO_FIT = ("has no best line on these points: it decreases without bound, or the line found is not a "
          "minimum; a loss should grow as the residual grows in size, e.g. abs(r)**1.5")
PROBE_STEP = 1e-3  # relative step of the check that a fitted line is a local minimum


def check_fitted(lines: np.ndarray, labels: tuple[str, ...]) -> None:
    """Every fitted (w, b) is finite and not absurdly large."""
    bad = [label for label, row in zip(labels, lines.reshape(len(labels), -1)) if not np.isfinite(row).all()
           or np.abs(row).max() > 1e9]
    if bad:
        raise NoFit(f"{', '.join(bad)} {NO_FIT}")


def check_minimum(x: np.ndarray, y: np.ndarray, items: Sequence[Loss], labels: Sequence[str],
                  thetas: np.ndarray) -> None:
    """No small step in w or b lowers a loss below its fitted line (a concave formula's Newton
    step can stop on a maximum)."""
    steps = PROBE_STEP * np.array([[1, 0], [-1, 0], [0, 1], [0, -1]], dtype=np.float64)
    for item, label, theta in zip(items, labels, thetas):
        obj = linear_regression(x, y, item)
        trial = torch.as_tensor(np.vstack([theta, theta + steps * (1.0 + np.abs(theta))]), dtype=DTYPE)
        with torch.no_grad():
            values = obj(trial)
        if bool((values[1:] < values[0] - 1e-9 * (1.0 + values[0].abs())).any()):
            raise NoFit(f"{label} {NO_FIT}")
