"""The numbers a lesson's reveal may quote: per page, named, computed live from the page's own compute.

A reveal is a template (``"MSE's slope moved by {mse_slope_shift:+.2f}"``); its placeholders name
quotes of the step's page.  Each page has groups of quotes, one group per compute result
(``compute.PARTS``), so that a reveal computes only what it quotes::

    quotes.names("outliers")                                  # every quote of the page, with what it is
    quotes.available("optimisers", inputs)                    # the ones this view shows
    quotes.compute("outliers", inputs, {"mse_slope_shift"})   # {"mse_slope_shift": 1.25}

Values are Python ``int`` or ``float``; one that the view leaves undefined (precision when nothing is
called positive, steps to reach a tolerance that is never reached, a second minimum that does not
exist) is ``nan``, and a reveal shows it as "n/a".
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

import numpy as np

from landscape import curves, divergence, losses, optim, problems
from landscape.lessons.compute import Memo, cross_entropy_at
from landscape.surface import loss_at
from landscape.types import InputError

NAN = float("nan")


@dataclass(frozen=True)
class Quote:
    name: str
    text: str  # what it is, for a person writing a reveal
    integer: bool = False


@dataclass(frozen=True)
class Group:
    """Quotes read off one compute result of one page."""

    page: str
    part: str  # compute.PARTS name
    quotes: tuple[Quote, ...]
    values: Callable[[Any, dict, Memo], dict[str, float | int]]  # (result, inputs, memo) -> every quote
    shown: Callable[[dict], Iterable[str] | bool] = lambda inputs: True  # the names this view shows (True: all)

    def available(self, inputs: dict) -> set[str]:
        shown = self.shown(inputs)
        every = {q.name for q in self.quotes}
        return every if shown is True else every & set(shown or ())


def _num(v: object) -> float:
    return NAN if v is None else float(v)


# ---- loss surface ---------------------------------------------------------------------------------

def _surface(step, inputs: dict, memo: Memo) -> dict:
    x, y, z = step.surface.minimum
    out = {"grid_x": x, "grid_y": y, "grid_loss": z, "resolution": int(inputs["n"]),
           "minima_count": len(step.minima)}
    if step.minima:
        bx, by = step.minima[0]
        out |= {"best_x": bx, "best_y": by, "best_loss": loss_at(step.objective, (bx, by))}
    if step.data_minimum is not None:
        dx, dy = step.data_minimum
        best = step.minima[0]
        out |= {"data_best_x": dx, "data_best_y": dy,
                "penalty_at_best": loss_at(step.objective.part("penalty"), best),
                "kept_x": best[0] / dx if dx else NAN}
    return out


def _surface_shown(inputs: dict) -> Iterable[str]:
    obj = problems.from_spec(inputs["spec"])  # a linear model's minima are exact; a test function's, known
    names = ["grid_x", "grid_y", "grid_loss", "resolution", "minima_count"]
    if obj.linear is not None or obj.minima:
        names += ["best_x", "best_y", "best_loss"]
    if obj.linear is not None:
        names += ["data_best_x", "data_best_y", "penalty_at_best", "kept_x"]
    return names


SURFACE = Group("loss_surface", "surface", (
    Quote("grid_x", "first parameter (w, w1 or x) of the lowest grid point"),
    Quote("grid_y", "second parameter (b, w2 or y) of the lowest grid point"),
    Quote("grid_loss", "the loss at the lowest grid point"),
    Quote("resolution", "grid points per side", True),
    Quote("minima_count", "known minimisers (exact for linear regression, from the literature for test functions)",
          True),
    Quote("best_x", "first parameter of the true minimiser"),
    Quote("best_y", "second parameter of the true minimiser"),
    Quote("best_loss", "the loss (data loss + penalty) at the true minimiser"),
    Quote("data_best_x", "slope w of the data loss's own minimiser (without the penalty)"),
    Quote("data_best_y", "intercept b of the data loss's own minimiser"),
    Quote("penalty_at_best", "the penalty's value at the true minimiser"),
    Quote("kept_x", "w of the minimiser as a share of the data loss's own w (1: the penalty changes nothing)"),
), _surface, _surface_shown)


# ---- outliers ---------------------------------------------------------------------------------------------

REGRESSION = tuple(losses.names("regression"))


def _outliers(step, inputs: dict, memo: Memo) -> dict:
    p = step.points
    out: dict[str, float | int] = {
        "outlier_residual": abs(step.residual), "outlier_sigmas": abs(step.residual) / p.noise,
        "slope_se": p.se, "leverage": p.leverage, "count": int(p.outlier.sum()), "points": len(p.x),
        "noise": p.noise, "size": _num(p.size)}
    share = step.shares[:, p.outlier].sum(-1)
    for key in REGRESSION:
        i = step.keys.index(key)
        clean, dirty = step.fits.clean[i], step.fits.contaminated[i]
        out |= {f"{key}_slope": dirty[0], f"{key}_intercept": dirty[1], f"{key}_slope_clean": clean[0],
                f"{key}_intercept_clean": clean[1], f"{key}_slope_shift": dirty[0] - clean[0],
                f"{key}_intercept_shift": dirty[1] - clean[1], f"{key}_share": share[i], f"{key}_pull": step.pull[i]}
    return out


def _outlier_quotes() -> tuple[Quote, ...]:
    per_loss = []
    for key in REGRESSION:
        t = losses.spec(key).title
        per_loss += [Quote(f"{key}_slope", f"{t}'s fitted slope with the outliers"),
                     Quote(f"{key}_intercept", f"{t}'s fitted intercept with the outliers"),
                     Quote(f"{key}_slope_clean", f"{t}'s slope fitted without the outliers"),
                     Quote(f"{key}_intercept_clean", f"{t}'s intercept fitted without the outliers"),
                     Quote(f"{key}_slope_shift", f"how far the outliers moved {t}'s slope (signed)"),
                     Quote(f"{key}_intercept_shift", f"how far the outliers moved {t}'s intercept (signed)"),
                     Quote(f"{key}_share", f"the outliers' share of {t}'s total loss at its own line (0 to 1)"),
                     Quote(f"{key}_pull", f"psi at the outliers' distance / psi at 1 noise sigma, for {t}")]
    return (Quote("outlier_residual", "the outliers' typical distance from the clean MSE line"),
            Quote("outlier_sigmas", "that distance in noise standard deviations"),
            Quote("slope_se", "standard error of the clean least-squares slope"),
            Quote("leverage", "the outliers' mean leverage in units of an average point's"),
            Quote("count", "number of outliers", True), Quote("points", "number of points", True),
            Quote("noise", "noise standard deviation"), Quote("size", "the outliers' size, in noise sigma"),
            *per_loss)


OUTLIERS = Group("outliers", "outliers", _outlier_quotes(), _outliers)


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
        out |= {f"precision{suffix}": _num(m.precision), f"recall{suffix}": _num(m.recall),
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


# ---- optimisers ----------------------------------------------------------------------------------------------

def _race(step, inputs: dict, memo: Memo) -> dict:
    out: dict[str, float | int] = {"floor": _num(step.floor), "start_x": step.start[0], "start_y": step.start[1],
                                   "steps": int(inputs["steps"]),
                                   "diverged_count": sum(p.diverged_at is not None for p in step.paths.values())}
    hessian = step.objective.meta.get("hessian")
    if hessian is not None:
        top = float(np.linalg.eigvalsh(np.asarray(hessian, dtype=np.float64)).max())
        out |= {"lambda_max": top, "stability_limit": _num(optim.stability_limit(step.objective))}
        if "momentum" in step.paths:
            mu = inputs["entries"]["momentum"]["momentum"]
            out["momentum_limit"] = _num(optim.stability_limit(step.objective, mu))
    for name, p in step.paths.items():
        out |= {f"{name}_final_loss": float(p.losses[-1]), f"{name}_steps_to_tol": _num(step.reached(name)),
                f"{name}_diverged_at": _num(p.diverged_at), f"{name}_end_x": float(p.points[-1, 0]),
                f"{name}_end_y": float(p.points[-1, 1]),
                f"{name}_final_gap": float(p.losses[-1]) - step.floor if step.floor is not None else NAN}
    return out


def _race_shown(inputs: dict) -> Iterable[str]:
    names = ["floor", "start_x", "start_y", "steps", "diverged_count"]
    if "hessian" in problems.from_spec(inputs["spec"]).meta:  # a quadratic: constant curvature
        names += ["lambda_max", "stability_limit"] + (["momentum_limit"] if "momentum" in inputs["entries"] else [])
    return names + [f"{n}_{what}" for n in inputs["entries"]
                    for what in ("final_loss", "steps_to_tol", "diverged_at", "end_x", "end_y", "final_gap")]


RACE = Group("optimisers", "race", (
    Quote("floor", "f*: the lowest known loss"), Quote("start_x", "the start's first coordinate"),
    Quote("start_y", "the start's second coordinate"), Quote("steps", "steps of the race", True),
    Quote("diverged_count", "optimisers that diverged", True),
    Quote("lambda_max", "the largest curvature of the quadratic"),
    Quote("stability_limit", "2/lambda_max: the largest stable learning rate of gradient descent"),
    Quote("momentum_limit", "2(1 + mu)/lambda_max for the momentum optimiser's mu"),
    *(q for n in optim.names() for q in (
        Quote(f"{n}_final_loss", f"{optim.spec(n).label}'s loss at its last step"),
        Quote(f"{n}_steps_to_tol", f"{optim.spec(n).label}'s first step within tol of f* (n/a: never)", True),
        Quote(f"{n}_diverged_at", f"the step where {optim.spec(n).label} diverged (n/a: it did not)", True),
        Quote(f"{n}_end_x", f"where {optim.spec(n).label} ended, first coordinate"),
        Quote(f"{n}_end_y", f"where {optim.spec(n).label} ended, second coordinate"),
        Quote(f"{n}_final_gap", f"{optim.spec(n).label}'s last loss minus f*")))),
    _race, _race_shown)


def _lr_map(step, inputs: dict, memo: Memo) -> dict:
    diverged = ~np.isfinite(step.final)
    return {"map_settings": int(step.final.size), "map_diverged": int(diverged.sum()),
            "map_diverged_share": float(diverged.mean())}


LR_MAP = Group("optimisers", "lr_map", (
    Quote("map_settings", "learning-rate x momentum settings run", True),
    Quote("map_diverged", "settings that diverged", True), Quote("map_diverged_share", "their share (0 to 1)"),
), _lr_map, lambda i: bool(i["lr_map"]))


# ---- neural landscape ----------------------------------------------------------------------------------------

def _run(run, inputs: dict, memo: Memo) -> dict:
    return {"train_loss": float(run.train_loss[-1]), "val_loss": float(run.val_loss[-1]),
            "train_metric": float(run.train_metric[-1]), "val_metric": float(run.val_metric[-1]),
            "parameters": int(run.spec.size), "steps_run": int(run.steps[-1]), "diverged_at": _num(run.diverged_at)}


RUN = Group("neural_landscape", "run", (
    Quote("train_loss", "training loss at the end"), Quote("val_loss", "validation loss at the end"),
    Quote("train_metric", "training accuracy (R² for regression) at the end"),
    Quote("val_metric", "validation accuracy (R²) at the end"), Quote("parameters", "the network's weights", True),
    Quote("steps_run", "optimiser steps taken", True), Quote("diverged_at", "the step where training diverged", True),
), _run)


def _curvature(step, inputs: dict, memo: Memo) -> dict:
    e = step.eigenvalues
    return {"lambda_1": float(e[0]), "lambda_2": float(e[1]), "lambda_3": float(e[2]),
            "trace": step.trace.estimate, "trace_se": step.trace.std_error}


CURVATURE = Group("neural_landscape", "curvature", (
    Quote("lambda_1", "top Hessian eigenvalue at the trained weights"), Quote("lambda_2", "second eigenvalue"),
    Quote("lambda_3", "third eigenvalue"), Quote("trace", "trace of the Hessian (Hutchinson)"),
    Quote("trace_se", "its standard error"),
), _curvature, lambda i: i["view"] == "curvature")


def _sharpness(step, inputs: dict, memo: Memo) -> dict:
    if len(step.minima) < 2:
        raise InputError("the sharpness comparison did not finish")
    out: dict[str, float | int] = {}
    for side, m in zip(("small", "large"), step.minima):
        out |= {f"{side}_batch": int(m.batch_size), f"{side}_lambda_1": m.top_eigenvalue,
                f"{side}_trace": m.trace.estimate, f"{side}_train_loss": float(m.run.train_loss[-1]),
                f"{side}_val_loss": float(m.run.val_loss[-1]), f"{side}_steps": int(m.run.steps[-1]),
                f"{side}_rise": float(step.rises[f"batch {m.batch_size}"].max())}
    out["sharpness_ratio"] = out["large_lambda_1"] / out["small_lambda_1"] if out["small_lambda_1"] else NAN
    return out


SHARPNESS = Group("neural_landscape", "sharpness", (
    *(q for side in ("small", "large") for q in (
        Quote(f"{side}_batch", f"the {side} batch size", True),
        Quote(f"{side}_lambda_1", f"top Hessian eigenvalue at the {side}-batch minimum"),
        Quote(f"{side}_trace", f"Hessian trace at the {side}-batch minimum"),
        Quote(f"{side}_train_loss", f"training loss of the {side}-batch run"),
        Quote(f"{side}_val_loss", f"validation loss of the {side}-batch run"),
        Quote(f"{side}_steps", f"optimiser steps of the {side}-batch run", True),
        Quote(f"{side}_rise", f"largest rise of the {side}-batch training loss within 1 along its top eigenvector"))),
    Quote("sharpness_ratio", "large-batch lambda_1 / small-batch lambda_1"),
), _sharpness, lambda i: i["view"] == "curvature")


def _plane(plane, inputs: dict, memo: Memo) -> dict:
    surf = getattr(plane, inputs["part"])
    mid = (len(surf.y) // 2, len(surf.x) // 2)
    return {"plane_centre": float(surf.z[mid]), "plane_min": float(np.nanmin(surf.z)),
            "plane_max": float(np.nanmax(surf.z))}


PLANE = Group("neural_landscape", "plane", (
    Quote("plane_centre", "the loss at the trained weights, on the random plane"),
    Quote("plane_min", "the lowest loss on the plane"), Quote("plane_max", "the highest loss on the plane"),
), _plane, lambda i: i["view"] == "plane")


def _pca(step, inputs: dict, memo: Memo) -> dict:
    first, second = (float(v) for v in step.explained)
    return {"pc1_share": first, "pc2_share": second, "pca_share": first + second}


PCA = Group("neural_landscape", "pca", (
    Quote("pc1_share", "share of the path's movement along PC 1"), Quote("pc2_share", "along PC 2"),
    Quote("pca_share", "on the plane of both"),
), _pca, lambda i: i["view"] == "pca")


def _interpolation(line, inputs: dict, memo: Memo) -> dict:
    inside = (line.alphas >= 0) & (line.alphas <= 1)
    a, loss = line.alphas[inside], line.train_loss[inside]
    straight = (1 - a) * loss[0] + a * loss[-1]
    return {"line_start": float(loss[0]), "line_end": float(loss[-1]),
            "line_bump": float(max(0.0, (loss - straight).max()))}


INTERPOLATION = Group("neural_landscape", "interpolation", (
    Quote("line_start", "training loss at the initial weights"), Quote("line_end", "at the trained weights"),
    Quote("line_bump", "largest rise above the straight line between the two (0: no bump on the way)"),
), _interpolation, lambda i: i["view"] == "interpolation")


# ---- overfitting ------------------------------------------------------------------------------------------

def _degrees(step, inputs: dict, memo: Memo) -> dict:
    s, d = step.sweep, int(inputs["degree"])
    return {"best_degree": int(s.degrees[s.best]), "best_val": float(s.val[s.best]),
            "best_train": float(s.train[s.best]), "floor": s.floor, "degree": d, "train_at_degree": float(s.train[d]),
            "val_at_degree": float(s.val[d]), "val_ratio": float(s.val[d] / s.val[s.best]),
            "top_degree": int(s.degrees[-1]), "train_top": float(s.train[-1]), "val_top": float(s.val[-1])}


DEGREES = Group("overfitting", "degrees", (
    Quote("best_degree", "the degree with the lowest validation error", True),
    Quote("best_val", "that validation error"), Quote("best_train", "its training error"),
    Quote("floor", "the noise floor (sigma², at least 1 % of the variance of y)"),
    Quote("degree", "the degree drawn", True), Quote("train_at_degree", "training error of the degree drawn"),
    Quote("val_at_degree", "validation error of the degree drawn"),
    Quote("val_ratio", "validation error of the degree drawn / the best"),
    Quote("top_degree", "the largest degree of the sweep", True),
    Quote("train_top", "training error at the largest degree"), Quote("val_top", "validation error there"),
), _degrees)


def _epochs(curve, inputs: dict, memo: Memo) -> dict:
    b = curve.best
    return {"best_epoch": float(curve.epochs[b]), "val_best_epoch": float(curve.val[b]),
            "train_best_epoch": float(curve.train[b]), "final_epoch": float(curve.epochs[-1]),
            "val_final": float(curve.val[-1]), "train_final": float(curve.train[-1]),
            "epoch_floor": curve.floor, "epochs_diverged_at": _num(curve.diverged_at)}


EPOCHS = Group("overfitting", "epochs", (
    Quote("best_epoch", "the epoch with the lowest validation error (early stopping)"),
    Quote("val_best_epoch", "validation error there"), Quote("train_best_epoch", "training error there"),
    Quote("final_epoch", "the last epoch"), Quote("val_final", "validation error at the end"),
    Quote("train_final", "training error at the end"), Quote("epoch_floor", "the noise floor"),
    Quote("epochs_diverged_at", "the step where training diverged (n/a: it did not)", True),
), _epochs)


# ---- the registry --------------------------------------------------------------------------------------

GROUPS: tuple[Group, ...] = (SURFACE, OUTLIERS, GALLERY, CONFIDENCE, BINARY, SOFTMAX, FIT, OVERLAP, RACE, LR_MAP,
                             RUN, CURVATURE, SHARPNESS, PLANE, PCA, INTERPOLATION, DEGREES, EPOCHS)


def groups(page: str) -> tuple[Group, ...]:
    return tuple(g for g in GROUPS if g.page == page)


def names(page: str) -> dict[str, Quote]:
    """Every quote a reveal on ``page`` may name, with what it is."""
    return {q.name: q for g in groups(page) for q in g.quotes}


def available(page: str, inputs: dict) -> set[str]:
    """The quotes this view of the page shows (``inputs``: ``links.parse(...).inputs``)."""
    return set().union(*(g.available(inputs) for g in groups(page)))


def compute(page: str, inputs: dict, wanted: Iterable[str], memo: Memo | None = None) -> dict[str, float | int]:
    """The quotes ``wanted`` of this view, computed live; only the groups that hold them run."""
    wanted = set(wanted)
    memo = memo or Memo()
    out: dict[str, float | int] = {}
    for g in groups(page):
        mine = {q.name for q in g.quotes} & wanted
        if not mine:
            continue
        missing = mine - g.available(inputs)
        if missing:
            raise InputError(f"this view does not show {', '.join(sorted(missing))}")
        values = g.values(memo.get(g.part, inputs), inputs, memo)
        out |= {k: _plain(v) for k, v in values.items() if k in mine}
    unknown = wanted - set(out)
    if unknown:
        raise InputError(f"no quote {', '.join(sorted(unknown))} on this page")
    return out


def _plain(v: Any) -> float | int:
    """A Python int or float (numpy scalars converted); anything else is a bug of a quote."""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    return float(v) + 0.0  # + 0.0: no "-0.00" in a reveal


def finite(values: Mapping[str, float | int]) -> bool:
    return all(math.isfinite(v) for v in values.values())
