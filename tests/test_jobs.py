"""Heavy work on Dask distributed (landscape.jobs, issue 13): the same bits as in the web process (trainings and
their views, races, swarms, maps, refusals, the job's key, every page's figures) and a clear message without a
cluster.  This process's queue of jobs is test_job_queue.py's.

The ``dask`` fixture (conftest.py): one ``distributed.LocalCluster`` for the session, one worker process of one
thread on loopback, as ``make serve`` starts them (1 thread, 1 torch thread each).
"""
from __future__ import annotations

import dataclasses
import json
import socket
import sys
import time

import cloudpickle
import numpy as np
import pytest
from apptest import ROOT, charts, ok, spec

from landscape import budget, jobs, neural, problems, race, warmup
from landscape.types import InputError

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the worker cannot import tests/: send our functions

SMALL = dict(data="moons", n=200, noise=0.15, widths="8", activation="tanh", optimizer="adam", lr=0.01, batch=32,
             epochs=30, wd=0.0, seed=0)


def settings(**change) -> str:
    return json.dumps(SMALL | change, sort_keys=True)


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


# ---- without a cluster ---------------------------------------------------------------------------------------------

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
