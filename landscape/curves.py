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
from landscape.checks import lookup
from landscape.types import DTYPE, InputError, Loss, Param
from landscape.words import and_list

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
    return lookup(AXES, kind, "kind of loss curve")


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
    near_zero: float | None = None  # k when the curve is k x^2 near 0 (``quadratic_near_zero``), else None
    exact_near_zero: bool = False  # k x^2 exactly on a neighbourhood of 0 (Huber), not only to leading order
    below: tuple[tuple[float, float], ...] = ()  # intervals of x where it lies below the reference (0-1)

    @property
    def legend(self) -> str:
        """The label, with the curve's scale near 0 when it is not x^2, e.g. ``Huber(delta=1) (= r²/2 near 0)``:
        MSE is r^2 and Huber r^2/2, so without it Huber looks smaller where they are the same up to a factor."""
        if self.near_zero is None or math.isclose(self.near_zero, 1.0, rel_tol=1e-6):
            return self.label
        return f"{self.label} ({'=' if self.exact_near_zero else '≈'} {square(self.near_zero)} near 0)"


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


NEAR = (1e-3, 1e-2)  # the small residuals at which ``quadratic_near_zero`` reads a curve


def square(k: float, variable: str = "r") -> str:
    """``k x^2`` as text: ``r²``, ``r²/2``, ``0.25·r²``."""
    if math.isclose(k, 1.0, rel_tol=1e-6):
        return f"{variable}²"
    if math.isclose(1.0 / k, round(1.0 / k), rel_tol=1e-6):
        return f"{variable}²/{round(1.0 / k)}"
    return f"{k:.3g}·{variable}²"


def quadratic_near_zero(loss: Loss, ax: Axis) -> tuple[float | None, bool]:
    """``(k, exact)`` when ``loss(x) / x^2 -> k > 0`` as x -> 0 from both sides, else ``(None, False)``;
    ``exact`` when ``loss(x) = k x^2`` at both NEAR residuals (Huber), not only to leading order (log-cosh).

    Read off the loss itself at ``±NEAR``: the ratio at 1e-3 and its half must agree to 1e-4, which
    a kink (MAE, quantile: ratio ~ 1 / x) or a flat curve (ratio 0) does not."""
    h = torch.tensor([NEAR[0], NEAR[0] / 2, NEAR[1], -NEAR[0], -NEAR[0] / 2, -NEAR[1]], dtype=DTYPE)
    with torch.no_grad():
        values = ax.of(loss, torch.cat([torch.zeros(1, dtype=DTYPE), h]))
    if not bool(torch.isfinite(values).all()) or abs(float(values[0])) > 1e-15:
        return None, False
    ratio = (values[1:] / h**2).numpy()
    k = float(ratio[0])
    small = ratio[[0, 1, 3, 4]]
    if not (k > 0 and np.allclose(small, k, rtol=1e-4, atol=0.0)):
        return None, False
    return k, bool(np.allclose(ratio, k, rtol=1e-9, atol=0.0))


BISECTIONS = 60  # halvings of a grid step when an interval's end is refined: to rounding


def _below(loss: Loss, reference: Loss, ax: Axis, x: torch.Tensor, value: torch.Tensor,
           ref: torch.Tensor) -> tuple[tuple[float, float], ...]:
    """The intervals of x where ``loss < reference``: runs of grid points below it, each end refined by
    bisection on the two losses between the last point below and the next one not below."""
    under = (value < ref).numpy()
    if not under.any():
        return ()

    def gap(t: float) -> bool:
        point = torch.tensor([t], dtype=DTYPE)
        with torch.no_grad():
            return bool(ax.of(loss, point) < ax.of(reference, point))

    def edge(inside: float, outside: float) -> float:
        for _ in range(BISECTIONS):
            middle = 0.5 * (inside + outside)
            inside, outside = (middle, outside) if gap(middle) else (inside, middle)
        return inside

    xs = x.numpy()
    change = np.flatnonzero(np.diff(under.astype(np.int8)))
    starts = [0] * bool(under[0]) + [int(i) + 1 for i in change if not under[i]]
    stops = [int(i) for i in change if under[i]] + [len(xs) - 1] * bool(under[-1])
    return tuple((float(xs[a]) if a == 0 else edge(float(xs[a]), float(xs[a - 1])),
                  float(xs[b]) if b == len(xs) - 1 else edge(float(xs[b]), float(xs[b + 1])))
                 for a, b in zip(starts, stops))


def curve(loss: Loss, ax: Axis, x: torch.Tensor, at: float, reference: Loss | None = None) -> Curve:
    """One loss along the axis; with a ``reference`` loss, where it lies below it."""
    value, slope = value_and_slope(loss, ax, x)
    at_value, at_slope = value_and_slope(loss, ax, torch.tensor([at], dtype=DTYPE))
    below = ()
    if reference is not None:
        with torch.no_grad():
            below = _below(loss, reference, ax, x, value, ax.of(reference, x))
    k, exact = quadratic_near_zero(loss, ax) if ax.kind == "regression" else (None, False)
    spec = loss.spec
    return Curve(loss.name, loss.describe() if loss.name != "custom" else "your formula", value.numpy(),
                 slope.numpy(), float(at_value[0]), float(at_slope[0]), spec.formula, spec.description,
                 spec.use_when, k, exact, below)


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
    ref_loss = losses.get(ax.reference) if ax.reference else None
    reference = curve(ref_loss, ax, x, at) if ref_loss is not None else None
    return Gallery(kind, ax.variable, ax.label, x.numpy(), at,
                   tuple(curve(loss, ax, x, at, ref_loss) for loss in items), reference, refused)


# ---- words: sentences built from a gallery's numbers, each claim's condition checked ------------------------

def _number(v: float) -> str:
    return f"{round(v, 2) + 0.0:g}"


def _interval(a: float, b: float, variable: str, x: np.ndarray) -> str:
    if round(a, 2) == round(b, 2):
        return f"{variable} = {_number(a)}"
    edge = [" (the left end of the range)", " (the right end of the range)"]
    return (f"{variable} from {_number(a)}{edge[0] if a <= x[0] else ''} "
            f"to {_number(b)}{edge[1] if b >= x[-1] else ''}")


def reference_sentences(g: Gallery) -> list[str]:
    """What is true of each drawn margin loss against the 0-1 loss, from the curves: which lie on or above
    it over the drawn range (and so bound the error count), and where each of the others lies below it.
    Binary cross-entropy in natural log is below it near 0; in log base 2 (divided by ln 2) it is not."""
    if g.reference is None:
        return []
    v = g.variable
    sentences = [f"The dashed 0-1 loss counts mistakes. It is flat on both sides of {v} = 0, so its slope gives "
                 "gradient descent nothing to follow; the other losses are stand-ins with a slope."]
    if not g.curves:
        return sentences
    above = [c.label for c in g.curves if not c.below]
    if above:
        sentences.append(f"{and_list(above)} {'lies' if len(above) == 1 else 'lie'} on or above it over the drawn "
                         f"range ({v} from {g.x[0]:g} to {g.x[-1]:g}): for margins in it, the average loss is at "
                         "least the error rate, so a small average loss means few mistakes.")
    zero = int(np.argmin(np.abs(g.x)))
    for c in g.curves:
        if not c.below:
            continue
        where = and_list([_interval(a, b, v, g.x) for a, b in c.below])
        at_zero = (f" (at {v} = 0 it is {c.value[zero]:.3g}, the 0-1 loss {g.reference.value[zero]:g})"
                   if c.value[zero] < g.reference.value[zero] else "")
        text = f"{c.label} lies below the 0-1 loss for {where}{at_zero}, so it does not bound the error count"
        bits = c.value / math.log(2.0)
        if c.name == "bce" and (bits >= g.reference.value - 1e-12).all():
            text += (f"; it is in natural log: in log base 2 (divided by ln 2) it is {bits[zero]:.3g} at {v} = 0 "
                     "and lies on or above the 0-1 loss over the whole range")
        sentences.append(text + ".")
    return sentences


def scale_sentence(g: Gallery) -> str | None:
    """When two drawn curves are quadratic near 0 with different factors (MSE r^2, Huber r^2/2), say that
    the difference there is a scale, with the factor; None otherwise."""
    quadratic = [c for c in g.curves if c.near_zero is not None]
    if len({round(c.near_zero, 6) for c in quadratic}) < 2:
        return None
    top = max(quadratic, key=lambda c: c.near_zero)
    lower = [c for c in quadratic if not math.isclose(c.near_zero, top.near_zero, rel_tol=1e-6)]
    v = g.variable
    parts = and_list([f"{c.label} is {'' if c.exact_near_zero else 'about '}{square(c.near_zero, v)}"
                  for c in [top, *lower]])
    ratio = and_list(sorted({f"{c.near_zero / top.near_zero:.3g}" for c in lower}))
    names = and_list([c.label for c in lower])
    return (f"Near {v} = 0, {parts}: at a small residual {names} {'draw' if len(lower) > 1 else 'draws'} at "
            f"{ratio}× the height of {top.label}, with {ratio}× its slope. That is a scale, not robustness: "
            "multiplying a loss by a constant moves no minimum; robustness is how a curve grows far from 0.")


# ---- confident and wrong: cross-entropy against the predicted probability of the true class ----------

@dataclass(frozen=True)
class Confidence:
    """Losses of one example as the probability ``p`` the model gives its true class goes from 0 to 1.

    The other ``classes - 1`` classes share ``1 - p`` equally.  ``cross_entropy = -log p``;
    ``smoothed`` is the registry's cross-entropy with label smoothing ``eps``, which is smallest at
    ``p = 1 - eps + eps / C`` rather than at 1; ``squared_error`` is the Brier score
    ``sum_c (p_c - onehot_c)^2 = (1 - p)^2 C / (C - 1)`` on this curve, at most ``C / (C - 1)`` here.
    Over every prediction it reaches ``squared_error_max`` (2, all the wrong mass on one class).
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
        """The largest squared error on this curve (the wrong mass spread evenly), ``C / (C - 1)`` at p = 0."""
        return brier(spread(0.0, self.classes), 0)

    @property
    def squared_error_max(self) -> float:
        """The largest squared error of any prediction (``max_over_simplex``): 2, whatever C."""
        return max_over_simplex(self.classes)

    def at(self, p: float) -> tuple[float, float]:
        """(cross-entropy, squared error) at probability ``p`` of the true class, on this curve."""
        return -math.log(p), brier(spread(p, self.classes), 0)

    def sentences(self, p: float = 0.01) -> list[str]:
        """What the page says about cross-entropy against the squared error, from these numbers."""
        ce, squared = self.at(p)
        top, here = self.squared_error_max, self.squared_error_bound
        even = (f"on this curve the wrong mass is spread evenly over the other {self.classes - 1} classes, so it "
                f"stops at {here:.2f}" if not math.isclose(top, here) else
                "with two classes all the wrong mass is on the other class, as on this curve")
        text = (f"At p = {p:g} ({1 - p:.0%} of the probability on wrong classes) cross-entropy is **{ce:.2f}**, "
                f"and it keeps growing as p goes to 0. The squared error of the probabilities (Brier) can never exceed "
                f"{top:.2f}, reached when the model is certain of one wrong class; {even} (at p = {p:g}: "
                f"{squared:.2f}). That unbounded cost is why a model trained with cross-entropy is pushed so hard "
                "away from confident mistakes.")
        smoothing = ("Label smoothing aims at a target just below certainty: its loss is smallest at "
                     f"p = 1 − ε + ε/C = {self.best_p:.3g}, so it also charges for being too sure when right."
                     if self.label_smoothing > 0 else
                     "Label smoothing (ε above 0) would aim at a target just below certainty, p = 1 − ε + ε/C, "
                     "so that it also charges for being too sure when right.")
        return [text, smoothing]


def brier(probs, label: int) -> float:
    """The squared error of the probabilities ``sum_c (p_c - onehot_c)^2`` of one prediction ``(C,)``."""
    probs = np.asarray(probs, dtype=np.float64)
    return float(((probs - np.eye(len(probs))[label]) ** 2).sum())


def spread(p: float, classes: int) -> np.ndarray:
    """``(C,)``: p on the true class 0, ``1 - p`` shared equally by the others (the curve's choice)."""
    return np.array([p] + [(1.0 - p) / (classes - 1)] * (classes - 1))


def max_over_simplex(classes: int) -> float:
    """The largest squared error of any prediction of ``classes`` probabilities, true class 0.  The squared
    error is convex in the prediction, so its maximum over the simplex is at a corner: computed over the
    corners (a certain prediction of each class), not typed.  It is 2, at a certain wrong class."""
    return max(brier(np.eye(classes)[k], 0) for k in range(classes))


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
