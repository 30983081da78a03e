"""`make serve` (deploy/serve.py): HAProxy -> several app processes -> Dask, started and stopped as one.

Real processes on free loopback ports: the supervisor, Debian's haproxy, Streamlit apps, a Dask
scheduler and its workers.  Every process a test starts carries a tag in its environment
(``LLE_TEST_RUN``), inherited by every grandchild, so a test can find all of them and check that
none is left; the fixtures kill whatever carries their tag, whatever the test did.
"""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from serving import (COOKIE, ROOT, Served, StickySession, cmdline, environ, free_port, get, haproxy, port_free,
                     sticky_cookie, tagged)


# ---- a class server: 2 apps, a local Dask scheduler and 2 workers ----------------------------------

@pytest.fixture(scope="module")
def served():
    haproxy()
    s = Served("--apps", "2", "--dask-workers", "2")
    try:
        s.wait_for(r"serve: ready: ", 90)
        yield s
    finally:
        s.cleanup()


@pytest.mark.timeout(120)
def test_health_through_the_proxy_sets_the_sticky_cookie(served):
    status, headers, body = get(served.url + "/_stcore/health")
    assert (status, body) == (200, b"ok")
    app = sticky_cookie(headers)
    assert app in ("app1", "app2") and headers["X-Upstream"] == app
    assert all("HttpOnly" in h for h in headers.get_all("Set-Cookie") if h.startswith(COOKIE + "="))
    # a browser that has the cookie is not given another one (insert indirect), and stays
    for _ in range(5):
        status, headers, _ = get(served.url + "/_stcore/health", f"{COOKIE}={app}")
        assert status == 200 and headers["X-Upstream"] == app and sticky_cookie(headers) is None


@pytest.mark.browser
@pytest.mark.timeout(240)
def test_a_deep_link_through_the_proxy_trains_the_network_the_app_trains_alone(served, server, page):
    """A browser on the class server (proxy -> an app -> a Dask worker) reads the same numbers as on one
    plain app process computing in-process."""
    from e2e import errors_shown, open_page
    from test_browser_jobs import metrics
    from test_browser_neural import clean, wait_charts

    link = "/neural_landscape?widths=16&epochs=60&seed=3&res=21"
    open_page(page, served.url + link)
    wait_charts(page, 3)
    served_numbers = metrics(page)
    assert not errors_shown(page)
    assert any(c["name"] == COOKIE for c in page.context.cookies())  # the proxy's sticky cookie
    clean(page)
    open_page(page, server.url + link)
    wait_charts(page, 3)
    assert metrics(page) == served_numbers and len(served_numbers) == 6


@pytest.mark.timeout(120)
def test_new_visitors_are_spread_over_the_apps_and_each_stays_on_its_own(served):
    """Not by address: every visitor here is 127.0.0.1, as a class behind one NAT is one address."""
    assigned = [sticky_cookie(get(served.url + "/loss_surface")[1]) for _ in range(4)]
    assert set(assigned) == {"app1", "app2"}, assigned
    for app in assigned:
        for path in ("/_stcore/health", "/loss_surface", "/_stcore/host-config"):
            status, headers, _ = get(served.url + path, f"{COOKIE}={app}")
            assert status == 200 and headers["X-Upstream"] == app, (path, app, status)


@pytest.mark.timeout(120)
def test_websocket_sessions_through_the_proxy_land_and_stay_on_their_app(served):
    with StickySession(served.url) as a, StickySession(served.url) as b:
        a.open("/loss_surface", "family=regression")
        b.open("/loss_surface", "family=regression")
        assert {a.sticky, b.sticky} == {"app1", "app2"}, (a.sticky, b.sticky)  # leastconn: one each
        for s in (a, b):
            assert s.upstream == s.sticky
            assert s.last_run().finished and not s.last_run().exceptions()
            run = s.set_widget("Seed", 7)  # an interaction: a script run on the session's own process
            assert run.finished and not run.exceptions() and not run.errors(), (run.exceptions(), run.errors())
            assert s.widget("Seed").value == 7 and "seed=7" in s.query
    # reconnecting (a browser after a network blip) goes back to the same app, where the session is
    with StickySession(served.url, sticky="app2") as c:
        c.open("/loss_surface", "family=regression")
        assert c.upstream == "app2" and c.last_run().finished


@pytest.mark.timeout(120)
def test_every_part_runs_with_the_settings_it_needs(served):
    roles = served.children()
    assert len(roles["app"]) == 2 and len(roles["haproxy"]) == 1 and len(roles["scheduler"]) == 1, roles
    assert not roles["other"], {pid: cmdline(pid) for pid in roles["other"]}
    envs = [environ(pid) for pid in roles["app"]]
    secrets_ = {e["STREAMLIT_SERVER_COOKIE_SECRET"] for e in envs}
    assert len(secrets_) == 1 and len(secrets_.pop()) >= 32  # one secret: any app accepts the XSRF cookie
    assert all(e["STREAMLIT_RUNNER_POST_SCRIPT_GC"] == "false" for e in envs)
    scheduler = {e["LANDSCAPE_DASK"] for e in envs}
    assert len(scheduler) == 1 and re.fullmatch(r"tcp://127\.0\.0\.1:\d+", address := scheduler.pop())
    for pid in roles["app"]:  # the apps listen on loopback only; students reach them through the proxy
        assert cmdline(pid)[cmdline(pid).index("--server.address") + 1] == "127.0.0.1"

    from distributed import Client

    with Client(address, timeout="10s") as client:
        workers = client.scheduler_info()["workers"]
        assert len(workers) == 2 and all(w["nthreads"] == 1 for w in workers.values())
        assert all(w["host"] == "127.0.0.1" for w in workers.values())
        # the first worker is kept for the views pages wait for, the other takes the trainings (worker_role.py)
        assert sorted((w["name"], w["resources"]) for w in workers.values()) == \
            [("worker-0", {}), ("worker-1", {"long": 1.0})]

        def torch_threads():
            import torch
            return torch.get_num_threads()

        def profiler_running(dask_worker):
            return "profile" in dask_worker.periodic_callbacks or len(dask_worker.profile_history) > 0

        # workers x threads x torch threads = 2 x 1 x 1: never more than the cores
        assert set(client.run(torch_threads).values()) == {1}
        def records(dask_worker=None, dask_scheduler=None):
            import dask
            return dask.config.get("distributed.admin.low-level-log-length")

        def prunes_spans(dask_scheduler):
            return "prune-spans" in dask_scheduler.periodic_callbacks

        # serve.DASK_SETTINGS and scheduler_setup.py: no records that grow with every class
        assert set(client.run(profiler_running).values()) == {False}
        assert set(client.run(records).values()) == {100} and client.run_on_scheduler(records) == 100
        assert client.run_on_scheduler(prunes_spans)
        assert len(workers) <= len(os.sched_getaffinity(0))


# ---- stopping, and an app that dies --------------------------------------------------------------

@pytest.mark.timeout(150)
def test_a_dead_app_is_restarted_and_sigterm_stops_every_process():
    s = Served("--apps", "2", "--dask-workers", "2")
    try:
        s.wait_for(r"serve: ready: ", 90)
        roles = s.children()
        assert len(roles["workers"]) >= 3, roles  # the worker command and its 2 worker processes
        app1 = next(pid for pid in roles["app"] if environ(pid)["LANDSCAPE_APP"] == "app1")
        app_ports = [int(cmdline(pid)[cmdline(pid).index("--server.port") + 1]) for pid in roles["app"]]

        os.kill(app1, signal.SIGKILL)
        dead_by = time.monotonic() + 5  # the signal is delivered, not yet acted on, when os.kill returns
        while _running(app1):
            assert time.monotonic() < dead_by, "app1 outlived SIGKILL"
            time.sleep(0.01)
        # its students are answered at once, not shown an error: by the other app (HAProxy's retry and
        # redispatch), or by the new app1 when its restart was quicker than HAProxy's retry a second later
        status, headers, _ = get(s.url + "/_stcore/health", f"{COOKIE}=app1")
        assert status == 200 and headers["X-Upstream"] in ("app1", "app2")
        s.wait_for(r"app1 \(pid \d+\) killed by SIGKILL; restarting it", 10)
        s.wait_for(r"app1 \(pid \d+\) is back", 60)
        deadline = time.monotonic() + 15  # HAProxy's check brings it back (rise 2 x 2 s)
        while get(s.url + "/_stcore/health", f"{COOKIE}=app1")[1]["X-Upstream"] != "app1":
            assert time.monotonic() < deadline, "HAProxy did not take app1 back"
            time.sleep(0.5)

        started = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        assert s.finish(60) == 0, s.output
        assert time.monotonic() - started < 30
        assert "SIGTERM: stopping everything" in s.output and s.lines[-1] == "serve: stopped"
        assert tagged(s.tag) == [], {pid: cmdline(pid) for pid in tagged(s.tag)}
        assert all(port_free(p) for p in [s.port, *app_ports])
    finally:
        s.cleanup()


def _running(pid: int) -> bool:
    """Whether ``pid`` still runs (not gone, not a zombie waiting for its parent)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_given_scheduler_is_used_and_no_local_one_is_started():
    """DASK=tcp://host:port: a cluster that runs elsewhere (here: a scheduler this test starts)."""
    haproxy()
    port, tag = free_port(), uuid.uuid4().hex
    scheduler = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", str(port),
         "--no-dashboard"], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        env={**os.environ, "LLE_TEST_RUN": tag})
    s = None
    try:
        deadline = time.monotonic() + 30
        while not _connects(port):
            assert time.monotonic() < deadline and scheduler.poll() is None, "the test's scheduler did not start"
            time.sleep(0.2)
        s = Served("--apps", "1", "--dask", f"127.0.0.1:{port}")
        s.wait_for(r"serve: ready: ", 90)
        assert f"Dask scheduler tcp://127.0.0.1:{port} (given, reachable)" in s.output
        roles = s.children()
        assert not roles["scheduler"] and not roles["workers"] and len(roles["app"]) == 1, roles
        assert environ(roles["app"][0])["LANDSCAPE_DASK"] == f"tcp://127.0.0.1:{port}"
        s.proc.send_signal(signal.SIGTERM)
        assert s.finish(60) == 0 and tagged(s.tag) == []
        assert scheduler.poll() is None  # not ours to stop
    finally:
        if s is not None:
            s.cleanup()
        scheduler.terminate()
        scheduler.wait(30)


def _connects(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False
