"""The quotes of the Loss functions, Classification and Distributions and overlap pages."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from landscape import curves, divergence, losses
from landscape.lessons.compute import Memo, cross_entropy_at
from landscape.lessons.quotes.base import Group, NAN, Quote, num


# ---- loss functions ------------------------------------------------------------------------------------

GALLERY_LOSSES = tuple(dict.fromkeys(curves.choices("regression") + curves.choices("binary")
                                     + [curves.AXES["binary"].reference]))
PROBABILITIES = {"p01": 0.01, "p02": 0.02, "p10": 0.1, "p50": 0.5, "p90": 0.9, "p99": 0.99}


def _gallery(g: curves.Gallery, inputs: dict, memo: Memo) -> dict:
    out: dict[str, float | int] = {"at": g.at}
    for c in g.drawn:
        out |= {f"{c.name}_value": c.at_value, f"{c.name}_slope": c.at_slope}
    return out


def _gallery_shown(inputs: dict) -> Iterable[str]:
    names = list(inputs["chosen"]) + ([curves.AXES[inputs["kind"]].reference] if curves.AXES[inputs["kind"]].reference
                                      else [])
    return ["at"] + [f"{n}_{what}" for n in names for what in ("value", "slope")]


GALLERY = Group("loss_functions", "gallery", (
    Quote("at", "the residual or margin where the curves are read off"),
    *(q for n in GALLERY_LOSSES for q in (
        Quote(f"{n}_value", f"{losses.spec(n).title} at the read-out point (drawn when chosen)"),
        Quote(f"{n}_slope", f"{losses.spec(n).title}'s slope at the read-out point")))),
    _gallery, _gallery_shown)


def _confidence(c: curves.Confidence, inputs: dict, memo: Memo) -> dict:
    out: dict[str, float | int] = {"brier_max": c.squared_error_max, "brier_curve_max": c.squared_error_bound,
                                   "best_p": c.best_p, "classes": c.classes, "label_smoothing": c.label_smoothing}
    for tag, p in PROBABILITIES.items():
        ce, brier = c.at(p)
        out |= {f"ce_{tag}": ce, f"brier_{tag}": brier,
                f"smoothed_{tag}": cross_entropy_at(p, c.classes, c.label_smoothing)}
    out["smoothed_best"] = cross_entropy_at(min(c.best_p, 1.0 - 1e-12), c.classes, c.label_smoothing)
    return out


CONFIDENCE = Group("loss_functions", "confidence", (
    Quote("brier_max", "the largest squared error of any prediction (a certain wrong class)"),
    Quote("brier_curve_max", "the largest squared error on the curve (wrong mass spread evenly), C/(C-1)"),
    Quote("best_p", "where the label-smoothed cross-entropy is smallest, 1 - eps + eps/C"),
    Quote("smoothed_best", "the label-smoothed cross-entropy at best_p"),
    Quote("classes", "number of classes C", True), Quote("label_smoothing", "label smoothing eps"),
    *(q for tag, p in PROBABILITIES.items() for q in (
        Quote(f"ce_{tag}", f"cross-entropy when the true class gets p = {p:g}"),
        Quote(f"brier_{tag}", f"squared error of the probabilities at p = {p:g}"),
        Quote(f"smoothed_{tag}", f"label-smoothed cross-entropy at p = {p:g}")))),
    _confidence)


# ---- classification --------------------------------------------------------------------------------------

def _binary(view, inputs: dict, memo: Memo) -> dict:
    out: dict[str, float | int] = {"pos_weight": view.pos_weight, "points": len(view.y),
                                   "positives": int(view.y.sum()),
                                   "weight_change": float(np.hypot(*(view.fit.theta[:2] - view.plain.theta[:2]))),
                                   "bias_change": float(view.fit.theta[2] - view.plain.theta[2])}
    for suffix, b in (("", view.fit), ("_plain", view.plain)):
        m = b.metrics
        out |= {f"precision{suffix}": num(m.precision), f"recall{suffix}": num(m.recall),
                f"accuracy{suffix}": m.accuracy, f"tp{suffix}": m.tp, f"fp{suffix}": m.fp, f"fn{suffix}": m.fn,
                f"tn{suffix}": m.tn, f"called_positive{suffix}": m.tp + m.fp, f"w1{suffix}": float(b.theta[0]),
                f"w2{suffix}": float(b.theta[1]), f"b{suffix}": float(b.theta[2])}
    return out


def _binary_quotes() -> tuple[Quote, ...]:
    out = [Quote("pos_weight", "the cost of a false negative"), Quote("points", "number of points", True),
           Quote("positives", "number of positive points", True),
           Quote("weight_change", "how far (w1, w2) moved from the fit at weight 1"),
           Quote("bias_change", "how far the bias b moved from the fit at weight 1 (signed)")]
    for suffix, at in (("", "at the chosen weight"), ("_plain", "at weight 1")):
        out += [Quote(f"precision{suffix}", f"precision {at} (0 to 1)"), Quote(f"recall{suffix}", f"recall {at}"),
                Quote(f"accuracy{suffix}", f"accuracy {at}"), Quote(f"tp{suffix}", f"true positives {at}", True),
                Quote(f"fp{suffix}", f"false positives (false alarms) {at}", True),
                Quote(f"fn{suffix}", f"false negatives (missed positives) {at}", True),
                Quote(f"tn{suffix}", f"true negatives {at}", True),
                Quote(f"called_positive{suffix}", f"points called positive {at}", True),
                Quote(f"w1{suffix}", f"weight w1 {at}"), Quote(f"w2{suffix}", f"weight w2 {at}"),
                Quote(f"b{suffix}", f"bias b {at}")]
    return tuple(out)


BINARY = Group("classification", "binary", _binary_quotes(), _binary)
SOFTMAX = Group("classification", "softmax", (
    Quote("softmax_loss", "mean cross-entropy of the three-class model at the moved point"),
    Quote("softmax_loss_at_fit", "the same at the fit"), Quote("softmax_accuracy", "accuracy at the moved point"),
    Quote("temperature", "the softmax temperature T"),
), lambda v, i, m: {"softmax_loss": v.loss, "softmax_loss_at_fit": v.loss_at_fit, "softmax_accuracy": v.accuracy,
                    "temperature": v.temperature})


# ---- distributions --------------------------------------------------------------------------------------------

OVERLAP_KEYS = {"soft Dice": "dice", "soft IoU": "iou", "BCE": "bce"}


def _fit(view, inputs: dict, memo: Memo) -> dict:
    out: dict[str, float | int] = {"p_mean": view.p.mean, "p_std": view.p.std}
    for name, found in view.minima.items():
        out |= {f"{name}_mu": found[0].mu, f"{name}_sigma": found[0].sigma, f"{name}_value": found[0].value,
                f"{name}_minima": len(found),
                f"{name}_mu_2": found[1].mu if len(found) > 1 else NAN,
                f"{name}_sigma_2": found[1].sigma if len(found) > 1 else NAN}
    return out


FIT = Group("distributions", "fit", (
    Quote("p_mean", "the mean of the two-mode p"), Quote("p_std", "the standard deviation of p"),
    *(q for name, d in divergence.DIVERGENCES.items() for q in (
        Quote(f"{name}_mu", f"mu of the best q under {d.label}"),
        Quote(f"{name}_sigma", f"sigma of the best q under {d.label}"),
        Quote(f"{name}_value", f"{d.label} at its best q"),
        Quote(f"{name}_minima", f"number of local minima of {d.label} over (mu, log sigma)", True),
        Quote(f"{name}_mu_2", f"mu of {d.label}'s second-lowest minimum (n/a if there is one)"),
        Quote(f"{name}_sigma_2", f"sigma of {d.label}'s second-lowest minimum")))),
    _fit)


def _overlap(view, inputs: dict, memo: Memo) -> dict:
    position, extent = view.truth
    at = int(np.argmin(np.abs(view.positions - position)))
    far = int(np.argmax(np.abs(view.positions - position)))
    out: dict[str, float | int] = {"object_share": float(view.mask.mean()), "truth_position": position,
                                   "truth_extent": extent}
    for name, key in OVERLAP_KEYS.items():
        line = view.slices[name]
        slope = np.gradient(line, view.positions)
        out |= {f"{key}_flat": view.flat[name], f"{key}_at_truth": float(line[at]), f"{key}_far": float(line[far]),
                f"{key}_far_slope": float(abs(slope[far])), f"{key}_range": float(line.max() - line.min())}
    return out


OVERLAP = Group("distributions", "overlap", (
    Quote("object_share", "share of the cells that belong to the object (0 to 1)"),
    Quote("truth_position", "centre of the ground-truth segment"), Quote("truth_extent", "its width"),
    *(q for name, key in OVERLAP_KEYS.items() for q in (
        Quote(f"{key}_flat", f"share of the (position, width) plane where {name} is flat (0 to 1)"),
        Quote(f"{key}_at_truth", f"{name} of a prediction of the right width at the right place"),
        Quote(f"{key}_far", f"{name} of a prediction of the right width as far from the object as the plane goes"),
        Quote(f"{key}_far_slope", f"|slope| of {name} along the position there"),
        Quote(f"{key}_range", f"highest minus lowest {name} along the position, at the right width")))),
    _overlap)
