"""The Overfitting page's cached compute (``landscape.overfitting``): the degree sweep, and the network trained
under a progress bar through ``jobs.run`` (the class server's Dask workers when ``LANDSCAPE_DASK`` is set)."""
from __future__ import annotations

import streamlit as st

from landscape import capacity
from landscape.overfitting import SWEEP_DEGREE, DegreeView, degree_view, network_settings, train_network
from landscape.ui import progress
from landscape.ui.compute import CACHE
from landscape.ui.page import warm_up

__all__ = ["SWEEP_DEGREE", "degree_sweep", "epoch_curve"]


@st.cache_data(**CACHE)
def degree_sweep(n: int, noise: float, seed: int, l2: float) -> DegreeView:
    return degree_view(n, noise, seed, l2)


def epoch_curve(n: int, noise: float, seed: int, l2: float, width: int, layers: int, epochs: int,
                lr: float) -> capacity.EpochCurve | None:
    """A network trained on the same points, under a progress bar; None if stopped."""
    settings = network_settings(n, noise, seed, l2, width, layers, epochs, lr)

    def here(report):
        warm_up().join()  # the first torch.optim step of a process imports torch._dynamo: not the run's time
        return train_network(settings, report)

    return progress.cached("fit_epochs:" + settings, here, "Training the network",
                           job=(train_network, settings))
