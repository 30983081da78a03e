"""This process's queue of Dask jobs (landscape.jobs, landscape.job_queue, issue 13): identical requests computed
once, a kept result taken back, cancellation that frees the worker, a bounded queue that says so, quick jobs
ahead of long ones, light jobs run here rather than wait, and long jobs on the workers that take them.

The ``dask`` fixture (conftest.py): the session's ``distributed.LocalCluster``, one worker process of one
thread on loopback, as ``make serve`` starts them (1 thread, 1 torch thread each); ``two_workers`` (here): two
such workers, the second taking the long jobs.
"""
from __future__ import annotations

import os
import sys
import threading
import time
import types
from functools import partial
from pathlib import Path

import cloudpickle
import pytest

from landscape import budget, job_queue, job_worker, jobs, worker_role

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the worker cannot import tests/: send our functions


# ---- computed once ----------------------------------------------------------------------------------------------

def counted(log: str, x: int, seconds: float = 0.6) -> int:
    """Appends a line to ``log`` each time it runs (on the worker), then works ``seconds`` between checkpoints."""
    with open(log, "a") as f:
        f.write(f"start {x}\n")
    try:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            budget.checkpoint()
            time.sleep(0.01)
    except jobs.Cancelled:
        with open(log, "a") as f:
            f.write("cancelled\n")
        raise
    return 2 * x


def in_threads(n: int, call) -> list:
    out, threads = [None] * n, []
    for i in range(n):
        def target(i=i):
            try:
                out[i] = call(i)
            except BaseException as err:  # noqa: BLE001 - returned to the test
                out[i] = err
        threads.append(threading.Thread(target=target))
        threads[-1].start()
    for t in threads:
        t.join(30)
    return out


def wait_until(condition, seconds: float = 20.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the condition never held"
        time.sleep(0.02)


def test_identical_concurrent_requests_are_computed_once(dask, tmp_path):
    log = str(tmp_path / "runs.log")
    # three sessions of this app process at once: one job in its queue, one task
    assert in_threads(3, lambda i: jobs.run(counted, log, 21)) == [42, 42, 42]
    assert Path(log).read_text().split() == ["start", "21"]

    # two app processes at once (two clients): the scheduler holds one task for the key
    from distributed import Client

    other = Client(dask.scheduler_address, set_as_default=False)
    try:
        state = budget.Spent(budget.Budget(4.0, 1 << 28, 10_000), 0.0, True)
        key = jobs.job_key(counted, jobs.identity(counted, (log, 5), {}), state)
        spec_ = (counted, (log, 5), {}, state, key)
        futures = [c.submit(job_worker.call, spec_, key=key, pure=True) for c in (jobs.client(), other)]
        assert [f.result(timeout=30)[0] for f in futures] == [10, 10]
        assert Path(log).read_text().split() == ["start", "21", "start", "5"]
    finally:
        other.close()


def test_a_kept_result_is_taken_back_not_computed_or_charged_again(dask, tmp_path):
    """On the class server an idle app process drops its store of trainings (``ui.progress.store``): the
    cluster keeps them, and the next run of the same computation takes one back, whatever the request has
    spent by then (another task key), without computing or charging it again."""
    log = str(tmp_path / "runs.log")
    with budget.limits(budget.SERVER):
        assert jobs.run(counted, log, 4, 0.0, keep=True) == 8
    with budget.limits(budget.SERVER):
        budget.add(0.5)
        assert jobs.run(counted, log, 4, 0.0, keep=True) == 8
        assert budget.spent().seconds == 0.5
    assert Path(log).read_text().split() == ["start", "4"]


# ---- cancellation, admission ---------------------------------------------------------------------------------------

class Stop(BaseException):
    """What Streamlit's checkpoint raises when the session pressed Stop or changed something."""


def stop_after(seconds: float):
    end = time.monotonic() + seconds

    def check():
        if time.monotonic() > end:
            raise Stop
    return check


def test_a_running_job_is_cancelled_and_frees_its_worker(dask, tmp_path):
    log = tmp_path / "runs.log"
    began = time.monotonic()
    with budget.limits(budget.SERVER, stop_after(1.0)), pytest.raises(Stop):
        jobs.run(counted, str(log), 1, 30.0)  # 30 s of work, stopped after 1 s
    assert time.monotonic() - began < 2.0
    assert not jobs.queue().jobs and jobs.queue().running == 0
    deadline = time.monotonic() + 5
    while "cancelled" not in log.read_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert log.read_text().split() == ["start", "1", "cancelled"]  # ended at its next checkpoint on the worker
    began = time.monotonic()
    assert jobs.run(counted, str(log), 2, 0.0) == 4  # the worker's one thread is free again
    assert time.monotonic() - began < 2.0


def test_a_full_queue_says_so_at_once_and_a_waiting_job_sees_its_place(dask, tmp_path):
    jobs._queue = jobs.Queue(limit=1)
    log = str(tmp_path / "runs.log")
    seen: list[jobs.Status] = []

    def session(i):
        with budget.limits(budget.SERVER, stop_after(3.0)):
            return jobs.run(counted, log, i, 10.0, on_wait=seen.append if i == 1 else None)

    first = threading.Thread(target=in_threads, args=(1, session))  # runs: the cluster's one thread
    first.start()
    time.sleep(0.5)
    second = threading.Thread(target=lambda: in_threads(1, lambda _: session(1)))  # waits: place 1
    second.start()
    time.sleep(0.5)
    began = time.monotonic()
    with budget.limits(budget.SERVER), pytest.raises(jobs.Busy) as err:
        jobs.run(counted, log, 2, 0.0)
    assert time.monotonic() - began < 0.5
    assert str(err.value) == "the class server is busy: 1 job is waiting; try again in a minute"
    first.join(10)
    second.join(10)
    waiting = [s for s in seen if s.place]
    assert waiting and waiting[0].place == 1 and waiting[0].waiting == 1 and waiting[0].estimate >= 1.0
    assert "place 1 of 1 in the queue" in waiting[0].text("Training")
    assert not jobs.queue().jobs and not jobs.queue().waiting and jobs.queue().running == 0


def test_a_waiting_jobs_line_says_its_place_when_it_is_done_and_how_long_it_has_waited():
    assert jobs.Status(place=2, waiting=3, estimate=4.4, elapsed=1.26).text("Training") == (
        "Training waits for the class server: place 2 of 3 in the queue, done in about 4 s at the recent pace "
        "(1.3 s so far)")
    assert jobs.Status(place=1, waiting=1, estimate=0.2, elapsed=0.0).text("Training").count("about 1 s") == 1
    assert jobs.Status(place=0, waiting=0, estimate=0.0, elapsed=3.04).text("Training") == (
        "Training on the class server … 3.0 s")


def test_a_quick_job_goes_ahead_of_the_trainings(dask, tmp_path):
    """The cluster's one thread runs a long job and another waits in this process's queue: a quick one (a view
    a page waits for) is submitted at once, runs as soon as the thread is free and before the waiting long job,
    and its place counts the quick jobs only."""
    log = tmp_path / "runs.log"
    seen: list[jobs.Status] = []

    def session(i, quick, seconds):
        with budget.limits(budget.SERVER):
            return jobs.run(counted, str(log), i, seconds, quick=quick, on_wait=seen.append if quick else None)

    q = jobs.queue()
    threads = [threading.Thread(target=session, args=(1, False, 1.5))]
    threads[0].start()
    wait_until(lambda: q.running == 1 and log.exists())
    threads.append(threading.Thread(target=session, args=(2, False, 0.2)))  # waits in this process's queue
    threads[-1].start()
    wait_until(lambda: len(q.waiting) == 1)
    threads.append(threading.Thread(target=session, args=(3, True, 0.2)))
    threads[-1].start()
    for t in threads:
        t.join(20)
    assert [line.split()[1] for line in log.read_text().splitlines()] == ["1", "3", "2"]
    assert seen and all(s.place == 0 for s in seen)  # never behind the long one in the queue: on the cluster at once
    assert not jobs.queue().jobs and not jobs.queue().waiting and jobs.queue().running == 0


def pid_of_the_runner(x: int) -> tuple[int, int]:
    return x, os.getpid()


def test_a_light_job_runs_here_rather_than_wait(dask, tmp_path):
    """A light job (a race) goes to the cluster when a quick slot is free there; while this process's quick jobs
    take every slot it runs here at once, the same function on the same values, instead of waiting."""
    log = tmp_path / "runs.log"

    def quick_session():
        with budget.limits(budget.SERVER):
            jobs.run(counted, str(log), 1, 1.5, quick=True)

    q = jobs.queue()
    assert jobs.run(pid_of_the_runner, 1, light=True) != (1, os.getpid())  # a slot free: on the worker
    busy = threading.Thread(target=quick_session)
    busy.start()
    wait_until(lambda: q.on_cluster[True] == 1 and log.exists())
    began = time.monotonic()
    assert jobs.run(pid_of_the_runner, 2, light=True) == (2, os.getpid())  # the one slot taken: here
    assert time.monotonic() - began < 1.0 and busy.is_alive()
    busy.join(20)
    assert not q.jobs and not q.waiting and q.running == 0


# ---- the workers that take long jobs -------------------------------------------------------------------------------

def counted_where(log: str, x: int, seconds: float) -> tuple[int, str]:
    """``counted``, and the name of the worker it ran on."""
    from distributed import get_worker

    return counted(log, x, seconds), str(get_worker().name)


@pytest.fixture
def two_workers(monkeypatch):
    """A cluster as ``make serve`` starts two workers: ``worker-0`` and ``worker-1``, one thread each, each with
    ``landscape/worker_role.py`` preloaded; LANDSCAPE_DASK set to it and a fresh queue."""
    from distributed import Nanny, Scheduler, SpecCluster

    options = {"nthreads": 1, "host": "127.0.0.1", "dashboard": False, "preload": [worker_role.__file__]}
    workers = {f"worker-{i}": {"cls": Nanny, "options": options | {"name": f"worker-{i}"}} for i in range(2)}
    scheduler = {"cls": Scheduler, "options": {"host": "127.0.0.1", "dashboard": False, "dashboard_address": ":0"}}
    with SpecCluster(workers=workers, scheduler=scheduler) as c:
        monkeypatch.setenv(jobs.ENV, c.scheduler_address)
        jobs._queue = None
        yield c
        jobs.close()


def test_trainings_run_on_the_workers_that_take_long_jobs_and_leave_the_first_to_views(two_workers, tmp_path):
    """Of two workers, the second declares LONG (``worker_role``): a long job runs there, a second long one waits
    in this process's queue for it, and a quick one runs at once on the first worker, ahead of both."""
    log = tmp_path / "runs.log"
    out: dict[int, tuple[int, str]] = {}

    def session(i, quick, seconds):
        with budget.limits(budget.SERVER):
            out[i] = jobs.run(counted_where, str(log), i, seconds, quick=quick)

    with budget.limits(budget.SERVER):
        jobs.run(counted_where, str(log), 0, 0.0, quick=True)  # connected, and the workers counted
    q = jobs.queue()
    assert (q.threads, q.long_threads) == (2, 1)
    threads = [threading.Thread(target=session, args=(1, False, 1.5)),
               threading.Thread(target=session, args=(2, False, 0.2))]
    threads[0].start()
    wait_until(lambda: "start 1" in log.read_text())
    threads[1].start()
    wait_until(lambda: len(q.waiting) == 1)  # one long job at a time: one worker takes them
    began = time.monotonic()
    session(3, True, 0.2)
    assert time.monotonic() - began < 1.0 and threads[0].is_alive()
    for t in threads:
        t.join(20)
    assert out == {1: (2, "worker-1"), 2: (4, "worker-1"), 3: (6, "worker-0")}
    assert [line.split()[1] for line in log.read_text().splitlines()] == ["0", "1", "3", "2"]
    assert not q.jobs and not q.waiting and q.running == 0


def test_a_worker_takes_long_jobs_unless_it_is_the_first_of_several():
    def declared(name):
        state = types.SimpleNamespace(total_resources={}, available_resources={})
        worker = types.SimpleNamespace(name=name, state=state)
        worker_role.dask_setup(worker)
        return worker.state.total_resources == worker.state.available_resources and bool(worker.state.total_resources)

    assert [declared(n) for n in ("worker-0", "worker-1", "worker-7", "worker", "tcp://10.0.0.2:4000")] == \
        [False, True, True, True, True]


# ---- the queue alone -----------------------------------------------------------------------------------------------

def join_recorded(q: jobs.Queue, key: str, quick: bool, slots: int, submitted: list[str]) -> jobs.Job:
    """``q.join`` of a job whose submission, instead of reaching a cluster, appends its key to ``submitted``."""
    return q.join(key, lambda: jobs.Job(key, key, lambda: submitted.append(key) or FakeFuture(), False, quick), slots)


class FakeFuture:
    def add_done_callback(self, fn):
        pass


def test_long_jobs_wait_for_the_threads_that_take_them():
    q = jobs.Queue(limit=8)
    q.long_threads = 1
    submitted = []
    for key, quick in (("long 1", False), ("long 2", False), ("quick 1", True), ("quick 2", True)):
        join_recorded(q, key, quick, 2, submitted)
    with q.cond:
        q.admit(2)
    assert submitted == ["long 1", "quick 1", "quick 2"] and [j.key for j in q.waiting] == ["long 2"]
    assert q.room(False, 2) == 1 and q.room(True, 2) == 2


def test_quick_jobs_wait_behind_each_other_ahead_of_long_ones():
    q = jobs.Queue(limit=8)
    submitted = []
    job = partial(join_recorded, q, slots=1, submitted=submitted)
    job("long 1", False)
    long_2, quick_1, quick_2 = job("long 2", False), job("quick 1", True), job("quick 2", True)
    assert submitted == ["long 1", "quick 1"]  # a slot of each kind
    assert [j.key for j in q.waiting] == ["quick 2", "long 2"]
    assert q.status(quick_2, 1).place == 1 and q.status(long_2, 1).place == 2
    assert q.status(long_2, 1).estimate == 2 * job_queue.FIRST_GUESS  # behind the long one running only
    with q.cond:
        q.finished(quick_1, timed=True)
        q.admit(1)
    assert submitted == ["long 1", "quick 1", "quick 2"] and [j.key for j in q.waiting] == ["long 2"]
