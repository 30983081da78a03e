"""The app as a real server for tests and benchmarks: ``streamlit run app.py`` on a free loopback port.

    server = Server()                # waits until /_stcore/health answers (at most 60 s)
    Session(server.url).open(...)    # bench/protocol.py
    server.rss_kb(), server.cpu_seconds()
    server.stop()                    # terminate, then kill after 10 s; the log is removed

The server runs torch on one thread (``LANDSCAPE_THREADS=1``), as the app does by default, and writes
its output to ``<log_dir>/.server-<port>.log`` (``server.log_text()``).  Linux only for the /proc
readings (peak memory, CPU time).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, seconds: float, proc: subprocess.Popen | None = None) -> bool:
    """Whether ``url``'s ``/_stcore/health`` answers 200 within ``seconds`` (False at once if ``proc`` ends)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


class Server:
    """``streamlit run app.py`` on 127.0.0.1:<free port>, stopped by its owner (``stop()``)."""

    def __init__(self, log_dir: Path | str = ROOT / "tests", extra_args: tuple[str, ...] = (),
                 env: dict[str, str] | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(log_dir) / f".server-{self.port}.log", "w+")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
             "--server.port", str(self.port), "--server.headless", "true", *extra_args],
            cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            env={**os.environ, "LANDSCAPE_THREADS": "1", **(env or {})})
        self.pid = self.proc.pid
        if wait_healthy(self.url, START_SECONDS, self.proc):
            return
        text = self.log_text()
        self.stop()
        raise RuntimeError(f"streamlit did not start:\n{text}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ---- what the process uses ------------------------------------------------------------------

    def log_size(self) -> int:
        return os.path.getsize(self.log.name)

    def log_text(self, offset: int = 0) -> str:
        """The server's output from byte ``offset`` on."""
        with open(self.log.name, "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def _status_kb(self, field: str) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise KeyError(field)

    def rss_kb(self) -> int:
        """Resident memory now (VmRSS), in KiB."""
        return self._status_kb("VmRSS")

    def peak_rss_kb(self) -> int:
        """The high-water mark of resident memory (VmHWM) since the start or ``reset_peak()``, in KiB."""
        return self._status_kb("VmHWM")

    def reset_peak(self) -> None:
        """Start the high-water mark afresh from the current resident memory (``clear_refs`` value 5)."""
        with open(f"/proc/{self.pid}/clear_refs", "w") as f:
            f.write("5")

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (all its threads)."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
