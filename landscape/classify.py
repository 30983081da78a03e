"""Linear classifiers on 2D data: minimisers, loss surfaces over two parameters, boundaries, metrics.

Binary model (labels 0, 1), with a per-class cost ``c_i`` (``pos_weight`` for a positive, 1 for a negative)::

    s_i = w1 x_i1 + w2 x_i2 + b,      L(w1, w2, b) = (1/N) sum_i c_i loss(s_i, y_i)

For BCE, ``c_i loss`` is exactly the registry's ``bce(pos_weight)``; the same weight applies to every
loss, so one slider prices a missed positive (a false negative) for all of them.  The surface is over
``(w1, w2)`` at the minimiser's ``b*``: a slice through the minimum of the three-parameter landscape,
so its lowest point is the minimiser's ``(w1*, w2*)``.  A point is predicted positive when ``s > 0``.

Three-class model (labels 0, 1, 2 = A, B, C), softmax with a temperature ``T``::

    z_ic = (W_c . x_i + b_c) / T,     p_i = softmax(z_i),     L = (1/N) sum_i CE_eps(z_i, y_i)

with the registry's cross-entropy (label smoothing ``eps``).  The fit is at ``T = 1`` (the temperature
rescales a trained model's logits, as in calibration); ``theta = (W_A1, W_A2, W_B1, W_B2, W_C1, W_C2,
b_A, b_B, b_C)``.  Softmax does not change when one vector is added to every class's parameters; the
fit starts at 0, where every gradient sums to zero over the classes, so it is the centred minimiser
(``sum_c W_c = 0``, ``sum_c b_c = 0``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

import numpy as np
import torch
import torch.nn.functional as F

from landscape import data as datasets
from landscape import grid, losses
from landscape.minimum import lbfgs
from landscape.types import DTYPE, InputError, Loss, Objective, Param, Surface

BINARY_LOSSES = ("bce", "hinge", "squared_hinge", "focal")  # the 0-1 loss has no slope to descend
POS_WEIGHT = losses.spec("bce").params[0]  # the same bounds as BCE's own pos_weight
TEMPERATURE = Param("temperature", 1.0, 0.1, 5.0, "divides every logit: above 1 flattens the predictions, "
                                                   "below 1 sharpens them")
OFFSET = Param("offset", 0.0, -6.0, 6.0, "distance from the minimiser along one parameter")
RESOLUTION = 81
MAX_WEIGHT = 50.0  # the surface's view stops here whatever the fit
SOFTMAX_DATA = {"n": 300, "separation": 1.5}  # three_blobs: overlapping, so the simplex view has spread
SOFTMAX_HALF_WIDTH = 4.0  # the softmax surface spans the minimiser +- this along each parameter
CLASSES = ("A", "B", "C")
SOFTMAX_PARAMS = tuple(f"w{c}{j}" for c in CLASSES for j in (1, 2)) + tuple(f"b{c}" for c in CLASSES)


def _smoothed_hinge(score: torch.Tensor, label: torch.Tensor, t: float) -> torch.Tensor:
    """``t softplus((1 - m) / t)``: above the hinge ``max(0, 1 - m)`` by at most ``t log 2``, smooth."""
    return t * F.softplus((1.0 - (2.0 * label - 1.0) * score) / t)


# Losses with a kink get minimised through smooth stand-ins of shrinking width t (continuation),
# then polished on the loss itself: L-BFGS alone stalls at a kink short of the minimum.
SMOOTHED: dict[str, Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]] = {"hinge": _smoothed_hinge}
CONTINUATION = (0.1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7)


# ---- binary -------------------------------------------------------------------------------------------

def _tensors(X, y) -> tuple[torch.Tensor, torch.Tensor]:
    X, y = torch.as_tensor(np.asarray(X), dtype=DTYPE), torch.as_tensor(np.asarray(y), dtype=DTYPE)
    if X.ndim != 2 or X.shape[1] != 2 or y.shape != X.shape[:1]:
        raise InputError("a classifier needs points X of shape (N, 2) and labels y of shape (N,)")
    return X, y


def class_costs(y: torch.Tensor, pos_weight: float) -> torch.Tensor:
    """``c_i``: ``pos_weight`` for a positive, 1 for a negative; ``(N,)``."""
    weight = torch.tensor(POS_WEIGHT.check(pos_weight, "false-negative weight"), dtype=DTYPE)
    return torch.where(y == 1, weight, torch.ones((), dtype=DTYPE))  # (N,); scalars alone would give float32


def binary_loss(name: str, **params: float) -> Loss:
    """A loss of the page (BINARY_LOSSES) with its parameters; BCE's pos_weight is the page's, so it is fixed at 1."""
    if name not in BINARY_LOSSES:
        raise InputError(f"the classification page fits {', '.join(BINARY_LOSSES)}, not {name!r}")
    return losses.get(name, **params)


def tunable(name: str) -> tuple[Param, ...]:
    """The parameters of a page loss a person sets; the false-negative weight is the page's own control."""
    return tuple(p for p in losses.spec(name).params if p.name != POS_WEIGHT.name)


def weighted_loss(X, y, loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
                  pos_weight: float = 1.0) -> Callable[[torch.Tensor], torch.Tensor]:
    """``theta (..., 3) = (w1, w2, b) -> (1/N) sum_i c_i loss(w . x_i + b, y_i)``, shape ``(...)``."""
    X, y = _tensors(X, y)
    c = class_costs(y, pos_weight)
    design = torch.cat([X, torch.ones(len(X), 1, dtype=DTYPE)], 1)  # (N, 3)
    return lambda theta: (c * loss(theta @ design.T, y)).mean(-1)  # scores (..., N)


def fit_binary(X, y, loss: Loss, pos_weight: float = 1.0) -> np.ndarray:
    """The minimiser ``(w1, w2, b)`` of ``(1/N) sum_i c_i loss(w . x_i + b, y_i)`` (module docstring)."""
    theta = torch.zeros(3, dtype=DTYPE)
    smoothed = SMOOTHED.get(loss.name)
    if smoothed is not None:
        for t in CONTINUATION:
            theta = lbfgs(weighted_loss(X, y, lambda s, label, t=t: smoothed(s, label, t), pos_weight), theta)
    return lbfgs(weighted_loss(X, y, loss, pos_weight), theta).numpy()


def runs_away(X, y, loss: Loss, pos_weight: float, theta: np.ndarray) -> bool:
    """True when doubling the fitted line's parameters lowers the loss: the loss keeps falling as the line
    gets steeper (separable classes), so there is no finite minimum and the fit stopped where progress
    became too small to measure.  At a true minimum doubling can only raise the loss."""
    f = weighted_loss(X, y, loss, pos_weight)
    with torch.no_grad():
        return bool(f(torch.as_tensor(2.0 * theta)) < f(torch.as_tensor(theta)))


def binary_objective(X, y, loss: Loss, pos_weight: float, bias: float, view) -> Objective:
    """``(w1, w2) -> (1/N) sum_i c_i loss(w . x_i + bias, y_i)``, batched over leading dimensions."""
    f = weighted_loss(X, y, loss, pos_weight)
    b = torch.tensor([bias], dtype=DTYPE)

    def data(theta):  # (..., 2) -> (...)
        return f(torch.cat([theta, b.expand(*theta.shape[:-1], 1)], -1))

    return Objective(data, ("w1", "w2"), view, f"{loss.describe()}, false-negative weight {pos_weight:g}",
                     meta={"kind": "classification", "n_points": len(y)})


@dataclass(frozen=True)
class Metrics:
    """Counts of ``predicted = score > 0`` against the labels; ``matrix = [[TN, FP], [FN, TP]]``."""

    matrix: np.ndarray  # (2, 2) int: rows true 0 / 1, columns predicted 0 / 1

    @property
    def tn(self) -> int:
        return int(self.matrix[0, 0])

    @property
    def fp(self) -> int:
        return int(self.matrix[0, 1])

    @property
    def fn(self) -> int:
        return int(self.matrix[1, 0])

    @property
    def tp(self) -> int:
        return int(self.matrix[1, 1])

    @property
    def precision(self) -> float | None:
        """TP / (TP + FP): of the points called positive, the share that are; None if none is called positive."""
        called = self.tp + self.fp
        return self.tp / called if called else None

    @property
    def recall(self) -> float | None:
        """TP / (TP + FN): of the positive points, the share found; None if there are none."""
        positives = self.tp + self.fn
        return self.tp / positives if positives else None

    @property
    def accuracy(self) -> float:
        return (self.tp + self.tn) / max(1, int(self.matrix.sum()))


def metrics(y, scores) -> Metrics:
    y, predicted = np.asarray(y).astype(bool), np.asarray(scores) > 0
    matrix = np.array([[np.sum(~y & ~predicted), np.sum(~y & predicted)],
                       [np.sum(y & ~predicted), np.sum(y & predicted)]], dtype=np.int64)
    return Metrics(matrix)


@dataclass(frozen=True)
class Boundary:
    """A fitted line and what it does: parameters, scores on a grid over the data (0 is the boundary), metrics."""

    theta: np.ndarray  # (3,) w1, w2, b
    scores: np.ndarray  # (ny, nx) w . x + b over the data box
    metrics: Metrics


@dataclass(frozen=True)
class BinaryView:
    X: np.ndarray  # (N, 2)
    y: np.ndarray  # (N,)
    surface: Surface  # over (w1, w2) at b*
    fit: Boundary  # with the chosen false-negative weight
    plain: Boundary  # with weight 1, for comparison
    heights: tuple[float, float]  # the surface over (w1, w2) at the fit's (w1, w2) and at the plain fit's
    box_x: np.ndarray  # (nx,) grid over the data box, for the boundary
    box_y: np.ndarray  # (ny,)
    title: str
    note: str | None  # e.g. the loss keeps falling as the weights grow
    pos_weight: float = 1.0  # the false-negative weight of ``fit``


def _view(thetas: list[np.ndarray]) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square view about the origin holding every fitted (w1, w2) with room, on whole numbers."""
    reach = max(float(np.abs(t[:2]).max()) for t in thetas)
    half = float(min(MAX_WEIGHT, max(3.0, math.ceil(1.4 * reach))))
    return (-half, half), (-half, half)


def _boundary(X: torch.Tensor, y: torch.Tensor, theta: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> Boundary:
    w1, w2, b = theta
    scores = w1 * gx[None, :] + w2 * gy[:, None] + b  # (ny, nx)
    return Boundary(theta, scores, metrics(y.numpy(), (X @ torch.as_tensor(theta[:2]) + b).numpy()))


def binary_view(dataset: str, n: int, seed: int, loss: str, loss_params: Mapping[str, float],
                pos_weight: float, resolution: int = RESOLUTION) -> BinaryView:
    """Everything the classification page draws for one setting of its binary controls."""
    if dataset not in datasets.names("binary"):
        raise InputError(f"{dataset!r} is not a two-class data set; choose one of "
                         f"{', '.join(datasets.names('binary'))}")
    X, y = _tensors(*datasets.make(dataset, n=n, seed=seed))
    bound = binary_loss(loss, **loss_params)
    theta, plain = fit_binary(X, y, bound, pos_weight), fit_binary(X, y, bound, 1.0)
    view = _view([theta, plain])
    obj = binary_objective(X, y, bound, pos_weight, float(theta[2]), view)
    surface = grid.evaluate(obj, n=resolution)
    with torch.no_grad():
        heights = tuple(float(obj(torch.as_tensor(t[:2]))) for t in (theta, plain))
    lo, hi = X.min(0).values.numpy(), X.max(0).values.numpy()
    pad = 0.1 * (hi - lo)
    gx, gy = (np.linspace(lo[k] - pad[k], hi[k] + pad[k], 150) for k in (0, 1))
    note = None
    if runs_away(X, y, bound, pos_weight, theta):
        note = ("A line separates the classes, and this loss keeps falling as that line gets steeper: it has no "
                "finite minimum. The point marked is where the fit stopped making measurable progress.")
    shown = ", ".join(f"{p.name}={bound.params[p.name]:g}" for p in tunable(loss))
    title = f"{bound.spec.title}({shown})" if shown else bound.spec.title
    return BinaryView(X.numpy(), y.numpy(), surface, _boundary(X, y, theta, gx, gy), _boundary(X, y, plain, gx, gy),
                      heights, gx, gy, f"logistic regression, {title}, false-negative weight {pos_weight:g}", note,
                      float(pos_weight))


# ---- words: what the false-negative weight did, from the view's numbers -----------------------------------

MOSTLY = 2.0  # one part of the minimiser "moved most" when its change is this many times the other's


def percentage_points(now: float | None, before: float | None) -> str | None:
    """A change of a rate as text in percentage points (``+14.9 pp``), None when either is undefined or
    they are equal.  Points, not percent: 83 % -> 98 % is +15 pp, an 18 % rise."""
    if now is None or before is None or now == before:
        return None
    return f"{100.0 * (now - before):+z.1f} pp"


def _num(v: float) -> str:
    """3 significant digits, and 0 for what is 0 but for the optimiser's last digits."""
    return f"{(0.0 if abs(v) < 1e-6 else v) + 0.0:.3g}"


def _rate(v: float | None) -> str:
    return "undefined (no point called positive)" if v is None else f"{v:.1%}"


def _moved(name: str, now: float | None, before: float | None) -> str:
    change = percentage_points(now, before)
    if change is None:
        return f"{name} stays {_rate(now)}" if now == before else f"{name} goes from {_rate(before)} to {_rate(now)}"
    verb = "rises" if now > before else "falls"
    return f"{name} {verb} from {before:.1%} to {now:.1%} ({change})"


def weight_sentences(view: BinaryView) -> list[str]:
    """What raising (or lowering) the false-negative weight did to the minimiser, the boundary and the metrics,
    each clause chosen by the numbers: which part of (w1, w2, b) moved most, which way the boundary went
    (more or fewer points called positive), and the metric changes in percentage points."""
    w = view.pos_weight
    fit, plain = view.fit, view.plain
    if w == 1.0:
        return ["At weight 1 this is the plain fit. Raise the cost of a false negative to make every missed positive "
                "weigh more in the loss, and watch the minimiser, the boundary and the metrics move."]
    dw = float(np.hypot(*(fit.theta[:2] - plain.theta[:2])))
    db = float(fit.theta[2] - plain.theta[2])
    more = "more" if w > 1 else "less"
    sentences = [f"With the weight at {w:g}, a missed positive weighs {w:g}× a false alarm in the loss ({more} "
                 "than at weight 1)."]
    move = (f"the weights (w₁, w₂) go from ({_num(plain.theta[0])}, {_num(plain.theta[1])}) to "
            f"({_num(fit.theta[0])}, {_num(fit.theta[1])}), a change of {dw:.3g}, and the bias b from "
            f"{_num(plain.theta[2])} to {_num(fit.theta[2])} ({db:+.3g})")
    if abs(db) > MOSTLY * dw:
        sentences.append(f"The minimiser moves mostly in its bias: {move}. The bias shifts the boundary without "
                         "turning it, and the surface above, drawn over (w₁, w₂) at the minimiser's own bias, "
                         "does not show it.")
    elif dw > MOSTLY * abs(db):
        sentences.append(f"The minimiser moves mostly in its weights: {move}.")
    else:
        sentences.append(f"The minimiser moves in both its weights and its bias: {move}.")
    called_before, called_now = plain.metrics.tp + plain.metrics.fp, fit.metrics.tp + fit.metrics.fp
    every = {0: " (none)", len(view.y): " (all of them)"}.get(called_now, "")
    if called_now > called_before:
        side = (f"The boundary moves into the negative class: {called_now} points are called positive{every} instead "
                f"of {called_before}")
    elif called_now < called_before:
        side = (f"The boundary moves into the positive class: {called_now} points are called positive{every} instead "
                f"of {called_before}")
    else:
        side = f"As many points as before are called positive ({called_now})"
    recall = _moved("recall", fit.metrics.recall, plain.metrics.recall)
    precision = _moved("precision", fit.metrics.precision, plain.metrics.precision)
    sentences.append(f"{side}; {recall}, and {precision}.")
    return sentences


# ---- three classes ----------------------------------------------------------------------------------------

def softmax_logits(theta: torch.Tensor, X: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """``theta (..., 9)`` (SOFTMAX_PARAMS), ``X (N, 2)`` -> logits ``(..., N, 3)`` divided by the temperature."""
    W = theta[..., :6].reshape(*theta.shape[:-1], 3, 2)  # (..., 3, 2)
    b = theta[..., 6:]  # (..., 3)
    return (X @ W.transpose(-1, -2) + b[..., None, :]) / temperature


def softmax_loss(theta: torch.Tensor, X: torch.Tensor, y: torch.Tensor, temperature: float = 1.0,
                 label_smoothing: float = 0.0) -> torch.Tensor:
    """Mean cross-entropy ``(...)`` of the softmax model (module docstring)."""
    ce = losses.get("cross_entropy", label_smoothing=label_smoothing)
    logits = softmax_logits(theta, X, temperature)  # (..., N, 3)
    return ce(logits, y.expand(logits.shape[:-1])).mean(-1)


def fit_softmax(X, y, label_smoothing: float = 0.0) -> np.ndarray:
    """The centred minimiser ``(9,)`` of the mean cross-entropy at temperature 1."""
    X, y = torch.as_tensor(np.asarray(X), dtype=DTYPE), torch.as_tensor(np.asarray(y), dtype=torch.long)
    return lbfgs(lambda theta: softmax_loss(theta, X, y, 1.0, label_smoothing), torch.zeros(9, dtype=DTYPE)).numpy()


def _index(name: str) -> int:
    if name not in SOFTMAX_PARAMS:
        raise InputError(f"{name!r} is not a parameter of the softmax model; choose from {', '.join(SOFTMAX_PARAMS)}")
    return SOFTMAX_PARAMS.index(name)


def softmax_objective(X, y, base: np.ndarray, pair: tuple[str, str], temperature: float = 1.0,
                      label_smoothing: float = 0.0) -> Objective:
    """The mean cross-entropy over two of the nine parameters, the other seven held at ``base``."""
    i, j = _index(pair[0]), _index(pair[1])
    if i == j:
        raise InputError("choose two different parameters for the softmax surface")
    X, y = torch.as_tensor(np.asarray(X), dtype=DTYPE), torch.as_tensor(np.asarray(y), dtype=torch.long)
    temperature = TEMPERATURE.check(temperature, "softmax")
    ce = losses.get("cross_entropy", label_smoothing=label_smoothing)
    # The logits are linear in theta, so z(t) = z(base) + (t_0 - base_i) z(e_i) + (t_1 - base_j) z(e_j),
    # e_k the k-th unit vector: two (N, 3) directions instead of a 9-parameter model per grid point.
    base_t = torch.as_tensor(base, dtype=DTYPE)
    unit = torch.eye(9, dtype=DTYPE)
    z0, dz_i, dz_j = (softmax_logits(theta, X) for theta in (base_t, unit[i], unit[j]))  # (N, 3) each

    def data(t):  # (..., 2) -> (...)
        a, b = (t[..., k, None, None] - base_t[idx] for k, idx in ((0, i), (1, j)))  # (..., 1, 1)
        logits = (z0 + a * dz_i + b * dz_j) / temperature  # (..., N, 3)
        return ce(logits, y.expand(logits.shape[:-1])).mean(-1)

    h = SOFTMAX_HALF_WIDTH
    view = ((float(base[i]) - h, float(base[i]) + h), (float(base[j]) - h, float(base[j]) + h))
    return Objective(data, pair, view, f"softmax cross-entropy, T = {temperature:g}",
                     meta={"kind": "multiclass", "n_points": 3 * len(X)})


@dataclass(frozen=True)
class SoftmaxView:
    X: np.ndarray  # (N, 2)
    y: np.ndarray  # (N,) in 0, 1, 2
    surface: Surface  # over the two chosen parameters
    theta: np.ndarray  # (9,) the fit at T = 1
    point: np.ndarray  # (9,) the fit moved by the offsets: where the predictions are read
    pair: tuple[str, str]
    probabilities: np.ndarray  # (N, 3) softmax(z / T) at the point
    loss: float  # mean cross-entropy at the point, at temperature T
    loss_at_fit: float  # the same at the fit
    accuracy: float
    temperature: float


def softmax_view(seed: int, pair: tuple[str, str], temperature: float, label_smoothing: float,
                 offsets: tuple[float, float] = (0.0, 0.0), resolution: int = RESOLUTION) -> SoftmaxView:
    """Fit the three-class model, its loss over ``pair``, and the predictions at the fit moved by ``offsets``."""
    X, y = datasets.make("three_blobs", seed=seed, **SOFTMAX_DATA)
    eps = losses.spec("cross_entropy").params[0].check(label_smoothing, "cross-entropy")
    temperature = TEMPERATURE.check(temperature, "softmax")
    base = fit_softmax(X, y, eps)
    surface = grid.evaluate(softmax_objective(X, y, base, pair, temperature, eps), n=resolution)
    point = base.copy()
    for name, offset in zip(pair, offsets):
        point[_index(name)] += OFFSET.check(offset, "softmax")
    Xt, yt = torch.as_tensor(X, dtype=DTYPE), torch.as_tensor(y, dtype=torch.long)
    with torch.no_grad():
        probs = torch.softmax(softmax_logits(torch.as_tensor(point), Xt, temperature), -1)  # (N, 3)
        loss = float(softmax_loss(torch.as_tensor(point), Xt, yt, temperature, eps))
        at_fit = float(softmax_loss(torch.as_tensor(base), Xt, yt, temperature, eps))
    accuracy = float((probs.argmax(-1) == yt).to(DTYPE).mean())
    return SoftmaxView(X, y, surface, base, point, (pair[0], pair[1]), probs.numpy(), loss, at_fit, accuracy,
                       temperature)
