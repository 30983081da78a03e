"""The Optimisers page's controls and cached compute: plain values in, plain values out, bounded caches.

Controls read the optimiser and schedule registries (``landscape.optim``); every one is bound to
the URL.  What a person types reaches ``landscape.optim`` unchanged, which checks it and raises
InputError with the message the page shows.  The swarm and the learning-rate x momentum map go
through ``jobs.run``: on the class server's Dask workers when ``LANDSCAPE_DASK`` is set (``_swarm``,
``_lr_map``: plain values in, nothing of Streamlit's), else here under ``st.cache_data`` as before.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import streamlit as st

from landscape import jobs, optim
from landscape.losses import Param
from landscape.problems import ProblemSpec
from landscape.types import InputError, Marker, Objective, Surface, Trajectory
from landscape.surface import loss_at, true_minima
from landscape.ui import progress
from landscape.ui.compute import CACHE, build_objective, surface_view
from landscape.ui.page import warm_up
from landscape.ui.pickers import param_inputs, point_picker
from landscape.ui.state import UrlState

PAGE_STEPS = 300  # the default race of bench/trajectories.py
TOLERANCE = Param("tol", 0.05, 1e-12, 1e6,
                  "a path has converged once its loss is within this of the best known loss f*")
SPEEDS = {"slow": 150, "normal": 60, "fast": 20}  # milliseconds per animation frame
RESOLUTION = 101  # grid points per side of the contour and the 3D surface
SWARM_SIDE = (10, 40, 12)  # starts per side of the swarm grid: low, high, default
START_KEYS = ("sx", "sy")


# ---- controls ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RaceInput:
    """The race a person set up, as plain values (cache keys).  Numbers are unchecked."""

    entries: str  # JSON {optimiser name: run's keyword arguments}, in the chosen order
    schedule: str
    start: tuple[float, float]
    steps: float
    tol: float
    notes: tuple[str, ...]  # settings that do not apply to some optimiser


@dataclass(frozen=True)
class Extras:
    frame_ms: int
    swarm_n: int | None  # starts per side, None: no swarm
    lr_map: bool
    three_d: bool = False  # the paths on the 3D surface (instead of the loss curves beside the map)


def _label(name: str) -> str:
    return optim.spec(name).label


def race_entries(names, hparams, schedule, schedule_params, clip, batch_size, seed) -> tuple[str, tuple[str, ...]]:
    """``{name: settings}`` as JSON for ``optim.race``; clipping and mini-batches go to elementwise optimisers."""
    entries, notes = {}, []
    for name in names:
        spec = optim.spec(name)
        settings = {**hparams[name], "schedule": schedule, **schedule_params}
        if spec.elementwise:
            settings |= {"clip": clip, "batch_size": batch_size, "seed": seed}
        elif clip is not None or batch_size is not None:
            notes.append(f"{spec.label} works on the full objective: it takes no gradient clipping or mini-batches.")
        entries[name] = settings
    return json.dumps(entries), tuple(notes)


def race_picker(url: UrlState, objective: Objective, container=st.sidebar) -> RaceInput:
    """Optimisers and their hyper-parameters, schedule, clipping, mini-batches, start, steps, tolerance."""
    names = url.multiselect("Optimisers", "opt", optim.names(), optim.DEFAULT_RACE, container=container,
                            format_func=_label)
    hparams = {}
    for name in names:
        box = container.expander(f"{_label(name)}: hyper-parameters")
        hparams[name] = param_inputs(url, optim.spec(name).params, box, prefix=f"{name}_")
    schedule = url.selectbox("Learning-rate schedule", "sched", optim.schedule_names(), container=container,
                             format_func=lambda s: optim.schedule_spec(s).label)
    schedule_params = param_inputs(url, optim.schedule_spec(schedule).params, container, prefix=f"{schedule}_")
    clip = None
    if url.checkbox("Clip the gradient norm", "clip", container=container, help=optim.CLIP.help):
        clip = url.number("Largest gradient norm", "clip_at", optim.CLIP.low, optim.CLIP.high, optim.CLIP.default,
                          container=container, clamp=False, format="%g")
    batch_size, seed = None, 0
    if objective.subset is not None and url.checkbox("Mini-batches (noisy gradients)", "mb", container=container):
        n = int(objective.meta["n_points"])
        batch_size = url.number("Batch size", "batch", 1, n, min(16, n), container=container, clamp=False)
        seed = url.number("Batch seed", "bseed", 0, 10_000, 0, container=container, clamp=False)
    entries, notes = race_entries(names, hparams, schedule, schedule_params, clip, batch_size, seed)
    container.markdown("**Start** (or click the map)")
    x, y = optim.default_start(objective)
    start = point_picker(url, objective.names, (round(x, 3), round(y, 3)), owner=repr(objective.view),
                         keys=START_KEYS, container=container)
    steps = url.number("Steps", "steps", 1, optim.MAX_STEPS, PAGE_STEPS, container=container, clamp=False,
                       help=f"1 to {optim.MAX_STEPS}")
    tol = url.number("Tolerance on loss − f*", "tol", TOLERANCE.low, TOLERANCE.high, TOLERANCE.default,
                     container=container, clamp=False, format="%g", help=TOLERANCE.help)
    return RaceInput(entries, schedule, start, steps, tol, notes)


def extras_picker(url: UrlState, container=st.sidebar) -> Extras:
    """Animation speed, the paths in 3D, swarm mode and the learning-rate x momentum map.

    The 3D surface is one click away, not drawn by default: a WebGL chart is drawn again on every change of
    the race, and that takes a machine without a GPU more than a second (bench/ui_latency.py)."""
    speed = url.radio("Animation speed", "speed", list(SPEEDS), "normal", container=container, horizontal=True)
    three_d = url.checkbox("The paths on the 3D surface", "3d", container=container,
                           help="beside the map, in place of the loss curves (which move below it)")
    swarm = url.checkbox("Swarm: a grid of starts, coloured by where they end", "swarm", container=container)
    low, high, default = SWARM_SIDE
    n = url.slider("Starts per side", "swarm_n", low, high, default, container=container) if swarm else None
    lr_map = url.checkbox("Learning rate × momentum map", "map", container=container)
    return Extras(SPEEDS[speed], n, lr_map, three_d)


def _set_start(url: UrlState, chart_key: str) -> None:
    points = st.session_state[chart_key]["selection"]["points"]
    if points:
        for name, axis in zip(START_KEYS, ("x", "y")):
            st.session_state[url.key(name)] = round(float(points[0][axis]), 3)


def start_from_click(url: UrlState, chart_key: str):
    """An ``on_select`` callback for the contour: a clicked point becomes the start."""
    return partial(_set_start, url, chart_key)


def update_rules(entries: str, schedule: str) -> list[tuple[str, str]]:
    """(label, LaTeX) of each chosen optimiser's update rule, then of the schedule."""
    rules = [(_label(name), optim.spec(name).rule) for name in json.loads(entries)]
    sched = optim.schedule_spec(schedule)
    return rules + [(f"learning-rate schedule: {sched.label}", sched.formula)]


# ---- compute ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """The problem's minimisers and the best known loss f* (none when the loss has no lower bound)."""

    minima: tuple[tuple[float, float], ...]
    value: float | None  # f*: the lowest loss among the minima
    label: str  # their markers' legend


@st.cache_data(**CACHE)
def reference(spec: ProblemSpec, csv: bytes | None) -> Reference:
    """Known minimisers (the literature's, or an exact fit for linear regression), else ``optim.minimize``
    (the best of many L-BFGS runs); none when the loss decreases without bound."""
    obj = build_objective(spec, csv)
    minima, label = true_minima(obj), "true minimum"
    if not minima:
        warm_up().join()
        try:
            minima, label = (tuple(float(v) for v in optim.minimize(obj)),), "minimum found by L-BFGS"
        except InputError:
            return Reference((), None, "")
    return Reference(minima, min(loss_at(obj, m) for m in minima), label)


def _floor(ref: Reference, losses: list[np.ndarray]) -> float | None:
    """f*: the reference value, or the lowest loss seen when that is lower (so loss - f* >= 0)."""
    finite = [float(a[np.isfinite(a)].min()) for a in losses if np.isfinite(a).any()]
    return None if ref.value is None else min([ref.value, *finite])


@dataclass(frozen=True)
class RaceView:
    surface: Surface
    paths: dict[str, Trajectory]  # label -> path, in the chosen order
    markers: tuple[Marker, ...]
    floor: float | None  # f*; None: the loss has no known lower bound
    leaderboard: tuple[dict[str, str], ...]
    diverged: tuple[str, ...]  # one sentence per diverged path
    notes: tuple[str, ...]  # e.g. a start outside the map
    title: str
    log_scale: bool
    steps: int
    seconds: float


def _reached(path: Trajectory, floor: float | None, tol: float) -> int | None:
    """The first step with loss <= f* + tol, if any."""
    hits = np.nonzero(path.losses - floor <= tol)[0] if floor is not None else []
    return int(hits[0]) if len(hits) else None


def leaderboard(paths: dict[str, Trajectory], floor: float | None, tol: float) -> tuple[dict[str, str], ...]:
    """Ranked: not diverged first, then by steps to reach loss <= f* + tol ("steps to tol"), then by final loss."""
    rows = sorted(((p.diverged_at is not None, step is None, step or 0, float(p.losses[-1]), label, p, step)
                   for label, p in paths.items() for step in [_reached(p, floor, tol)]), key=lambda r: r[:4])
    return tuple({"#": str(i), "optimiser": label, "final loss": f"{p.losses[-1]:.4g}",
                  "steps to tol": "—" if step is None else str(step),
                  "diverged": "no" if p.diverged_at is None else f"at step {p.diverged_at}"}
                 for i, (*_, label, p, step) in enumerate(rows, start=1))


def _markers(obj: Objective, ref: Reference, start) -> tuple[Marker, ...]:
    minima = tuple(Marker(x, y, loss_at(obj, (x, y)), ref.label, "x") for x, y in ref.minima)
    return minima + (Marker(*start, loss_at(obj, start), "start", "circle"),)


def diverged_sentence(label: str, path: Trajectory, floor: float | None) -> str:
    """Why a path stopped, and what to try: a smaller learning rate, unless the loss has no minimum at all
    (``floor`` None: it decreases without bound), where every path that follows the slope far enough leaves."""
    t = path.diverged_at
    text = (f"{label} diverged at step {t}: its loss or parameters stopped being finite or left the bound, so its "
            f"path is drawn up to step {t - 1}.")
    if floor is None:
        return text + (" This loss has no lowest point (it keeps decreasing away from the view), so any path that "
                       "keeps going downhill leaves in the end; a smaller learning rate only delays it.")
    return text + " Try a smaller learning rate."


@st.cache_data(**CACHE)
def race_view(spec: ProblemSpec, csv: bytes | None, entries: str, start: tuple[float, float], steps: float,
              tol: float) -> RaceView:
    """Every chosen optimiser from one start, the surface under them, and the leaderboard."""
    warm_up().join()  # the first torch.optim step of a process imports torch._dynamo: not the race's time
    began = time.perf_counter()
    obj = build_objective(spec, csv)
    settings = json.loads(entries)
    if not settings:
        raise InputError("choose at least one optimiser in the sidebar")
    tol = TOLERANCE.check(tol, "tolerance")
    raced = optim.race(obj, settings, start=start, steps=steps)
    paths = {_label(name): path for name, path in raced.items()}
    ref = reference(spec, csv)
    floor = _floor(ref, [p.losses for p in paths.values()])
    surf = surface_view(spec, csv, None, None, RESOLUTION, False).surface  # cached: the same for every race
    diverged = tuple(diverged_sentence(label, p, floor) for label, p in paths.items() if p.diverged_at is not None)
    notes = () if _inside(obj, start) else (
        f"The start ({start[0]:g}, {start[1]:g}) lies outside the map; the paths appear once they enter it.",)
    return RaceView(surf, paths, _markers(obj, ref, start), floor, leaderboard(paths, floor, tol), diverged,
                    notes, obj.title, obj.log_scale, int(steps), time.perf_counter() - began)


@dataclass(frozen=True)
class SwarmView:
    panels: dict[str, tuple[np.ndarray, np.ndarray]]  # label -> (starts (K, 2), basin (K,))
    minima: np.ndarray  # (M, 2)
    n: int
    skipped: tuple[str, ...]  # optimisers that cannot run many starts at once
    seconds: float


def _inside(obj: Objective, point) -> bool:
    return all(lo <= v <= hi for v, (lo, hi) in zip(point, obj.view))


def swarm_view(spec: ProblemSpec, csv: bytes | None, entries: str, steps: float, n: int) -> SwarmView:
    """Each chosen optimiser from an ``n x n`` grid of starts; where each path ends (basins of attraction)."""
    if jobs.remote():
        return progress.remote("optim_swarm:" + json.dumps([repr(spec), entries, steps, n]) + _digest(csv),
                               "Computing the swarm", _swarm, spec, csv, entries, steps, n,
                               _minima(spec, csv), precheck=True)
    return _swarm_here(spec, csv, entries, steps, n)


def _digest(csv: bytes | None) -> str:
    import hashlib

    return "" if csv is None else ":" + hashlib.sha256(csv).hexdigest()


def _minima(spec: ProblemSpec, csv: bytes | None) -> tuple[tuple[float, float], ...] | None:
    """A data problem's computed minima (``reference``, cached here), None for a problem that knows its own."""
    return None if build_objective(spec, csv).minima else reference(spec, csv).minima


@st.cache_data(**CACHE)
def _swarm_here(spec: ProblemSpec, csv: bytes | None, entries: str, steps: float, n: int) -> SwarmView:
    warm_up().join()
    return _swarm(spec, csv, entries, steps, n, _minima(spec, csv))


def _swarm(spec: ProblemSpec, csv: bytes | None, entries: str, steps: float, n: int,
           minima: tuple[tuple[float, float], ...] | None) -> SwarmView:
    """The job: ``swarm_view`` with the reference minima of a data problem given."""
    began = time.perf_counter()
    obj = build_objective(spec, csv)
    if not obj.minima:  # a data problem: its computed minimum, where it lies in the view
        obj = replace(obj, minima=tuple(m for m in minima if _inside(obj, m)))
    panels, skipped = {}, []
    for name, settings in json.loads(entries).items():
        if not optim.spec(name).elementwise:
            skipped.append(_label(name))
            continue
        swarm = optim.swarm(obj, name, n=n, steps=steps, **settings)
        panels[_label(name)] = (swarm.starts, swarm.basin)
    if not panels:
        raise InputError("the swarm needs an optimiser that runs many starts at once; L-BFGS runs one at a time")
    minima = np.asarray(obj.minima, dtype=np.float64).reshape(-1, 2)
    return SwarmView(panels, minima, int(n), tuple(skipped), time.perf_counter() - began)


@dataclass(frozen=True)
class MapView:
    lrs: np.ndarray  # (L,)
    momenta: np.ndarray  # (M,)
    final: np.ndarray  # (M, L), inf where training diverged
    floor: float | None
    limit: np.ndarray | None  # (M,) stability limit of each momentum, for quadratics
    seconds: float


def map_view(spec: ProblemSpec, csv: bytes | None, start: tuple[float, float], steps: float) -> MapView:
    """Final loss of SGD with momentum over the default learning-rate x momentum grid."""
    if jobs.remote():
        view = progress.remote("optim_map:" + json.dumps([repr(spec), start, steps]) + _digest(csv),
                               "Computing the map", _lr_map, spec, csv, tuple(start), steps, precheck=True)
        return replace(view, floor=_floor(reference(spec, csv), [view.final]))
    return _map_here(spec, csv, start, steps)


@st.cache_data(**CACHE)
def _map_here(spec: ProblemSpec, csv: bytes | None, start: tuple[float, float], steps: float) -> MapView:
    warm_up().join()
    view = _lr_map(spec, csv, start, steps)
    return replace(view, floor=_floor(reference(spec, csv), [view.final]))


def _lr_map(spec: ProblemSpec, csv: bytes | None, start: tuple[float, float], steps: float) -> MapView:
    """The job: the map without its floor f* (``reference``, cached in the web process)."""
    began = time.perf_counter()
    obj = build_objective(spec, csv)
    final = optim.lr_momentum_map(obj, start=start, steps=steps)
    limits = [optim.stability_limit(obj, m) for m in optim.MOMENTUM_GRID]
    limit = None if limits[0] is None else np.array(limits)
    return MapView(np.array(optim.LR_GRID), np.array(optim.MOMENTUM_GRID), final, None, limit,
                   time.perf_counter() - began)
