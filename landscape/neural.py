"""The Neural landscape page's compute: a training run from the page's settings, then its views.

    run = neural.train(settings)                           # nn.Run; settings: the training form's values
    plane = neural.random_plane(run, 41, 1.0, "filter", 0)  # Timed(slices.Plane)
    pca = neural.pca_plane(run, 41)                        # Timed(PcaView): the path's plane, the path on it
    line = neural.interpolation(run)                       # Timed(slices.Interpolation): initial -> trained
    curv = neural.curvature_view(run)                      # Timed(CurvatureView): top eigenvalues, trace
    sharp = neural.sharpness(settings)                     # SharpnessView: a small- and a large-batch minimum

``settings`` is the training form's values (``data``, ``n``, ``noise``, ``widths``, ``activation``,
``optimizer``, ``lr``, ``batch``, ``epochs``, ``wd``, ``seed``), as a mapping or as JSON text: the page
passes JSON (a plain value for caches and ``landscape.jobs``, which runs ``train``, ``sharpness`` and the
views on the class server's workers), the lessons (``landscape.lessons.compute``) a mapping.  Each view is a
frozen dataclass of numpy arrays.  What a person typed reaches ``landscape.nn`` unchanged; it checks every
value and raises InputError with the message the page shows.  No streamlit, no plotly.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from landscape import curvature, nn, slices
from landscape.checks import check_float

DATASETS = ("moons", "circles", "spirals", "sine")
SMALL_BATCH = 16  # the small-batch side of the sharpness comparison; the large side is the whole training set
EIGENVALUES, PROBES, SHARPNESS_PROBES = 3, 64, 32
EIGEN_SPAN = 1.0  # the curvature slices run along the top eigenvector for |alpha| <= this
ALPHAS = np.linspace(-EIGEN_SPAN, EIGEN_SPAN, 81)  # where they are measured; ALPHAS[40] = 0


def final_loss(run: nn.Run, part: str) -> float:
    """The mean loss at the end of the run on one part of the data (the centre of every slice)."""
    return float({"train": run.train_loss, "val": run.val_loss}[part][-1])


@dataclass(frozen=True)
class Timed:
    """A compute result and the seconds it took."""

    value: object
    seconds: float


def _timed(fn, *args, **kwargs) -> Timed:
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    return Timed(value, time.perf_counter() - start)


# ---- training ------------------------------------------------------------------------------------------

def _settings(settings: Mapping | str) -> Mapping:
    return json.loads(settings) if isinstance(settings, str) else settings


def split(settings: Mapping | str) -> nn.Split:
    """The data the settings describe, split into training and validation."""
    s = _settings(settings)
    return nn.split(s["data"], s["n"], s["noise"], seed=s["seed"])


def _train_kwargs(s: Mapping) -> dict:
    return dict(widths=nn.parse_widths(s["widths"]), activation=s["activation"], optimizer=s["optimizer"],
                lr=s["lr"], weight_decay=s["wd"], epochs=s["epochs"], seed=s["seed"])


def train(settings: Mapping | str, on_progress: Callable[[float], bool] | None = None) -> nn.Run:
    """The run the settings describe."""
    s = _settings(settings)
    return nn.train(split(s), batch_size=s["batch"], on_progress=on_progress, **_train_kwargs(s))


# ---- slices --------------------------------------------------------------------------------------------

def interpolation(run: nn.Run) -> Timed:
    """``slices.Interpolation`` from the initial to the trained weights, alpha in [-0.5, 1.5]."""
    return _timed(slices.interpolate, run, run.theta0, run.theta)


def random_plane(run: nn.Run, resolution: int, span: float, norm: str, seed: int) -> Timed:
    """``slices.Plane`` on ``[-span, span]^2`` of two random directions normalised by ``norm``."""
    span = check_float(span, "plane half-width", 0.01, slices.MAX_COORDINATE)
    start = time.perf_counter()
    dirs = slices.random_directions(run.spec, run.theta, seed=seed, norm=norm)
    plane = slices.plane(run, dirs, (-span, span), (-span, span), resolution, labels=("direction 1", "direction 2"))
    return Timed(plane, time.perf_counter() - start)


@dataclass(frozen=True)
class PcaView:
    plane: slices.Plane
    coords: np.ndarray  # (R, 2) the recorded path in the plane's coordinates
    path_loss: dict[str, np.ndarray]  # part -> (R,) losses at the projected path points
    explained: np.ndarray  # (2,) share of the path's variance along each direction


def pca_plane(run: nn.Run, resolution: int) -> Timed:
    """The plane of the path's top two principal directions, around the trained weights, with the path on it."""
    start = time.perf_counter()
    p = slices.pca(run, k=2)
    x_range, y_range = p.view()
    plane = slices.plane(run, p.directions, x_range, y_range, resolution,
                         labels=(f"PC 1 ({p.explained[0]:.0%} of the path)", f"PC 2 ({p.explained[1]:.0%})"))
    on_plane = {part: slices.losses_at(run.spec, run.data, part, run.theta, p.directions, p.coords)
                for part in ("train", "val")}
    return Timed(PcaView(plane, p.coords, on_plane, p.explained), time.perf_counter() - start)


# ---- curvature ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CurvatureView:
    eigenvalues: np.ndarray  # (k,) largest first
    residuals: np.ndarray  # (k,)
    trace: curvature.Trace


def curvature_view(run: nn.Run) -> Timed:
    """Top Hessian eigenvalues (Lanczos) and the trace (Hutchinson) of the training loss at the trained weights."""
    start = time.perf_counter()
    eig = curvature.top_eigenvalues(run, k=EIGENVALUES)
    tr = curvature.trace(run, probes=PROBES)
    return Timed(CurvatureView(eig.values, eig.residuals, tr), time.perf_counter() - start)


@dataclass(frozen=True)
class SharpnessView:
    rows: tuple[dict[str, str], ...]  # one read-out row per minimum
    alphas: np.ndarray  # (A,)
    slices: dict[str, np.ndarray]  # label -> (A,) training loss along that minimum's top eigenvector
    seconds: float
    labels: tuple[str, ...] = ()  # one per minimum, small batch first
    steps: tuple[int, ...] = ()
    train_loss: tuple[float, ...] = ()
    top: tuple[float, ...] = ()  # lambda_1 of each minimum


def sharp_and_flat(settings: Mapping | str, on_progress: Callable[[float], bool] | None = None
                   ) -> tuple[curvature.Sharpness, ...]:
    """The same network trained with a small batch and with the whole training set, each minimum measured."""
    s = _settings(settings)
    data = split(s)
    return tuple(curvature.compare_sharpness(data, small_batch=min(SMALL_BATCH, len(data.X_train)),
                                             probes=SHARPNESS_PROBES, on_progress=on_progress, **_train_kwargs(s)))


def rises(found: tuple[curvature.Sharpness, ...]) -> dict[str, np.ndarray]:
    """``"batch B"`` -> the training loss's rise above each minimum along its top eigenvector, at ALPHAS."""
    out = {}
    for item in found:
        r = item.run
        along = slices.losses_at(r.spec, r.data, "train", r.theta, item.top_vector[None], ALPHAS[:, None])  # (A,)
        out[f"batch {item.batch_size}"] = along - along[len(ALPHAS) // 2]  # ALPHAS[A // 2] = 0
    return out


def sharpness(settings: Mapping | str, on_progress: Callable[[float], bool] | None = None) -> SharpnessView:
    """Both networks trained and measured, with the page's read-out rows."""
    start = time.perf_counter()
    found = sharp_and_flat(settings, on_progress)
    rows, numbers = [], []
    for item in found:
        r = item.run
        label = f"batch {item.batch_size}"
        rows.append({"minimum": label, "steps": f"{int(r.steps[-1]):,}", "training loss": f"{r.train_loss[-1]:.4g}",
                     "validation loss": f"{r.val_loss[-1]:.4g}",
                     f"validation {r.metric_name}": f"{r.val_metric[-1]:.3g}",
                     "top eigenvalue λ₁": f"{item.top_eigenvalue:.4g}",
                     "trace of H": f"{item.trace.estimate:.4g} ± {item.trace.std_error:.2g}"})
        numbers.append((label, int(r.steps[-1]), float(r.train_loss[-1]), float(item.top_eigenvalue)))
    labels, steps, train_loss, top = (tuple(column) for column in zip(*numbers))
    return SharpnessView(tuple(rows), ALPHAS, rises(found), time.perf_counter() - start, labels, steps, train_loss,
                         top)
