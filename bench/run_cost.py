"""What one Streamlit script run costs the server in CPU, per page of the class mix (issue 13).

    python bench/run_cost.py [--visits 6] [--interactions 4] [--pages loss_surface,optimisers,...]
                             [--seed 0] [--config runner.postScriptGC=false] [--url URL --pid PID]

Starts ``streamlit run app.py`` on a free loopback port (``bench/appserver.py``, unless ``--url`` and
``--pid`` name a running one), opens every page once to warm it (not measured), then per page makes
``--visits`` visits one after the other, as ``bench/load.py``'s students do: open the page (``first_load``),
then ``--interactions`` changes of a slider, select box, number box or checkbox (``interaction``; values
drawn as ``load.py`` draws them, seeded).  Only one run is in flight at a time, so the server's CPU time
(utime + stime of ``/proc/<pid>/stat``, every thread) between the request and ``script_finished`` is that
run's cost: CPU-seconds stay fair when other processes load the machine, wall times do not.

The table gives per page and kind the runs and the mean / median CPU-seconds per run, and the
class mix's weighted mean (``students.MIX``); the last line is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from appserver import Server  # noqa: E402
from common import emit, table  # noqa: E402
from procs import cpu_seconds  # noqa: E402
from protocol import Session  # noqa: E402
from students import MIX, PAGES, pick  # noqa: E402

def measured(pid: int, action) -> float:
    """CPU-seconds the server spent on ``action`` (a run, waited for to its end)."""
    time.sleep(0.05)  # let the previous run's tail (messages sent after script_finished) settle
    before = cpu_seconds(pid)
    run = action()
    if run.exceptions():
        raise RuntimeError(f"the run raised: {run.exceptions()[:2]}")
    return cpu_seconds(pid) - before


def visit(url: str, pid: int, page: str, rng: random.Random, interactions: int) -> dict[str, list[float]]:
    """One tab: the page opened, then its controls changed; CPU-seconds per run by kind."""
    costs: dict[str, list[float]] = {"first_load": [], "interaction": []}
    with Session(url, timeout=120) as s:
        costs["first_load"].append(measured(pid, lambda: s.open(page)))
        for _ in range(interactions):
            widget, value = pick(s.widgets(), rng)
            if widget is None:
                break
            costs["interaction"].append(measured(pid, lambda w=widget, v=value: s.set_widget(w, v)))
    return costs


def measure(url: str, pid: int, pages: list[str], visits: int, interactions: int, seed: int) -> dict:
    with Session(url, timeout=120) as idle:  # a tab left open, as on a server with a class on it
        idle.open("")  # Streamlit drops its compiled page scripts whenever the last session closes
        return _measure(url, pid, pages, visits, interactions, seed)


def _measure(url: str, pid: int, pages: list[str], visits: int, interactions: int, seed: int) -> dict:
    for page in pages:  # warm-up: imports, first compiles, the default view's caches
        visit(url, pid, page, random.Random(seed), 0)
    results = {}
    for page in pages:
        rng = random.Random(f"{seed}-{page}")
        runs: dict[str, list[float]] = {"first_load": [], "interaction": []}
        for _ in range(visits):
            for kind, costs in visit(url, pid, page, rng, interactions).items():
                runs[kind] += costs
        results[page] = {kind: {"n": len(c), "mean": statistics.fmean(c), "median": statistics.median(c)}
                         for kind, c in runs.items() if c}
    return results


def mix_mean(results: dict, kind: str) -> float:
    """The class mix's weighted mean CPU-seconds per run of ``kind``."""
    weights = {p: w for p, w in MIX.items() if p in results and kind in results[p]}
    return sum(results[p][kind]["mean"] * w for p, w in weights.items()) / sum(weights.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=6)
    parser.add_argument("--interactions", type=int, default=4)
    parser.add_argument("--pages", default=",".join(MIX))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--config", action="append", default=[], help="a Streamlit option, name=value")
    parser.add_argument("--url")
    parser.add_argument("--pid", type=int)
    args = parser.parse_args()
    pages = [p for p in args.pages.split(",") if p]
    unknown = [p for p in pages if p not in PAGES]
    if unknown:
        parser.error(f"unknown pages {unknown}; known: {list(PAGES)}")
    if bool(args.url) != bool(args.pid):
        parser.error("--url and --pid go together")
    extra = tuple(f"--{c}" for c in args.config)
    server = None if args.url else Server(extra_args=extra)
    try:
        url, pid = (args.url, args.pid) if args.url else (server.url, server.pid)
        results = measure(url, pid, pages, args.visits, args.interactions, args.seed)
    finally:
        if server:
            server.stop()
    rows = [(PAGES[p], kind, r["n"], f"{r['mean']:.3f}", f"{r['median']:.3f}")
            for p, by_kind in results.items() for kind, r in by_kind.items()]
    summary = {kind: mix_mean(results, kind) for kind in ("first_load", "interaction")}
    rows += [("class mix", kind, "", f"{v:.3f}", "") for kind, v in summary.items()]
    table(rows, ("page", "kind", "runs", "CPU s/run mean", "median"))
    emit({"pages": results, "mix": summary, "visits": args.visits, "interactions": args.interactions,
          "seed": args.seed, "config": args.config})


if __name__ == "__main__":
    main()
