"""Cached compute calls at the UI boundary: plain-value keys in, plain values out, bounded caches."""
from __future__ import annotations

import numpy as np
import streamlit as st

from landscape import budget, data, problems, surface
from landscape.problems import ProblemSpec
from landscape.surface import SurfaceView
from landscape.types import InputError, Objective

CACHE = dict(max_entries=64, ttl=3600, show_spinner=False)


def build_objective(spec: ProblemSpec, csv: bytes | None = None) -> Objective:
    """The objective a page's problem picker describes, with uploaded points if any."""
    return problems.from_spec(spec, None if csv is None else uploaded_points(csv))


def uploaded_points(csv: bytes) -> tuple[np.ndarray, np.ndarray]:
    """An uploaded CSV's points ``(x, y)`` under the point limit in force: parsed once per content
    (and limit), so a rerun with the same upload does not read it again; a refusal is remembered too."""
    result = _parse_upload(csv, budget.current().points)
    if isinstance(result, str):
        raise InputError(result)
    return result


@st.cache_data(**CACHE)
def _parse_upload(csv: bytes, limit: int) -> tuple[np.ndarray, np.ndarray] | str:
    """``data.load_csv``'s points, or its message (st.cache_data does not keep exceptions)."""
    try:
        return data.load_csv(csv, max_rows=limit)
    except InputError as err:
        return str(err)


def problem_points(spec: ProblemSpec, csv: bytes | None) -> tuple[np.ndarray, np.ndarray] | None:
    """The points a regression or classification surface is built from (None for a test function)."""
    return uploaded_points(csv) if csv is not None else problems.points(spec)


@st.cache_data(**CACHE)
def surface_view(spec: ProblemSpec, csv: bytes | None, x_range, y_range, n: int, arrows: bool) -> SurfaceView:
    """``landscape.surface.view`` of the picked problem, cached."""
    return surface.view(build_objective(spec, csv), x_range, y_range, n, arrows, problem_points(spec, csv))
