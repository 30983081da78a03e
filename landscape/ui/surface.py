"""The Loss surface page's glue: the point of the map whose model is drawn over the data.

A click on the map (its invisible click grid, ``figures.models.click_grid``) picks a point; it lives in the
URL as ``at=w,b`` so that a copied link shows the same line, and goes back to none when the problem
changes.  With no point picked the page draws the model at the minimum.
"""
from __future__ import annotations

import math
from functools import partial

import streamlit as st

from landscape.types import InputError
from landscape.ui.state import UrlState

PICK = "at"  # URL name of the picked point
LIMIT = 1e6  # |coordinate| of a picked point (a map never spans more)


def _parse(raw: str) -> str:
    """``"w,b"``: two finite numbers within ±LIMIT, or "" for none."""
    if raw == "":
        return ""
    parts = raw.split(",")
    if len(parts) != 2:
        raise InputError(f"{raw[:30]!r} is not two numbers separated by a comma")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{raw[:30]!r} is not two numbers separated by a comma") from None
    if not all(math.isfinite(v) and abs(v) <= LIMIT for v in values):
        raise InputError(f"{raw[:30]!r}: both numbers must be finite and within ±{LIMIT:g}")
    return ",".join(f"{v:.6g}" for v in values)


def picked(url: UrlState, owner: str) -> tuple[float, float] | None:
    """The picked point ``(w, b)``, or None; forgotten when ``owner`` (the problem) changes."""
    key = url.value(PICK, "", _parse)
    marker = url.key(PICK + "_owner")
    if st.session_state.get(marker, owner) != owner:
        st.session_state[key] = ""
    st.session_state[marker] = owner
    text = st.session_state[key]
    return tuple(float(v) for v in text.split(",")) if text else None  # type: ignore[return-value]


def _pick(url: UrlState, chart_key: str) -> None:
    points = st.session_state[chart_key]["selection"]["points"]
    if points:
        st.session_state[url.key(PICK)] = _parse(f"{float(points[0]['x']):.6g},{float(points[0]['y']):.6g}")


def on_pick(url: UrlState, chart_key: str):
    """The map's ``on_select`` callback: the clicked point is picked."""
    return partial(_pick, url, chart_key)
