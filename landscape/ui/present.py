"""Presenter mode, on every page: ``?present=1`` in the link (``present=dark`` for a dark room) or the
sidebar's "Presenter mode" switch.  The sidebar starts collapsed (the controls fold away), type is about
1.5x, and figures go through ``figures.style.present`` (larger text, thicker lines, larger markers,
high-contrast colours).  Off by default: then nothing on any page changes.

The mode lives in the session (``MODE``) so that it survives a change of page, whose link starts empty;
the frame writes it back into every page's link (``UrlState.sync`` leaves ``PARAM`` alone).
"""
from __future__ import annotations

import functools
from pathlib import Path

import streamlit as st

from landscape.figures import style

PARAM = "present"
MODE = "frame_present_mode"  # session state: the look in force, one of style.LOOKS
SWITCH, DARK_SWITCH = "frame_present", "frame_present_dark"  # widget keys
FROM_LINK = {"1": style.PRESENT, "true": style.PRESENT, "on": style.PRESENT, "dark": style.DARK,
             "0": style.PLAIN, "false": style.PLAIN, "off": style.PLAIN}
TO_LINK = {style.PRESENT: "1", style.DARK: "dark"}
HERE = Path(__file__).parent

CSS = {style.PRESENT: ("present.css",), style.DARK: ("present.css", "present_dark.css")}  # beside this file


@functools.cache
def _css(look: str) -> str:
    """The look's style sheets (files beside this module: the project's own, no user text) as one element."""
    return "<style>" + "".join((HERE / name).read_text() for name in CSS[look]) + "</style>"


def mode() -> str:
    """The look in force for this run: the switches' values once drawn, else the link's (a new session)."""
    if SWITCH in st.session_state:
        on, dark = st.session_state[SWITCH], st.session_state.get(DARK_SWITCH, False)
        return (style.DARK if dark else style.PRESENT) if on else style.PLAIN
    return st.session_state.get(MODE) or FROM_LINK.get(str(st.query_params.get(PARAM, "0")).lower(), style.PLAIN)


def session_look() -> str:
    """The look the frame set on this session's last full run (a fragment's rerun skips the frame)."""
    return st.session_state.get(MODE, style.PLAIN)


def sidebar_state(look: str) -> str:
    """``st.set_page_config``'s ``initial_sidebar_state`` for ``look``: collapsed while presenting."""
    return "auto" if look == style.PLAIN else "collapsed"


def switch(look: str) -> str:
    """Draw the sidebar switches (starting at ``look``), then apply the look they give: CSS, figures, link."""
    raw = st.query_params.get(PARAM)
    if raw is not None and str(raw).lower() not in FROM_LINK:
        st.warning(f"Link parameter `{PARAM}`: use 1, dark or 0; presenter mode is off.", icon="⚠️")
    st.session_state.setdefault(SWITCH, look != style.PLAIN)
    on = st.sidebar.toggle("Presenter mode", key=SWITCH, help="For a projector: controls folded away, larger "
                           "type, thicker lines and high-contrast colours (present=1 in the link)")
    dark = False
    if on:
        st.session_state.setdefault(DARK_SWITCH, look == style.DARK)
        dark = st.sidebar.toggle("Dark room", key=DARK_SWITCH, help="light figures on a dark background")
    look = (style.DARK if dark else style.PRESENT) if on else style.PLAIN
    st.session_state[MODE] = look
    style.use_look(look)
    if look != style.PLAIN:
        st.html(_css(look))
        st.query_params[PARAM] = TO_LINK[look]
    elif PARAM in st.query_params:
        del st.query_params[PARAM]
    return look
