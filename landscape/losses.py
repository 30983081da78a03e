"""Every built-in loss, written once in torch, elementwise, in one registry.

Conventions (see DESIGN.md): a regression ``Loss`` takes ``(pred, target)`` and uses the
residual ``r = target - pred`` (its registry function is rho(r) itself; ``of_residual`` calls
it); binary losses take a raw score (logit) ``s`` and a label ``y`` in {0, 1}, with margin
``m = (2y - 1) s``; ``cross_entropy`` takes logits
``(..., C)`` and integer labels ``(...)``; ``kl_div(q, p) = sum p log(p / q)`` and
``dice`` / ``iou`` reduce over the last dimension.  Reduction (mean) is the caller's.
"""
from __future__ import annotations

import math
from typing import Mapping

import torch
import torch.nn.functional as F

from landscape import expr
from landscape.checks import lookup
from landscape.types import InputError, Loss, LossSpec, Param

KINDS = ("regression", "binary", "multiclass", "distribution", "overlap")


# ---- regression: r = target - pred -----------------------------------------------------

def mse(r):
    return r**2


def mae(r):
    return r.abs()


def huber(r, delta=1.0):
    a = r.abs()
    return torch.where(a <= delta, 0.5 * a**2, delta * (a - 0.5 * delta))


def huber_derivatives(r, delta=1.0):
    """``rho'(r) = r`` for ``|r| <= delta``, else ``delta sign r``; ``rho''(r) = 1[|r| <= delta]``."""
    inside = r.abs() <= delta
    return torch.where(inside, r, delta * r.sign()), inside.to(r.dtype)


def log_cosh(r):
    a = r.abs()
    return a + F.softplus(-2.0 * a) - math.log(2.0)  # log(cosh a) without overflow


def log_cosh_derivatives(r):
    """``rho'(r) = tanh r``, ``rho''(r) = 1 - tanh^2 r``."""
    slope = torch.tanh(r)
    return slope, 1.0 - slope**2


def quantile(r, tau=0.5):
    return torch.maximum(tau * r, (tau - 1.0) * r)


# ---- binary: score s, label y in {0, 1}, margin m = (2y - 1) s ---------------------------

def _margin(score, label):
    return (2.0 * label - 1.0) * score


def bce(score, label, pos_weight=1.0):
    return pos_weight * label * F.softplus(-score) + (1.0 - label) * F.softplus(score)


def hinge(score, label):
    return F.relu(1.0 - _margin(score, label))


def squared_hinge(score, label):
    return F.relu(1.0 - _margin(score, label)) ** 2


def focal(score, label, gamma=2.0, alpha=0.25):
    m = _margin(score, label)
    alpha_t = alpha * label + (1.0 - alpha) * (1.0 - label)
    return alpha_t * torch.sigmoid(-m) ** gamma * F.softplus(-m)  # -(1 - p_t)^gamma log p_t


def zero_one(score, label):
    return (_margin(score, label) <= 0).to(score.dtype)


# ---- multi-class, distributions, overlap ---------------------------------------------------

def cross_entropy(logits, labels, label_smoothing=0.0):
    logp = torch.log_softmax(logits, dim=-1)  # (..., C)
    nll = -logp.gather(-1, labels.long().unsqueeze(-1)).squeeze(-1)
    return (1.0 - label_smoothing) * nll - label_smoothing * logp.mean(-1)


def kl_div(q, p):
    return (torch.xlogy(p, p) - torch.xlogy(p, q)).sum(-1)


def dice(prob, mask, smooth=1.0):
    inter = (prob * mask).sum(-1)
    return 1.0 - (2.0 * inter + smooth) / (prob.sum(-1) + mask.sum(-1) + smooth)


def iou(prob, mask, smooth=1.0):
    inter = (prob * mask).sum(-1)
    return 1.0 - (inter + smooth) / (prob.sum(-1) + mask.sum(-1) - inter + smooth)


_SPECS = (
    LossSpec("mse", "regression", mse, r"r^2", "Squared error: large residuals cost quadratically.",
             "errors are Gaussian and big mistakes should cost far more than small ones", label="MSE", ops=2, live=2),
    LossSpec("mae", "regression", mae, r"|r|", "Absolute error: every unit of residual costs the same.",
             "the data has outliers and you want the median, not the mean", label="MAE", ops=2, live=2),
    LossSpec("huber", "regression", huber,
             r"\begin{cases}\tfrac12 r^2 & |r|\le\delta\\ \delta\,(|r|-\tfrac12\delta) & |r|>\delta\end{cases}",
             "Quadratic near zero, linear beyond delta: MSE's smoothness with MAE's robustness.",
             "you want a smooth fit in which no point pulls harder than delta: residuals beyond delta still count, "
             "but their pull is capped",
             (Param("delta", 1.0, 0.01, 10.0, "where the quadratic turns linear"),), label="Huber", ops=30, live=6,
             derivatives=huber_derivatives),
    LossSpec("log_cosh", "regression", log_cosh, r"\log\cosh r",
             "Like r^2/2 for small residuals and |r| - log 2 for large ones, smooth everywhere.",
             "you want Huber-like robustness with no parameter and a smooth second derivative",
             label="log-cosh", ops=30, live=5, derivatives=log_cosh_derivatives),
    LossSpec("quantile", "regression", quantile, r"\max(\tau r,\ (\tau-1)\, r)",
             "Pinball loss: under-prediction costs tau, over-prediction 1 - tau per unit.",
             "you want a quantile (e.g. the 90th percentile) rather than the mean",
             (Param("tau", 0.5, 0.01, 0.99, "the target quantile"),), label="quantile", ops=5, live=4),
    LossSpec("bce", "binary", bce,
             r"-\,w_+\,y\log\sigma(s) - (1-y)\log(1-\sigma(s))",
             "Binary cross-entropy on a logit; pos_weight scales the cost of missing a positive.",
             "you predict a probability of the positive class",
             (Param("pos_weight", 1.0, 0.05, 20.0, "cost of a false negative relative to a false positive"),),
             label="binary cross-entropy", ops=50, live=6),
    LossSpec("hinge", "binary", hinge, r"\max(0,\ 1-m)", "The SVM loss: zero once the margin exceeds 1.",
             "you want a maximum-margin classifier and no probabilities", label="hinge", ops=6, live=4),
    LossSpec("squared_hinge", "binary", squared_hinge, r"\max(0,\ 1-m)^2",
             "Hinge squared: smooth at the margin, harsher on large violations.",
             "you want a margin classifier with a differentiable loss", label="squared hinge", ops=8, live=4),
    LossSpec("focal", "binary", focal, r"-\alpha_t\,(1-p_t)^\gamma \log p_t",
             "Cross-entropy that down-weights easy, well-classified examples by (1 - p_t)^gamma.",
             "classes are very imbalanced and easy negatives swamp the gradient",
             (Param("gamma", 2.0, 0.0, 5.0, "focusing: 0 gives weighted cross-entropy"),
              Param("alpha", 0.25, 0.0, 1.0, "weight of the positive class")), label="focal", ops=80, live=8),
    LossSpec("zero_one", "binary", zero_one, r"\mathbf{1}[m \le 0]",
             "The error count itself: flat almost everywhere, so it has no useful gradient.",
             "you report accuracy; hinge, squared hinge and binary cross-entropy in log base 2 lie on or above it, "
             "so their average bounds the error rate (in natural log, cross-entropy dips below it for margins just "
             "under 0)",
             label="0-1", ops=10, live=4),
    LossSpec("cross_entropy", "multiclass", cross_entropy,
             r"-(1-\varepsilon)\log p_y - \tfrac{\varepsilon}{C}\sum_c \log p_c,\ \ p=\mathrm{softmax}(z)",
             "Softmax cross-entropy over C classes, with optional label smoothing.",
             "each example belongs to exactly one of several classes",
             (Param("label_smoothing", 0.0, 0.0, 0.5, "share of the target spread over all classes"),),
             label="cross-entropy"),
    LossSpec("kl_div", "distribution", kl_div, r"\sum_i p_i \log\frac{p_i}{q_i}",
             "Kullback-Leibler divergence of the prediction q from the target distribution p.",
             "the target is a whole distribution (distillation, variational inference)", label="KL divergence"),
    LossSpec("dice", "overlap", dice, r"1-\frac{2\sum p\,g + s}{\sum p + \sum g + s}",
             "One minus the soft Dice coefficient between a predicted mask and the truth.",
             "segmenting a small object where plain cross-entropy is dominated by background",
             (Param("smooth", 1.0, 1e-6, 10.0, "added to both sides so empty masks are defined"),), label="Dice"),
    LossSpec("iou", "overlap", iou, r"1-\frac{\sum p\,g + s}{\sum p + \sum g - \sum p\,g + s}",
             "One minus the soft Jaccard index (intersection over union).",
             "the metric you report is IoU and you want to optimise it directly",
             (Param("smooth", 1.0, 1e-6, 10.0, "added to both sides so empty masks are defined"),), label="IoU"),
)
REGISTRY: dict[str, LossSpec] = {s.name: s for s in _SPECS}


def names(kind: str | None = None) -> list[str]:
    """All built-in loss names, or those of one kind."""
    return [n for n, s in REGISTRY.items() if kind is None or s.kind == kind]


def spec(name: str) -> LossSpec:
    return lookup(REGISTRY, name, "loss")


def bind(loss_spec: LossSpec, params: Mapping[str, object]) -> Loss:
    """Check ``params`` against the spec's bounds and fill in defaults."""
    known = {p.name: p for p in loss_spec.params}
    unknown = set(params) - set(known)
    if unknown:
        raise InputError(f"{loss_spec.name} has no parameter {', '.join(sorted(unknown))}; "
                         f"it takes {', '.join(known) or 'none'}")
    return Loss(loss_spec, {n: p.check(params.get(n, p.default), loss_spec.name) for n, p in known.items()})


def get(name: str, **params: float) -> Loss:
    """A built-in loss with its parameters: ``get("huber", delta=1.0)``."""
    return bind(spec(name), params)


def resolve(loss: "Loss | str", kind: str) -> Loss:
    """Accept a Loss or a name, and check that it is of the expected kind."""
    loss = get(loss) if isinstance(loss, str) else loss
    if loss.kind != kind:
        raise InputError(f"{loss.describe()} is a {loss.kind} loss; this problem needs a {kind} loss")
    return loss


def custom(expression: str, kind: str = "regression", **params: float) -> Loss:
    """A loss typed by a person, parsed safely (see ``landscape.expr``); same interface as ``get``."""
    return expr.parse_loss(expression, kind=kind, params=params)
