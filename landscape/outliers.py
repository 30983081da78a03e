"""The Outliers page's compute: the points a person edits, the losses fitted, and the page's view.

    p = outliers.points(outliers.scenario_spec(), None, "2.5:40,-12")  # Points: line, outliers, then the edits
    chosen = outliers.loss_set(outliers.scenario_losses())             # LossSet: MSE, MAE, Huber(delta=4)
    view = outliers.outlier_view(p, chosen)                            # OutlierView: everything the page draws
    view = outliers.view_job(p, outliers.scenario_losses())            # the same from the chosen losses (a job)
    numbers = outliers.reading(view)                                   # Reading: what its words are built from

The page's controls arrive as ``landscape.outlier_choice``'s frozen, hashable ``OutlierData`` (the points)
and ``LossChoice`` (the losses), re-exported here; ``points`` and ``loss_set`` also take the same values as a
mapping (a lesson's link).  ``formula_problem`` says why a formula is refused.

The data is a line with noise (or uploaded points), with ``count`` points pushed ``size`` noise standard
deviations up by ``data.add_outliers``, then a person's edits: points added, moved or removed, kept
in a link as one compact value (``landscape.point_edits.Edits``), so a copied link reopens the same points.

The view is built from parts that the lessons compute one at a time (``fitted``, ``sweep``, ``surfaces``,
``psi_axis``), so a lesson's figure or quote is the page's.  Bad input raises InputError with the
message the page shows.  No streamlit, no plotly.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from landscape import budget, data, grid, influence, losses, problems
from landscape.losses import Loss
from landscape.outlier_choice import LossChoice, OutlierData, scenario_losses, scenario_spec  # noqa: F401 (re-export)
from landscape.point_edits import Edits
from landscape.surface import loss_at
from landscape.types import InputError, Marker, Surface

SURFACE_LOSSES = ("mse", "mae", "huber")  # the loss surfaces drawn side by side
SURFACE_RESOLUTION = 101
SWEEP_STEPS = 50  # outlier sizes of the influence curve
PSI_POINTS = 401
FORMULA_LABEL = 24  # characters of a formula shown as its loss's name
TAIL = 0.75  # the influence curve's far end: sizes beyond this share of the largest one, on its side
S = influence.DEFAULT_SCENARIO


# ---- the points and the losses ------------------------------------------------------------------------

@dataclass(frozen=True)
class Points:
    """The points on the page: generated (or uploaded), outliers added, then the person's edits."""

    x: np.ndarray  # (N,)
    y: np.ndarray  # (N,)
    outlier: np.ndarray  # (N,) bool
    origin: np.ndarray  # (N,) generated point's index, or -(k + 1) for the k-th added point
    noise: float  # the noise standard deviation that outlier sizes are measured in
    noise_source: str  # "set" or "estimated"
    size: float | None  # the generated outliers' size in noise standard deviations; None without them
    ignored: int  # edits of points that do not exist (fewer points than when they were made)

    def table(self) -> dict[str, np.ndarray]:
        return {"x": self.x, "y": self.y, "outlier": self.outlier}

    def row_of(self, origin: int | None) -> int | None:
        """The row of the point with this ``origin``, if it is still there (None for None)."""
        rows = np.flatnonzero(self.origin == origin) if origin is not None else ()
        return int(rows[0]) if len(rows) else None

    @property
    def se(self) -> float:
        """Standard error of the clean least-squares slope: noise / sqrt(sum (x - mean x)^2) over clean points."""
        xc = self.x[~self.outlier]
        return self.noise / float(np.sqrt(((xc - xc.mean()) ** 2).sum()))

    @property
    def leverage(self) -> float:
        """The outliers' mean leverage in units of an average point's (2 / n); 0 without outliers."""
        dx2 = (self.x - self.x.mean()) ** 2
        h = 1.0 / len(self.x) + dx2 / float(dx2.sum())
        return float(h[self.outlier].mean() / h.mean()) if self.outlier.any() else 0.0


def _generated(spec: OutlierData, upload: tuple[np.ndarray, np.ndarray] | None
               ) -> tuple[np.ndarray, np.ndarray, float, str]:
    """The clean data and its noise scale: a line with noise, or the uploaded points (noise estimated robustly)."""
    if spec.source == "csv":
        if upload is None:
            raise InputError("choose a CSV file of two numeric columns, x and y")
        x, y = upload
        return x, y, influence.noise_scale(x, y), "estimated"
    limit = budget.current().points
    if not 2 <= int(spec.n) <= limit:
        raise InputError(f"number of points must be between 2 and {limit:,}, got {spec.n}")
    x, y = data.line(n=int(spec.n), slope=float(spec.slope), intercept=S.intercept, noise=float(spec.noise),
                     seed=int(spec.seed))
    return x, y, float(spec.noise), "set"


def points(spec: OutlierData | Mapping, upload: tuple[np.ndarray, np.ndarray] | None, pts: str) -> Points:
    """The generated points (or ``upload``, the parsed CSV, when the source is "csv"), ``count`` of them
    pushed up by ``data.add_outliers``, then the edits ``pts``.  A line's intercept is the scenario's."""
    spec = OutlierData.of(spec)
    x, y, noise, source = _generated(spec, upload)
    x, y, flags = data.add_outliers(x, y, int(spec.count), float(spec.size), noise=noise,
                                    leverage=spec.position == "high", seed=int(spec.seed))
    x, y, flags, origin, ignored = Edits.parse(pts).apply(x, y, flags)
    x, y = data.check_xy(x, y)  # within the point limit in force, as an upload
    size = float(spec.size) if int(spec.count) else None
    return Points(x, y, flags, origin, noise, source, size, ignored)


@dataclass(frozen=True)
class LossSet:
    keys: tuple[str, ...]  # registry names, "custom" for the formula: what colours the curves
    items: tuple[Loss, ...]
    labels: tuple[str, ...]  # legend names: the loss with its parameters, or the formula


def loss_set(chosen: LossChoice | Mapping) -> LossSet:
    """The built-in regression losses ``shown`` (every one when ``chosen`` names none; MSE, MAE and Huber
    always) with the chosen ``params``, then the ``formula`` if there is one."""
    chosen = LossChoice.of(chosen)
    shown = set(losses.names("regression") if chosen.shown is None else chosen.shown) | set(S.losses)
    keys = [name for name in losses.names("regression") if name in shown]
    params = dict(chosen.params)
    items = [losses.bind(spec, {p.name: params[p.name] for p in spec.params if p.name in params})
             for spec in map(losses.spec, keys)]
    labels = [item.describe() for item in items]
    if chosen.formula:
        items.append(losses.custom(chosen.formula))
        keys.append("custom")
        text = chosen.formula
        labels.append(text if len(text) <= FORMULA_LABEL else text[:FORMULA_LABEL - 1] + "…")
    return LossSet(tuple(keys), tuple(items), tuple(labels))


def formula_problem(chosen: LossChoice) -> str | None:
    """None, or why the losses chosen cannot be built (the formula is refused), as a message to show."""
    try:
        loss_set(chosen)
    except InputError as err:
        return str(err)
    return None


# ---- the parts of the view ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Fitted:
    """Each loss fitted with and without the outliers, and how hard the outliers pull."""

    points: Points
    keys: tuple[str, ...]  # (L,)
    labels: tuple[str, ...]  # (L,)
    items: tuple[Loss, ...]  # (L,)
    fits: influence.OutlierFits
    shares: np.ndarray  # (L, N): each point's share of each loss at that loss's line
    residual: float  # the outliers' median signed residual from the clean MSE line (its size: their distance)
    pull: np.ndarray  # (L,): psi at that distance / psi at 1 noise σ

    @property
    def size(self) -> float:
        """Where the outliers are on the influence curve's axis (noise σ): as generated, else as measured."""
        p = self.points
        return p.size if p.size is not None else round(self.residual / p.noise, 1)


def _outlier_residual(p: Points, line: np.ndarray) -> float:
    """The outliers' median signed residual from ``line`` (w, b); 0 without outliers."""
    if not p.outlier.any():
        return 0.0
    return float(np.median(p.y[p.outlier] - line[0] * p.x[p.outlier] - line[1]))


def _pull(items: tuple[Loss, ...], residual: float, noise: float) -> np.ndarray:
    """``|psi(residual)| / |psi(±noise)|`` per loss, the ordinary point on the outliers' side of the line (an
    asymmetric loss, quantile, pulls differently on each side): an outlier's pull in ordinary points (0 if
    psi there is 0)."""
    at = np.abs(influence.psi([residual, math.copysign(noise, residual)], items))
    return np.where(at[:, 1] > 0, at[:, 0] / np.where(at[:, 1] > 0, at[:, 1], 1.0), 0.0)


def fitted(p: Points, chosen: LossSet) -> Fitted:
    """Every loss fitted with and without the outliers (a formula without a best line is refused:
    ``influence.NoFit``), each point's share of each loss, and the outliers' distance and pull."""
    fits = influence.outlier_fits(p.x, p.y, p.outlier, chosen.items)
    influence.check_fitted(np.concatenate([fits.clean, fits.contaminated], 1), chosen.labels)
    influence.check_minimum(p.x, p.y, chosen.items, chosen.labels, fits.contaminated)
    residual = _outlier_residual(p, fits.clean[chosen.keys.index("mse")])
    shares = influence.loss_shares(p.x, p.y, fits.contaminated, chosen.items)
    return Fitted(p, chosen.keys, chosen.labels, chosen.items, fits, shares, residual,
                  _pull(chosen.items, residual, p.noise))


def sweep(f: Fitted) -> influence.InfluenceSweep:
    """The influence curve: the outliers moved together from 0 (or their size, if below) to 20 noise σ
    (or their size, if above), every loss fitted again at each of SWEEP_STEPS sizes."""
    sizes = np.linspace(min(0.0, f.size), max(influence.SWEEP_SIZES[-1], f.size), SWEEP_STEPS)
    result = influence.outlier_sweep(f.points.x, f.points.y, f.points.outlier, sizes, f.size, f.points.noise,
                                     f.items, clean=f.fits.clean)  # fitted() has the clean lines already
    influence.check_fitted(result.slopes, f.labels)
    return result


def _largest_delta(items: tuple[Loss, ...]) -> float:
    """The largest Huber-like ``delta`` among the losses (1 if none has one)."""
    return max((v for item in items for k, v in item.params.items() if k == "delta"), default=1.0)


def psi_axis(f: Fitted) -> tuple[np.ndarray, float]:
    """The residuals psi is drawn over (the bulk of the data, at least 3 delta so that Huber's clipping shows,
    and out beyond the outliers: how hard they pull where they are) and the y limit of its plot."""
    delta = _largest_delta(f.items)
    return influence.psi_range(f.points.noise, delta, f.residual, PSI_POINTS), max(2.5, 1.4 * delta)


def _window(values: np.ndarray, least: float) -> tuple[float, float]:
    """A range around ``values`` with room: the spread again on each side, at least ``least``."""
    low, high = float(values.min()), float(values.max())
    half = max(high - low, least)
    return low - half, high + half


def surfaces(f: Fitted) -> tuple[dict[str, Surface], dict[str, tuple[Marker, ...]]]:
    """The surfaces of SURFACE_LOSSES on one (w, b) grid around their clean and contaminated minimisers,
    and those two minimisers of each, as markers."""
    at = [f.keys.index(name) for name in SURFACE_LOSSES]
    clean, dirty = f.fits.clean[at], f.fits.contaminated[at]
    both = np.concatenate([clean, dirty])
    w_range = _window(both[:, 0], 0.5 + 0.1 * np.abs(both[:, 0]).max())
    b_range = _window(both[:, 1], 0.5 + 0.1 * np.abs(both[:, 1]).max())
    maps, markers = {}, {}
    for i, c, d in zip(at, clean, dirty):
        obj = problems.linear_regression(f.points.x, f.points.y, f.items[i])
        label = f.items[i].describe()
        maps[label] = grid.evaluate(obj, w_range, b_range, SURFACE_RESOLUTION)
        markers[label] = (Marker(*c, loss_at(obj, c), "minimum without the outliers", "circle-open", "#ffb000"),
                          Marker(*d, loss_at(obj, d), "minimum with them", "x", "#ff2d20"))
    return maps, markers


# ---- the view ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutlierView:
    """What the Outliers page draws, as plain arrays (picklable, so it can be cached)."""

    points: Points
    keys: tuple[str, ...]  # (L,)
    labels: tuple[str, ...]  # (L,)
    clean: np.ndarray  # (L, 2): each loss's fit without the outliers
    contaminated: np.ndarray  # (L, 2): with them
    shares: np.ndarray  # (L, N): each point's share of each loss at that loss's line
    sweep_sizes: np.ndarray  # (S,)
    sweep_slopes: np.ndarray  # (L, S)
    r: np.ndarray  # (R,) residuals
    psi: np.ndarray  # (L, R)
    surfaces: dict[str, Surface]  # MSE, MAE, Huber on one (w, b) grid
    markers: dict[str, tuple[Marker, ...]]  # clean and contaminated minimiser of each surface
    size: float  # where the outliers are now on the sweep's axis (noise σ)
    psi_limit: float  # the psi plot's y range: enough for the bounded losses
    outlier_residual: float  # the outliers' median signed residual from the clean MSE line (its size: their distance)
    pull: np.ndarray  # (L,): psi at that distance / psi at 1 noise σ
    seconds: float
    params: tuple[dict[str, float], ...] = ()  # (L,) each loss's parameters, e.g. {"delta": 1.0}

    @property
    def shift(self) -> np.ndarray:
        return self.contaminated - self.clean

    @property
    def outlier_share(self) -> np.ndarray:
        """(L,): the share of each loss carried by the outliers."""
        return self.shares[:, self.points.outlier].sum(-1)


def outlier_view(p: Points, chosen: LossSet) -> OutlierView:
    """The page's whole compute: every loss fitted with and without the outliers, the shares, the influence
    curve, psi and the three surfaces."""
    start = time.perf_counter()
    f = fitted(p, chosen)
    curve = sweep(f)
    r, limit = psi_axis(f)
    maps, markers = surfaces(f)
    return OutlierView(p, f.keys, f.labels, f.fits.clean, f.fits.contaminated, f.shares, curve.sizes,
                       curve.slopes, r, influence.psi(r, f.items), maps, markers, f.size, limit, f.residual,
                       f.pull, time.perf_counter() - start, tuple(dict(item.params) for item in f.items))


def view_job(p: Points, chosen: LossChoice) -> OutlierView:
    """``outlier_view`` from plain values (the points, the losses as chosen): the class server's job."""
    return outlier_view(p, loss_set(chosen))


# ---- the numbers the words quote ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Reading:
    """The numbers the Outliers page's words are built from, all read off an ``OutlierView``."""

    count: int  # outliers
    n: int  # points
    at: dict[str, int]  # loss key -> row
    labels: tuple[str, ...]
    clean: np.ndarray  # (L,) slopes without the outliers
    shift: np.ndarray  # (L,) slope shifts
    share: np.ndarray  # (L,) the outliers' share of each loss at its own line
    distance: np.ndarray  # (L,) the outliers' mean |residual| at each loss's own line
    pull: np.ndarray  # (L,) psi at the outliers' residual / psi at 1 noise sigma
    residual: float  # the outliers' typical distance from the clean MSE line
    noise: float
    se: float  # standard error of the clean least-squares slope (``Points.se``)
    leverage: float  # the outliers' mean leverage / an average point's (``Points.leverage``)
    tail: tuple[float, float]  # the influence curve's far end: from this size to that one (noise sigma)
    late: np.ndarray  # (L,) how far each slope moves over that far end
    delta: float | None  # Huber's delta

    def label(self, key: str) -> str:
        return self.labels[self.at[key]]


def reading(view: OutlierView) -> Reading:
    p = view.points
    flags = p.outlier
    sizes = view.sweep_sizes
    far = int(np.argmax(np.abs(sizes)))
    side = np.sign(sizes[far]) or 1.0
    inside = np.flatnonzero(side * sizes >= TAIL * abs(sizes[far]))
    start = int(inside[np.argmin(np.abs(sizes[inside]))])
    late = view.sweep_slopes[:, far] - view.sweep_slopes[:, start]
    at = {key: i for i, key in enumerate(view.keys)}
    lines = view.contaminated  # (L, 2)
    distance = np.abs(p.y[flags] - lines[:, :1] * p.x[flags] - lines[:, 1:]).mean(-1) if flags.any() else \
        np.zeros(len(lines))
    delta = view.params[at["huber"]].get("delta") if view.params else None
    return Reading(int(flags.sum()), len(p.x), at, view.labels, view.clean[:, 0], view.shift[:, 0],
                   view.outlier_share, distance, view.pull, abs(view.outlier_residual), p.noise, p.se, p.leverage,
                   (float(sizes[start]), float(sizes[far])), late, delta)
