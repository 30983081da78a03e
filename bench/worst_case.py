"""The most expensive request every page allows, and the cheapest one it refuses, against a real server
(issue 10's Must-show).

    python bench/worst_case.py [--pages loss_surface,optimisers] [--timeout 180] [--probe-pause 1]

One ``streamlit run app.py`` on a free loopback port (``bench/appserver.py``, ``LANDSCAPE_THREADS=1``, as the
tests start it), driven over Streamlit's websocket protocol (``bench/protocol.py``), as a hostile student
with a browser or a websocket client would.

How the worst request of a page is found: every control at its costliest allowed value (sliders and number
boxes at their limits, every optimiser, the largest swarm and map, arrows on, a penalty so that the parts are
drawn too), uploads of a CSV at the point limit (sent as the browser's file uploader sends it), and a
custom formula at the formula limits (200 characters, 100 nodes) made of the functions that cost most.
Which formula: each candidate below is timed here on a plain grid against the cost model's estimate, and
the one that runs longest per estimated second is taken (the Outliers page fits its formula, so it gets the
candidates that have a best line).  Then the one control that the budget binds is sized with the cost
model itself (``landscape.grid.cost``, and for the rest the estimate each library function charges,
read by ``estimate``): the largest value whose every charge is within ``budget.SERVER``.  The refused
request is the next value of that control (or, on a page no budget binds, a value just over a control's
limit sent over the websocket, or a formula one node over its limit).  Each charge is checked on its own:
a request made of several charges (surface + parts + arrows, race + swarm per optimiser + map, training +
curvature + two more trainings) may add up to several budgets, and the table shows what that costs.

Measured per request: wall time from sending it to its last ``script_finished``; drawn or refused (the
page's error and warning messages, exceptions); the server process's peak resident memory over the
request minus its resident memory before (VmHWM after ``clear_refs`` 5, against VmRSS); tracebacks in the
server's log.  While each request runs, a second session changes a cheap control of another page
(Loss functions: "Read off at r ="; on that page's own requests, Distributions: "Smoothing s") every
``--probe-pause`` seconds (1 s: a person clicking along); its interaction latency (median, max) is reported
against the same interactions on an idle server.  The server's CPU time over each request, less the probe's
runs, is reported beside the wall time: on a busy machine (see the load average) the wall time grows, the
CPU time is what the request itself costs.

A table, then as the last line one JSON object with every figure.  Goal: every request under 10 s and
500 MB.  Bounded: each run at most ``--timeout`` seconds, loopback only, the server stopped at the end.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import numpy as np  # noqa: E402
import torch  # noqa: E402
from appserver import Server  # noqa: E402
from common import best_time, emit, table  # noqa: E402
from protocol import Session, raw_state  # noqa: E402

from landscape import budget, capacity, curvature, data, descent, grid, influence, losses, nn, optim  # noqa: E402
from landscape import problems  # noqa: E402
from landscape.types import InputError  # noqa: E402

try:  # the slices moved out of landscape.nn
    from landscape import slices
except ImportError:  # pragma: no cover
    slices = nn

GOAL_SECONDS, GOAL_MB = 10.0, 500.0
SERVER = budget.SERVER
POINTS = SERVER.points  # the point limit of uploads and generated data in the app


def _sum(term: str, times: int, sep: str = "+") -> str:
    return sep.join([term] * times)


# Formulas at the limits: 200 characters, 100 nodes (a call is 3 nodes: the call, its name, r).
FORMULAS = {
    "tanh x25": _sum("tanh(r)", 25),  # 199 characters, 99 nodes
    "atan x25": _sum("atan(r)", 25),  # atan: the highest ops of landscape.expr.FUNCTIONS
    "erf x25": _sum("erf(r)", 25),
    "softplus x16": _sum("softplus(r)", 16),
    "cosh x25": _sum("cosh(r)", 25),
    "atan nested x29": "atan(" * 29 + "r" + ")" * 29,  # 30 levels is the nesting limit
    "atan(tanh) x14": _sum("atan(tanh(r))", 14),
}
CONVEX = {  # with a best line, so that the Outliers page fits and sweeps it
    "r*tanh(r) x16": _sum("r*tanh(r)", 16),
    "r*atan(r) x16": _sum("r*atan(r)", 16),
    "log(cosh(r)) x15": _sum("log(cosh(r))", 15),
    "softplus(r)+softplus(-r) x8": _sum("softplus(r)+softplus(-r)", 8),
}


# ---- the cost model, read where the library charges it -----------------------------------------------

class _Estimated(BaseException):  # not an Exception: no ``except Exception`` of the library swallows it
    def __init__(self, cost: budget.Cost):
        self.cost = cost


def estimate(fn: Callable, *args, **kwargs) -> budget.Cost | None:
    """What ``fn(*args, **kwargs)`` would charge first (its estimate), without running the work: None if it
    is refused before it charges (an input limit) or charges nothing."""
    original = budget.charge

    def charge(cost, what, reduce):
        raise _Estimated(cost)

    budget.charge = charge
    try:
        with budget.limits(SERVER):
            fn(*args, **kwargs)
    except _Estimated as e:
        return e.cost
    except InputError:
        return None
    finally:
        budget.charge = original
    return None


def allowed(cost: budget.Cost | None) -> bool:
    return cost is not None and cost.seconds <= SERVER.seconds and cost.bytes <= SERVER.bytes


def largest(low: int, high: int, ok: Callable[[int], bool]) -> int | None:
    """The largest value in [low, high] for which ``ok`` holds (``ok`` monotone: true, then false)."""
    if not ok(low):
        return None
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if ok(mid) else (low, mid - 1)
    return low


def csv_bytes(n: int, seed: int = 0) -> bytes:
    x, y = data.line(n=n, seed=seed) if n <= POINTS else _line_beyond(n, seed)
    return ("x,y\n" + "".join(f"{a:.6g},{b:.6g}\n" for a, b in zip(x, y))).encode()


def _line_beyond(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    return x, 2 * x + 1 + rng.normal(0, 1, n)


def upload_points(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The points the app reads from ``csv_bytes(n)``."""
    return data.load_csv(csv_bytes(n), max_rows=max(n, POINTS))


def calibrate(formulas: dict[str, str], x, y, target: float = 0.25, repeat: int = 3) -> dict[str, dict]:
    """Each formula on a plain grid of the uploaded points, sized to about ``target`` estimated seconds:
    measured seconds (best of ``repeat``, one torch thread, as the server) per estimated second."""
    out = {}
    for name, formula in formulas.items():
        try:
            obj = problems.linear_regression(x, y, losses.custom(formula))
        except InputError as err:
            out[name] = {"formula": formula, "refused": str(err)}
            continue
        n = largest(grid.MIN_RESOLUTION, 301, lambda k: grid.cost(obj, k).seconds <= target) or grid.MIN_RESOLUTION
        est = grid.cost(obj, n).seconds
        seconds = best_time(lambda: grid.evaluate(obj, n=n, method="plain"), repeat)
        out[name] = {"formula": formula, "chars": len(formula), "ops": obj.ops, "estimate": est,
                     "measured": seconds, "ratio": seconds / est}
    return out


def worst_formula(calibration: dict[str, dict]) -> str:
    ok = {k: v for k, v in calibration.items() if "ratio" in v}
    return max(ok, key=lambda k: ok[k]["ratio"])


# ---- one request, measured -------------------------------------------------------------------------------

@dataclass
class Probe:
    """A second session that changes one cheap control of another page, again and again."""

    name: str
    page: str
    query: str
    label: str
    values: list[float]
    session: Session | None = None
    index: int = 0

    def start(self, url: str, timeout: float) -> None:
        self.session = Session(url, timeout=timeout)
        self.session.open(self.page, self.query)

    def once(self) -> float:
        self.index += 1
        value = self.values[self.index % len(self.values)]  # a new value each time (no cache hit) for a long while
        if value == self.session.widget(self.label).value:
            self.index += 1
            value = self.values[self.index % len(self.values)]
        run = self.session.set_widget(self.label, value)
        if run.exceptions() or not run.finished:
            raise RuntimeError(f"probe {self.name}: {run.exceptions()}")
        return run.seconds

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def _stats(times: list[float]) -> dict[str, Any]:
    if not times:
        return {"n": 0, "median_s": None, "max_s": None}
    return {"n": len(times), "median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3)}


@dataclass
class Measured:
    page: str
    kind: str  # "worst" or "refused"
    request: str  # what was sent, in words
    seconds: float | None = None
    outcome: str = ""  # drawn / refused / exception / timeout / error
    messages: list[str] = field(default_factory=list)
    rss_before_mb: float = 0.0
    rss_peak_growth_mb: float = 0.0
    rss_after_mb: float = 0.0
    cpu_seconds: float = 0.0  # the server process's CPU time over the request, the probe's runs included
    cpu_request_s: float = 0.0  # less the probe's runs at their idle CPU cost
    load: float = 0.0  # the machine's 1-minute load average when the request ended (2 cores)
    tracebacks: int = 0
    estimate: dict[str, float] = field(default_factory=dict)  # the cost model's pieces, seconds
    probe: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"request": self.request, "seconds": None if self.seconds is None else round(self.seconds, 3),
                "outcome": self.outcome, "messages": self.messages, "rss_before_mb": round(self.rss_before_mb, 1),
                "rss_peak_growth_mb": round(self.rss_peak_growth_mb, 1), "rss_after_mb": round(self.rss_after_mb, 1),
                "cpu_seconds": round(self.cpu_seconds, 2), "cpu_request_s": round(self.cpu_request_s, 2),
                "load_average": round(self.load, 2), "tracebacks": self.tracebacks,
                "estimate_s": {k: round(v, 3) for k, v in self.estimate.items()}, "probe": self.probe}


def measure(server: Server, page: str, kind: str, request: str, send: Callable[[], Session],
            probe: Probe, pause: float, timeout: float, estimate: dict[str, float] | None = None,
            probe_cpu: float = 0.0) -> Measured:
    """Send the request (``send`` returns the session it went out on, not waiting for its run), let the probe
    session interact meanwhile, collect the run, read the server's memory and log."""
    m = Measured(page, kind, request, estimate=estimate or {})
    log_offset = server.log_size()
    server.reset_peak()
    before = server.rss_kb()
    cpu = server.cpu_seconds()
    stop = threading.Event()
    probe_times: list[float] = []
    probe_errors: list[str] = []

    def interact():
        while not stop.is_set():
            try:
                probe_times.append(probe.once())
            except Exception as err:  # noqa: BLE001 - reported, not raised: the bench goes on
                probe_errors.append(f"{type(err).__name__}: {err}")
                return
            stop.wait(pause)

    session = None
    try:
        session = send()
        thread = threading.Thread(target=interact, daemon=True)
        thread.start()
        try:
            run = session.collect(timeout)
            m.seconds = run.seconds
            m.messages = [f"error: {t}" for t in run.errors()] + [f"warning: {t}" for t in run.warnings()] + \
                         [f"exception: {t}" for t in run.exceptions()]
            if run.exceptions():
                m.outcome = "exception"
            elif run.errors() or any("refused" in w for w in run.warnings()):
                m.outcome = "refused"
            else:
                m.outcome = "drawn"
        except TimeoutError:
            m.seconds, m.outcome = timeout, "timeout"
            session.close()  # the server stops the work at its next chunk
        finally:
            stop.set()
            thread.join(timeout + 5)
    except Exception as err:  # noqa: BLE001
        m.outcome = "error"
        m.messages = [f"{type(err).__name__}: {err}"]
        stop.set()
    m.rss_before_mb = before / 1024
    m.rss_peak_growth_mb = max(0, server.peak_rss_kb() - before) / 1024
    m.rss_after_mb = server.rss_kb() / 1024
    m.cpu_seconds = server.cpu_seconds() - cpu
    m.cpu_request_s = max(0.0, m.cpu_seconds - probe_cpu * len(probe_times))
    m.load = os.getloadavg()[0]
    log = server.log_text(log_offset)
    m.tracebacks = log.count("Traceback")
    if m.tracebacks:
        print(log[log.index("Traceback"):][-3000:], file=sys.stderr)
    m.probe = _stats(probe_times) | {"name": probe.name} | ({"errors": probe_errors} if probe_errors else {})
    if session is not None and m.outcome == "timeout":
        session.close()
    return m


# ---- the pages -------------------------------------------------------------------------------------------

def q(**params: Any) -> str:
    return urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})


@dataclass
class Scenario:
    """A page's worst allowed request and cheapest refused one: ``worst(session)`` and ``refused(session)``
    prepare (untimed) and return a function that sends the request."""

    page: str
    title: str
    worst_text: str
    worst: Callable[[Session], Callable[[], None]]
    refused_text: str | None = None
    refused: Callable[[Session], Callable[[], None]] | None = None
    estimate_worst: dict[str, float] = field(default_factory=dict)
    estimate_refused: dict[str, float] = field(default_factory=dict)
    fresh_session_for_refused: bool = False


def opening(page: str, query: str) -> Callable[[Session], Callable[[], None]]:
    """The request is opening the page at this URL (its first run computes everything)."""
    def prepare(s: Session) -> Callable[[], None]:
        s.connect()
        return lambda: s.send_open(page, query)
    return prepare


def uploading(page: str, query: str, label: str, content: bytes) -> Callable[[Session], Callable[[], None]]:
    """The page is opened at this URL (it waits for a file), then the request is the upload: the file goes
    to the server (PUT, timed as part of the request) and the run it starts."""
    def prepare(s: Session) -> Callable[[], None]:
        run = s.open(page, query)
        if run.exceptions():
            raise RuntimeError(f"{page} did not open: {run.exceptions()}")
        widget = s.widget(label, "file_uploader")

        def send() -> None:
            s.send_upload(widget, "points.csv", content)
        return send
    return prepare


def changing(label: str, value: Any, raw: dict | None = None) -> Callable[[Session], Callable[[], None]]:
    """The request is one control changed in the session left by the last request (or a raw value)."""
    def prepare(s: Session) -> Callable[[], None]:
        w = s.widget(label)
        if raw is not None:
            state = raw_state(w.id, **raw)
            return lambda: s.send_rerun({w.id: state})
        return lambda: s.send_rerun({w.id: value})
    return prepare


def loss_surface(formula: str, x, y) -> Scenario:
    obj = problems.linear_regression(x, y, losses.custom(formula), l2=5.0)
    n = largest(11, 301, lambda k: allowed(grid.cost(obj, k)))
    arrows = grid.gradient_cost(obj, 17 * 17)
    fits = estimate(optim.minimize, obj)
    pieces = {"grid (total)": grid.cost(obj, n).seconds, "grid (data loss)": grid.cost(obj.part("data"), n).seconds,
              "grid (penalty)": grid.cost(obj.part("penalty"), n).seconds, "arrows 17x17": arrows.seconds,
              "exact fit": fits.seconds if fits else 0.0}
    query = q(family="regression", data="upload a CSV", loss="custom", formula=formula, l2=5, arrows=1, res=n)
    worst = uploading("/loss_surface", query, "CSV with columns x, y", csv_bytes(POINTS))
    sc = Scenario("loss_surface", "Loss surface",
                  f"upload {POINTS:,} rows, formula {len(formula)} chars, l2=5, arrows, resolution {n}", worst,
                  estimate_worst=pieces)
    if n < 301:
        sc.refused_text = f"resolution {n + 1} (one more)"
        sc.refused = changing("Resolution (points per side)", n + 1)
        sc.estimate_refused = {"grid": grid.cost(obj, n + 1).seconds}
    else:
        sc.refused_text = f"upload {POINTS + 1:,} rows (one over the point limit)"
        sc.refused = uploading("/loss_surface", query, "CSV with columns x, y", csv_bytes(POINTS + 1))
        sc.fresh_session_for_refused = True
    return sc


def outliers_page(formula: str) -> Scenario:
    items = [losses.bind(losses.spec(name), {}) for name in losses.names("regression")] + [losses.custom(formula)]
    sizes = np.linspace(0.0, 30.0, 50)

    def pieces(n: int) -> dict[str, budget.Cost | None]:
        x, y = upload_points(n)
        flags = np.zeros(n, dtype=bool)
        flags[-50:] = True
        return {"sweep": estimate(influence.outlier_sweep, x, y, flags, sizes, 30.0, 1.0, items),
                "fits": estimate(influence.outlier_fits, x, y, flags, items)}

    def ok(n: int) -> bool:
        return all(allowed(c) for c in pieces(n).values())

    n = largest(100, POINTS, ok) or 100
    query = q(data="csv", count=50, size=30, formula=formula)
    est = {k: (c.seconds if c else float("nan")) for k, c in pieces(n).items()}
    sc = Scenario("outliers", "Outliers",
                  f"upload {n:,} rows, 50 outliers of size 30, formula {len(formula)} chars",
                  uploading("/outliers", query, "CSV with columns x, y", csv_bytes(n)), estimate_worst=est,
                  fresh_session_for_refused=True)
    refused_n = n + 1 if n < POINTS else POINTS + 1
    sc.refused_text = f"upload {refused_n:,} rows" + (" (over the point limit)" if refused_n > POINTS else "")
    sc.refused = uploading("/outliers", query, "CSV with columns x, y", csv_bytes(refused_n))
    if refused_n <= POINTS:
        sc.estimate_refused = {k: (c.seconds if c else float("nan")) for k, c in pieces(refused_n).items()}
    return sc


def loss_functions(formula: str) -> Scenario:
    query = q(kind="regression", show_r="mse,mae,huber,log_cosh,quantile", formula_r=formula, span=10, at=10,
              delta=10, tau=0.99, classes=10, label_smoothing=0.5)
    sc = Scenario("loss_functions", "Loss functions",
                  f"every regression loss, formula {len(formula)} chars, span 10, 10 classes",
                  opening("/loss_functions", query))
    # The text box stops at 200 characters (Streamlit cuts what is sent to that): one node over the limit
    # (ten terms of 9 nodes, 9 additions, and "+r"), 12 levels deep (the limit is 30)
    sc.refused_text = "a formula of 101 nodes (the limit is 100)"
    sc.refused = changing("Your own loss in r", _sum("r*r*r*r*r", 10) + "+r")
    return sc


def classification() -> Scenario:
    query = q(data="spirals", n=1000, loss="focal", surf="3D", pos_weight=20, T=0.1, dx=6, dy=6, gamma=5,
              label_smoothing=0.5)
    sc = Scenario("classification", "Classification", "spirals, 1,000 points, focal, 3D, pos_weight 20, T 0.1",
                  opening("/classification", query))
    sc.refused_text = "Points 1,010 sent over the websocket (the slider stops at 1,000)"
    sc.refused = changing("Points", None, raw={"double_array_value": [1010.0]})
    return sc


def distributions() -> Scenario:
    query = q(sep=8, share=0.05, width=0.3, pos=0.9, extent=0.4, soft=0.002, smooth=0.01)
    sc = Scenario("distributions", "Distributions and overlap", "every slider at an end",
                  opening("/distributions", query))
    sc.refused_text = "smoothing 11 sent over the websocket (the slider stops at 10)"
    sc.refused = changing("Smoothing s of Dice and IoU", None, raw={"double_array_value": [11.0]})
    return sc


def optimisers(formula: str) -> Scenario:
    names = optim.names()
    elementwise = [name for name in names if optim.spec(name).elementwise]

    objectives = {}
    for n in (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, POINTS):
        x, y = data.line(n=n, seed=0)
        obj = problems.linear_regression(x, y, losses.custom(formula))
        objectives[n] = (obj, optim.default_start(obj))

    def pieces(n: int, steps: int) -> dict[str, budget.Cost | None]:
        obj, start = objectives[n]
        out = {"surface 101": grid.cost(obj, 101), "exact fit": estimate(optim.minimize, obj),
               "race": estimate(optim.race, obj, {name: {} for name in names}, start=start, steps=steps),
               "map": estimate(optim.lr_momentum_map, obj, start=start, steps=steps)}
        # optim.swarm first evaluates every start; its charge is run_many's check of 1600 starts (descent.check_size)
        swarm = estimate(descent.check_size, obj, steps, [(40 * 40, 1)])
        for name in elementwise:
            out[f"swarm {name}"] = swarm
        return out

    best = None
    for n in objectives:
        if not allowed(grid.cost(objectives[n][0], 101)):
            continue
        steps = largest(1, optim.MAX_STEPS, lambda k: all(allowed(c) for c in pieces(n, k).values()))
        if steps is None:
            continue
        total = sum(c.seconds for c in pieces(n, steps).values())
        if best is None or total > best[0]:
            best = (total, n, steps)
    _, n, steps = best
    query = q(family="regression", n=n, loss="custom", formula=formula, opt=",".join(names), steps=steps,
              swarm=1, swarm_n=40, map=1)
    est = {k: c.seconds for k, c in pieces(n, steps).items()}
    sc = Scenario("optimisers", "Optimisers",
                  f"{n:,} points, formula {len(formula)} chars, all {len(names)} optimisers, {steps} steps, "
                  f"swarm 40x40, lr x momentum map", opening("/optimisers", query), estimate_worst=est)
    sc.refused_text = f"{steps + 1} steps (one more)"
    sc.refused = changing("Steps", steps + 1)
    sc.estimate_refused = {k: (c.seconds if c else float("nan")) for k, c in pieces(n, steps + 1).items()}
    return sc


def _neural_run(split, widths) -> nn.Run:
    with budget.limits(budget.NOTEBOOK):
        return nn.train(split, widths=widths, batch_size=len(split.X_train), epochs=1)


def neural(view: str) -> Scenario:
    """Training sized to the budget, then ``view``: "curvature" (eigenvalues, trace, and the sharpness
    comparison: two more trainings) or "plane" (a random plane at the largest resolution allowed)."""
    best = None
    for n in (5000, 2500, 1000, 400):
        for width_text in ("128, 128, 128, 128", "128, 128", "32, 32", "8"):
            widths = nn.parse_widths(width_text)
            split = nn.split("spirals", n, 0.15, seed=0)
            n_train = len(split.X_train)
            run = _neural_run(split, widths)
            fixed: dict[str, budget.Cost | None] = {}
            if view == "curvature":
                fixed = {"eigenvalues": estimate(curvature.top_eigenvalues, run, k=3),
                         "trace": estimate(curvature.trace, run, probes=64),
                         "sharpness eigenvalue": estimate(curvature.top_eigenvalues, run, k=1),
                         "sharpness trace": estimate(curvature.trace, run, probes=32)}
                resolution = None
            else:
                dirs = slices.random_directions(run.spec, run.theta, seed=0, norm="filter")
                resolution = largest(11, slices.MAX_RESOLUTION, lambda r: allowed(
                    estimate(slices.plane, run, dirs, (-5.0, 5.0), (-5.0, 5.0), r)))
                if resolution is None:
                    continue
                fixed = {"plane": estimate(slices.plane, run, dirs, (-5.0, 5.0), (-5.0, 5.0), resolution)}
            if not all(allowed(c) for c in fixed.values()):
                continue
            for batch in (1, 4, 16, 64, 256, 1024, n_train):
                if batch > n_train:
                    continue

                def trainings(epochs: int) -> dict[str, budget.Cost | None]:
                    kw = dict(widths=widths, epochs=epochs)
                    out = {"training": estimate(nn.train, split, batch_size=batch, **kw)}
                    if view == "curvature":
                        out["sharpness training, batch 16"] = estimate(nn.train, split, batch_size=min(16, n_train),
                                                                       **kw)
                        out["sharpness training, full batch"] = estimate(nn.train, split, batch_size=n_train, **kw)
                    return out

                epochs = largest(1, nn.MAX_EPOCHS, lambda e: all(allowed(c) for c in trainings(e).values()))
                if epochs is None:
                    continue
                costs = trainings(epochs) | fixed
                if view == "curvature":  # the two sharpness minima are measured each
                    costs["sharpness eigenvalue (x2)"] = costs.pop("sharpness eigenvalue") * 2
                    costs["sharpness trace (x2)"] = costs.pop("sharpness trace") * 2
                total = sum(c.seconds for c in costs.values())
                if best is None or total > best[0]:
                    best = (total, n, width_text, batch, epochs, resolution, costs)
    _, n, width_text, batch, epochs, resolution, costs = best
    base = dict(data="spirals", n=n, widths=width_text, act="tanh", opt="adam", batch=batch, seed=0)
    query = q(**base, epochs=epochs, view=view, res=resolution, span=5 if view == "plane" else None)
    what = (f"spirals, {n:,} points, widths {width_text}, batch {batch}, {epochs} epochs, "
            + ("curvature view (+ sharpness: 2 more trainings)" if view == "curvature" else
               f"random plane {resolution}x{resolution}"))
    sc = Scenario(f"neural_{view}", f"Neural landscape ({view})", what,
                  opening("/neural_landscape", query), estimate_worst={k: c.seconds for k, c in costs.items()},
                  fresh_session_for_refused=True)
    sc.refused_text = f"{epochs + 1} epochs (one more)"
    sc.refused = opening("/neural_landscape", q(**base, epochs=epochs + 1, view=view, res=resolution,
                                                span=5 if view == "plane" else None))
    return sc


def overfitting() -> Scenario:
    best = None
    n = capacity.MAX_TRAIN
    split = capacity.curve_split(n, 1.0, 0)

    def cost(layers: int, width: int, epochs: int):
        return estimate(capacity.train_network, split, 1.0, (width,) * layers, epochs, 0.01, 5.0, seed=0)

    for layers in range(1, nn.MAX_DEPTH + 1):
        for width in (nn.MAX_WIDTH, 64, 16):
            epochs = largest(1, nn.MAX_EPOCHS, lambda e: allowed(cost(layers, width, e)))
            if epochs is None:
                continue
            c = cost(layers, width, epochs)
            if best is None or c.seconds > best[0]:
                best = (c.seconds, layers, width, epochs)
    _, layers, width, epochs = best
    query = q(noise=1, n=n, l2=5, degree=20, width=width, layers=layers, epochs=epochs, lr=0.01)
    sc = Scenario("overfitting", "Overfitting", f"{n:,} points, {layers} x {width} units, {epochs} epochs, l2 5",
                  opening("/overfitting", query), estimate_worst={"training": cost(layers, width, epochs).seconds})
    if epochs < nn.MAX_EPOCHS:
        sc.refused_text = f"{epochs + 1} epochs (one more)"
        sc.refused = changing("Epochs (full batch)", epochs + 1)
        refused = cost(layers, width, epochs + 1)
        sc.estimate_refused = {"training": refused.seconds if refused else float("nan")}
    return sc


def home() -> Scenario:
    return Scenario("home", "Home", "open the page", opening("/", ""))


# ---- main ------------------------------------------------------------------------------------------------

WARM_PAGES = ["/", "/loss_surface", "/outliers", "/loss_functions", "/classification", "/distributions",
              "/optimisers", "/neural_landscape", "/overfitting"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", default="", help="comma-separated scenario names (default: all)")
    ap.add_argument("--timeout", type=float, default=180.0, help="longest wait for one run, seconds")
    ap.add_argument("--probe-pause", type=float, default=1.0,
                    help="seconds between the second session's changes (a person thinking)")
    ap.add_argument("--idle-probes", type=int, default=12)
    args = ap.parse_args()
    if not 1 <= args.timeout <= 600:
        ap.error("--timeout: 1 to 600 seconds")
    torch.set_num_threads(1)
    began = time.monotonic()

    x, y = upload_points(POINTS)
    print(f"Calibrating {len(FORMULAS) + len(CONVEX)} formulas at the limits on {POINTS:,} points "
          "(seconds measured per second estimated, plain grid, one thread) ...", flush=True)
    cal = calibrate(FORMULAS | CONVEX, x, y)
    table([(k, v.get("chars", ""), f"{v['ops']:.0f}" if "ops" in v else "", f"{v['estimate']:.2f}" if "ratio" in v
            else "", f"{v['measured']:.2f}" if "ratio" in v else "", f"{v['ratio']:.2f}" if "ratio" in v else
            v["refused"][:60]) for k, v in cal.items()], ("formula", "chars", "ops", "est s", "real s", "real/est"))
    formula = cal[worst_formula({k: cal[k] for k in FORMULAS})]["formula"]
    convex = cal[worst_formula({k: cal[k] for k in CONVEX})]["formula"]
    print(f"worst formula: {formula}\nworst formula with a best line: {convex}\n", flush=True)

    builders: dict[str, Callable[[], Scenario]] = {
        "home": home, "loss_surface": lambda: loss_surface(formula, x, y), "outliers": lambda: outliers_page(convex),
        "loss_functions": lambda: loss_functions(formula), "classification": classification,
        "distributions": distributions, "optimisers": lambda: optimisers(formula),
        "neural_curvature": lambda: neural("curvature"), "neural_plane": lambda: neural("plane"),
        "overfitting": overfitting}
    chosen = [p for p in args.pages.split(",") if p] or list(builders)
    unknown = [p for p in chosen if p not in builders]
    if unknown:
        ap.error(f"unknown pages {unknown}; choose from {list(builders)}")
    print("Sizing the requests with the cost model ...", flush=True)
    scenarios = []
    for name in chosen:
        t = time.perf_counter()
        scenarios.append(builders[name]())
        print(f"  {name}: {scenarios[-1].worst_text} ({time.perf_counter() - t:.1f} s)", flush=True)

    results: list[Measured] = []
    idle: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as logs:
        server = Server(log_dir=logs)
        probes = {"loss_functions": Probe("Loss functions: read-off point", "/loss_functions", "",
                                          "Read off at r =", [round(-10 + 0.1 * i, 1) for i in range(201)]),
                  "distributions": Probe("Distributions: smoothing", "/distributions", "",
                                         "Smoothing s of Dice and IoU", [round(0.01 * i, 2) for i in range(1, 1001)])}
        try:
            print(f"Server pid {server.pid} on {server.url}; warming every page ...", flush=True)
            for page in WARM_PAGES:
                with Session(server.url, timeout=args.timeout) as s:
                    s.open(page)
            for p in probes.values():
                p.start(server.url, args.timeout)
            probe_cpu = {}
            for key, p in probes.items():
                cpu = server.cpu_seconds()
                times = []
                for _ in range(args.idle_probes):
                    times.append(p.once())
                    time.sleep(args.probe_pause)
                probe_cpu[key] = (server.cpu_seconds() - cpu) / len(times)
                idle[key] = _stats(times) | {"name": p.name, "cpu_s_each": round(probe_cpu[key], 3)}
            print("idle probes: " + "; ".join(f"{v['name']} median {v['median_s']} s, max {v['max_s']} s"
                                               for v in idle.values()), flush=True)
            for sc in scenarios:
                probe_key = "distributions" if sc.page == "loss_functions" else "loss_functions"
                probe = probes[probe_key]
                session = Session(server.url, timeout=args.timeout)
                try:
                    try:
                        send = sc.worst(session)
                        m = measure(server, sc.page, "worst", sc.worst_text, lambda: (send(), session)[1], probe,
                                    args.probe_pause, args.timeout, sc.estimate_worst, probe_cpu[probe_key])
                    except Exception as err:  # noqa: BLE001
                        m = Measured(sc.page, "worst", sc.worst_text, outcome="error",
                                     messages=[f"{type(err).__name__}: {err}"], estimate=sc.estimate_worst)
                        traceback.print_exc()
                    results.append(m)
                    _print_one(m)
                    if sc.refused is None:
                        continue
                    if sc.fresh_session_for_refused or m.outcome in ("timeout", "error"):
                        session.close()
                        session = Session(server.url, timeout=args.timeout)
                    try:
                        send = sc.refused(session)
                        m = measure(server, sc.page, "refused", sc.refused_text, lambda: (send(), session)[1],
                                    probe, args.probe_pause, args.timeout, sc.estimate_refused,
                                    probe_cpu[probe_key])
                    except Exception as err:  # noqa: BLE001
                        m = Measured(sc.page, "refused", sc.refused_text, outcome="error",
                                     messages=[f"{type(err).__name__}: {err}"], estimate=sc.estimate_refused)
                        traceback.print_exc()
                    results.append(m)
                    _print_one(m)
                finally:
                    session.close()
        finally:
            for p in probes.values():
                p.close()
            server.stop()

    print("\nEvery page's worst allowed and cheapest refused request (goal: under "
          f"{GOAL_SECONDS:g} s and {GOAL_MB:g} MB each)\n")
    table([(m.page, m.kind, m.outcome, "—" if m.seconds is None else f"{m.seconds:.2f}",
            f"{sum(m.estimate.values()):.1f}" if m.estimate else "", f"{m.rss_peak_growth_mb:.0f}",
            f"{m.cpu_request_s:.1f}", f"{m.load:.1f}", _probe_text(m.probe), m.tracebacks, m.request)
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
    over = [f"{m.page} {m.kind}" for m in results if m.seconds is None or m.seconds > GOAL_SECONDS
            or m.rss_peak_growth_mb > GOAL_MB or m.outcome in ("exception", "timeout", "error")]
    print(f"\nOver the goal or failed: {', '.join(over) if over else 'none'}")
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


def _probe_text(p: dict) -> str:
    if not p or not p.get("n"):
        return "—"
    return f"{p['median_s']:.2f}/{p['max_s']:.2f} (n={p['n']})"


def _print_one(m: Measured) -> None:
    seconds = "—" if m.seconds is None else f"{m.seconds:.2f} s"
    print(f"  {m.page} {m.kind}: {m.outcome} in {seconds}, peak +{m.rss_peak_growth_mb:.0f} MB, "
          f"probe {_probe_text(m.probe)}; {m.request}" + (f" — {m.messages[0][:160]}" if m.messages else ""),
          flush=True)


if __name__ == "__main__":
    main()
