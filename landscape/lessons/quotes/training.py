"""The quotes of the Optimisers, Neural landscape and Overfitting pages."""
from __future__ import annotations

from typing import Iterable

import numpy as np

from landscape import optim, problems
from landscape.lessons.compute import Memo
from landscape.lessons.quotes.base import Group, NAN, Quote, num
from landscape.types import InputError


# ---- optimisers ----------------------------------------------------------------------------------------------

def _race(step, inputs: dict, memo: Memo) -> dict:
    out: dict[str, float | int] = {"floor": num(step.floor), "start_x": step.start[0], "start_y": step.start[1],
                                   "steps": int(inputs["steps"]),
                                   "diverged_count": sum(p.diverged_at is not None for p in step.paths.values())}
    hessian = step.objective.meta.get("hessian")
    if hessian is not None:
        top = float(np.linalg.eigvalsh(np.asarray(hessian, dtype=np.float64)).max())
        out |= {"lambda_max": top, "stability_limit": num(optim.stability_limit(step.objective))}
        if "momentum" in step.paths:
            mu = inputs["entries"]["momentum"]["momentum"]
            out["momentum_limit"] = num(optim.stability_limit(step.objective, mu))
    for name, p in step.paths.items():
        out |= {f"{name}_final_loss": float(p.losses[-1]), f"{name}_steps_to_tol": num(step.reached(name)),
                f"{name}_diverged_at": num(p.diverged_at), f"{name}_end_x": float(p.points[-1, 0]),
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
            "parameters": int(run.spec.size), "steps_run": int(run.steps[-1]), "diverged_at": num(run.diverged_at)}


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
            "epoch_floor": curve.floor, "epochs_diverged_at": num(curve.diverged_at)}


EPOCHS = Group("overfitting", "epochs", (
    Quote("best_epoch", "the epoch with the lowest validation error (early stopping)"),
    Quote("val_best_epoch", "validation error there"), Quote("train_best_epoch", "training error there"),
    Quote("final_epoch", "the last epoch"), Quote("val_final", "validation error at the end"),
    Quote("train_final", "training error at the end"), Quote("epoch_floor", "the noise floor"),
    Quote("epochs_diverged_at", "the step where training diverged (n/a: it did not)", True),
), _epochs)
