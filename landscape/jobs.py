"""Heavy work off the web processes: on Dask distributed when ``LANDSCAPE_DASK`` names a scheduler.

``run(fn, *args, **kwargs)`` is ``fn(*args, **kwargs)`` in this process when ``LANDSCAPE_DASK`` is not
set (``make app``: no cluster, Dask not even imported).  When it is (``make serve`` gives every app
process its scheduler's address), the call becomes a task on that cluster and this thread waits for
it in short slices:

- **One key per computation.**  Every argument is a plain value (settings as JSON text, numbers,
  bytes) and every computation is seeded, so the task's key is a hash of the function's qualified
  name, its arguments and the budget in force (``job_key``): identical requests from different
  students, in this process or another, are one task on the cluster and are computed once
  (``pure=True``).  A ``Result(fn, *args)`` argument is another job's value (a trained network
  for its slices): on the cluster that job's future, kept from when it ran (``keep=True``), is the
  task's dependency, so a slice neither sends the network back to the cluster nor trains it again
  (and, as a page's store would serve it, it is not charged to the slice's request); in this process
  its ``local`` function gives it (the page's store).
- **The budget where the compute is.**  The task runs under the budget of the request that submitted
  it (``budget.SERVER`` in the app), with what that request has already spent; the charges it makes
  come back and are added to the request, so "one budget per request" holds across processes and a
  refusal reads as in this process.  ``precheck=True`` first runs the function here up to its first
  ``budget.checkpoint()`` (every compute path estimates and charges before its first chunk): a request
  over the budget is refused at once, before it takes a place in the queue.
- **Admission.**  This process submits at most as many tasks as the cluster has worker threads (as many
  again of quick ones: views a page waits for, which also go ahead of trainings, here and on the cluster);
  the others wait in a first-come queue of at most ``LANDSCAPE_QUEUE`` jobs (default 16).  A full
  queue is refused at once (``Busy``); a waiting job's place and an estimate of the wait (the mean
  time of this process's last jobs) go to ``on_wait(Status)`` in every slice.  The place is in this
  app process's queue (``landscape.job_queue``): what other app processes have submitted waits in Dask's
  own queue.  A *light* job (a race: a fraction of a second here, but thousands of small torch calls that
  each wait for this process's GIL under load) is sent only when it would be on the cluster at once, and
  is computed here otherwise: queued behind trainings it would wait far longer than it takes.
- **Workers for long jobs.**  When some workers declare the resource ``worker_role.LONG`` (``make serve``:
  all but the first), a long job runs only on those, and this process submits at most as many as they have
  threads: the first worker then runs only views, so a view waits behind other views, never behind a training.
- **Cancellation.**  Between slices the waiting thread calls ``budget.checkpoint()``: in the app that
  raises Streamlit's stop or rerun exception when the session pressed Stop, changed something or
  closed its tab.  The job then leaves the queue, and the last waiter of a task in this process
  cancels its future; the scheduler drops it if no other process wants it, and the worker's own
  checkpoint (``Cancelled``, ``landscape.job_worker``: the task's side) ends the function at its next
  chunk, freeing the worker.
- **No cluster.**  An unreachable scheduler is an ``Unreachable`` InputError (the page shows its
  message) and is asked again only after ``RETRY_AFTER`` seconds.  There is deliberately no fallback
  to this process: the class server runs several app processes so that none computes, and 30
  students' training in one web process is what made the server unusable (issue 13).

Results are the same bits as in this process: the same functions on the same plain values, torch on
one thread (``LANDSCAPE_THREADS``, as the app) in every worker.
"""
from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import CancelledError
from dataclasses import astuple, replace
from typing import Any

from landscape import budget
from landscape.job_queue import Busy, Job, Queue, Status  # noqa: F401  (jobs.Busy: what callers catch)
from landscape.job_worker import Cancelled, Dep, call, prepare_soon
from landscape.types import InputError
from landscape.worker_role import LONG

ENV = "LANDSCAPE_DASK"  # the scheduler's address, e.g. tcp://127.0.0.1:8786; unset: compute in this process
QUEUE_ENV = "LANDSCAPE_QUEUE"  # the most jobs that may wait in one app process (default QUEUE)
QUEUE = 16
CONNECT_TIMEOUT = 3.0  # seconds to reach the scheduler
RETRY_AFTER = 10.0  # an unreachable scheduler is asked again after this many seconds
SLICE = 0.1  # seconds between two checkpoints while waiting
QUICK_PRIORITY = 1  # Dask runs a quick job's task before the trainings queued (default priority 0)


class Unreachable(InputError):
    """The scheduler does not answer."""


def address() -> str | None:
    """The scheduler's address from ``LANDSCAPE_DASK``, or None: compute in this process."""
    value = os.environ.get(ENV, "").strip()
    return value if value and value.lower() not in ("none", "off", "no") else None


def remote() -> bool:
    """Whether heavy work goes to a Dask cluster."""
    return address() is not None


class Result:
    """Another job's value as an argument: ``fn(*args)``, on the cluster the kept result of that job
    (a dependency of the task), in this process ``local()`` (e.g. from the page's store)."""

    __slots__ = ("fn", "args", "local")

    def __init__(self, fn: Callable, *args, local: Callable[[], Any] | None = None):
        self.fn, self.args, self.local = fn, args, local

    def value(self):
        return self.local() if self.local is not None else self.fn(*self.args)


# ---- keys ------------------------------------------------------------------------------------------------

def _name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def identity(fn: Callable, args: tuple, kwargs: dict) -> str:
    """A hash of the computation: the function's qualified name and its plain-value arguments (a Result by
    its own identity).  A value that cannot be hashed deterministically is refused (TypeError)."""
    from dask.base import tokenize

    plain = tuple(("result", identity(a.fn, a.args, {})) if isinstance(a, Result) else a for a in args)
    try:
        return tokenize(_name(fn), plain, sorted(kwargs.items()), ensure_deterministic=True)
    except Exception as err:  # dask's TokenizationError: an object without a deterministic hash
        raise TypeError(f"a job's arguments must be plain values: {err}") from None


def job_key(fn: Callable, computation: str, state: budget.Spent) -> str:
    """The task's key: the computation (its ``identity``) and the budget it runs under (limits, spent so far):
    the same request gives the same key in every process, so Dask computes it once."""
    from dask.base import tokenize

    return f"{fn.__qualname__}-{tokenize(computation, astuple(state), ensure_deterministic=True)}"


# ---- the budget, carried to the worker -------------------------------------------------------------------

class _Estimated(BaseException):
    """The precheck reached the function's first checkpoint: the estimates were charged and accepted."""


def _stop_here() -> None:
    raise _Estimated


def _precheck(fn: Callable, args: tuple, kwargs: dict, state: budget.Spent):
    """Run ``fn`` here up to its first checkpoint: an over-budget request raises its InputError now.
    ``(True, value, charged)`` when it finished without reaching one (cheap work), else ``(False, ...)``."""
    with budget.resumed(state, _stop_here) as charged:
        try:
            value = fn(*args, **kwargs)
            return True, value, charged()
        except _Estimated:
            return False, None, 0.0


# ---- the client ------------------------------------------------------------------------------------------

_lock = threading.Lock()
_client = None  # (address, distributed.Client)
_failed: tuple[str, float, str] | None = None  # (address, when, message) of the last failed connection


def client():
    """This process's ``distributed.Client`` for ``LANDSCAPE_DASK``, connected on first use; ``Unreachable``
    (an InputError) when the scheduler does not answer within CONNECT_TIMEOUT."""
    global _client, _failed
    where = address()
    if where is None:
        raise RuntimeError(f"{ENV} is not set: compute in this process")
    with _lock:
        if _client is not None and _client[0] == where and _client[1].status in ("running", "connecting"):
            return _client[1]
        if _failed is not None and _failed[0] == where and time.monotonic() - _failed[1] < RETRY_AFTER:
            raise Unreachable(_failed[2])
        if _client is not None:
            old, _client = _client[1], None
            try:
                old.close(timeout=1)
            except Exception:  # noqa: BLE001 - an old connection that is gone already
                pass
        try:
            from distributed import Client
        except ImportError:
            raise Unreachable(f"{ENV} names a Dask scheduler ({where}) but Dask distributed is not installed in "
                              "this Python: install it (pip install -e '.[serve]') or unset the variable") from None
        try:
            c = Client(where, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError, TypeError) as err:
            reason = str(err).split("\n")[0] or type(err).__name__
            message = (f"the class server's compute workers do not answer (Dask scheduler {where}: {reason}); "
                       "training and the other heavy views cannot run now: try again in a minute, and tell "
                       "whoever runs the server if it lasts")
            _failed = (where, time.monotonic(), message)
            raise Unreachable(message) from None
        _failed = None
        try:
            c.run(prepare_soon)  # warm every worker now, not in a student's first job
        except Exception:  # noqa: BLE001 - only a head start
            pass
        _client = (where, c)
        return c


def close() -> None:
    """Close this process's client (tests; the app keeps it for its lifetime)."""
    global _client, _failed, _queue
    with _lock:
        if _client is not None:
            _client[1].close()
        _client, _failed = None, None
    _queue = None


def _threads(c) -> int:
    """Worker threads in the cluster (asked at most every few seconds)."""
    q = queue()
    now = time.monotonic()
    if now - q.threads_asked > 5.0:
        try:
            info = c.scheduler_info(n_workers=-1)
        except (OSError, TimeoutError):
            if q.threads:
                return q.threads
            raise Unreachable(f"the class server's compute workers do not answer (Dask scheduler {address()}); "
                              "try again in a minute") from None
        q.threads, q.threads_asked = int(info.get("total_threads", 0) or 0), now
        q.long_threads = sum(int(w.get("nthreads", 0)) for w in info.get("workers", {}).values()
                             if w.get("resources", {}).get(LONG))
    return q.threads


# ---- admission (``landscape.job_queue``) -------------------------------------------------------------------

_queue: Queue | None = None
_queue_lock = threading.Lock()


def queue() -> Queue:
    """This process's queue (its limit from ``LANDSCAPE_QUEUE``, read once)."""
    global _queue
    with _queue_lock:
        if _queue is None:
            try:
                limit = max(0, int(os.environ.get(QUEUE_ENV, str(QUEUE))))
            except ValueError:
                limit = QUEUE
            _queue = Queue(limit)
        return _queue


# ---- run ---------------------------------------------------------------------------------------------------

def run(fn: Callable, /, *args, on_wait: Callable[[Status], None] | None = None, keep: bool = False,
        precheck: bool = False, quick: bool = False, light: bool = False, **kwargs):
    """``fn(*args, **kwargs)``: here without ``LANDSCAPE_DASK``, else on the cluster (see the module).

    ``on_wait(status)`` is called in every slice of the wait; ``keep`` keeps the result on the cluster for
    jobs that take it as a ``Result`` and for the next ``run`` of the same computation (which takes it back,
    not charged again, as a page's store would serve it); ``precheck`` runs ``fn`` here up to its first
    checkpoint first;
    ``quick``: a view a page waits for, which goes ahead of trainings here and on the cluster (``job_queue``);
    ``light``: a quick job this process could do in a fraction of a second (a race), sent to the cluster only
    when it would start there at once (``Queue.has_room``), else done here rather than queued.
    """
    if not remote():
        return fn(*(a.value() if isinstance(a, Result) else a for a in args), **kwargs)
    c = client()
    state = budget.spent()
    computation = identity(fn, args, kwargs)
    key = job_key(fn, computation, state)
    q = queue()
    kept = q.kept_future(computation) if keep else None
    if kept is not None and kept.status == "finished":
        try:
            return kept.result(timeout=CONNECT_TIMEOUT)[0]
        except (CancelledError, OSError, TimeoutError):
            pass  # lost since it was kept (its worker left): asked for again below
    quick = quick or light
    if light and not q.has_room(key, _threads(c)):
        return fn(*args, **kwargs)  # a light job takes no Result
    if precheck and not any(isinstance(a, Result) for a in args):
        done, value, charged = _precheck(fn, args, kwargs, state)
        if done:
            budget.add(charged)
            return value
    slots = _threads(c)
    if slots < 1:
        raise Unreachable("the class server has no compute workers at the moment: try again in a minute")

    def submit():
        deps, template = [], []
        for a in args:
            if isinstance(a, Result):
                template.append(Dep(len(deps)))
                deps.append(_dependency(c, q, a, state))
            else:
                template.append(a)
        return c.submit(call, (fn, tuple(template), kwargs, state, key), *deps, key=key, pure=True,
                        retries=0, priority=QUICK_PRIORITY if quick else 0, resources=_long(q, quick))

    job = q.join(key, lambda: Job(key, computation, submit, keep, quick), slots)
    try:
        while True:
            with q.cond:
                q.admit(slots)
                if job.error is not None:
                    raise job.error
                future = job.future
                if future is not None and future.done():
                    if future.status == "error" and isinstance(future.exception(), Cancelled) and job.retries < 3:
                        job.retries += 1  # a worker ended it for a session that left just as this one came
                        future.retry()
                        continue
                    q.finished(job, timed=future.status == "finished")
                    break
                status = q.status(job, slots)
            if on_wait is not None:
                on_wait(status)
            budget.checkpoint()
            with q.cond:
                if job.error is None and (job.future is None or not job.future.done()):
                    q.cond.wait(SLICE)
            slots = _threads(c) or slots
        try:
            value, charged = future.result()
        except Cancelled:
            raise InputError("the class server stopped this job; press the button again") from None
        except CancelledError:  # distributed's FutureCancelledError: the scheduler went away or dropped it
            raise InputError("the class server cancelled this job (a worker or the scheduler restarted); "
                             "try again") from None
        except (OSError, TimeoutError) as err:
            raise Unreachable(f"the class server lost its compute workers ({err}); try again in a minute") from None
        budget.add(charged)
        return value
    finally:
        q.leave(job)


def _long(q: Queue, quick: bool) -> dict[str, float] | None:
    """A long job's resource when some workers declare it: it runs on one of those."""
    return {LONG: 1.0} if not quick and q.long_threads else None


def _dependency(c, q: Queue, result: Result, state: budget.Spent):
    """The future of ``result``'s job: kept from before, or submitted now (and kept) under its own budget."""
    ident = identity(result.fn, result.args, {})
    future = q.kept_future(ident)
    if future is None:
        own = replace(state, seconds=0.0)  # charged on its own, as a page's store would serve it
        key = job_key(result.fn, ident, own)
        future = c.submit(call, (result.fn, result.args, {}, own, key), key=key, pure=True,
                          resources=_long(q, False))
        q.keep(ident, future)
    return future
