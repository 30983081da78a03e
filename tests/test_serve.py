"""`make serve` (deploy/serve.py): HAProxy -> several app processes -> Dask, started and stopped as one.

Real processes on free loopback ports: the supervisor, Debian's haproxy, Streamlit apps, a Dask
scheduler and its workers.  Every process a test starts carries a tag in its environment
(``LLE_TEST_RUN``), inherited by every grandchild, so a test can find all of them and check that
none is left; the fixtures kill whatever carries their tag, whatever the test did.
"""
from __future__ import annotations

import contextlib
import http.cookies
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
import yaml
from protocol import PLACEHOLDER_TOKEN, XSRF_COOKIE, Session
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SERVE = DEPLOY / "serve.py"
COOKIE = "lle_app"
HAPROXY = shutil.which("haproxy") or next(
    (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if os.access(p, os.X_OK)), None)


def haproxy() -> str:
    if HAPROXY is None:
        pytest.fail("haproxy is not installed: `make test` installs Debian's haproxy")
    return HAPROXY


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tagged(tag: str) -> list[int]:
    """Live processes whose environment carries ``LLE_TEST_RUN=<tag>``."""
    needle = f"LLE_TEST_RUN={tag}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if needle in Path(entry.path, "environ").read_bytes().split(b"\0"):
                stat = Path(entry.path, "stat").read_text()
                if stat[stat.rindex(")") + 2] != "Z":
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")
    except OSError:
        return []


def environ(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace").split("\0")
    return dict(item.split("=", 1) for item in raw if "=" in item)


def get(url: str, cookie: str | None = None, timeout: float = 10) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, b""


def sticky_cookie(headers) -> str | None:
    for header in headers.get_all("Set-Cookie") or []:
        jar = http.cookies.SimpleCookie()
        jar.load(header)
        if COOKIE in jar:
            return jar[COOKIE].value
    return None


class Served:
    """``deploy/serve.py`` on a free loopback port, its output collected line by line."""

    def __init__(self, *args: str, port: int | None = None, env: dict | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tag = uuid.uuid4().hex
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVE), "--port", str(self.port), *args], cwd=ROOT, text=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env={**os.environ, "LLE_TEST_RUN": self.tag, **(env or {})})
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if m := re.search(pattern, line):
                    return m
            if self.proc.poll() is not None:
                self._reader.join(5)
                for line in self.lines:
                    if m := re.search(pattern, line):
                        return m
                raise AssertionError(f"serve exited ({self.proc.returncode}) before {pattern!r}:\n{self.output}")
            time.sleep(0.1)
        raise AssertionError(f"no {pattern!r} within {timeout} s:\n{self.output}")

    def finish(self, timeout: float = 60) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(5)
        return code

    def cleanup(self) -> None:
        """Whatever happened: SIGTERM the supervisor, then SIGKILL anything left with this run's tag."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(40)
        for pid in tagged(self.tag):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def children(self) -> dict[str, list[int]]:
        """The tagged processes by role."""
        roles: dict[str, list[int]] = {"app": [], "haproxy": [], "scheduler": [], "workers": [], "other": []}
        for pid in tagged(self.tag):
            cmd = " ".join(cmdline(pid))
            if pid == self.proc.pid:
                continue
            role = ("app" if "streamlit run" in cmd else "haproxy" if "haproxy" in cmd
                    else "scheduler" if "dask_scheduler" in cmd else "workers" if "dask_worker" in cmd
                    or "distributed" in cmd or "multiprocessing" in cmd else "other")
            roles[role].append(pid)
        return roles


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class StickySession(Session):
    """``protocol.Session`` that keeps the proxy's sticky cookie as a browser does: it comes with the
    first HTTP answer and goes back on every later request, the websocket's included."""

    def __init__(self, base_url: str, sticky: str | None = None, timeout: float = 30):
        super().__init__(base_url, timeout)
        self.sticky = sticky
        self.upstream = ""  # the app that answered the websocket upgrade (X-Upstream)

    def _xsrf_cookie(self) -> str | None:
        status, headers, _ = get(self.base_url + "/_stcore/health", self.cookies(), self.timeout)
        assert status == 200
        self.sticky = sticky_cookie(headers) or self.sticky
        for header in headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie()
            jar.load(header)
            if XSRF_COOKIE in jar:
                return jar[XSRF_COOKIE].value
        return None

    def cookies(self, xsrf: str | None = None) -> str | None:
        parts = ([f"{COOKIE}={self.sticky}"] if self.sticky else []) + ([f"{XSRF_COOKIE}={xsrf}"] if xsrf else [])
        return "; ".join(parts) or None

    def connect(self) -> None:
        token = self._xsrf_cookie()
        headers = {"Origin": self.origin, "Cookie": self.cookies(token)}
        self._stack = contextlib.ExitStack()
        self.ws = self._stack.enter_context(connect(
            self.ws_url, subprotocols=["streamlit", token or PLACEHOLDER_TOKEN], additional_headers=headers,
            open_timeout=self.timeout, close_timeout=2, max_size=64 * 2**20))
        self.upstream = self.ws.response.headers.get("X-Upstream", "")


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

        def torch_threads():
            import torch
            return torch.get_num_threads()

        # workers x threads x torch threads = 2 x 1 x 1: never more than the cores
        assert set(client.run(torch_threads).values()) == {1}
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
        # its students are sent to the other app at once (retry + redispatch), not shown an error
        status, headers, _ = get(s.url + "/_stcore/health", f"{COOKIE}=app1")
        assert status == 200 and headers["X-Upstream"] == "app2"
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


# ---- bad input: a message, a non-zero exit, nothing started ----------------------------------------

def _listener() -> socket.socket:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(1)
    return sock


BAD = [
    pytest.param(["--apps", "0"], {}, "APPS='0': must be a positive whole number", id="apps-zero"),
    pytest.param(["--apps", "-3"], {}, "APPS='-3': must be a positive whole number", id="apps-negative"),
    pytest.param(["--apps", "two"], {}, "APPS='two': must be a positive whole number", id="apps-text"),
    pytest.param(["--apps", "1.5"], {}, "APPS='1.5': must be a positive whole number", id="apps-fraction"),
    pytest.param(["--apps", "17"], {}, "APPS=17: at most 16 app processes", id="apps-too-many"),
    pytest.param(["--dask-workers", "99"], {}, "DASK_WORKERS=99: more than the", id="workers-over-cores"),
    pytest.param(["--port", "http"], {}, "PORT='http': must be a whole number", id="port-text"),
    pytest.param(["--address", "no-such-host.invalid"], {}, "ADDRESS='no-such-host.invalid': not an address",
                 id="address-unknown"),
    pytest.param([], {"HAPROXY": "/nonexistent/haproxy"}, "HAPROXY='/nonexistent/haproxy': no such executable",
                 id="proxy-missing"),
    pytest.param(["--dask", "tcp://127.0.0.1:{closed}"], {},
                 r"cannot reach the Dask scheduler at tcp://127.0.0.1:{closed} \(Connection refused", id="dask-down"),
    pytest.param(["--dask", "http://example"], {}, "DASK='http://example': give a scheduler address like",
                 id="dask-not-an-address"),
    pytest.param(["--port", "{busy}"], {}, r"port {busy} is in use on 127.0.0.1", id="port-in-use"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("args,env,message", BAD)
def test_bad_input_is_refused_before_anything_starts(args, env, message):
    haproxy()
    with _listener() as busy:
        ports = {"busy": busy.getsockname()[1], "closed": free_port()}
        args = [a.format(**ports) for a in args]
        port = None if "--port" in args else free_port()
        s = Served(*args, port=port, env=env)
        try:
            started = time.monotonic()
            assert s.finish(30) == 2, s.output
            assert time.monotonic() - started < 15
            assert re.search("serve: " + message.format(**ports), s.output), s.output
            assert "Traceback" not in s.output and "ready" not in s.output
            assert tagged(s.tag) == []
        finally:
            s.cleanup()


@pytest.mark.timeout(120)
def test_a_part_that_fails_late_stops_what_was_started(tmp_path):
    """The proxy's port is taken between the check and HAProxy's start (here: a HAProxy that cannot
    bind): the app that was already running is stopped too, the proxy's words are shown, status 1."""
    fake = tmp_path / "haproxy"
    fake.write_text(f'#!/bin/sh\n[ "$1" = -c ] && exec {haproxy()} "$@"\n'
                    'echo "[ALERT] (1) : Binding [deploy/haproxy.cfg:46] for frontend class: cannot bind socket"\n'
                    "exit 1\n")
    fake.chmod(0o755)
    s = Served("--apps", "1", "--dask", "none", env={"HAPROXY": str(fake)})
    try:
        s.wait_for(r"app1 http://127\.0\.0\.1:\d+ \(pid \d+\) ready", 60)
        assert s.finish(60) == 1, s.output
        assert "haproxy exited with status 1 while starting HAProxy" in s.output
        assert "cannot bind socket" in s.output and "serve: ready" not in s.output
        assert tagged(s.tag) == [], {pid: cmdline(pid) for pid in tagged(s.tag)}
        kept = re.search(r"logs kept in (\S+)", s.output)
        assert kept and Path(kept[1], "app1.log").exists()
        shutil.rmtree(kept[1], ignore_errors=True)
    finally:
        s.cleanup()


# ---- the deployment kit (no docker engine here: what can be checked without one) --------------------

def test_compose_file_uses_the_one_proxy_config_and_shares_one_cookie_secret():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    apps = sorted(name for name in services if re.fullmatch(r"app\d+", name))
    assert len(apps) >= 2 and {"proxy", "scheduler", "workers"} <= set(services)
    proxy = services["proxy"]
    assert any(v.startswith("./haproxy.cfg:") for v in proxy["volumes"])
    assert {proxy["environment"][f"LLE_APP_{i}"] for i in range(1, len(apps) + 1)} == {f"{a}:8501" for a in apps}
    secrets_ = {services[a]["environment"]["STREAMLIT_SERVER_COOKIE_SECRET"] for a in apps}
    assert len(secrets_) == 1 and "LLE_COOKIE_SECRET:?" in secrets_.pop()  # required, never a default
    for a in apps:
        env = services[a]["environment"]
        assert env["LANDSCAPE_DASK"] == "tcp://scheduler:8786" and env["STREAMLIT_RUNNER_POST_SCRIPT_GC"] == "false"
    assert "--nthreads 1" in " ".join(services["workers"]["command"])


def test_the_proxy_config_is_valid_for_make_serve_and_for_compose():
    base = {k: v for k, v in os.environ.items() if not k.startswith("LLE_")}
    for env in ({"LLE_BIND": "127.0.0.1:8501", "LLE_APP_1": "127.0.0.1:9001", "LLE_APP_2": "127.0.0.1:9002"},
                {"LLE_BIND": ":8080", "LLE_APP_1": "app1:8501", "LLE_APP_2": "app2:8501", "LLE_APP_3": "app3:8501",
                 "LLE_RESOLVER": "127.0.0.11:53"}):
        check = subprocess.run([haproxy(), "-c", "-f", str(DEPLOY / "haproxy.cfg")], env=base | env,
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr


def test_dockerfile_class_config_and_streamlit_floor():
    docker = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", docker, re.M)
    users = re.findall(r"^USER (\S+)", docker, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(r"^HEALTHCHECK .*/_stcore/health", docker, re.M | re.S)
    assert docker.index("torch") < docker.index('".[serve]"')  # CPU torch first, then the app
    config = tomllib.loads((DEPLOY / "config.toml").read_text())
    server = config["server"]
    assert server["enableXsrfProtection"] and server["maxUploadSize"] <= 5 and server["allowedHosts"]
    assert "cookieSecret" not in server  # every replica gets the same one from its environment
    assert config["client"]["toolbarMode"] == "viewer" and config["browser"]["gatherUsageStats"] is False
    assert config["runner"]["postScriptGC"] is False
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    floor = next(d for d in project["dependencies"] if d.startswith("streamlit"))
    m = re.search(r">=\s*(\d+)\.(\d+)", floor)
    assert m and (int(m[1]), int(m[2])) >= (1, 54), floor
    assert any(d.startswith("distributed") for d in project["optional-dependencies"]["serve"])
