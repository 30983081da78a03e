"""The most expensive request every page allows, and the cheapest one it refuses, against a real server
(issue 10's Must-show).

    python bench/worst_case.py [--pages loss_surface,optimisers] [--timeout 180] [--probe-pause 1]

One ``streamlit run app.py`` on a free loopback port (``bench/appserver.py``, ``LANDSCAPE_THREADS=1``, as the
tests start it), driven over Streamlit's websocket protocol (``bench/protocol.py``), as a hostile student
with a browser or a websocket client would.  In order:

1. The inputs at the limits: the custom formulas that cost most per estimated second, and a CSV at the point
   limit (``bench/limit_inputs.py``).
2. Each page's worst allowed request and cheapest refused one, sized with the cost model
   (``bench/worst_pages.py``, ``bench/charges.py``; sent as ``bench/scenarios.py`` describes).
3. Each request measured (``bench/measured.py``): wall time, drawn or refused, peak memory, tracebacks, the
   server's CPU time, and the latency of a second session meanwhile (Loss functions: "Read off at r ="; on
   that page's own requests, Distributions: "Smoothing s") every ``--probe-pause`` seconds (1 s: a person
   clicking along), against the same interactions on an idle server.

A table, then as the last line one JSON object with every figure.  Goal: every request under 10 s and
500 MB.  Bounded: each run at most ``--timeout`` seconds, loopback only, the server stopped at the end.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import torch  # noqa: E402
from appserver import Server  # noqa: E402
from charges import SERVER  # noqa: E402
from common import emit, table  # noqa: E402
from limit_inputs import CONVEX, FORMULAS, POINTS, calibrate, upload_points, worst_formula  # noqa: E402
from measured import Measured, Probe, latency_stats, measure, print_measured, probe_text  # noqa: E402
from protocol import Session  # noqa: E402
from scenarios import Scenario  # noqa: E402
from worst_pages import BUILDERS, AtLimits  # noqa: E402

GOAL_SECONDS, GOAL_MB = 10.0, 500.0
WARM_PAGES = ["/", "/loss_surface", "/outliers", "/loss_functions", "/classification", "/distributions",
              "/optimisers", "/neural_landscape", "/overfitting"]


def parse_args() -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", default="", help="comma-separated scenario names (default: all)")
    ap.add_argument("--timeout", type=float, default=180.0, help="longest wait for one run, seconds")
    ap.add_argument("--probe-pause", type=float, default=1.0,
                    help="seconds between the second session's changes (a person thinking)")
    ap.add_argument("--idle-probes", type=int, default=12)
    args = ap.parse_args()
    if not 1 <= args.timeout <= 600:
        ap.error("--timeout: 1 to 600 seconds")
    args.chosen = [p for p in args.pages.split(",") if p] or list(BUILDERS)
    unknown = [p for p in args.chosen if p not in BUILDERS]
    if unknown:
        ap.error(f"unknown pages {unknown}; choose from {list(BUILDERS)}")
    return args


def pick_formulas(x, y) -> tuple[dict[str, dict], str, str]:
    """Every candidate formula calibrated (a table), the costliest one and the costliest with a best line."""
    print(f"Calibrating {len(FORMULAS) + len(CONVEX)} formulas at the limits on {POINTS:,} points "
          "(seconds measured per second estimated, plain grid, one thread) ...", flush=True)
    cal = calibrate(FORMULAS | CONVEX, x, y)
    table([(k, v.get("chars", ""), f"{v['ops']:.0f}" if "ops" in v else "", f"{v['estimate']:.2f}" if "ratio" in v
            else "", f"{v['measured']:.2f}" if "ratio" in v else "", f"{v['ratio']:.2f}" if "ratio" in v else
            v["refused"][:60]) for k, v in cal.items()], ("formula", "chars", "ops", "est s", "real s", "real/est"))
    formula = cal[worst_formula({k: cal[k] for k in FORMULAS})]["formula"]
    convex = cal[worst_formula({k: cal[k] for k in CONVEX})]["formula"]
    print(f"worst formula: {formula}\nworst formula with a best line: {convex}\n", flush=True)
    return cal, formula, convex


def size_scenarios(chosen: list[str], inputs: AtLimits) -> list[Scenario]:
    print("Sizing the requests with the cost model ...", flush=True)
    scenarios = []
    for name in chosen:
        t = time.perf_counter()
        scenarios.append(BUILDERS[name](inputs))
        print(f"  {name}: {scenarios[-1].worst_text} ({time.perf_counter() - t:.1f} s)", flush=True)
    return scenarios


def make_probes() -> dict[str, Probe]:
    return {"loss_functions": Probe("Loss functions: read-off point", "/loss_functions", "",
                                    "Read off at r =", [round(-10 + 0.1 * i, 1) for i in range(201)]),
            "distributions": Probe("Distributions: smoothing", "/distributions", "",
                                   "Smoothing s of Dice and IoU", [round(0.01 * i, 2) for i in range(1, 1001)])}


def idle_latency(server: Server, probes: dict[str, Probe], args) -> tuple[dict[str, Any], dict[str, float]]:
    """Each probe's latency on the idle server, and the server's CPU seconds per probe run."""
    idle, probe_cpu = {}, {}
    for key, p in probes.items():
        cpu = server.cpu_seconds()
        times = []
        for _ in range(args.idle_probes):
            times.append(p.once())
            time.sleep(args.probe_pause)
        probe_cpu[key] = (server.cpu_seconds() - cpu) / len(times)
        idle[key] = latency_stats(times) | {"name": p.name, "cpu_s_each": round(probe_cpu[key], 3)}
    print("idle probes: " + "; ".join(f"{v['name']} median {v['median_s']} s, max {v['max_s']} s"
                                       for v in idle.values()), flush=True)
    return idle, probe_cpu


def measure_request(server: Server, sc: Scenario, kind: str, session: Session, probe: Probe, args,
                    probe_cpu: float) -> Measured:
    """One of the scenario's requests (``kind`` "worst" or "refused") sent on ``session`` and measured; a
    request that cannot be sent is reported as an error."""
    prepare, text, estimate = sc.request(kind)
    try:
        send = prepare(session)

        def sending() -> Session:
            send()
            return session
        m = measure(server, sc.page, kind, text, sending, probe, args.probe_pause, args.timeout, estimate,
                    probe_cpu)
    except Exception as err:  # noqa: BLE001
        m = Measured(sc.page, kind, text, outcome="error", messages=[f"{type(err).__name__}: {err}"],
                     estimate=estimate)
        traceback.print_exc()
    print_measured(m)
    return m


def run_scenario(server: Server, sc: Scenario, probe: Probe, args, probe_cpu: float) -> list[Measured]:
    """The worst request, then the refused one (on a fresh session when the page needs one or the worst
    request left its session unusable)."""
    session = Session(server.url, timeout=args.timeout)
    try:
        results = [measure_request(server, sc, "worst", session, probe, args, probe_cpu)]
        if sc.refused is None:
            return results
        if sc.fresh_session_for_refused or results[0].outcome in ("timeout", "error"):
            session.close()
            session = Session(server.url, timeout=args.timeout)
        return results + [measure_request(server, sc, "refused", session, probe, args, probe_cpu)]
    finally:
        session.close()


def run_all(scenarios: list[Scenario], args) -> tuple[list[Measured], dict[str, Any]]:
    """One server: every page warmed, the probes' idle latency, then every scenario; the server stopped."""
    results: list[Measured] = []
    with tempfile.TemporaryDirectory() as logs:
        server = Server(log_dir=logs)
        probes = make_probes()
        try:
            print(f"Server pid {server.pid} on {server.url}; warming every page ...", flush=True)
            for page in WARM_PAGES:
                with Session(server.url, timeout=args.timeout) as s:
                    s.open(page)
            for p in probes.values():
                p.start(server.url, args.timeout)
            idle, probe_cpu = idle_latency(server, probes, args)
            for sc in scenarios:
                probe_key = "distributions" if sc.page == "loss_functions" else "loss_functions"
                results += run_scenario(server, sc, probes[probe_key], args, probe_cpu[probe_key])
        finally:
            for p in probes.values():
                p.close()
            server.stop()
    return results, idle


def over_goal(results: list[Measured]) -> list[str]:
    return [f"{m.page} {m.kind}" for m in results if m.seconds is None or m.seconds > GOAL_SECONDS
            or m.rss_peak_growth_mb > GOAL_MB or m.outcome in ("exception", "timeout", "error")]


def print_report(results: list[Measured], idle: dict[str, Any], over: list[str]) -> None:
    print("\nEvery page's worst allowed and cheapest refused request (goal: under "
          f"{GOAL_SECONDS:g} s and {GOAL_MB:g} MB each)\n")
    table([(m.page, m.kind, m.outcome, "—" if m.seconds is None else f"{m.seconds:.2f}",
            f"{sum(m.estimate.values()):.1f}" if m.estimate else "", f"{m.rss_peak_growth_mb:.0f}",
            f"{m.cpu_request_s:.1f}", f"{m.load:.1f}", probe_text(m.probe), m.tracebacks, m.request)
           for m in results],
          ("page", "request", "outcome", "wall s", "est s", "peak MB+", "cpu s", "load", "probe median/max s", "tb",
           "what"))
    print("\nwall s: from sending the request to its last script_finished; est s: the cost model's estimates "
          "summed; peak MB+: the server's peak resident memory over the request minus before; cpu s: the server's "
          "CPU time over the request less the probe's runs (at their idle cost); load: the machine's 1-minute load "
          "average (2 cores); probe: the second session's interaction latency during the request (idle: "
          + "; ".join(f"{v['name']} {v['median_s']}/{v['max_s']} s" for v in idle.values()) + ")")
    print("\nMessages:")
    for m in results:
        for text in m.messages:
            print(f"  {m.page} {m.kind}: {text[:220]}")
    print("\nEstimates (seconds of one core, per charge):")
    for m in results:
        if m.estimate:
            print(f"  {m.page} {m.kind}: " + ", ".join(f"{k} {v:.2f}" for k, v in m.estimate.items()))
    print(f"\nOver the goal or failed: {', '.join(over) if over else 'none'}")


def main() -> None:
    args = parse_args()
    torch.set_num_threads(1)
    began = time.monotonic()
    x, y = upload_points(POINTS)
    cal, formula, convex = pick_formulas(x, y)
    results, idle = run_all(size_scenarios(args.chosen, AtLimits(formula, convex, x, y)), args)
    over = over_goal(results)
    print_report(results, idle, over)
    print(f"bench wall time {time.monotonic() - began:.0f} s")
    emit({"bench": "worst_case", "budget": {"seconds": SERVER.seconds, "mb": SERVER.bytes / 2**20,
                                            "points": SERVER.points},
          "goal": {"seconds": GOAL_SECONDS, "mb": GOAL_MB}, "formula": formula, "formula_with_best_line": convex,
          "calibration": {k: {kk: (round(vv, 4) if isinstance(vv, float) else vv) for kk, vv in v.items()
                              if kk != "formula"} for k, v in cal.items()},
          "idle_probe": idle, "probe_pause_s": args.probe_pause, "load_average_at_end": os.getloadavg()[0],
          "pages": {m.page: {} for m in results} | {
              page: {m.kind: m.as_dict() for m in results if m.page == page} for page in {m.page for m in results}},
          "over_goal": over, "all_within_goal": not over})


if __name__ == "__main__":
    main()
