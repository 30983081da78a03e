"""What each page computes for one view, from the page's parsed link (``links.parse(...).inputs``).

The same compute functions the pages call (``grid.evaluate``, ``outliers.fitted``, ``race.race_view``,
``classify.binary_view``, ``divergence.fit_view``, ``curves.gallery``, ``overfitting.degree_view``,
``neural.train``, ``neural.sharp_and_flat``, ...) with the same arguments as the page's glue in
``landscape/ui`` passes them, without streamlit.  A lesson's quotes (``quotes``) and its figures
(``landscape.figures.steps``) both read these results, so a number quoted beside a figure is the
number the figure was drawn from.

``Memo`` keeps the results of one lesson (or one step) so that two quotes, or a quote and a figure,
of the same view compute it once; it holds at most ``MEMO_ENTRIES`` results.
"""
from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import torch

from landscape import (capacity, classify, curvature, curves, divergence, grid, influence, losses, minimum, neural,
                       nn, outliers, overfitting, problems, race, slices)
from landscape.surface import true_minima
from landscape.types import DTYPE, InputError, Marker, Objective, Surface, Trajectory

MEMO_ENTRIES = 32


class Memo:
    """Results of ``(part, inputs)``, computed once; bounded (least recently used goes first)."""

    def __init__(self, entries: int = MEMO_ENTRIES):
        self.entries = entries
        self._store: OrderedDict[tuple[str, str], Any] = OrderedDict()

    def get(self, part: str, inputs: dict[str, Any]) -> Any:
        """The result of ``part`` for a page's ``inputs`` (only the inputs the part reads make its key)."""
        fn, keys = PARTS[part]
        mine = {k: inputs[k] for k in keys}
        key = (part, json.dumps(mine, sort_keys=True, default=str))
        if key in self._store:
            self._store.move_to_end(key)
            return self._store[key]
        value = fn(mine, self)
        self._store[key] = value
        while len(self._store) > self.entries:
            self._store.popitem(last=False)
        return value


# ---- loss surface ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class SurfaceStep:
    objective: Objective
    surface: Surface
    minima: tuple[tuple[float, float], ...]  # known (benchmark) or exact (linear regression) minimisers
    data_minimum: tuple[float, float] | None  # the data loss's own minimiser, for a linear model
    parts: dict[str, Surface]  # data loss, penalty, total when there is a penalty
    log: bool


def _surface(inputs: dict, memo: Memo) -> SurfaceStep:
    obj = problems.from_spec(inputs["spec"])
    surf = grid.evaluate(obj, inputs["x_range"], inputs["y_range"], inputs["n"])
    parts = {}
    if obj.penalty is not None:
        for name, part in (("data loss", "data"), ("penalty", "penalty"), ("total", "total")):
            parts[name] = surf if part == "total" else grid.evaluate(obj.part(part), inputs["x_range"],
                                                                     inputs["y_range"], inputs["n"])
    data_min = None
    if obj.linear is not None:
        data_min = tuple(float(v) for v in minimum.minimize(obj.part("data")))
    log = obj.log_scale if inputs["scale"] == "auto" else inputs["scale"] == "log"
    return SurfaceStep(obj, surf, true_minima(obj), data_min, parts, log)


# ---- outliers -----------------------------------------------------------------------------------------

def _outliers(inputs: dict, memo: Memo) -> outliers.Fitted:
    if inputs["spec"]["source"] != "line":
        raise InputError("a lesson step uses the generated line, not an uploaded CSV")
    chosen = outliers.loss_set({"params": inputs["params"], "formula": inputs["formula"]})  # every built-in loss
    return outliers.fitted(outliers.points(inputs["spec"], None, ""), chosen)


def _outlier_sweep(inputs: dict, memo: Memo) -> influence.InfluenceSweep:
    return outliers.sweep(memo.get("outliers", inputs))


def _outlier_surfaces(inputs: dict, memo: Memo) -> tuple[dict[str, Surface], dict[str, tuple[Marker, ...]]]:
    """MSE, MAE and Huber over one (w, b) window holding their clean and contaminated minimisers (marked)."""
    return outliers.surfaces(memo.get("outliers", inputs))


# ---- loss functions ------------------------------------------------------------------------------------

def _gallery(inputs: dict, memo: Memo) -> curves.Gallery:
    return curves.gallery(inputs["kind"], inputs["chosen"], inputs["formula"], inputs["span"], inputs["at"])


def _confidence(inputs: dict, memo: Memo) -> curves.Confidence:
    return curves.confidence(inputs["label_smoothing"], inputs["classes"])


def cross_entropy_at(p: float, classes: int, label_smoothing: float = 0.0) -> float:
    """The registry's cross-entropy of one prediction giving ``p`` to the true class and sharing the rest
    evenly, as on the page's curve (``curves.confidence``)."""
    rest = np.log((1.0 - p) / (classes - 1))
    logits = torch.tensor([[np.log(p)] + [rest] * (classes - 1)], dtype=DTYPE)
    loss = losses.get("cross_entropy", label_smoothing=label_smoothing)
    return float(loss(logits, torch.zeros(1, dtype=torch.long))[0])


# ---- classification -------------------------------------------------------------------------------------

def _binary(inputs: dict, memo: Memo) -> classify.BinaryView:
    return classify.binary_view(inputs["dataset"], inputs["n"], inputs["seed"], inputs["loss"], inputs["params"],
                                inputs["pos_weight"])


def _softmax(inputs: dict, memo: Memo) -> classify.SoftmaxView:
    return classify.softmax_view(inputs["seed"], tuple(inputs["pair"]), inputs["temperature"],
                                 inputs["label_smoothing"], tuple(inputs["offsets"]))


# ---- distributions ---------------------------------------------------------------------------------------

def _fit(inputs: dict, memo: Memo) -> divergence.FitView:
    return divergence.fit_view(inputs["separation"], inputs["share"], inputs["width"])


def _overlap(inputs: dict, memo: Memo) -> divergence.OverlapView:
    return divergence.overlap_view(inputs["position"], inputs["extent"], inputs["softness"], inputs["smooth"])


# ---- optimisers -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RaceStep:
    """The page's race (``race.race_view``) by optimiser name, with the objective, start and tolerance."""

    objective: Objective
    surface: Surface
    paths: dict[str, Trajectory]  # optimiser name -> path, in the chosen order
    labels: dict[str, str]  # optimiser name -> its label on the page
    minima: tuple[tuple[float, float], ...]
    markers: tuple[Marker, ...]  # the minima and the start, as the page marks them
    floor: float | None  # f*: the lowest known loss (None: unbounded below)
    start: tuple[float, float]
    tol: float
    log: bool

    def reached(self, name: str) -> int | None:
        """The first step with loss <= f* + tol (the leaderboard's "steps to tol")."""
        return race.reached(self.paths[name], self.floor, self.tol)

    def leaderboard(self) -> list[dict[str, object]]:
        """Ranked as the page ranks (``race.ranked``), with numbers instead of the page's text."""
        return [{"rank": i, "optimiser": self.labels[n], "final loss": float(p.losses[-1]), "steps to tol": step,
                 "diverged at": p.diverged_at}
                for i, (n, p, step) in enumerate(race.ranked(self.paths, self.floor, self.tol), start=1)]


def _race(inputs: dict, memo: Memo) -> RaceStep:
    obj = problems.from_spec(inputs["spec"])
    v = race.race_view(obj, inputs["entries"], inputs["start"], inputs["steps"], inputs["tol"])
    return RaceStep(obj, v.surface, v.by_name(), dict(zip(v.names, v.paths)), v.minima, v.markers, v.floor,
                    tuple(inputs["start"]), float(inputs["tol"]), v.log_scale)


def _lr_map(inputs: dict, memo: Memo) -> race.MapView:
    return race.map_view(problems.from_spec(inputs["spec"]), inputs["start"], inputs["steps"])


# ---- neural landscape -------------------------------------------------------------------------------------

def _run(inputs: dict, memo: Memo) -> nn.Run:
    return neural.train(inputs["settings"])


def _plane(inputs: dict, memo: Memo) -> slices.Plane:
    return neural.random_plane(memo.get("run", inputs), inputs["res"], inputs["span"], inputs["norm"],
                               inputs["dseed"]).value


def _pca(inputs: dict, memo: Memo) -> neural.PcaView:
    return neural.pca_plane(memo.get("run", inputs), inputs["res"]).value


def _interpolation(inputs: dict, memo: Memo) -> slices.Interpolation:
    return neural.interpolation(memo.get("run", inputs)).value


def _curvature(inputs: dict, memo: Memo) -> neural.CurvatureView:
    return neural.curvature_view(memo.get("run", inputs)).value


@dataclass(frozen=True)
class SharpnessStep:
    minima: tuple[curvature.Sharpness, ...]  # small batch, then large batch
    alphas: np.ndarray
    rises: dict[str, np.ndarray]  # "batch B" -> the training loss's rise along that minimum's top eigenvector


def _sharpness(inputs: dict, memo: Memo) -> SharpnessStep:
    found = neural.sharp_and_flat(inputs["settings"])
    return SharpnessStep(found, neural.ALPHAS, neural.rises(found))


# ---- overfitting -------------------------------------------------------------------------------------------

def _degrees(inputs: dict, memo: Memo) -> overfitting.DegreeView:
    return overfitting.degree_view(inputs["n"], inputs["noise"], inputs["seed"], inputs["l2"])


def _epochs(inputs: dict, memo: Memo) -> capacity.EpochCurve:
    settings = overfitting.network_settings(inputs["n"], inputs["noise"], inputs["seed"], inputs["l2"],
                                            inputs["width"], inputs["layers"], inputs["epochs"], inputs["lr"])
    return overfitting.train_network(settings)


Part = tuple[Callable[[dict, Memo], Any], tuple[str, ...]]  # (compute, the inputs it reads)
PARTS: dict[str, Part] = {
    "surface": (_surface, ("spec", "x_range", "y_range", "n", "scale")),
    "outliers": (_outliers, ("spec", "params", "formula")),
    "outlier_sweep": (_outlier_sweep, ("spec", "params", "formula")),
    "outlier_surfaces": (_outlier_surfaces, ("spec", "params", "formula")),
    "gallery": (_gallery, ("kind", "chosen", "formula", "span", "at")),
    "confidence": (_confidence, ("label_smoothing", "classes")),
    "binary": (_binary, ("dataset", "n", "seed", "loss", "params", "pos_weight")),
    "softmax": (_softmax, ("seed", "pair", "temperature", "label_smoothing", "offsets")),
    "fit": (_fit, ("separation", "share", "width")),
    "overlap": (_overlap, ("position", "extent", "softness", "smooth")),
    "race": (_race, ("spec", "entries", "start", "steps", "tol")),
    "lr_map": (_lr_map, ("spec", "start", "steps")),
    "run": (_run, ("settings",)),
    "plane": (_plane, ("settings", "res", "span", "norm", "dseed")),
    "pca": (_pca, ("settings", "res")),
    "interpolation": (_interpolation, ("settings",)),
    "curvature": (_curvature, ("settings",)),
    "sharpness": (_sharpness, ("settings",)),
    "degrees": (_degrees, ("n", "noise", "seed", "l2")),
    "epochs": (_epochs, ("n", "noise", "seed", "l2", "width", "layers", "epochs", "lr")),
}
