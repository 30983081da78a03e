"""The GIL convoy, measured side by side in one run: a race (Adam, STEPS steps on Rosenbrock, as the Optimisers
page computes it) alone, then beside one busy pure-Python thread (another session's script building a figure),
at Python's default switch interval and at ``runtime.SWITCH_INTERVAL``; and what the shorter interval costs two
busy pure-Python threads.

torch gives up the GIL around each of the race's ~30 ops a step; beside a busy thread each one waits up to a
switch interval to take it back.  Prints a table, then as its last line one JSON object with every figure.

    python bench/gil_convoy.py [--steps 300]
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import best_time, emit, table  # noqa: E402

from landscape import optim, problems, runtime  # noqa: E402

PYTHON_WORK = 3_000_000  # loop iterations of each busy thread in the throughput check
DEFAULT_INTERVAL = 0.005  # Python's own


def race(obj, steps: int) -> None:
    optim.race(obj, {"adam": {}}, start=optim.default_start(obj), steps=steps)


def spin(stop: threading.Event) -> None:
    x = 0
    while not stop.is_set():
        for i in range(1000):
            x += i * i


def beside_busy_thread(fn) -> float:
    """Wall time of ``fn()`` while one other thread runs pure Python."""
    stop = threading.Event()
    busy = threading.Thread(target=spin, args=(stop,), daemon=True)
    busy.start()
    time.sleep(0.05)
    try:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start
    finally:
        stop.set()
        busy.join()


def python_threads() -> float:
    """Wall time of two threads doing the same pure-Python loop at once."""
    def work():
        x = 0
        for i in range(PYTHON_WORK):
            x += i * i
    threads = [threading.Thread(target=work) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> dict:
    steps = _parse(argv).steps
    torch.set_num_threads(1)
    obj = problems.benchmark("rosenbrock")
    race(obj, steps)  # warm
    out: dict[str, float] = {"steps": steps}
    for name, interval in (("default", DEFAULT_INTERVAL), ("app", runtime.SWITCH_INTERVAL)):
        sys.setswitchinterval(interval)
        out[f"{name}_interval_ms"] = interval * 1000
        out[f"{name}_race_alone_s"] = round(best_time(lambda: race(obj, steps)), 4)
        out[f"{name}_race_beside_busy_s"] = round(beside_busy_thread(lambda: race(obj, steps)), 4)
        out[f"{name}_python_threads_s"] = round(min(python_threads() for _ in range(3)), 4)
    sys.setswitchinterval(DEFAULT_INTERVAL)
    out["convoy_slowdown_default"] = round(out["default_race_beside_busy_s"] / out["default_race_alone_s"], 1)
    out["convoy_slowdown_app"] = round(out["app_race_beside_busy_s"] / out["app_race_alone_s"], 1)
    out["beside_busy_default_vs_app"] = round(out["default_race_beside_busy_s"] / out["app_race_beside_busy_s"], 1)
    out["python_threads_app_vs_default"] = round(out["app_python_threads_s"] / out["default_python_threads_s"], 2)
    table([(name, f"{out[f'{name}_interval_ms']:g}", out[f"{name}_race_alone_s"], out[f"{name}_race_beside_busy_s"],
            out[f"{name}_python_threads_s"]) for name in ("default", "app")],
          ("switch interval", "ms", f"race {steps} steps alone s", "beside a busy thread s", "2 Python threads s"))
    print(f"\nbeside a busy thread the race is {out['convoy_slowdown_default']}x slower than alone at the default "
          f"interval, {out['convoy_slowdown_app']}x at the app's; two busy Python threads take "
          f"{out['python_threads_app_vs_default']}x the time at the app's interval")
    emit(out)
    return out


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300, help="race steps (the Optimisers page's default: 300)")
    return p.parse_args(argv)


if __name__ == "__main__":
    main()
