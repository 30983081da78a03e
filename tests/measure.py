"""Time and peak memory of a block of test code, from /proc/self/status (Linux)."""
from __future__ import annotations

import time
from contextlib import contextmanager

LIMIT_MB = 500  # issue 10: no request may grow the process's peak memory by this much


def status_kb(field: str) -> int:
    """A /proc/self/status field in kB (VmRSS, VmHWM, ...)."""
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field + ":"))


@contextmanager
def bounded(seconds: float, mb: float = LIMIT_MB):
    """The block runs within ``seconds`` and adds less than ``mb`` to the peak resident memory;
    the yielded dict gets the measured ``seconds`` and ``mb``."""
    try:  # reset VmHWM to the current RSS (Linux >= 4.0), so the peak is this block's
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass
    base = status_kb("VmRSS")
    start = time.perf_counter()
    report = {}
    yield report
    report["seconds"] = time.perf_counter() - start
    report["mb"] = (status_kb("VmHWM") - base) / 1024
    assert report["seconds"] < seconds, report
    assert report["mb"] < mb, report
