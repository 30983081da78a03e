"""Figures built once per distinct input, not on every rerun (issue 13).

Building a figure (Plotly's graph objects validate every property they are given, then ``readable`` lays
it out) was most of a page rerun's CPU, although a rerun mostly draws the figures it drew before.
``cached(builder, *args)`` keeps the finished figure as a plain dict in Streamlit's data cache (the
``compute.CACHE`` bounds), keyed by the builder, its arguments and the figure look of this run (presenter
mode changes the figure), and hands back a ``specs.Finished`` figure that holds that dict: ``st.plotly_chart``
takes a figure's ``to_dict()`` and sends it, so a rerun builds no Plotly objects at all (making a ``go.Figure``
of the dict again cost 10-40 ms a figure, 0.17 s for an animated map's frames).  The builder itself runs within
``specs.plain()``: a figure it writes as a spec is kept as that spec, never wrapped in Plotly objects.  A builder
may return one figure or a tuple of figures.

Treat what comes back as finished: draw it (its ``data`` and ``layout`` are empty).  A figure to change is built
by its own builder (a function that takes plain values and returns the changed figure), so that the change is
cached with it.
"""
from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable

import streamlit as st

from landscape.figures import specs, style
from landscape.types import Marker, Surface, Trajectory
from landscape.ui.compute import CACHE


def cached(builder: Callable, *args, **kwargs):
    """``builder(*args, **kwargs)``: a figure, or a tuple of figures, built once per distinct arguments and
    look.  ``builder`` is a module-level function (it is found again by its module and name)."""
    built = _built(builder.__module__, builder.__qualname__, style.current_look(), args, kwargs)
    if isinstance(built, tuple):
        return tuple(specs.Finished(spec) for spec in built)
    return specs.Finished(built)


def _fields(view: object) -> tuple:
    """A frozen dataclass hashed as its class and its fields as they are.  Streamlit's default for a dataclass,
    ``dataclasses.asdict``, deep-copies every array before hashing it: the key of the Outliers page's minima
    figure (three surfaces), made on every run that draws it, took 1.25-1.33 ms that way and 0.89-1.06 ms this
    way on a quiet machine, and 7.4 against 1.3 ms measured once while the load bench ran."""
    return (type(view).__qualname__, *(getattr(view, field.name) for field in dataclasses.fields(view)))


FIELDWISE = {cls: _fields for cls in (Surface, Marker, Trajectory)}  # the views figures are built from


@st.cache_data(**CACHE, hash_funcs=FIELDWISE)
def _built(module: str, name: str, look: str, args: tuple, kwargs: dict) -> dict | tuple[dict, ...]:
    """The builder's figure(s) as plain dicts, drawn in ``look``."""
    builder = getattr(importlib.import_module(module), name)
    with style.looking(look), specs.plain():  # a spec-built figure is its spec, never a Plotly object
        figure = builder(*args, **kwargs)
    if isinstance(figure, tuple):
        return tuple(f.to_dict() for f in figure)
    return figure.to_dict()
