"""The Loss surface page's glue: the point of the map whose model is drawn over the data.

A click on the map (its invisible click grid, ``figures.models.click_grid``) picks a point; it lives in the
URL as ``at=w,b`` so that a copied link shows the same line, and goes back to none when the problem
changes (its codec: ``link_reader.parse_point``).  With no point picked the page draws the model at the minimum.
"""
from __future__ import annotations

from functools import partial

import streamlit as st

from landscape.lessons.link_reader import parse_point, point_of
from landscape.ui.state import UrlState

PICK = "at"  # URL name of the picked point


def picked(url: UrlState, owner: str) -> tuple[float, float] | None:
    """The picked point ``(w, b)``, or None; forgotten when ``owner`` (the problem) changes."""
    key = url.value(PICK, "", parse_point)
    marker = url.key(PICK + "_owner")
    if st.session_state.get(marker, owner) != owner:
        st.session_state[key] = ""
    st.session_state[marker] = owner
    return point_of(st.session_state[key])


def _pick(url: UrlState, chart_key: str) -> None:
    points = st.session_state[chart_key]["selection"]["points"]
    if points:
        st.session_state[url.key(PICK)] = parse_point(f"{float(points[0]['x']):.6g},{float(points[0]['y']):.6g}")


def on_pick(url: UrlState, chart_key: str):
    """The map's ``on_select`` callback: the clicked point is picked."""
    return partial(_pick, url, chart_key)
