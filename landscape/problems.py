"""Two-parameter objectives: regression and classification models on data; the classic test functions are
``landscape.benchmarks`` (``benchmark`` and ``BENCHMARKS`` are here too).

Every objective maps ``theta (..., 2) -> loss (...)``, batched over leading dimensions and
differentiable with torch autograd.  ``FAMILIES`` is the registry of problem families (test function,
linear regression, logistic regression): what the problem picker, the lessons' link reader and the tests
iterate.  A problem travels as a ``ProblemSpec`` (frozen, hashable: a cache key); ``from_spec`` builds
its objective and ``describe`` its words.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Callable, Mapping

import numpy as np
import torch

from landscape import budget
from landscape import data as datasets
from landscape import losses
from landscape.benchmarks import BENCHMARKS, benchmark  # noqa: F401  (ls.problems.benchmark: DESIGN.md's API)
from landscape.checks import lookup
from landscape.controls import slider_step
from landscape.types import DTYPE, InputError, LinearModel, Loss, Objective, Param

MAX_PENALTY = 100.0
MODEL_OPS = 4.0  # per grid point and data point: the linear score (a small matmul) and the mean
PENALTY_PARAMS = (Param("l1", 0.0, 0.0, MAX_PENALTY, "lasso strength, l1 |w|"),
                  Param("l2", 0.0, 0.0, MAX_PENALTY, "ridge strength, l2 w^2"))


def _tensor(a) -> torch.Tensor:
    return torch.as_tensor(np.asarray(a), dtype=DTYPE)


def linear_regression(x, y, loss: Loss | str = "mse", l2: float = 0.0, l1: float = 0.0) -> Objective:
    """``mean_i loss(w x_i + b, y_i) + l1 |w| + l2 w^2`` over ``theta = (w, b)``; the bias is not penalised."""
    x, y = (_tensor(a) for a in datasets.check_xy(x, y))
    loss = losses.resolve(loss, "regression")
    l1, l2 = (p.check(v, "penalty") for p, v in zip(PENALTY_PARAMS, (l1, l2)))

    minus_design = -torch.stack([x, torch.ones_like(x)])  # (2, N): one matmul gives y - (w x + b)

    def data(theta):
        r = torch.addmm(y, theta.reshape(-1, 2), minus_design)  # (K, N), K = prod(leading dims)
        return loss.of_residual(r).mean(-1).reshape(theta.shape[:-1])

    def penalty(theta):
        w = theta[..., 0]
        return l1 * w.abs() + l2 * w**2

    w, b = _least_squares(x, y)
    span_w, span_b = max(2.0, 1.5 * abs(w)), max(3.0, 1.5 * abs(b), 2.0 * float(y.std()))
    return Objective(
        data, ("w", "b"), ((w - span_w, w + span_w), (b - span_b, b + span_b)),
        f"linear regression, {loss.describe()}", penalty=penalty if (l1 or l2) else None,
        linear=LinearModel(x, y, loss, l1, l2), meta={"kind": "regression", "n_points": len(x)},
        subset=lambda idx: linear_regression(x[idx], y[idx], loss, l2=l2, l1=l1),
        ops=loss.ops + MODEL_OPS, live=loss.live + 1)


def _least_squares(x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    xc = x - x.mean()
    w = float((xc * (y - y.mean())).sum() / (xc * xc).sum())
    return w, float(y.mean() - w * x.mean())


def logistic_regression(X, y, loss: Loss | str = "bce") -> Objective:
    """``mean_i loss(theta . X_i, y_i)`` over the two weights (no bias), labels in {0, 1}."""
    X, y = _tensor(X), _tensor(y)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != X.shape[:1]:
        raise InputError("logistic regression needs X of shape (N, 2) and y of shape (N,)")
    if not bool(((y == 0) | (y == 1)).all()):
        raise InputError("binary labels must be 0 or 1")
    loss = losses.resolve(loss, "binary")

    def data(theta):
        score = theta @ X.T  # (..., N)
        return loss(score, y).mean(-1)

    return Objective(data, ("w1", "w2"), ((-6.0, 6.0), (-6.0, 6.0)), f"logistic regression, {loss.describe()}",
                     meta={"kind": "classification", "n_points": len(X)},
                     subset=lambda idx: logistic_regression(X[idx], y[idx], loss),
                     ops=loss.ops + MODEL_OPS, live=loss.live + 2)


# ---- the problem registry: what pages, links and caches pass around ---------------------------------

UPLOAD = "upload a CSV"  # a data family's choice of points from a CSV (its points come with the spec)
MAX_PAGE_POINTS = budget.SERVER.points  # generated data: the app's point limit, as for uploads
Pairs = tuple[tuple[str, float], ...]


def _pairs(values: Mapping[str, float] | Pairs) -> Pairs:
    return tuple(sorted(dict(values).items()))


@dataclass(frozen=True)
class ProblemSpec:
    """A problem as plain, hashable values (``st.cache_data`` keys on it; equal specs hash equal).

    ``ProblemSpec("benchmark", "rosenbrock", {"b": 50.0})``,
    ``ProblemSpec("regression", "line", {"n": 30, "seed": 1}, "huber", {"delta": 1.0}, l2=0.5)``.
    Mappings given for ``params`` / ``loss_params`` are kept as sorted ``(name, value)`` tuples.
    """

    family: str  # a key of FAMILIES
    name: str = ""  # the test function, or the data set ("" for points that come with the spec)
    params: Pairs = ()  # the test function's or the data set's parameters
    loss: str = ""  # a data family's loss: a registry name or "custom"
    loss_params: Pairs = ()
    formula: str = ""  # the custom loss's formula
    l1: float = 0.0
    l2: float = 0.0

    def __post_init__(self):
        object.__setattr__(self, "params", _pairs(self.params))
        object.__setattr__(self, "loss_params", _pairs(self.loss_params))


@dataclass(frozen=True)
class Control:
    """One number a problem is picked with, as its picker draws it and its link carries it (``?n=200``).
    Whole numbers when bounds, default and step are ``int`` (as ``UrlState`` and the lessons' reader decide)."""

    name: str  # the link parameter
    label: str
    low: float
    high: float
    default: float
    step: float | None = None
    box: bool = False  # a number box, else a slider
    help: str = ""

    @classmethod
    def of(cls, p: Param, label: str = "", low: float | None = None, high: float | None = None) -> Control:
        """A registry parameter as a slider (``ui.param_sliders``' step), its bounds narrowed if given."""
        low, high = float(p.low if low is None else low), float(p.high if high is None else high)
        return cls(p.name, label or p.name, low, high, float(p.default), slider_step(low, high),
                   help=p.help)


DATA_CONTROLS = (Control("n", "Points", 10, MAX_PAGE_POINTS, 200), Control("seed", "Seed", 0, 10_000, 0, box=True))
PENALTY_CONTROLS = tuple(Control.of(p, f"{p.name} penalty (λ)", high=5.0) for p in PENALTY_PARAMS)


@dataclass(frozen=True)
class Family:
    """One problem family: how it is picked (the link's ``family``, then ``pick``, then its numbers, loss
    and penalties, in this order), how its objective is built and how it is described."""

    name: str
    label: str
    pick: str  # the link parameter of the choice within the family
    pick_label: str
    options: Callable[[], list[str]]  # the test functions or data sets (without UPLOAD)
    controls: Callable[[str], tuple[Control, ...]]  # the numbers of one option
    build: Callable[[ProblemSpec, tuple | None], Objective]  # (spec, points given with it or None)
    describe: Callable[[ProblemSpec], tuple[str, str]]  # (LaTeX formula, Markdown text)
    default: str | None = None  # None: the first option
    title: Callable[[str], str] = str  # an option as the picker shows it
    loss_kind: str | None = None  # the kind of loss picked with it; None: a problem without data
    penalties: tuple[Control, ...] = ()
    uploads: bool = False  # its points may come from a CSV (the option UPLOAD)
    model: str = ""  # what one point of its map is, drawn over the data ("" for a problem without data)


def _bench(spec: ProblemSpec, xy=None) -> Objective:
    return benchmark(spec.name, **dict(spec.params))


def _describe_bench(spec: ProblemSpec) -> tuple[str, str]:
    bench = lookup(BENCHMARKS, spec.name, "test function")
    return bench.formula, bench.description


def spec_loss(spec: ProblemSpec) -> Loss:
    """The loss a data problem's spec names (a custom formula is parsed, never evaluated as code)."""
    kind = family(spec.family).loss_kind
    params = dict(spec.loss_params)
    return (losses.custom(spec.formula, kind=kind, **params) if spec.loss == "custom"
            else losses.get(spec.loss, **params))


def points(spec: ProblemSpec) -> tuple[np.ndarray, np.ndarray] | None:
    """The generated points of a data problem (None for a test function)."""
    if family(spec.family).loss_kind is None:
        return None
    return datasets.make(spec.name, **dict(spec.params))


def _on_data(model: Callable[..., Objective], spec: ProblemSpec, xy=None) -> Objective:
    x, y = points(spec) if xy is None else xy
    return model(x, y, spec_loss(spec), spec)


def _describe_model(formula: str, text: str, spec: ProblemSpec) -> tuple[str, str]:
    loss = spec_loss(spec)
    text = f"{text}\n\n**{loss.describe()}**: {loss.spec.description} Use it when {loss.spec.use_when}."
    if spec.l1 or spec.l2:
        text += f"\n\nPenalty: {spec.l1:g}·|w| + {spec.l2:g}·w² is added to the data loss."
    return formula + r",\qquad \ell = " + loss.spec.formula, text


FAMILIES: dict[str, Family] = {f.name: f for f in (
    Family("benchmark", "Test function", "fn", "Function", lambda: list(BENCHMARKS),
           lambda name: tuple(Control.of(p) for p in lookup(BENCHMARKS, name, "test function").params),
           _bench, _describe_bench, default="rosenbrock"),
    Family("regression", "Linear regression", "data", "Data", lambda: datasets.names("regression"),
           lambda name: DATA_CONTROLS,
           partial(_on_data, lambda x, y, loss, spec: linear_regression(x, y, loss, l2=spec.l2, l1=spec.l1)),
           partial(_describe_model, r"\hat y = w\,x + b,\quad L(w, b) = \frac1N\sum_i \ell(y_i - \hat y_i)",
                   "Each point of the surface is one line through the data; its height is the mean loss of that "
                   "line's residuals r = y - ŷ."),
           title=lambda name: datasets.REGISTRY[name].label, loss_kind="regression", penalties=PENALTY_CONTROLS,
           uploads=True, model="line"),
    Family("classification", "Logistic regression", "data", "Data", lambda: datasets.names("binary"),
           lambda name: DATA_CONTROLS,
           partial(_on_data, lambda x, y, loss, spec: logistic_regression(x, y, loss)),
           partial(_describe_model, r"s_i = w_1 x_{i1} + w_2 x_{i2},\quad L(w) = \frac1N\sum_i \ell(s_i, y_i)",
                   "Each point of the surface is one decision line through the origin; its height is the mean "
                   "loss of the scores s it gives the labelled points."),
           title=lambda name: datasets.REGISTRY[name].label, loss_kind="binary", model="decision boundary"),
)}


def family(name: object) -> Family:
    """The registry's entry of a problem family, or a message naming every family."""
    return lookup(FAMILIES, name, "problem family")


def from_spec(spec: ProblemSpec, xy: tuple | None = None) -> Objective:
    """The objective of a spec; ``xy``: the points, when they come with it (an uploaded CSV)."""
    return family(spec.family).build(spec, xy)


def describe(spec: ProblemSpec) -> dict[str, str]:
    """LaTeX formula and a short explanation (Markdown) of a problem, from the registries."""
    formula, text = family(spec.family).describe(spec)
    return {"formula": formula, "text": text}
