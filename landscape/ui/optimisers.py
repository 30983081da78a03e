"""The Optimisers page's controls and cached compute: plain values in, plain values out, bounded caches.

Controls read the optimiser and schedule registries (``landscape.optim``); every one is bound to
the URL.  What a person types reaches ``landscape.optim`` unchanged, which checks it and raises
InputError with the message the page shows; the choices, as values, are ``landscape.race_choice``.  The
compute is ``landscape.race`` (the reference minimum, the race, swarm and map views, the leaderboard); here
each is cached in a line.  The race, the swarm and the learning-rate x momentum map go through ``jobs.run``:
on the class server's Dask workers when ``LANDSCAPE_DASK`` is set (``race.race_job``, ``race.swarm_job``,
``race.map_job``: plain values in), else here (the race and the map under ``st.cache_data``, the swarm's
panels in ``progress.paths``).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import replace
from functools import partial

import streamlit as st

from landscape import jobs, optim, race
from landscape.problems import ProblemSpec
from landscape.race import TOLERANCE
from landscape.race_choice import Extras, RaceInput, race_entries
from landscape.types import InputError, Objective
from landscape.ui import progress
from landscape.ui.compute import CACHE, build_objective, surface_view
from landscape.ui.page import warm_up
from landscape.ui.pickers import param_inputs, point_picker
from landscape.ui.state import UrlState

PAGE_STEPS = 300  # the default race of bench/trajectories.py
SPEEDS = {"slow": 150, "normal": 60, "fast": 20}  # milliseconds per animation frame
SWARM_SIDE = (10, 40, 12)  # starts per side of the swarm grid: low, high, default
START_KEYS = ("sx", "sy")


# ---- controls ------------------------------------------------------------------------------------

def _label(name: str) -> str:
    return optim.spec(name).label


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


# ---- cached compute (landscape.race) ----------------------------------------------------------------------

@st.cache_data(**CACHE)
def reference(spec: ProblemSpec, csv: bytes | None) -> race.Reference:
    """``race.reference`` of the picked problem (L-BFGS runs after the first torch.optim step's imports)."""
    warm_up().join()
    return race.reference(build_objective(spec, csv))


def race_view(spec: ProblemSpec, csv: bytes | None, entries: str, start: tuple[float, float], steps: float,
              tol: float) -> race.RaceView:
    """Every chosen optimiser from one start, the surface under them, and the leaderboard."""
    if not json.loads(entries):
        raise InputError(f"{race.NO_OPTIMISER} in the sidebar")
    tol = TOLERANCE.check(tol, "tolerance")
    view = (_race_on_the_cluster if jobs.remote() else _race_view)(spec, csv, entries, start, steps)
    return replace(view, leaderboard=race.leaderboard(view.paths, view.floor, tol))  # a new tolerance only ranks


@st.cache_data(**CACHE)
def _race_view(spec: ProblemSpec, csv: bytes | None, entries: str, start: tuple[float, float],
               steps: float) -> race.RaceView:
    """The race, its leaderboard at the default tolerance (``race_view`` ranks at the one asked for)."""
    return _raced_view(spec, csv, entries, start, steps, optim.race)


def _race_on_the_cluster(spec: ProblemSpec, csv: bytes | None, entries: str, start: tuple[float, float],
                         steps: float) -> race.RaceView:
    """``_race_view`` with the paths not yet remembered run on a worker (``race.race_job``): a race is a few
    thousand small torch calls, each of which gives up this process's GIL and queues behind every other
    student's run to take it back (issue 13); a worker runs it alone.  A light job: when the workers are
    taken, it runs here at once rather than wait behind other students' trainings."""
    def run(obj: Objective, missing: dict, start, steps) -> dict:  # its paths are remembered by race.raced
        return progress.waited("Computing the race", race.race_job, spec, csv, json.dumps(missing), tuple(start),
                               steps, precheck=True, light=True)
    return _raced_view(spec, csv, entries, start, steps, run)


def _raced_view(spec: ProblemSpec, csv: bytes | None, entries: str, start: tuple[float, float], steps: float,
                run) -> race.RaceView:
    warm_up().join()  # the first torch.optim step of a process imports torch._dynamo: not the race's time
    surf = surface_view(spec, csv, None, None, race.RESOLUTION, False).surface  # cached: the same for every race
    return race.race_view(build_objective(spec, csv), json.loads(entries), start, steps, TOLERANCE.default,
                          reference(spec, csv), surf, memo=(progress.paths(), _problem(spec, csv)), run=run)


def swarm_view(spec: ProblemSpec, csv: bytes | None, entries: str, steps: float, n: int) -> race.SwarmView:
    """Each chosen optimiser from an ``n x n`` grid of starts; where each path ends (basins of attraction).
    Each optimiser's panel is remembered on its own (``progress.paths``); on the class server the missing
    panels are one job (``race.swarm_job``), so the swarm waits for a worker once, not once per optimiser."""
    minima = _minima(spec, csv)

    def run(obj: Objective, missing: dict, steps, n) -> dict:
        if jobs.remote():
            return progress.waited("Computing the swarm", race.swarm_job, spec, csv, json.dumps(missing), steps, n,
                                   minima, precheck=True)
        warm_up().join()
        return race.swarm_panels(obj, missing, steps, n)
    return race.swarm_view(build_objective(spec, csv), json.loads(entries), steps, n, minima,
                           memo=(progress.paths(), _problem(spec, csv)), run=run)


def _problem(spec: ProblemSpec, csv: bytes | None) -> str:
    """The problem as text (an upload by its digest): the key of its remembered paths, panels and jobs."""
    return repr(spec) + ("" if csv is None else ":" + hashlib.sha256(csv).hexdigest())


def _minima(spec: ProblemSpec, csv: bytes | None) -> tuple[tuple[float, float], ...] | None:
    """A data problem's computed minima (``reference``, cached here), None for a problem that knows its own."""
    return None if build_objective(spec, csv).minima else reference(spec, csv).minima


def map_view(spec: ProblemSpec, csv: bytes | None, start: tuple[float, float], steps: float) -> race.MapView:
    """Final loss of SGD with momentum over the default learning-rate x momentum grid."""
    if jobs.remote():
        view = progress.remote("optim_map:" + json.dumps([_problem(spec, csv), start, steps]),
                               "Computing the map", race.map_job, spec, csv, tuple(start), steps, precheck=True)
        return race.with_floor(view, reference(spec, csv))
    return _map_here(spec, csv, start, steps)


@st.cache_data(**CACHE)
def _map_here(spec: ProblemSpec, csv: bytes | None, start: tuple[float, float], steps: float) -> race.MapView:
    warm_up().join()
    return race.map_view(build_objective(spec, csv), start, steps, reference(spec, csv))
