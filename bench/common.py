"""Shared by the benchmarks: best-of timing, a table printer, peak memory of a child process."""
from __future__ import annotations

import json
import subprocess
import sys
import time


def best_time(fn, repeat: int = 3) -> float:
    """The fastest of ``repeat`` runs, in seconds (the least disturbed by other processes)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def table(rows: list[tuple], header: tuple) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))


def peak_extra_mb(setup: str, work: str) -> float:
    """Peak resident memory added by ``work`` after ``setup``, measured in a fresh Python process.

    Read from VmHWM (Linux): unlike ``ru_maxrss``, it starts afresh at exec and does not inherit
    the high-water mark of the parent that forked the child.
    """
    code = (f"{setup}\n"
            "def hwm():\n"
            "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM'))\n"
            "base = hwm()\n"
            f"{work}\n"
            "print((hwm() - base) / 1024)")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return float(out.split()[-1])


def emit(results: dict) -> None:
    """The last line of every benchmark: one JSON object with every figure measured."""
    print(json.dumps(results))



