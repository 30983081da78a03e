"""Running `make serve` (deploy/serve.py) in a test: the supervisor as a tagged process group (``Served``),
finding every process a test started by its tag, plain HTTP through the proxy, and a websocket session
that keeps the proxy's sticky cookie (``StickySession``).  Used by test_serve, test_serve_input and
test_class_serve.
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
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from appserver import free_port  # noqa: F401 - bench/appserver.py's, re-exported to the tests
from protocol import XSRF_COOKIE, Session

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


def cookie(headers, name: str) -> str | None:
    """The value of the cookie ``name`` that an answer's Set-Cookie headers set, if any."""
    for header in headers.get_all("Set-Cookie") or []:
        jar = http.cookies.SimpleCookie()
        jar.load(header)
        if name in jar:
            return jar[name].value
    return None


def sticky_cookie(headers) -> str | None:
    return cookie(headers, COOKIE)


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
        return cookie(headers, XSRF_COOKIE)

    def cookies(self, xsrf: str | None = None) -> str | None:
        parts = ([f"{COOKIE}={self.sticky}"] if self.sticky else []) + ([f"{XSRF_COOKIE}={xsrf}"] if xsrf else [])
        return "; ".join(parts) or None

    def connect(self) -> None:
        token = self._xsrf_cookie()
        self._open_websocket(token, {"Origin": self.origin, "Cookie": self.cookies(token)})
        self.upstream = self.ws.response.headers.get("X-Upstream", "")
