"""The class server under load: simulated students speaking Streamlit's websocket protocol (issue 13).

    python bench/load.py [--app] [--serve [--serve-arg APPS=3]] [--url URL [--pids PID,...]]
                         [--students 1,10,30,60] [--seconds 60] [--waves 3 [--wave-students 30] [--idle 60]]
                         [--seed 0] [--timeout 60] [--think 1,3] [--interactions 4] [--ramp 5]
                         [--mix loss_surface=3,optimisers=3,outliers=3,neural_landscape=1]
                         [--config runner.postScriptGC=false] [--no-warmup] [--sample 1] [--settle 60]

Targets (several in one run are measured one after the other; none given means ``--app``):

- ``--app``: ``streamlit run app.py`` on a free loopback port, as ``make app`` serves it, started (and
  stopped) by the bench with the tests' ``Server`` (``bench/appserver.py``); ``--config name=value``
  passes a Streamlit option to it.
- ``--serve``: the class server, ``make serve PORT=<free port> ADDRESS=127.0.0.1`` (or, while the
  Makefile has no ``serve`` target, ``deploy/serve.py --port <port> --address 127.0.0.1``), started in
  a process group of its own and stopped with SIGTERM to that group; ``--serve-arg`` adds an argument
  (``APPS=3`` for make).
- ``--url URL``: a server that is already running (loopback only).  Its processes are the ``--pids``
  given and their descendants, else the process listening on the URL's port, or the class server's
  supervisor (``serve.py``) above it, and their descendants.

Each student is one thread with one browser tab at a time (``bench/protocol.py``'s synchronous
``Session``), in a closed loop: open a page (drawn by weight from ``--mix``), then ``--interactions``
actions, each after thinking ``--think`` seconds (uniform, seeded per student); each action changes one
slider, select box, number box or checkbox outside a form to a valid value taken from the widget as
received (a slider anywhere in its range, a number box x0.5 to x2 within its bounds, another option, the
other state).  On the Neural landscape page the first action is a training visit: a new seed in the
training form and its Train button, timed until the run after training has finished (``train``).  Then the tab closes, the student thinks and opens another page, until the
level's ``--seconds`` are over (a student starts nothing after that; what is in flight ends).  Students
start spread over ``--ramp`` seconds.

Bounds: at most 200 students, 3600 s a level, 10 waves; a run that has not finished after
``--timeout`` seconds (60) is a timeout: it enters the percentiles at the time waited (a lower bound)
and its tab is closed.  Loopback only.

Measured per level (one number of students), per page and kind (``first_load``: from opening the tab to
the first run's ``script_finished``; ``interaction``; ``train``) and over all pages: n, p50 / p95 / max
seconds, runs with exception elements, runs with error alerts (st.error: refusals and bad values),
timeouts, dropped connections; runs/s (finished runs over the level's wall time); every server process's
RSS (VmRSS of ``/proc/<pid>/status``) at the level's start, peak and end, and its CPU in cores (utime +
stime of ``/proc/<pid>/stat``, mean and peak over ``--sample`` intervals); the bench's own CPU.  Before
the first level each page is opened once in as many tabs at once as there are app processes (not
measured; ``--no-warmup`` skips it); between levels the server is left to go idle (``--settle``).

``--waves N``: N waves of ``--wave-students`` students (``--seconds`` each), each followed by ``--idle``
seconds with no session; each process's RSS after each wave (caches as the wave left them) and after each
idle time (cached results dropped, free memory given back) against its warm start (after the warm-up), the
growth of both from the first wave to the last, and whether it came back within 150 MB.

``--class``: the live class scenario instead (``bench/class_load.py``): a teacher and ``--class-students``
students in one class, with ``--browsing`` others browsing the pages meanwhile.

``--serve`` keeps copies of the server's logs when something went wrong (``bench/server_logs.py``): it
prints "server logs kept in <folder>" (``logs_kept`` in the JSON).

The tables come first; the last line is one JSON object with every figure.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import class_load  # noqa: E402
from common import emit, table  # noqa: E402
from levels import cell, each_target, print_level, run_level, warm_up  # noqa: E402
from procs import Sampler, busy_cores  # noqa: E402
from protocol import is_loopback  # noqa: E402
from students import MIX, PAGES  # noqa: E402

MAX_STUDENTS, MAX_SECONDS, MAX_WAVES = 200, 3600, 10
RSS_BACK_MB = 150  # issue 13: every process back within this of its warm start after the students leave
BUSY_CORES = 0.25  # cores the machine keeps busy before a run above which the bench says its figures read high


# ---- the students browsing: levels, waves ----------------------------------------------------------------

def measure(name: str, target, args) -> dict:
    sampler = Sampler(target.pids, args.sample) if target.pids else None
    out: dict = {"target": name, "url": target.url, "pids": target.pids, "levels": []}
    try:
        if not args.no_warmup:
            out["warmup_seconds"] = warm_up(target, args)
        if sampler is not None:
            sampler.settle(args.settle)
            out["warm_rss"] = sampler.rss_now()
        for n in args.students:
            level = run_level(target.url, n, args.seconds, args, sampler, f"level{n}")
            out["levels"].append(level)
            print_level(name, level)
            if sampler is not None:
                sampler.settle(args.settle)
        if args.waves:
            out["waves"] = waves(name, target, args, sampler, out.get("warm_rss"))
    finally:
        if sampler is not None:
            sampler.close()
    return out


def waves(name: str, target, args, sampler: Sampler | None, warm: dict | None) -> dict:
    """Waves of students, each followed by an idle time: each process's RSS at the end of each wave (its
    caches as full as the wave left them) and after each idle time (the caches dropped, the free memory
    given back), against its warm start.  A leak shows as idle RSS growing from wave to wave."""
    out: dict = {"students": args.wave_students, "seconds": args.seconds, "idle": args.idle, "levels": [],
                 "rss_after_wave": [], "rss_idle_after_wave": []}
    for w in range(args.waves):
        level = run_level(target.url, args.wave_students, args.seconds, args, sampler, f"wave{w}")
        out["levels"].append(level)
        print_level(f"{name} wave {w + 1}/{args.waves}", level)
        if sampler is not None:
            sampler.settle(args.settle)
            out["rss_after_wave"].append(sampler.rss_now())
        time.sleep(args.idle)
        if sampler is not None:
            out["rss_idle_after_wave"].append(sampler.rss_now())
    if sampler is None:
        return out
    idle = out["rss_idle_after_wave"][-1]
    warm = warm or out["rss_after_wave"][0]
    rows, procs = [], {}
    for pid in sorted(set(idle) | set(warm), key=int):
        after = [a.get(pid, {}).get("rss_mb") for a in out["rss_after_wave"]]
        idles = [a.get(pid, {}).get("rss_mb") for a in out["rss_idle_after_wave"]]
        w0, end = warm.get(pid, {}).get("rss_mb"), idle.get(pid, {}).get("rss_mb")
        back = round(end - w0, 1) if end is not None and w0 is not None else None
        procs[pid] = {"name": (idle.get(pid) or warm.get(pid))["name"], "warm_mb": w0, "after_wave_mb": after,
                      "idle_after_wave_mb": idles, "idle_mb": end, "idle_minus_warm_mb": back,
                      "growth_first_to_last_wave_mb": _growth(after),
                      "idle_growth_first_to_last_wave_mb": _growth(idles),
                      f"within_{RSS_BACK_MB}mb": back is not None and back <= RSS_BACK_MB}
        rows.append((pid, procs[pid]["name"], w0, " / ".join(cell(a) for a in after),
                     " / ".join(cell(a) for a in idles), back, _growth(after), _growth(idles)))
    print(f"\n== {name} · memory over {args.waves} waves of {args.wave_students} students, each followed by "
          f"{args.idle:g} s idle")
    table(rows, ("pid", "process", "warm MB", "after each wave MB", "idle after each wave MB", "idle - warm",
                 "growth w1->wN", "idle growth w1->wN"))
    out["processes"] = procs
    out[f"all_within_{RSS_BACK_MB}mb"] = all(p[f"within_{RSS_BACK_MB}mb"] for p in procs.values())
    return out


def _growth(series: list) -> float | None:
    return round(series[-1] - series[0], 1) if series and None not in (series[0], series[-1]) else None


def print_summary(results: list[dict]) -> None:
    rows = []
    for r in results:
        for lv in r["levels"] + [lv for lv in r.get("waves", {}).get("levels", [])]:
            f, i, t = lv["first_load"], lv["interaction"], lv["train"]
            rows.append((r["target"], lv["students"], f"{cell(f['p50'])} / {cell(f['p95'])}",
                         f"{cell(i['p50'])} / {cell(i['p95'])}", f"{cell(t['p50'])} / {cell(t['p95'])} ({t['n']})",
                         lv["runs_per_s"], lv["timeouts"], lv["exceptions"], lv["error_alerts"],
                         cell(lv.get("cpu_cores_mean"))))
    print("\n== summary")
    table(rows, ("target", "students", "first load p50 / p95 s", "interaction p50 / p95 s", "train p50 / p95 s (n)",
                 "runs/s", "timeouts", "exceptions", "error alerts", "server cores"))


# ---- command line ----------------------------------------------------------------------------------------

def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def _pair(text: str) -> tuple[float, float]:
    low, high = (float(v) for v in text.split(","))
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError("two numbers, 0 <= low <= high")
    return low, high


def _mix(text: str) -> dict[str, float]:
    mix = {}
    for part in text.split(","):
        page, _, weight = part.partition("=")
        if page.strip() not in PAGES:
            raise argparse.ArgumentTypeError(f"{page!r} is not one of {', '.join(PAGES)}")
        mix[page.strip()] = float(weight or 1)
    if not mix or min(mix.values()) < 0 or sum(mix.values()) <= 0:
        raise argparse.ArgumentTypeError("weights must be >= 0 and not all 0")
    return mix


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--app", action="store_true", help="start `streamlit run app.py` (make app) on a free port")
    p.add_argument("--serve", action="store_true", help="start `make serve` (else deploy/serve.py) on a free port")
    p.add_argument("--serve-arg", action="append", default=[],
                   help="--serve: one more argument for it (make: APPS=3; deploy/serve.py: --apps=3)")
    p.add_argument("--url", help="an already running server (loopback only)")
    p.add_argument("--pids", type=_ints, default=[], help="with --url: the server's processes (and descendants)")
    p.add_argument("--students", type=_ints, default=None, help="levels, e.g. 1,10,30,60 (the default)")
    p.add_argument("--seconds", type=float, default=60, help="length of a level or wave (60)")
    p.add_argument("--waves", type=int, default=0, help="memory: waves of --wave-students, then --idle seconds")
    p.add_argument("--wave-students", type=int, default=30)
    p.add_argument("--idle", type=float, default=60, help="seconds with no session after the last wave (60)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--timeout", type=float, default=60, help="a run waiting this long is a timeout (60)")
    p.add_argument("--think", type=_pair, default=(1.0, 3.0), help="think time between actions, s (1,3)")
    p.add_argument("--interactions", type=int, default=4, help="actions after opening a page (4)")
    p.add_argument("--ramp", type=float, default=5, help="students start spread over this many seconds (5)")
    p.add_argument("--mix", type=_mix, default=dict(MIX), help="page=weight,... (" +
                   ",".join(f"{k}={v}" for k, v in MIX.items()) + ")")
    p.add_argument("--sample", type=float, default=1.0, help="process sampling interval, s (1)")
    p.add_argument("--settle", type=float, default=60, help="wait at most this for the server to go idle (60)")
    p.add_argument("--config", action="append", default=[], help="--app: a Streamlit option, name=value")
    p.add_argument("--no-warmup", action="store_true", help="do not open each page once before measuring")
    class_load.add_arguments(p)
    args = p.parse_args(argv)
    if args.students is None:
        args.students = [] if args.waves or args.klass else [1, 10, 30, 60]
    problems = []
    if any(not 1 <= n <= MAX_STUDENTS for n in args.students + ([args.wave_students] if args.waves else [])):
        problems.append(f"students must be 1 to {MAX_STUDENTS}")
    if not 1 <= args.seconds <= MAX_SECONDS or not 0 <= args.idle <= MAX_SECONDS:
        problems.append(f"--seconds must be 1 to {MAX_SECONDS}, --idle 0 to {MAX_SECONDS}")
    if not 0 <= args.waves <= MAX_WAVES:
        problems.append(f"--waves must be 0 to {MAX_WAVES}")
    if not 1 <= args.timeout <= 600 or not 0.1 <= args.sample <= 60 or not 0 <= args.ramp <= MAX_SECONDS:
        problems.append("--timeout must be 1 to 600 s, --sample 0.1 to 60 s, --ramp 0 to 3600 s")
    if not 0 <= args.interactions <= 100:
        problems.append("--interactions must be 0 to 100")
    if args.url:
        host = urllib.parse.urlsplit(args.url).hostname or ""
        if not args.url.startswith("http://") or not is_loopback(host):
            problems.append(f"--url {args.url}: only http:// on the loopback interface")
    if args.pids and not args.url:
        problems.append("--pids goes with --url")
    if args.klass:
        class_load.check_arguments(args, problems)
    elif not args.students and not args.waves:
        problems.append("nothing to measure: give --students or --waves")
    for option in args.config:
        if not re.fullmatch(r"\w+\.\w+=.*", option):
            problems.append(f"--config {option!r}: expected section.option=value")
    if problems:
        p.error("; ".join(problems))
    if not (args.app or args.serve or args.url):
        args.app = True
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    for option in args.config:  # Streamlit reads STREAMLIT_<SECTION>_<OPTION> from the environment
        name, _, value = option.partition("=")
        os.environ["STREAMLIT_" + re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).replace(".", "_").upper()] = value
    print(f"load: students {args.students or '-'} x {args.seconds:g} s, waves {args.waves}, mix "
          f"{','.join(f'{k}={v:g}' for k, v in args.mix.items())}, think {args.think[0]:g}-{args.think[1]:g} s, "
          f"{args.interactions} actions a visit, timeout {args.timeout:g} s, seed {args.seed}")
    busy = round(busy_cores(), 3)
    if busy > BUSY_CORES:
        print(f"note: the machine keeps {busy:.2f} of its {os.cpu_count()} cores busy before the bench starts (other "
              "work, or the processes of a run that just ended): every figure below reads high")
    if args.klass:
        return class_load.main_class(args, busy)
    results = each_target(args, lambda name, target: measure(name, target, args))
    print_summary(results)
    emit({"bench": "load", "settings": {
        "students": args.students, "seconds": args.seconds, "waves": args.waves, "wave_students": args.wave_students,
        "idle": args.idle, "seed": args.seed, "timeout": args.timeout, "think": list(args.think),
        "interactions": args.interactions, "ramp": args.ramp, "mix": args.mix, "config": args.config,
        "cores": os.cpu_count(), "busy_cores_at_start": busy}, "targets": results})


if __name__ == "__main__":
    main()
