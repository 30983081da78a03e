"""The frame every page shares: page config, thread budget, error display."""
from __future__ import annotations

import os
from contextlib import contextmanager

import streamlit as st
import torch

from landscape.types import InputError

@st.cache_resource
def _set_threads() -> int:
    """Once per server: a bounded share of the cores, so concurrent sessions do not oversubscribe."""
    threads = int(os.environ.get("LANDSCAPE_THREADS", max(1, min(4, os.cpu_count() or 1))))
    torch.set_num_threads(threads)
    return threads


def setup() -> None:
    """Called once per run by the frame (app.py); each page's title comes from its st.Page."""
    st.set_page_config(layout="wide", page_icon=":material/landscape:")
    _set_threads()


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
