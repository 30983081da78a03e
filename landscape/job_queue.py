"""The admission queue of one app process's heavy jobs (``landscape.jobs`` runs them on Dask).

At most as many jobs on the cluster at once as it has worker threads (``slots``; long jobs at most as many as
the threads of the workers that take them, ``long_threads``, when some are set aside for them); the others wait in
a first-come queue of at most ``limit`` jobs, and a full queue is refused at once (``Busy``).  A *quick* job
(a view a page waits for: a swarm, a map, a slice) goes ahead of the waiting long ones (trainings, which show
their progress and a Stop button) and has ``slots`` of its own, and ``jobs.run`` gives its task a higher
priority on the cluster, so that a view is not held behind other students' trainings.  (On one 2-core machine
at 60 students, where the workers wait for a core rather than for each other, it changed little: the swarm's
p50 went from 17 to 16 s and trainings waited longer; bench/load.py.)  One job per task key however many
sessions wait for it; the last session to leave a job takes it out, and cancels its task if it has not
finished.  A waiting job's place and an estimate of when it will be done (from the mean time of this process's
last jobs of its kind) are its ``Status``.  The queue also keeps finished results that later
jobs take as arguments (``jobs.Result``) or that a page asks for again once its process has dropped its own
copy (``keep=True``), at most KEEP of them for KEEP_SECONDS each.

Plain threading; Dask appears only as the futures a job's ``submit`` returns.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from landscape.types import InputError

KEEP = 8  # results kept on the cluster for later jobs and pages (keep=True), per app process
KEEP_SECONDS = 1800.0
FIRST_GUESS = 1.0  # seconds a job takes, until this process has timed some


class Busy(InputError):
    """The queue of heavy jobs is full."""


@dataclass(frozen=True)
class Status:
    """Where a job is, for the page: ``place`` in this process's queue (0: on the cluster), the number of
    jobs waiting, an estimate of the seconds until it is done (the rounds of its kind's slots until it has run,
    at the mean time of this process's last jobs of its kind), and the seconds since it was asked for."""

    place: int
    waiting: int
    estimate: float
    elapsed: float

    def text(self, what: str) -> str:
        if self.place:
            return (f"{what} waits for the class server: place {self.place} of {self.waiting} in the queue, "
                    f"done in about {max(1, round(self.estimate))} s at the recent pace ({self.elapsed:.1f} s so far)")
        return f"{what} on the class server … {self.elapsed:.1f} s"


class Job:
    """One computation asked for by one or more sessions of this process: its task's key, how to submit it,
    and where it is (waiting, on the cluster with ``future``, or failed to submit with ``error``)."""

    def __init__(self, key: str, ident: str, submit: Callable[[], Any], keep: bool, quick: bool = False):
        self.key, self.ident, self.submit, self.keep, self.quick = key, ident, submit, keep, quick
        self.waiters = 0
        self.future = None
        self.asked = time.monotonic()
        self.started = 0.0
        self.counted = False  # counted in Queue.on_cluster
        self.retries = 0
        self.error: BaseException | None = None  # raised by its submission


class Queue:
    """This process's heavy jobs: at most ``slots`` long and ``slots`` quick ones on the cluster at once (the
    cluster's worker threads), at most ``limit`` waiting, quick ones first, then first come first served; one job
    per key however many sessions wait for it.  Also the results kept for later jobs (``Result``)."""

    def __init__(self, limit: int):
        self.limit = limit
        self.cond = threading.Condition()
        self.jobs: dict[str, Job] = {}
        self.waiting: deque[Job] = deque()
        self.on_cluster = {False: 0, True: 0}  # jobs submitted and not finished, by quick
        self.mean = {False: FIRST_GUESS, True: FIRST_GUESS}  # seconds a job of each kind took lately
        self.kept: OrderedDict[str, tuple[float, Any]] = OrderedDict()  # identity -> (time, future)
        self.threads, self.threads_asked = 0, -1e9
        self.long_threads = 0  # threads of the workers that take long jobs (``worker_role.LONG``); 0: every worker does

    def room(self, quick: bool, slots: int) -> int:
        """How many jobs of a kind may be on the cluster at once: ``slots`` (its worker threads), long jobs at most
        the threads of the workers that take them."""
        return max(1, slots if quick or not self.long_threads else min(slots, self.long_threads))

    def join(self, key: str, make: Callable[[], Job], slots: int) -> Job:
        """Wait for the job of ``key``: the one already asked for, or a new one at the end of the queue;
        ``Busy`` at once when it would have to wait behind ``limit`` others."""
        with self.cond:
            job = self.jobs.get(key)
            if job is None:
                self.admit(slots)
                job = make()
                if self.on_cluster[job.quick] >= self.room(job.quick, slots) and len(self.waiting) >= self.limit:
                    n = len(self.waiting)
                    raise Busy(f"the class server is busy: {n} {'job is' if n == 1 else 'jobs are'} waiting; "
                               "try again in a minute")
                self.jobs[key] = job
                if job.quick:  # behind the quick ones waiting, ahead of the long ones
                    self.waiting.insert(sum(j.quick for j in self.waiting), job)
                else:
                    self.waiting.append(job)
            job.waiters += 1
            return job

    def has_room(self, key: str, slots: int) -> bool:
        """Whether a quick job of ``key`` would be on the cluster at once: already there (or asked for), or a
        quick slot is free and no quick job waits for one."""
        with self.cond:
            free = self.on_cluster[True] < self.room(True, slots) and not any(j.quick for j in self.waiting)
            return key in self.jobs or free

    @property
    def running(self) -> int:
        """Jobs of this process on the cluster."""
        return sum(self.on_cluster.values())

    def admit(self, slots: int) -> None:
        """Submit waiting jobs, in order, while fewer than ``slots`` of their kind are on the cluster (holding
        ``cond``)."""
        for job in list(self.waiting):
            if self.on_cluster[job.quick] >= self.room(job.quick, slots):
                continue
            self.waiting.remove(job)
            try:
                job.future = job.submit()
            except Exception as err:  # noqa: BLE001 - for the job's own sessions to raise, not this one
                job.error = err
                self.cond.notify_all()
                continue
            job.started, job.counted = time.monotonic(), True
            self.on_cluster[job.quick] += 1
            job.future.add_done_callback(self._wake)

    def _wake(self, _future) -> None:
        with self.cond:
            self.cond.notify_all()

    def finished(self, job: Job, timed: bool) -> None:
        """``job``'s task ended (holding ``cond``): its slot goes to the next."""
        if job.counted:
            job.counted = False
            self.on_cluster[job.quick] -= 1
            if timed:
                self.mean[job.quick] = 0.7 * self.mean[job.quick] + 0.3 * (time.monotonic() - job.started)
            self.cond.notify_all()

    def status(self, job: Job, slots: int) -> Status:
        elapsed = time.monotonic() - job.asked
        if job.future is not None:
            return Status(0, len(self.waiting), 0.0, elapsed)
        place = self.waiting.index(job) + 1
        kind = [j for j in self.waiting if j.quick == job.quick]
        ahead = self.on_cluster[job.quick] + kind.index(job) + 1  # jobs of its kind that run before it ends, it too
        rounds = -(-ahead // self.room(job.quick, slots))
        return Status(place, len(self.waiting), self.mean[job.quick] * rounds, elapsed)

    def leave(self, job: Job) -> None:
        """One session stops waiting for ``job``; the last one takes it out, cancelling its task if unfinished."""
        with self.cond:
            job.waiters -= 1
            if job.waiters > 0:
                return
            self.jobs.pop(job.key, None)
            if job.future is None:
                try:
                    self.waiting.remove(job)
                except ValueError:
                    pass
            else:
                if not job.future.done():
                    job.future.cancel(reason="nobody waits for it any more")
                self.finished(job, timed=False)
                if job.keep and job.future.status == "finished":
                    self.keep(job.ident, job.future)
            job.future = None
            self.cond.notify_all()

    def keep(self, ident: str, future) -> None:
        self.kept[ident] = (time.monotonic(), future)
        self.kept.move_to_end(ident)
        while len(self.kept) > KEEP:
            self.kept.popitem(last=False)

    def kept_future(self, ident: str):
        """A kept job's future, unless it failed, was lost or is too old."""
        item = self.kept.get(ident)
        if item is None:
            return None
        when, future = item
        if future.status in ("error", "cancelled", "lost") or time.monotonic() - when > KEEP_SECONDS:
            del self.kept[ident]
            return None
        self.kept.move_to_end(ident)
        return future
