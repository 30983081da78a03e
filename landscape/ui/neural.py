"""The Neural landscape page's controls and cached compute: a training form, runs under a progress bar, cached
slices and curvature.  Plain values in (the settings as JSON text), plain values out.

The compute is ``landscape.neural`` (training from the settings, the planes, the interpolation, curvature
and the sharpness comparison), its words ``landscape.neural_words``; here each view is cached or run under a
progress bar.  The heavy work goes
through ``jobs.run``: in this process by default, on the class server's Dask workers when
``LANDSCAPE_DASK`` is set, where the slices take the trained run as a ``jobs.Result`` (from the store
here, kept on the workers there).
"""
from __future__ import annotations

import json

import streamlit as st

from landscape import data, jobs, neural, nn
from landscape.neural import DATASETS, SharpnessView, Timed
from landscape.ui import progress
from landscape.ui.compute import CACHE
from landscape.ui.page import warm_up
from landscape.ui.state import UrlState

DEFAULT_NOISE = 0.15
PARTS = {"train": "training", "val": "validation"}  # which data a surface is measured on
VIEWS = {  # name -> label; the page holds one function per view
    "plane": "Random plane",
    "pca": "PCA plane + path",
    "interpolation": "1D: initial → trained",
    "curvature": "Curvature",
}


# ---- controls ------------------------------------------------------------------------------------

def training_form(url: UrlState) -> str:
    """The training settings, applied by the form's Train button, as JSON (plain values, unchecked)."""
    with st.sidebar.form("nn_train", border=False):
        settings = dict(
            data=url.selectbox("Data", "data", DATASETS, format_func=lambda n: data.REGISTRY[n].label),
            n=url.number("Points (training + validation)", "n", nn.MIN_POINTS, nn.MAX_POINTS, 400, clamp=False,
                         help=f"{nn.MIN_POINTS} to {nn.MAX_POINTS:,}; a quarter of them are held out for validation"),
            noise=url.slider("Noise", "noise", 0.0, 1.0, DEFAULT_NOISE, step=0.01),
            widths=url.text("Hidden layer widths", "widths", "32, 32", max_chars=40,
                            help=f"1 to {nn.MAX_DEPTH} layers of 1 to {nn.MAX_WIDTH} units, e.g. 32, 32"),
            activation=url.selectbox("Activation", "act", list(nn.ACTIVATIONS)),
            optimizer=url.selectbox("Optimiser", "opt", list(nn.OPTIMIZERS), "adam"),
            lr=url.number("Learning rate", "lr", 1e-6, 1e6, 0.01, step=0.001, clamp=False, format="%g"),
            batch=url.number("Batch size", "batch", 1, nn.MAX_POINTS, 32, clamp=False),
            epochs=url.number("Epochs", "epochs", 1, nn.MAX_EPOCHS, 100, clamp=False,
                              help=f"1 to {nn.MAX_EPOCHS:,}, and at most {nn.MAX_STEPS:,} steps in all"),
            wd=url.number("Weight decay", "wd", 0.0, 10.0, 0.0, step=0.0001, clamp=False, format="%g"),
            seed=url.number("Seed", "seed", 0, 10_000, 0, clamp=False),
        )
        st.form_submit_button("Train", type="primary", icon=":material/play_arrow:", on_click=progress.resume)
    return json.dumps(settings, sort_keys=True)


# ---- training ------------------------------------------------------------------------------------------

def _train_here(settings_json: str, on_progress=None) -> nn.Run:
    warm_up().join()  # the first torch.optim step of a process imports torch._dynamo: not the run's time
    return neural.train(settings_json, on_progress)


def train(settings_json: str) -> nn.Run | None:
    """The run the settings describe, trained under a progress bar with a Stop button; None if stopped."""
    return progress.cached("nn_run:" + settings_json, lambda report: _train_here(settings_json, report), "Training",
                           job=(neural.train, settings_json))


def trained(settings_json: str) -> nn.Run:
    """The run, from the store (trained again, silently, if the store has let it go)."""
    key = "nn_run:" + settings_json
    run = progress.store().get(key)
    if run is None:
        run = jobs.run(neural.train, settings_json, keep=True) if jobs.remote() else _train_here(settings_json)
        progress.store().put(key, run)
    return run


def the_run(settings_json: str) -> jobs.Result:
    """The trained run as a job's argument: from the store here, the kept training job on the class server."""
    return jobs.Result(neural.train, settings_json, local=lambda: trained(settings_json))


def _view(name: str, what: str, cached, fn, settings_json: str, *args):
    """A slice or curvature view: ``cached(settings_json, *args)`` (st.cache_data, in this process), or on the
    class server ``fn(the run, *args)`` with its place in the queue shown while it waits."""
    if jobs.remote():
        return progress.remote(f"{name}:" + json.dumps([settings_json, *args]), what, fn, the_run(settings_json),
                               *args)
    return cached(settings_json, *args)


# ---- slices and curvature ---------------------------------------------------------------------------------

@st.cache_data(**CACHE)
def interpolation(settings_json: str) -> Timed:
    """``neural.interpolation`` of the trained run."""
    return neural.interpolation(trained(settings_json))


def random_plane(settings_json: str, resolution: int, span: float, norm: str, seed: int) -> Timed:
    """``neural.random_plane``: ``slices.Plane`` on ``[-span, span]^2`` of two random directions."""
    return _view("nn_plane", "Computing the slice", _random_plane_here, neural.random_plane, settings_json,
                 resolution, span, norm, seed)


@st.cache_data(**CACHE)
def _random_plane_here(settings_json: str, resolution: int, span: float, norm: str, seed: int) -> Timed:
    return neural.random_plane(trained(settings_json), resolution, span, norm, seed)


def pca_plane(settings_json: str, resolution: int) -> Timed:
    """``neural.pca_plane``: the plane of the path's top two principal directions, with the path on it."""
    return _view("nn_pca", "Computing the slice", _pca_plane_here, neural.pca_plane, settings_json, resolution)


@st.cache_data(**CACHE)
def _pca_plane_here(settings_json: str, resolution: int) -> Timed:
    return neural.pca_plane(trained(settings_json), resolution)


def curvature_view(settings_json: str) -> Timed:
    """``neural.curvature_view``: top Hessian eigenvalues and the trace at the trained weights."""
    return _view("nn_curvature", "Computing the curvature", _curvature_here, neural.curvature_view, settings_json)


@st.cache_data(**CACHE)
def _curvature_here(settings_json: str) -> Timed:
    return neural.curvature_view(trained(settings_json))


def sharpness(settings_json: str) -> SharpnessView | None:
    """Small- vs large-batch minima of the same network, under a progress bar; None if stopped."""
    def here(report):
        warm_up().join()
        return neural.sharpness(settings_json, report)

    return progress.cached("nn_sharpness:" + settings_json, here, "Training a small-batch and a large-batch network",
                           job=(neural.sharpness, settings_json))
