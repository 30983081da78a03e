"""The class server's scheduler preload (``landscape/scheduler_setup.py``): the spans Dask keeps for every busy
period of the cluster are dropped once they have ended, and the cluster goes on as before."""
import time

import pytest

from landscape import scheduler_setup


def inc(x):
    return x + 1


def double(x):
    return 2 * x


def _busy_periods(client, scheduler, n: int, start: int) -> None:
    """``n`` tasks one after the other, each forgotten before the next: each finds the cluster idle, so each
    gets a span of its own."""
    for i in range(start, start + n):
        future = client.submit(inc, i)
        key = future.key
        assert future.result() == i + 1
        del future
        deadline = time.monotonic() + 10
        while key in scheduler.tasks and time.monotonic() < deadline:
            time.sleep(0.01)


def _prune(client, grace: float) -> int:
    return client.run_on_scheduler(lambda dask_scheduler: scheduler_setup.prune(dask_scheduler, grace))


def _last_seen(cluster) -> float:
    return next(iter(cluster.scheduler.workers.values())).last_seen


@pytest.mark.timeout(60)
def test_ended_spans_are_dropped_and_the_cluster_goes_on():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                      scheduler_kwargs={"preload": [scheduler_setup.__file__]}) as cluster, Client(cluster) as client:
        scheduler = cluster.scheduler
        spans = scheduler.extensions["spans"]
        assert "prune-spans" in scheduler.periodic_callbacks
        kept = client.submit(double, 21)  # a result kept on the cluster, as jobs.run(keep=True) keeps one
        assert kept.result() == 42
        _busy_periods(client, scheduler, 20, 0)
        assert len(spans.spans) >= 20  # what Dask keeps for ever without the preload (dask/distributed#7977)

        assert _prune(client, scheduler_setup.GRACE) == 0  # all ended a moment ago: a heartbeat may still name them
        time.sleep(2.0)  # the worker's heartbeats have reported every span's timings
        dropped = _prune(client, 1.0)
        assert dropped >= 20 and len(spans.spans) == 1  # the kept result's span stays, with its task group
        assert [s.id for s in spans.root_spans] == list(spans.spans) == [s.id for s in spans.find_by_tags("default")]

        for round_ in range(3):  # many more busy periods, pruned: as many spans as before
            _busy_periods(client, scheduler, 10, 100 * (round_ + 1))
            time.sleep(1.5)
            _prune(client, 1.0)
            assert len(spans.spans) == 1
        seen = _last_seen(cluster)
        assert client.submit(double, 5).result() == 10  # a new task of the kept result's group: filed under its span
        assert kept.result() == 42 and client.submit(inc, 41).result() == 42
        time.sleep(1.5)
        assert _last_seen(cluster) > seen and len(scheduler.workers) == 1  # heartbeats still arrive
