"""Loss curves for the gallery: each loss over its residual or margin, its slope by autograd, read-outs.

    g = gallery("regression", {"mse": {}, "huber": {"delta": 1.0}}, formula="abs(r)**1.5", span=4, at=1.5)
    g.curves[1].value, g.curves[1].slope          # (n,) each, over g.x
    c = confidence(label_smoothing=0.1, classes=3)  # cross-entropy against the probability of the true class

A regression loss is drawn as ``rho(r)``, the loss of the prediction 0 for the target r (residual
``r = target - pred``); a binary loss as ``phi(m)``, the loss of the score m on a positive example
(margin ``m = (2y - 1) s``).  The slope is ``d rho / d r`` or ``d phi / d m`` by autograd; a step (the
0-1 loss) has slope 0 wherever it is defined.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import torch

from landscape import losses
from landscape.losses import Loss, Param
from landscape.types import DTYPE, InputError

SPAN = Param("span", 4.0, 0.5, 10.0, "the curves cover -span to +span")
AT = Param("at", 1.5, -10.0, 10.0, "where the loss and its slope are read off")
CLASSES = Param("classes", 3, 2, 10, "number of classes C")
POINTS = 801  # samples of each curve; odd, so 0 is one of them


@dataclass(frozen=True)
class Axis:
    """What a kind of loss is drawn against: the variable, its meaning, how a Loss is read along it."""

    kind: str
    title: str  # for the page's choice of task
    variable: str
    label: str
    of: Callable[[Loss, torch.Tensor], torch.Tensor]
    reference: str | None  # a loss always drawn for comparison (dashed), not offered in the list
    defaults: tuple[str, ...]  # losses shown when nothing is chosen yet


AXES: dict[str, Axis] = {
    "regression": Axis("regression", "Regression", "r", "residual r = y − ŷ", Loss.of_residual, None,
                       ("mse", "mae", "huber")),
    "binary": Axis("binary", "Classification", "m", "margin m = (2y − 1)·score", Loss.of_margin, "zero_one",
                   ("bce", "hinge")),
}


def axis(kind: str) -> Axis:
    try:
        return AXES[kind]
    except KeyError:
        raise InputError(f"curves are drawn for {' or '.join(AXES)} losses, not {kind!r}") from None


def choices(kind: str) -> list[str]:
    """The built-in losses offered for overlay on this axis (the reference is always drawn)."""
    ax = axis(kind)
    return [n for n in losses.names(kind) if n != ax.reference]


@dataclass(frozen=True)
class Curve:
    """One loss along the axis: ``value[i] = loss(x[i])`` and ``slope[i] = d loss / dx at x[i]``."""

    name: str  # registry name, or "custom"
    label: str  # legend text, e.g. "Huber(delta=1)"
    value: np.ndarray  # (n,)
    slope: np.ndarray  # (n,)
    at_value: float  # the loss at the read-out point
    at_slope: float  # its slope there (nan at a cusp of a custom formula, where autograd finds none)
    formula: str  # LaTeX
    description: str
    use_when: str


@dataclass(frozen=True)
class Gallery:
    kind: str
    variable: str
    x_label: str
    x: np.ndarray  # (n,)
    at: float
    curves: tuple[Curve, ...]  # the chosen losses, then the custom one if it was accepted
    reference: Curve | None  # 0-1 for margins
    refused: str | None  # why the custom formula was refused, in the person's words

    @property
    def drawn(self) -> tuple[Curve, ...]:
        """Every curve on the figure: the reference first, then the chosen ones."""
        return ((self.reference,) if self.reference else ()) + self.curves


def value_and_slope(loss: Loss, ax: Axis, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(loss(x), d loss / dx)`` along the axis, both ``x.shape``; a step's slope is 0."""
    x = x.detach().clone().requires_grad_(True)
    y = ax.of(loss, x)
    if not y.requires_grad:  # e.g. the 0-1 loss: no graph, flat between its jumps
        return y.detach(), torch.zeros_like(y)
    (slope,) = torch.autograd.grad(y.sum(), x)  # elementwise loss: d sum / d x_i = d y_i / d x_i
    return y.detach(), slope


def curve(loss: Loss, ax: Axis, x: torch.Tensor, at: float) -> Curve:
    value, slope = value_and_slope(loss, ax, x)
    at_value, at_slope = value_and_slope(loss, ax, torch.tensor([at], dtype=DTYPE))
    spec = loss.spec
    return Curve(loss.name, loss.describe() if loss.name != "custom" else "your formula", value.numpy(),
                 slope.numpy(), float(at_value[0]), float(at_slope[0]), spec.formula, spec.description,
                 spec.use_when)


def gallery(kind: str, chosen: Mapping[str, Mapping[str, float]], formula: str = "", span: float = SPAN.default,
            at: float = AT.default, n: int = POINTS) -> Gallery:
    """Curves and slopes of the ``chosen`` losses (name -> parameters) and of a custom ``formula``.

    The curves cover ``[-L, L]`` with ``L = max(span, |at|)``, so the read-out point is always drawn.
    A bad name or parameter raises InputError; a refused formula does not: its message is returned
    in ``refused`` so that the rest of the gallery still draws.
    """
    ax = axis(kind)
    span, at = SPAN.check(span, "gallery"), AT.check(at, "gallery")
    offered = choices(kind)
    unknown = [name for name in chosen if name not in offered]
    if unknown:
        raise InputError(f"{', '.join(map(str, unknown))}: not a {kind} loss of the gallery; choose from "
                         f"{', '.join(offered)}")
    items = [losses.get(name, **params) for name, params in chosen.items()]
    refused = None
    if formula.strip():
        try:
            items.append(losses.custom(formula, kind=kind))
        except InputError as err:
            refused = str(err)
    limit = max(span, abs(at))
    x = -limit + 2.0 * limit * torch.arange(n, dtype=DTYPE) / (n - 1)  # (n,); unlike linspace, exactly 0 mid-way
    reference = curve(losses.get(ax.reference), ax, x, at) if ax.reference else None
    return Gallery(kind, ax.variable, ax.label, x.numpy(), at, tuple(curve(loss, ax, x, at) for loss in items),
                   reference, refused)


# ---- confident and wrong: cross-entropy against the predicted probability of the true class ----------

@dataclass(frozen=True)
class Confidence:
    """Losses of one example as the probability ``p`` the model gives its true class goes from 0 to 1.

    The other ``classes - 1`` classes share ``1 - p`` equally.  ``cross_entropy = -log p``;
    ``smoothed`` is the registry's cross-entropy with label smoothing ``eps``, which is smallest at
    ``p = 1 - eps + eps / C`` rather than at 1; ``squared_error`` is the Brier score
    ``sum_c (p_c - onehot_c)^2 = (1 - p)^2 C / (C - 1)``, bounded by ``C / (C - 1)``.
    """

    p: np.ndarray  # (n,)
    cross_entropy: np.ndarray  # (n,)
    smoothed: np.ndarray  # (n,)
    squared_error: np.ndarray  # (n,)
    classes: int
    label_smoothing: float
    best_p: float  # where the smoothed loss is smallest

    @property
    def squared_error_bound(self) -> float:
        """The largest squared error of the probabilities, ``C / (C - 1)`` at p = 0."""
        return self.classes / (self.classes - 1)

    def at(self, p: float) -> tuple[float, float]:
        """(cross-entropy, squared error) at probability ``p`` of the true class."""
        return -math.log(p), (1.0 - p) ** 2 * self.squared_error_bound


def _probabilities(n: int) -> torch.Tensor:
    """``p`` from 1e-4 to 1 - 1e-4, dense near both ends (evenly spaced in the logit)."""
    return torch.sigmoid(torch.linspace(-math.log(1e4), math.log(1e4), n, dtype=DTYPE))


def confidence(label_smoothing: float = 0.0, classes: int = CLASSES.default, n: int = 400) -> Confidence:
    eps = losses.spec("cross_entropy").params[0].check(label_smoothing, "cross-entropy")
    c = int(CLASSES.check(classes, "cross-entropy"))
    if c != classes:
        raise InputError(f"cross-entropy: classes must be a whole number, got {classes}")
    p = _probabilities(n)  # (n,)
    rest = torch.log((1.0 - p) / (c - 1))
    logits = torch.cat([torch.log(p)[:, None], rest[:, None].expand(n, c - 1)], -1)  # (n, C); softmax gives p
    label = torch.zeros(n, dtype=torch.long)
    plain = losses.get("cross_entropy")(logits, label)
    smoothed = losses.get("cross_entropy", label_smoothing=eps)(logits, label)
    squared = (1.0 - p) ** 2 * c / (c - 1)
    return Confidence(p.numpy(), plain.numpy(), smoothed.numpy(), squared.numpy(), c, eps, 1.0 - eps + eps / c)
