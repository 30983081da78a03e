"""A job's side on a Dask worker (``landscape.jobs`` is the app's side).

``call`` is the task: ``fn`` under the budget of the request that submitted it (``budget.resumed``), a
``Result`` argument taken from the task's dependencies (``Dep``), with a checkpoint that raises
``Cancelled`` once the scheduler has released the task (nobody wants it any more), so that the function
ends at its next chunk and frees the worker.  Before the first task, ``prepare`` sets torch up as the app
does (threads, allocator, the first torch.optim step): the results are the same bits as in the app.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from landscape import budget

WORKER_CHECK = 0.05  # seconds between two looks at whether the task is still wanted


class Cancelled(Exception):
    """Raised on a worker at a checkpoint of a task that nobody wants any more."""


_ready = threading.Lock()
_warm: threading.Thread | None = None


def _warm_torch() -> None:
    from landscape import optim, problems, runtime

    runtime.configure(int(os.environ.get("LANDSCAPE_THREADS", "1")))  # as the app: bit-identical results
    optim.run(problems.benchmark("quadratic"), "adam", steps=2)  # imports torch._dynamo (about 2.4 s)


def prepare() -> threading.Thread:
    """Once per worker process: torch's threads as the app's and the first torch.optim step, in the
    background (every worker starts it when an app connects, ``prepare_soon``; a task joins it)."""
    global _warm
    with _ready:
        if _warm is None:
            _quiet_streamlit()
            _warm = threading.Thread(target=_warm_torch, name="landscape-warm", daemon=True)
            _warm.start()
        return _warm


def _quiet_streamlit() -> None:
    """The pages' modules hold st.cache_data functions: imported on a worker to run a job of theirs, each
    would log that there is no Streamlit runtime (none of them is called there).  Streamlit's loggers are the
    standard library's, so this names it without importing streamlit here."""
    logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)


def prepare_soon() -> None:
    """``prepare`` for ``Client.run``, which sends back what it returns (a thread cannot be)."""
    prepare()


def _still_wanted(key: str) -> Callable[[], None]:
    """A checkpoint for the task ``key`` on this worker: ``Cancelled`` once the scheduler released it."""
    try:
        from distributed import get_worker

        tasks = get_worker().state.tasks
    except (ImportError, ValueError):  # not on a worker (a test calling ``call`` itself)
        return lambda: None
    last = [time.monotonic()]

    def check() -> None:
        now = time.monotonic()
        if now - last[0] >= WORKER_CHECK:
            last[0] = now
            ts = tasks.get(key)
            if ts is None or ts.state == "cancelled":
                raise Cancelled(key)
    return check


@dataclass(frozen=True)
class Dep:
    index: int  # which of the task's dependencies this argument is


def call(spec: tuple, *deps):
    """The task: ``fn`` under the submitting request's budget; returns ``(value, seconds charged)``."""
    fn, args, kwargs, state, key = spec
    prepare().join()
    args = tuple(deps[a.index][0] if isinstance(a, Dep) else a for a in args)
    with budget.resumed(state, _still_wanted(key)) as charged:
        return fn(*args, **kwargs), charged()
