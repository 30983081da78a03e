"""Long computations (training runs) with a progress bar and a Stop button, cached across sessions.

``st.cache_data`` cannot hold them: it records the ``st`` calls made inside a cached function to
replay them later, and an update of a progress bar created outside the function cannot be
replayed (CacheReplayClosureError).  Their results go to one process-wide ``Store`` instead,
bounded like every cache here (entries, bytes, age) and keyed by plain values (JSON text).

Stopping follows Streamlit's rerun model.  Every update of the bar is a point where Streamlit
interrupts a running script once a widget has been used, so pressing Stop ends the computation
at its next update (within about 1 % of it) and starts a new run of the page.  The button's
callback, which runs first in that new run, marks the key as stopped; the page then shows a
message and a "Run again" button instead of starting over, until that button (or ``resume``,
e.g. the Train button's callback) clears the mark.  A stopped computation leaves no result.

On the class server (``LANDSCAPE_DASK`` set, ``landscape.jobs``) a computation given as a ``job`` runs
on a Dask worker, which cannot update a bar in this process: the place in the queue, an estimate of
the wait and then "… on the class server" with the seconds elapsed are shown instead, with the same
Stop button (the wait is interrupted at its next slice and the job cancelled).  ``remote`` does the
same for the views that ``st.cache_data`` holds in this process (slices, curvature, maps), with
their results in a second store; the race's paths and the swarm's panels, here and there, go to a third.
"""
from __future__ import annotations

import hashlib
import time
from typing import Callable, TypeVar

import streamlit as st

from landscape import jobs, runtime
from landscape.store import Store

T = TypeVar("T")
STOPPED = "progress_stopped"  # session state: (key, fraction done) of the computation stopped last
DONE = "progress_done"  # session state: fraction done of the computation running now (on the cluster: how long)
RUNNING = "progress_running"  # session state: key of the computation this session started and has not finished
SHOW_EVERY = 0.5  # seconds between two updates of a waiting job's line
QUIET = 0.3  # a job on the cluster that has not waited in the queue shows its line after this many seconds


def _forgotten_when_idle(store: Store) -> Store:
    runtime.when_idle(store.clear)
    return store


# Bytes a process may keep in its caches: these three stores and st.cache_data (``server.maxCacheDataSize``
# in .streamlit/config.toml and deploy/config.toml), in all well under the 150 MB a class server process
# may stay above its warm start once a class has left (issue 13).
TRAINING_BYTES = 48 * 2**20  # a training run of the class's networks is about 2 MB, a long one at most 40 MB
VIEW_BYTES = 16 * 2**20  # a slice, curvature or map is 0.1-1 MB
PATH_BYTES = 8 * 2**20  # a race's path is about 10 kB (300 steps), a swarm's panel 4-40 kB


@st.cache_resource
def store() -> Store:
    """The server's store: 24 results, ``TRAINING_BYTES``, one hour.  Kept when this process goes idle: a
    person reading a trained network's page should not see it train again.  On the class server the
    cluster keeps them instead (the jobs run with ``keep=True``: each app process's last ``job_queue.KEEP``,
    given back at once), so there the store goes with the other caches and an idle process's memory does
    not depend on what its class trained."""
    trained = Store(max_entries=24, max_bytes=TRAINING_BYTES, ttl=3600)
    return _forgotten_when_idle(trained) if jobs.remote() else trained


@st.cache_resource
def views() -> Store:
    """Slices, curvature and maps computed on the class server (``remote``): 64 results, ``VIEW_BYTES``, one
    hour or until the server goes idle."""
    return _forgotten_when_idle(Store(max_entries=64, max_bytes=VIEW_BYTES, ttl=3600))


@st.cache_resource
def paths() -> Store:
    """Race paths and swarm panels, each by problem, optimiser settings, start(s) and steps (``race.raced``,
    ``optimisers.swarm_view``): 1,024 of them, ``PATH_BYTES``, one hour or until the server goes idle."""
    return _forgotten_when_idle(Store(max_entries=1024, max_bytes=PATH_BYTES, ttl=3600))


def resume() -> None:
    """Forget the Stop: the next run computes again (a button callback)."""
    st.session_state.pop(STOPPED, None)


def _stop(key: str) -> None:
    """Stop's callback.  A click that arrives once the computation is over stops nothing: it would otherwise
    come back as "stopped" after "Run again" (a button's trigger can reach a later run than the one it ended)."""
    if st.session_state.get(RUNNING) == key:
        st.session_state[STOPPED] = (key, st.session_state.get(DONE, 0.0))


def _widget_key(key: str) -> str:
    return "progress_" + hashlib.sha1(key.encode()).hexdigest()[:12]


def cached(key: str, compute: Callable[[Callable[[float], bool]], T], what: str,
           job: tuple | None = None) -> T | None:
    """``compute(on_progress)`` for ``key``: from the store, else run under a progress bar with a Stop
    button.  None when the person stopped it (a message and a "Run again" button are shown).
    On the class server ``job = (fn, *args)`` computes it instead, if given: ``jobs.run(fn, *args)``, kept
    on the cluster (``keep=True``), which is what lets ``store()`` go when the process is idle."""
    hit = store().get(key)
    if hit is not None:
        return hit
    stopped = st.session_state.get(STOPPED)
    if stopped is not None and stopped[0] == key:
        st.session_state.pop(RUNNING, None)
        done = stopped[1]
        when = f"at {done:.0%}" if isinstance(done, float) else f"after {done}"
        st.info(f"{what} was stopped {when}.", icon=":material/stop_circle:")
        st.button("Run again", key=_widget_key(key) + "_again", on_click=resume, icon=":material/replay:")
        return None
    if job is not None and jobs.remote():
        return _on_the_cluster(key, job, what)
    slot = st.empty()
    with slot.container():
        bar = st.progress(0.0, text=f"{what} …")
        _stop_button(key, 0.0)
    start, shown = time.perf_counter(), [-1]

    def report(fraction: float) -> bool:
        st.session_state[DONE] = fraction
        percent = int(100 * fraction)
        if percent != shown[0]:  # each update is a point where Stop (any widget) can interrupt this run
            shown[0] = percent
            seconds = time.perf_counter() - start
            bar.progress(min(max(fraction, 0.0), 1.0), text=f"{what}: {percent} % · {seconds:.1f} s")
        return True

    return _kept(key, slot, lambda: compute(report))


def _stop_button(key: str, done: float | str) -> None:
    st.button("Stop", key=_widget_key(key), on_click=_stop, args=(key,), icon=":material/stop_circle:")
    st.session_state[DONE], st.session_state[RUNNING] = done, key


def _kept(key: str, slot, compute: Callable[[], T]) -> T:
    """``compute()``, its slot (bar or line, and Stop) cleared after it and its value kept in ``store()``.
    Bad input clears the slot too (the caller shows the message).  Streamlit's own interruptions (not an
    ``Exception``) pass through and leave ``RUNNING`` set: Stop's callback, in the run that follows, needs it."""
    try:
        value = compute()
    except Exception:
        _finished(slot)
        raise
    _finished(slot)
    store().put(key, value)
    return value


def _finished(slot) -> None:
    slot.empty()
    st.session_state.pop(RUNNING, None)


def _waiting_line(what: str, done: bool = True) -> Callable[[jobs.Status], None]:
    """An ``on_wait`` for ``jobs.run``: one line with the place in the queue or the time on the cluster,
    updated at most every SHOW_EVERY seconds (each update is also a point where Streamlit can stop the run)."""
    line = st.empty()
    shown = [None, -1e9]

    def show(status: jobs.Status) -> None:
        if done:
            st.session_state[DONE] = (f"{status.elapsed:.1f} s, at place {status.place} in the queue" if status.place
                                      else f"{status.elapsed:.1f} s on the class server")
        now = time.monotonic()
        if not status.place and status.elapsed < QUIET:
            return
        if status.place != shown[0] or now - shown[1] >= SHOW_EVERY:
            shown[0], shown[1] = status.place, now
            line.info(status.text(what), icon=":material/hourglass_top:" if status.place else ":material/cloud_sync:")
    return show


def _on_the_cluster(key: str, job: tuple, what: str):
    """``jobs.run(*job)`` on the class server, kept there, with its place in the queue and a Stop button (a
    refusal: bad input, a full queue, no cluster)."""
    slot = st.empty()
    with slot.container():
        show = _waiting_line(what)
        _stop_button(key, "0.0 s")
    return _kept(key, slot, lambda: jobs.run(*job, keep=True, precheck=True, on_wait=show))


def remote(key: str, what: str, fn: Callable[..., T], *args, precheck: bool = False, light: bool = False) -> T:
    """``waited`` for a view, from ``views()`` when it has it."""
    slot = st.empty()  # always there, so that what follows keeps its place in the page whether computed or not
    hit = views().get(key)
    if hit is not None:
        return hit
    value = waited(what, fn, *args, precheck=precheck, light=light, slot=slot)
    views().put(key, value)
    return value


def waited(what: str, fn: Callable[..., T], *args, precheck: bool = False, light: bool = False, slot=None) -> T:
    """``jobs.run(fn, *args)`` on the class server as a quick job (no Stop button: any change of the page
    interrupts the wait), its place in the queue shown meanwhile in ``slot`` (a new one by default).
    ``light``: see ``jobs.run``.  Remembering the result is the caller's (``remote``, or the race's paths)."""
    slot = st.empty() if slot is None else slot
    with slot.container():
        show = _waiting_line(what, done=False)
    try:
        value = jobs.run(fn, *args, on_wait=show, precheck=precheck, quick=True, light=light)
    except Exception:  # the caller shows the message; Streamlit's own interruptions pass through
        slot.empty()
        raise
    slot.empty()
    return value
