"""Heavy work on Dask distributed (landscape.jobs, issue 13): the same bits as in the web process, one task
for identical requests, cancellation, a bounded queue, a clear message without a cluster.

One ``distributed.LocalCluster`` for the module: one worker process of one thread on loopback, as
``make serve`` starts them (1 thread, 1 torch thread each).
"""
from __future__ import annotations

import dataclasses
import json
import os
import socket
import sys
import threading
import time
import types
from functools import partial
from pathlib import Path

import cloudpickle
import numpy as np
import pytest
from apptest import ROOT, charts, ok, spec

from landscape import budget, job_queue, job_worker, jobs, neural, problems, race, warmup, worker_role
from landscape.types import InputError

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the worker cannot import tests/: send our functions

SMALL = dict(data="moons", n=200, noise=0.15, widths="8", activation="tanh", optimizer="adam", lr=0.01, batch=32,
             epochs=30, wd=0.0, seed=0)


def settings(**change) -> str:
    return json.dumps(SMALL | change, sort_keys=True)


@pytest.fixture
def dask(cluster, monkeypatch):
    """LANDSCAPE_DASK set to the cluster for this test, with a fresh queue."""
    monkeypatch.setenv(jobs.ENV, cluster.scheduler_address)
    monkeypatch.delenv(jobs.QUEUE_ENV, raising=False)
    jobs._queue = None
    yield cluster
    jobs._queue = None


def differences(a, b, where="") -> list[str]:
    """Where ``a`` and ``b`` differ by as much as one bit (timings left out)."""
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        if type(a) is not type(b):
            return [f"{where}: {type(a).__name__} vs {type(b).__name__}"]
        return [d for f in dataclasses.fields(a) if f.name != "seconds"
                for d in differences(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")]
    if isinstance(a, np.ndarray):
        same = isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and \
            a.tobytes() == b.tobytes()
        return [] if same else [where]
    if isinstance(a, dict):
        if list(a) != list(b):
            return [f"{where}: keys"]
        return [d for k in a for d in differences(a[k], b[k], f"{where}[{k!r}]")]
    if isinstance(a, (tuple, list)):
        if len(a) != len(b):
            return [f"{where}: length"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{where}[{i}]")]
    if isinstance(a, float) and np.isnan(a):
        return [] if isinstance(b, float) and np.isnan(b) else [where]
    return [] if a == b else [f"{where}: {a!r} vs {b!r}"]


def both(fn, *args):
    """``jobs.run(fn, *args)`` in this process and on the cluster, each as one request under budget.SERVER;
    the two values and the seconds each request was charged."""
    out = []
    for address in (None, "cluster"):
        with budget.limits(budget.SERVER):
            if address is None:
                with pytest.MonkeyPatch.context() as m:
                    m.delenv(jobs.ENV)
                    value = jobs.run(fn, *args)
            else:
                value = jobs.run(fn, *args)
            out.append((value, budget.spent().seconds))
    return out


# ---- the same bits ---------------------------------------------------------------------------------------------

def test_training_its_slices_curvature_sharpness_a_race_a_swarm_and_a_map_are_bit_identical(dask):
    s = settings()
    (here, spent_here), (there, spent_there) = both(neural.train, s)
    assert not differences(here, there) and spent_here == spent_there > 0
    assert there.path.shape[0] > 10 and not here.cancelled

    run = jobs.Result(neural.train, s, local=lambda: here)  # on the cluster: the kept training job
    (plane_here, _), (plane_there, _) = both(neural.random_plane, run, 21, 1.0, "filter", 3)
    assert not differences(plane_here, plane_there) and plane_here.value.train.z.shape == (21, 21)
    (curv_here, _), (curv_there, _) = both(neural.curvature_view, run)
    assert not differences(curv_here, curv_there)
    (pca_here, _), (pca_there, _) = both(neural.pca_plane, run, 11)
    assert not differences(pca_here, pca_there)
    assert len(jobs.queue().kept) == 1  # one training on the cluster, used by the three views
    (sharp_here, _), (sharp_there, _) = both(neural.sharpness, s)
    assert not differences(sharp_here, sharp_there) and len(sharp_here.top) == 2

    himmelblau = problems.ProblemSpec("benchmark", "himmelblau")
    swarm = json.dumps({"adam": {"lr": 0.1, "schedule": "constant"},
                        "momentum": {"lr": 0.01, "momentum": 0.9, "schedule": "constant"}})
    (swarm_here, _), (swarm_there, _) = both(race.swarm_job, himmelblau, None, swarm, 60, 10, None)
    assert not differences(swarm_here, swarm_there) and list(swarm_here) == ["adam", "momentum"]
    assert swarm_here["adam"][0].shape == (100, 2)

    entries = json.dumps({"gd": {"lr": 0.001}, "adam": {"lr": 0.1}, "lbfgs": {}})
    (race_here, _), (race_there, _) = both(race.race_job, himmelblau, None, entries, (-1.0, 3.0), 60)
    assert not differences(race_here, race_there) and list(race_here) == ["gd", "adam", "lbfgs"]

    line = problems.ProblemSpec("regression", "line", {"n": 50}, "mse")
    (map_here, _), (map_there, _) = both(race.map_job, line, None, (0.5, -0.5), 80)
    assert not differences(map_here, map_there) and np.isfinite(map_here.final).any()


def test_refusals_read_the_same_and_an_over_budget_training_never_reaches_the_cluster(dask):
    big = settings(n=400, widths="64, 64", epochs=300, batch=8)  # 11,400 steps: about 20 s of estimated work
    messages = []
    for remote in (False, True):
        with pytest.MonkeyPatch.context() as m:
            if not remote:
                m.delenv(jobs.ENV)
            with budget.limits(budget.SERVER), pytest.raises(InputError) as err:
                began = time.perf_counter()
                jobs.run(neural.train, big, precheck=True)
        messages.append(str(err.value))
    assert messages[0] == messages[1] and "this training run is too large" in messages[0]
    assert time.perf_counter() - began < 1.0 and not jobs.queue().jobs  # refused here, at once

    # the worker's own refusal (no precheck): a slice too fine for the budget, with what the request spent before
    s = settings()
    trained = neural.train(s)
    run = jobs.Result(neural.train, s, local=lambda: trained)  # the page's store: not charged again, as there
    for remote in (False, True):
        with pytest.MonkeyPatch.context() as m:
            if not remote:
                m.delenv(jobs.ENV)
            with budget.limits(budget.SERVER), pytest.raises(InputError) as err:
                budget.charge(budget.Cost(3.99), "earlier work", "")
                jobs.run(neural.random_plane, run, 201, 1.0, "filter", 0)
        messages.append(str(err.value))
    assert messages[2] == messages[3] and "and this request has already used" in messages[2]


def test_the_key_is_the_same_in_every_process(dask):
    state = budget.Spent(budget.Budget(4.0, 1 << 28, 10_000), 0.0, True)
    def key_of(args, state):
        return jobs.job_key(neural.train, jobs.identity(neural.train, args, {}), state)

    key = key_of((settings(),), state)
    c = jobs.client()
    assert c.submit(key_of, (settings(),), state, pure=False).result() == key
    assert key != key_of((settings(seed=1),), state)
    assert key != key_of((settings(),), budget.Spent(budget.Budget(4.0, 1 << 28, 10_000), 1.0, True))
    with pytest.raises(TypeError):  # not a plain value: no key rather than a random one
        key_of((object(),), state)


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


def wait_until(condition, seconds: float = 20.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the condition never held"
        time.sleep(0.02)


def test_quick_jobs_wait_behind_each_other_ahead_of_long_ones():
    q = jobs.Queue(limit=8)
    submitted = []
    job = partial(join_recorded, q, slots=1, submitted=submitted)
    long_1, long_2, quick_1, quick_2 = job("long 1", False), job("long 2", False), job("quick 1", True), \
        job("quick 2", True)
    assert submitted == ["long 1", "quick 1"]  # a slot of each kind
    assert [j.key for j in q.waiting] == ["quick 2", "long 2"]
    assert q.status(quick_2, 1).place == 1 and q.status(long_2, 1).place == 2
    assert q.status(long_2, 1).estimate == 2 * job_queue.FIRST_GUESS  # behind the long one running only
    with q.cond:
        q.finished(quick_1, timed=True)
        q.admit(1)
    assert submitted == ["long 1", "quick 1", "quick 2"] and [j.key for j in q.waiting] == ["long 2"]


def join_recorded(q: jobs.Queue, key: str, quick: bool, slots: int, submitted: list[str]) -> jobs.Job:
    """``q.join`` of a job whose submission, instead of reaching a cluster, appends its key to ``submitted``."""
    return q.join(key, lambda: jobs.Job(key, key, lambda: submitted.append(key) or FakeFuture(), False, quick), slots)


class FakeFuture:
    def add_done_callback(self, fn):
        pass


def test_an_unreachable_scheduler_gets_a_message(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    monkeypatch.setenv(jobs.ENV, f"tcp://127.0.0.1:{port}")
    monkeypatch.setattr(jobs, "CONNECT_TIMEOUT", 1.0)
    began = time.monotonic()
    with pytest.raises(jobs.Unreachable) as err:
        jobs.run(neural.train, settings())
    assert time.monotonic() - began < 5.0
    assert f"tcp://127.0.0.1:{port}" in str(err.value) and "try again in a minute" in str(err.value)
    began = time.monotonic()
    with pytest.raises(jobs.Unreachable):  # remembered for a while: no second wait
        jobs.run(neural.train, settings())
    assert time.monotonic() - began < 0.1
    at = _page("views/neural_landscape.py", n="200", widths="8", epochs="30", check=False)
    assert not at.exception and "compute workers do not answer" in at.error[0].value  # the page says so
    monkeypatch.delenv(jobs.ENV)
    assert jobs.run(lambda x: x + 1, 1) == 2  # without LANDSCAPE_DASK: here, as before


def test_the_warm_up_connects_to_the_class_server_before_a_student_needs_it(dask, monkeypatch):
    """On the class server the app's background warm-up (``landscape.warmup``) connects this process's client
    and imports the class database's code; with the scheduler unreachable it returns all the same."""
    jobs.close()
    warmup.warm()
    assert jobs._client is not None and jobs._client[0] == dask.scheduler_address
    assert "landscape.classroom" in sys.modules
    jobs.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens there
    monkeypatch.setenv(jobs.ENV, f"tcp://127.0.0.1:{port}")
    monkeypatch.setattr(jobs, "CONNECT_TIMEOUT", 1.0)
    warmup.warm()
    assert jobs._client is None


# ---- the page ------------------------------------------------------------------------------------------------------

def _clear_caches():
    import streamlit as st

    from landscape.ui import progress

    st.cache_data.clear()
    progress.store().clear()
    progress.views().clear()
    progress.paths().clear()


def _page(page: str, check: bool = True, **query):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    return ok(at) if check else at


@pytest.mark.parametrize("page, query, count, names", [
    ("views/neural_landscape.py", dict(n="200", widths="8", epochs="30", seed="7", res="21"), 3,
     {"train", "random_plane"}),
    ("views/overfitting.py", dict(epochs="100", seed="4"), 4, {"train_network"}),
    ("views/optimisers.py", {**dict(fn="himmelblau", swarm="1", swarm_n="10", map="1", opt="adam,momentum"),
                             "3d": "1"}, 5,  # the 3D surface switched on: every figure
     ["race_job", "swarm_job", "map_job"]),  # the race, the swarm (both optimisers in one task), the map
    ("views/outliers.py", dict(count="4", size="12", delta="2"), 5, ["view_job"]),  # fits, sweep, surfaces
])
def test_the_pages_compute_on_the_cluster_and_draw_the_same_numbers(cluster, monkeypatch, page, query, count, names):
    monkeypatch.delenv(jobs.ENV, raising=False)
    _clear_caches()
    here = _page(page, **query)
    monkeypatch.setenv(jobs.ENV, cluster.scheduler_address)
    jobs._queue = None
    _clear_caches()
    from distributed import get_task_stream

    with get_task_stream(client=jobs.client()) as stream:
        there = _page(page, **query)
    assert sorted(t["key"].split("-")[0] for t in stream.data) == sorted(names)  # each ran there, once
    assert [m.value for m in there.metric] == [m.value for m in here.metric]
    assert len(charts(there)) == len(charts(here)) == count
    for i in range(count):  # the figures as the browser receives them
        assert spec(there, i) == spec(here, i), i
    trainings = {"train", "train_network"} & set(names)
    assert len(jobs.queue().kept) == len(trainings)  # the network kept on the cluster: for its slices, and
    if trainings:  # for the page once its process, idle, has dropped its store: taken back, not trained again
        from landscape.ui import progress

        progress.store().clear()
        with get_task_stream(client=jobs.client()) as stream:
            again = _page(page, **query)
        assert not [t for t in stream.data if t["key"].split("-")[0] in trainings]
        assert [spec(again, i) for i in range(count)] == [spec(here, i) for i in range(count)]
    jobs._queue = None
