"""What both of bench/load.py's scenarios do with a server: a level (N students browsing for S seconds,
``run_level``, with its table, ``print_level``), the warm-up before it (``warm_up``), and the targets measured
one after the other (``each_target``).  The plain scenario's levels and waves are levels; so are the class
scenario's ``--browsing`` students (``class_load.py``).
"""
from __future__ import annotations

import os
import random
import sys
import threading
import time

import numpy as np
from common import table
from procs import Sampler, label, process_tree
from protocol import Session
from server_logs import keep_server_logs
from students import KINDS, Recorder, Sample, Student
from targets import AppTarget, ServeTarget, UrlTarget

SLOWEST = 8  # controls listed in the slowest-controls table


# ---- a level: N students for S seconds -------------------------------------------------------------------

def stats(values: list[float]) -> dict:
    if not values:
        return {"n": 0, "p50": None, "p95": None, "max": None}
    a = np.asarray(values)
    return {"n": len(values), "p50": round(float(np.percentile(a, 50)), 3),
            "p95": round(float(np.percentile(a, 95)), 3), "max": round(float(a.max()), 3)}


def summarise(samples: list[Sample]) -> dict:
    """Latency percentiles (timeouts enter at the time waited) and failure counts of some samples."""
    timed = [s for s in samples if s.outcome in ("ok", "timeout")]
    return {**stats([s.seconds for s in timed]),
            "timeouts": sum(s.outcome == "timeout" for s in samples),
            "dropped": sum(s.outcome == "dropped" for s in samples),
            "client_failures": sum(s.outcome == "client" for s in samples),
            "runs_with_exceptions": sum(s.exceptions > 0 for s in samples),
            "runs_with_errors": sum(s.errors > 0 for s in samples)}


def slowest_controls(samples: list[Sample], shown: int = SLOWEST) -> list[dict]:
    """The controls whose interactions took longest (p95, at least 3 of them), slowest first: where a
    page's interaction p95 comes from."""
    by_control: dict[tuple[str, str], list[Sample]] = {}
    for s in samples:
        if s.kind == "interaction":
            by_control.setdefault((s.page, s.control), []).append(s)
    rows = [{"page": page, "control": control, **summarise(group)}
            for (page, control), group in by_control.items() if len(group) >= 3]
    return sorted(rows, key=lambda r: -(r["p95"] or 0))[:shown]


def run_level(url: str, students: int, seconds: float, args, sampler: Sampler | None, label: str) -> dict:
    recorder, stop = Recorder(), threading.Event()
    cpu0, start = os.times(), time.monotonic()
    deadline = start + seconds
    threads = []
    for i in range(students):
        rng = random.Random(f"{args.seed}/{label}/{i}")
        student = Student(url, rng, args, deadline, stop, recorder, args.ramp * i / students)
        threads.append(threading.Thread(target=student.run, daemon=True, name=f"student-{i}"))
        threads[-1].start()
    try:
        for t in threads:  # what is in flight at the deadline ends within the timeout
            t.join(max(0.0, deadline + args.timeout + args.think[1] + 30 - time.monotonic()))
    finally:
        stop.set()
    end = max([start + seconds, *(s.finished for s in recorder.samples)])
    cpu1, elapsed = os.times(), end - start
    samples = recorder.samples
    out = {"students": students, "seconds": seconds, "elapsed": round(elapsed, 2),
           "stragglers": sum(t.is_alive() for t in threads),
           "visits": sum(s.kind == "first_load" for s in samples),
           "runs": sum(s.outcome == "ok" for s in samples),
           "runs_per_s": round(sum(s.outcome == "ok" for s in samples) / elapsed, 3),
           **{k: v for k, v in summarise(samples).items() if k not in ("n", "p50", "p95", "max")},
           "exceptions": sum(s.exceptions for s in samples), "error_alerts": sum(s.errors for s in samples)}
    for kind in KINDS:
        out[kind] = summarise([s for s in samples if s.kind == kind])
    out["pages"] = {page: {kind: summarise([s for s in samples if s.page == page and s.kind == kind])
                           for kind in KINDS if any(s.page == page and s.kind == kind for s in samples)}
                    for page in args.mix}
    out["slowest_controls"] = slowest_controls(samples)
    out["client_cpu_cores"] = round((cpu1.user + cpu1.system - cpu0.user - cpu0.system) / elapsed, 3)
    if sampler is not None:
        out.update(sampler.window(start, end))
    out["examples"] = {k: v for k, v in recorder.examples.items() if v}
    return out


def print_level(target: str, level: dict) -> None:
    cpu = (f" · server CPU {level['cpu_cores_mean']} cores (peak {level['cpu_cores_peak']})"
           if level.get("cpu_cores_mean") is not None else "")
    print(f"\n== {target} · {level['students']} students · {level['seconds']:g} s: {level['runs']} runs in "
          f"{level['elapsed']:g} s = {level['runs_per_s']:g} runs/s · {level['timeouts']} timeouts · "
          f"{level['exceptions']} exceptions · {level['error_alerts']} error alerts · {level['dropped']} dropped"
          f"{cpu} · this bench {level['client_cpu_cores']} cores")
    rows = []
    for page, kinds in [*level["pages"].items(), ("all pages", {k: level[k] for k in KINDS if level[k]["n"]})]:
        for kind, s in kinds.items():
            rows.append((page, kind, s["n"], cell(s["p50"]), cell(s["p95"]), cell(s["max"]), s["timeouts"],
                         s["runs_with_exceptions"], s["runs_with_errors"], s["dropped"] + s["client_failures"]))
    table(rows, ("page", "kind", "n", "p50 s", "p95 s", "max s", "timeouts", "exc runs", "error runs", "failed"))
    if level.get("processes"):
        print()
        table([(pid, p["name"], p["rss_mb_start"], p["rss_mb_peak"], p["rss_mb_end"], p["cpu_cores_mean"],
                p["cpu_cores_peak"]) for pid, p in level["processes"].items()],
              ("pid", "process", "RSS start MB", "peak MB", "end MB", "CPU cores", "peak cores"))
    if level.get("slowest_controls"):
        print("\nslowest controls (interactions, p95)")
        table([(r["page"], r["control"], r["n"], cell(r["p50"]), cell(r["p95"]), cell(r["max"]))
               for r in level["slowest_controls"]], ("page", "control", "n", "p50 s", "p95 s", "max s"))
    for kind, texts in level.get("examples", {}).items():
        for text in texts:
            print(f"  {kind}: {text}")


def cell(v) -> str:
    """A table's cell: seconds (or megabytes) to two places, "-" for none."""
    return "-" if v is None else f"{v:.2f}"


def warm_up(target, args) -> dict[str, float]:
    """Each page of the mix opened in as many tabs at once as ``target`` has app processes (so that a proxy
    that sends a new tab to the least busy app warms every one): imports, torch, the default training.
    Not measured."""
    url, seconds = target.url, {}
    tabs = max(1, sum(label(pid, "").startswith("streamlit") for pid in process_tree(target.pids)))

    def one(page: str) -> None:
        try:
            with Session(url, timeout=max(args.timeout, 120)) as s:
                s.open(page)
        except (TimeoutError, OSError) as err:
            print(f"warm-up of {page} failed: {err}", file=sys.stderr)

    for page in args.mix:
        start = time.monotonic()
        threads = [threading.Thread(target=one, args=(page,), daemon=True) for _ in range(tabs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(max(args.timeout, 120) + 30)
        seconds[page] = round(time.monotonic() - start, 2)
    return seconds


# ---- the targets -----------------------------------------------------------------------------------------

def each_target(args, measure) -> list[dict]:
    """``measure(name, target)`` on each target the command line names (``--app``, ``--serve``, ``--url``), one
    after the other: each started, measured, its server logs kept when something went wrong, stopped."""
    results = []
    targets = [("app", AppTarget) if args.app else None,
               ("serve", lambda: ServeTarget(args.serve_arg)) if args.serve else None,
               ("url", lambda: UrlTarget(args.url, args.pids)) if args.url else None]
    for name, make in filter(None, targets):
        target, result = make(), None
        try:
            result = measure(name, target)
            results.append(result)
        finally:
            keep_server_logs(target, result)
            target.stop()
    return results
