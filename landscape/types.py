"""Core value types shared by the compute modules, the figures and the pages."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import torch

DTYPE = torch.float64  # compute precision everywhere: figures are float32, maths is not


class InputError(ValueError):
    """Bad input from a person (widget, URL, CSV, formula). Its message is shown as is."""


NOT_FINITE = ("the loss is not a finite number anywhere in this view (it overflows or is undefined there): "
              "move the view closer to the data's scale, or use a loss that grows more slowly")


# ---- losses: a registry entry, its parameters, and a loss with its parameters bound -------------

@dataclass(frozen=True)
class Param:
    """A loss hyper-parameter with its bounds (inclusive) and default."""

    name: str
    default: float
    low: float
    high: float
    help: str = ""

    def check(self, value: object, owner: str = "") -> float:
        try:
            v = float(value)
        except (TypeError, ValueError):
            raise InputError(f"{owner}: {self.name} must be a number, got {value!r}") from None
        if not (math.isfinite(v) and self.low <= v <= self.high):
            raise InputError(f"{owner}: {self.name} must be between {self.low:g} and {self.high:g}, got {value}")
        return v


@dataclass(frozen=True)
class LossSpec:
    name: str
    kind: str
    fn: Callable[..., torch.Tensor]  # regression: fn(r, **params); other kinds: fn(pred, target, **params)
    formula: str  # LaTeX
    description: str
    use_when: str
    params: tuple[Param, ...] = ()
    label: str = ""
    ops: float = 50.0  # cost of one element, in cheap-operation equivalents (landscape.budget; bench/worst_case.py)
    live: int = 4  # tensors of the input's size alive at once while it is computed
    derivatives: Callable[..., tuple[torch.Tensor, torch.Tensor]] | None = None  # regression: (rho'(r), rho''(r))

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ")


@dataclass(frozen=True)
class Loss:
    """A loss with its hyper-parameters bound: ``loss(pred, target) -> per-element tensor``."""

    spec: LossSpec
    params: Mapping[str, float] = field(default_factory=dict)

    def __call__(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        if self.kind == "regression":
            return self.spec.fn(target - pred, **self.params)
        return self.spec.fn(pred, target, **self.params)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def ops(self) -> float:
        return self.spec.ops

    @property
    def live(self) -> int:
        return self.spec.live

    def of_residual(self, r: torch.Tensor) -> torch.Tensor:
        """rho(r) of a regression loss."""
        return self.spec.fn(r, **self.params)

    def of_margin(self, m: torch.Tensor) -> torch.Tensor:
        """phi(m) of a binary loss: the loss of score ``m`` on a positive example."""
        return self(m, torch.ones_like(m))

    def describe(self) -> str:
        """``huber(delta=1)``: the name with its parameters, for legends and titles."""
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.spec.title}({args})" if args else self.spec.title


@dataclass(frozen=True)
class Marker:
    """A point to mark on a surface or a map: a minimum, a start."""

    x: float
    y: float
    z: float
    label: str  # legend name, e.g. "grid minimum", "true minimum"
    symbol: str = "x"
    color: str | None = None  # None: the figures' colour for the label


# ---- surfaces, paths and objectives ----------------------------------------------------------

@dataclass(frozen=True)
class Surface:
    """A loss evaluated on a grid: ``z[i, j] = f(x[j], y[i])``."""

    x: np.ndarray  # (nx,)
    y: np.ndarray  # (ny,)
    z: np.ndarray  # (ny, nx)
    x_label: str
    y_label: str
    method: str  # which evaluation path ran, e.g. "plain", "mse-statistics", "binned-sums"
    seconds: float

    @property
    def minimum(self) -> tuple[float, float, float]:
        """(x, y, z) of the smallest finite grid value; InputError when no value is finite."""
        finite = np.isfinite(self.z)
        if not finite.any():
            raise InputError(NOT_FINITE)
        i, j = np.unravel_index(np.argmin(np.where(finite, self.z, np.inf)), self.z.shape)
        return float(self.x[j]), float(self.y[i]), float(self.z[i, j])


@dataclass(frozen=True)
class Trajectory:
    """An optimiser's path. It stops at ``diverged_at`` and never holds a non-finite value."""

    points: np.ndarray  # (T+1, d)
    losses: np.ndarray  # (T+1,)
    optimizer: str
    hparams: Mapping[str, object]
    diverged_at: int | None = None


@dataclass(frozen=True)
class Objective:
    """A batched, differentiable function of two parameters: ``theta (..., 2) -> loss (...)``.

    ``data`` is the data term and ``penalty`` the regularisation term (None when there is none);
    calling the objective returns their sum.  ``linear`` describes a linear model
    ``pred = w * x + b`` so that ``grid`` can take an exact fast path.  ``gradient``, where known (the
    test functions), is its gradient in closed form: descents and arrows use it in place of autograd's.
    """

    data: Callable[[torch.Tensor], torch.Tensor]
    names: tuple[str, str]
    view: tuple[tuple[float, float], tuple[float, float]]
    title: str
    penalty: Callable[[torch.Tensor], torch.Tensor] | None = None
    minima: tuple[tuple[float, float], ...] = ()  # known minimisers, where the literature gives them
    linear: "LinearModel | None" = None
    log_scale: bool = False  # steep functions read better on a log colour scale
    meta: Mapping[str, object] = field(default_factory=dict)  # n_points, hessian, formula, ...
    subset: "Callable[[torch.Tensor], Objective] | None" = None  # same objective on data rows idx (mini-batches)
    ops: float = 50.0  # cost per grid point and data point, in cheap-operation equivalents (landscape.budget)
    live: int = 4  # tensors of (grid points, data points) alive at once while it is evaluated
    gradient: Callable[[torch.Tensor], torch.Tensor] | None = None  # closed form, ``(..., 2)``; None: autograd

    def __call__(self, theta: torch.Tensor) -> torch.Tensor:
        loss = self.data(theta)
        return loss if self.penalty is None else loss + self.penalty(theta)

    def part(self, name: str) -> "Objective":
        """The objective restricted to one term: ``"total"``, ``"data"`` or ``"penalty"``."""
        if name == "total":
            return self
        zero = lambda theta: torch.zeros(theta.shape[:-1], dtype=theta.dtype)  # noqa: E731
        if name == "data":
            return Objective(self.data, self.names, self.view, self.title, None, self.minima,
                             self.linear and self.linear.without_penalty(), self.log_scale, self.meta,
                             ops=self.ops, live=self.live)
        if name == "penalty":
            return Objective(self.penalty or zero, self.names, self.view, self.title + " (penalty)",
                             log_scale=False, meta={**self.meta, "n_points": 1}, ops=5.0, live=2)
        raise InputError(f"unknown objective part {name!r}; use total, data or penalty")


@dataclass(frozen=True)
class LinearModel:
    """``pred = w * x + b`` scored by an elementwise regression loss, plus ``l1 |w| + l2 w**2``."""

    x: torch.Tensor  # (N,)
    y: torch.Tensor  # (N,)
    loss: Loss
    l1: float = 0.0
    l2: float = 0.0

    def without_penalty(self) -> "LinearModel":
        return LinearModel(self.x, self.y, self.loss, 0.0, 0.0)
