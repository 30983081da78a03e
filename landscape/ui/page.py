"""The frame every page shares: page config, thread budget, error display."""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import streamlit as st

from landscape import runtime, warmup
from landscape.markdown import literal  # noqa: F401 - the pages' way to show text as typed
from landscape.types import InputError
from landscape.ui import present


@st.cache_resource
def _set_threads() -> int:
    """Once per server. One thread by default: sessions run in parallel threads of one process, and
    small tensors on two threads of a busy machine ran 5-10x slower than on one.  LANDSCAPE_THREADS
    raises it for a single user with large grids.  When the server goes idle its cached results go
    (``runtime.when_idle``): ``st.cache_data`` expires an entry only when it is read again."""
    runtime.when_idle(st.cache_data.clear)
    return runtime.configure(int(os.environ.get("LANDSCAPE_THREADS", 1)))


@st.cache_resource
def warm_up() -> threading.Thread:
    """Once per server, in the background: ``landscape.warmup.warm``.  Compute that times itself calls
    ``warm_up().join()`` first, so the time shown is what a person waits for on every change."""
    thread = threading.Thread(target=warmup.warm, name="warm-torch", daemon=True)
    thread.start()
    return thread


def setup() -> str:
    """Called once per run by the frame (app.py); each page's title comes from its st.Page.  Returns the look
    in force (presenter mode's, ``figures.style.LOOKS``)."""
    look = present.mode()
    st.set_page_config(layout="wide", page_icon=":material/landscape:",
                       initial_sidebar_state=present.sidebar_state(look))
    _set_threads()
    warm_up()
    return present.switch(look)


@contextmanager
def messages():
    """Show an InputError as a clear message instead of a traceback; the rest of the page goes on."""
    try:
        yield
    except InputError as err:
        st.error(str(err), icon="⚠️")


def run_or_stop(fn, *args, **kwargs):
    """Call ``fn``; on bad input show the message and stop this run of the page."""
    try:
        return fn(*args, **kwargs)
    except InputError as err:
        st.error(str(err), icon="⚠️")
        st.stop()


DETAILS = "details"  # every page's "Show computation details" switch, under this name in the link


def details_switch(url, container=st.sidebar) -> bool:
    """The page's switch for computation details (off by default, kept in the link): timings, grid sizes and
    the method behind a figure are for a teacher who wants them, not for the projector."""
    return url.checkbox("Show computation details", DETAILS, False, container=container,
                        help="timings, grid sizes and how each figure was computed, in a line under it")


def detail(text: str, shown: bool, container=st) -> None:
    """A line of computation details under a figure, when the page's switch is on."""
    if shown:
        container.caption(text)
