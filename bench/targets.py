"""Where bench/load.py's students go: the tests' app server (--app), the class server (--serve), or a running
--url, each with the server process ids to sample."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

from appserver import free_port, wait_healthy
from procs import listener_pids, supervisor_of

ROOT = Path(__file__).resolve().parent.parent

SUPERVISOR = ROOT / "deploy" / "serve.py"  # the class server's supervisor (what `make serve` runs)


def serve_command(port: int, extra: list[str]) -> list[str] | None:
    """How to start the class server on loopback ``port``: ``make serve`` when the Makefile has the
    target, else its supervisor script; None when the repository has neither."""
    if re.search(r"^serve\s*:", (ROOT / "Makefile").read_text(), re.MULTILINE):
        return ["make", "-s", "serve", f"PORT={port}", "ADDRESS=127.0.0.1", *extra]
    if SUPERVISOR.exists():
        return [sys.executable, str(SUPERVISOR), "--port", str(port), "--address", "127.0.0.1", *extra]
    return None


def _group_alive(pgid: int) -> bool:
    for entry in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = Path(f"/proc/{entry}/stat").read_text()
            if int(text[text.rindex(")") + 2:].split()[2]) == pgid:
                return True
    return False


class ServeTarget:
    """The class server (``make serve``, else ``deploy/serve.py``) on a free loopback port, in a process
    group of its own: stopped with SIGTERM to that group (the supervisor stops what it started), then
    SIGKILL after 30 s."""

    def __init__(self, extra: list[str]):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = serve_command(self.port, extra)
        if argv is None:
            raise SystemExit("--serve: no `make serve` target and no deploy/serve.py in this repository yet; "
                             "start the class server yourself and give --url (and its supervisor's pid, --pids)")
        self.log = tempfile.NamedTemporaryFile("w+", prefix=f"load-serve-{self.port}-", suffix=".log", delete=False)
        print(f"starting {' '.join(argv)} (log {self.log.name})", flush=True)
        self.proc = subprocess.Popen(argv, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.pids = [self.proc.pid]
        deadline = time.monotonic() + 240
        healthy = wait_healthy(self.url, 240, self.proc)
        while healthy and self.proc.poll() is None and time.monotonic() < deadline:  # the supervisor's word
            text = Path(self.log.name).read_text(errors="replace")
            if "serve:" not in text or re.search(r"^serve: ready", text, re.MULTILINE):
                break
            time.sleep(0.3)
        if not healthy or self.proc.poll() is not None:
            self.stop(keep_log=True)
            raise SystemExit(f"the class server did not start on {self.url}; its log: {self.log.name}\n"
                             + Path(self.log.name).read_text(errors="replace")[-3000:])

    def stop(self, keep_log: bool = False) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _group_alive(self.proc.pid) and time.monotonic() < deadline:
            self.proc.poll()  # reap it
            time.sleep(0.2)
        if _group_alive(self.proc.pid):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(10)
        self.log.close()
        if not keep_log:
            Path(self.log.name).unlink(missing_ok=True)


class AppTarget:
    """``streamlit run app.py`` on a free loopback port, as the tests start it (one Server class for both)."""

    def __init__(self):
        try:
            from appserver import Server  # bench/appserver.py
        except ImportError:  # before the Server moved out of tests/conftest.py
            sys.path.insert(0, str(ROOT / "tests"))
            from conftest import Server

        self.server = Server()
        self.url, self.pids = self.server.url, [self.server.proc.pid]

    def stop(self) -> None:
        self.server.stop()


class UrlTarget:
    def __init__(self, url: str, pids: list[int]):
        self.url = url.rstrip("/")
        if not wait_healthy(self.url, 10):
            raise SystemExit(f"{self.url}: no answer on /_stcore/health")
        port = urllib.parse.urlsplit(self.url).port or 80
        self.pids = pids or sorted({supervisor_of(p) for p in listener_pids(port)})
        if not self.pids:
            print(f"note: no process of this user listens on port {port}; give --pids to sample the server",
                  file=sys.stderr)

    def stop(self) -> None:
        pass
