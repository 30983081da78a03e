"""The class server's processes, read from /proc: which processes serve a port, their tree, and a sampler of
their resident memory and CPU while a bench runs (bench/load.py)."""

from __future__ import annotations

import itertools
import os
import threading
import time
from pathlib import Path

import numpy as np

HZ = os.sysconf("SC_CLK_TCK")


def stat(pid: int) -> tuple[str, int, int] | None:
    """(name, parent pid, CPU ticks used) of a process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name, rest = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
    return name, int(rest[1]), int(rest[11]) + int(rest[12])


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (all its threads); 0 if it is gone."""
    st = stat(pid)
    return 0.0 if st is None else st[2] / HZ


def _rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return 0  # a zombie has no VmRSS


def busy_cores(seconds: float = 1.0) -> float:
    """Cores the whole machine keeps busy over ``seconds`` (from /proc/stat): what other work, or the
    processes of a run that just ended, take from the one about to be measured."""
    total0, idle0 = _machine_ticks()
    time.sleep(seconds)
    total1, idle1 = _machine_ticks()
    return (os.cpu_count() or 1) * (1 - (idle1 - idle0) / max(1, total1 - total0))


def _machine_ticks() -> tuple[int, int]:
    """All CPU ticks of the machine so far, and those spent idle or waiting for I/O (/proc/stat's first line)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields), fields[3] + fields[4]


def process_tree(roots: list[int]) -> list[int]:
    """``roots`` and all their descendants that are alive."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := stat(int(entry))) is not None:
            parents[int(entry)] = st[1]
    tree, todo = [], [r for r in roots if r in parents]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(c for c, p in parents.items() if p == pid and c not in tree)
    return sorted(tree)


def listener_pids(port: int) -> list[int]:
    """The processes (of this user) that listen on a TCP port of this machine."""
    inodes = set()
    for table_path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table_path).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            if cols[3] == "0A" and int(cols[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{cols[9]}]")
    pids = set()
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            if any(os.readlink(f"/proc/{entry}/fd/{fd}") in inodes for fd in os.listdir(f"/proc/{entry}/fd")):
                pids.add(int(entry))
        except OSError:
            continue
    return sorted(pids)


def label(pid: int, default: str) -> str:
    """A readable name for a process: the program or script, and the port it was told to serve on."""
    argv = _cmdline(pid)
    if not argv:
        return default
    name, rest = Path(argv[0]).name, argv[1:]
    if name.startswith("python") and rest:
        if rest[0] == "-m" and len(rest) > 1:
            name, rest = rest[1], rest[2:]
        elif "-c" in rest:  # multiprocessing's children (Dask's worker processes): python -c "from multiprocessing..."
            name, rest = "python -c" + (" (multiprocessing)" if any("multiprocessing" in a for a in rest) else ""), []
        elif not rest[0].startswith("-"):
            name, rest = Path(rest[0]).name, rest[1:]
    port = next((b for a, b in itertools.pairwise(rest) if a in ("--server.port", "--port")), None)
    port = port or next((a.split("=", 1)[1] for a in rest if a.startswith(("--server.port=", "--port="))), None)
    return (f"{name}:{port}" if port else name)[:40]


class Sampler:
    """Every ``interval`` seconds: each server process's RSS and CPU ticks (a background thread)."""

    def __init__(self, roots: list[int], interval: float):
        self.roots, self.interval = roots, interval
        self.samples: list[tuple[float, dict[int, tuple[str, int, int]]]] = []  # (t, {pid: (name, kB, ticks)})
        self.lock = threading.Lock()
        self.labels: dict[int, str] = {}
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True, name="sampler")
        self.sample()
        self.thread.start()

    def sample(self) -> None:
        now, found = time.monotonic(), {}
        for pid in process_tree(self.roots):
            st, rss = stat(pid), _rss_kb(pid)
            if st is not None and rss is not None:
                if pid not in self.labels:
                    self.labels[pid] = label(pid, st[0])
                found[pid] = (self.labels[pid], rss, st[2])
        with self.lock:
            self.samples.append((now, found))

    def _loop(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()

    def close(self) -> None:
        self.stopped.set()
        self.thread.join(5)

    def window(self, t0: float, t1: float) -> dict:
        """Per process and in all, between ``t0`` and ``t1``: RSS start / peak / end (MB), CPU cores mean / peak."""
        with self.lock:
            inside = [s for s in self.samples if t0 - self.interval <= s[0] <= t1 + self.interval]
        procs, total_series = {}, {}
        for pid in sorted({p for _, found in inside for p in found}):
            series = [(t, found[pid]) for t, found in inside if pid in found]
            rss = [v[1] / 1024 for _, v in series]
            rates = [(b[1][2] - a[1][2]) / HZ / (b[0] - a[0]) for a, b in itertools.pairwise(series) if b[0] > a[0]]
            span = series[-1][0] - series[0][0]
            procs[str(pid)] = {
                "name": series[-1][1][0], "rss_mb_start": round(rss[0], 1), "rss_mb_peak": round(max(rss), 1),
                "rss_mb_end": round(rss[-1], 1),
                "cpu_cores_mean": round((series[-1][1][2] - series[0][1][2]) / HZ / span, 3) if span > 0 else None,
                "cpu_cores_peak": round(max(rates), 3) if rates else None}
            for (ta, a), (tb, b) in itertools.pairwise(series):
                total_series.setdefault(tb, []).append((b[2] - a[2]) / HZ / (tb - ta))
        cores = [sum(v) for _, v in sorted(total_series.items())]
        return {"processes": procs, "cpu_cores_mean": round(float(np.mean(cores)), 3) if cores else None,
                "cpu_cores_peak": round(max(cores), 3) if cores else None}

    def rss_now(self) -> dict[str, dict]:
        self.sample()
        with self.lock:
            return {str(pid): {"name": v[0], "rss_mb": round(v[1] / 1024, 1)} for pid, v in self.samples[-1][1].items()}

    def settle(self, limit: float, below: float = 0.3) -> float:
        """Wait (at most ``limit`` s) until the processes use less than ``below`` cores over two intervals."""
        start = time.monotonic()
        while time.monotonic() - start < limit:
            time.sleep(self.interval)
            with self.lock:
                last = self.samples[-3:]
            if len(last) == 3 and last[0][0] >= start:
                used = sum(last[-1][1].get(p, (0, 0, 0))[2] - v[2] for p, v in last[0][1].items())
                if used / HZ / (last[-1][0] - last[0][0]) < below:
                    break
        return time.monotonic() - start


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")[:-1]
    except OSError:
        return []


def supervisor_of(pid: int) -> int:
    """The class server's supervisor (``serve.py``) among ``pid``'s ancestors, else ``pid`` itself: a
    proxy's app processes are its siblings, not its children."""
    ancestor = pid
    while ancestor > 1 and (st := stat(ancestor)) is not None:
        if any(Path(a).name == "serve.py" for a in _cmdline(ancestor)[:3]):
            return ancestor
        ancestor = st[1]
    return pid
