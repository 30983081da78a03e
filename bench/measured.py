"""One request against the server, measured (for ``bench/worst_case.py``).

Measured per request: wall time from sending it to its last ``script_finished``; drawn or refused (the
page's error and warning messages, exceptions); the server process's peak resident memory over the
request minus its resident memory before (VmHWM after ``clear_refs`` 5, against VmRSS); tracebacks in the
server's log.  While each request runs, a second session (a ``Probe``) changes a cheap control of another
page every ``pause`` seconds; its interaction latency (median, max) is reported.  The server's CPU time
over each request, less the probe's runs, is reported beside the wall time: on a busy machine (see the load
average) the wall time grows, the CPU time is what the request itself costs.
"""
from __future__ import annotations

import os
import statistics
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from appserver import Server
from protocol import Session
from runs import Run


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

    def interact(self, stop: threading.Event, pause: float, times: list[float], errors: list[str]) -> None:
        """Change the control every ``pause`` seconds until ``stop`` is set, its latencies into ``times``; the
        first failure goes into ``errors`` and ends it (reported, not raised: the bench goes on)."""
        while not stop.is_set():
            try:
                times.append(self.once())
            except Exception as err:  # noqa: BLE001
                errors.append(f"{type(err).__name__}: {err}")
                return
            stop.wait(pause)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()


def latency_stats(times: list[float]) -> dict[str, Any]:
    """How many interactions, their median and longest latency (seconds)."""
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
    try:
        session = send()
        thread = threading.Thread(target=probe.interact, args=(stop, pause, probe_times, probe_errors), daemon=True)
        thread.start()
        try:
            _read_run(m, session.collect(timeout))
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
    _read_server(m, server, before, cpu, log_offset)
    m.cpu_request_s = max(0.0, m.cpu_seconds - probe_cpu * len(probe_times))
    m.probe = latency_stats(probe_times) | {"name": probe.name} | ({"errors": probe_errors} if probe_errors else {})
    return m


def _read_run(m: Measured, run: Run) -> None:
    """The request's wall time, its messages, and whether the page drew it, refused it or failed."""
    m.seconds = run.seconds
    m.messages = [f"error: {t}" for t in run.errors()] + [f"warning: {t}" for t in run.warnings()] + \
                 [f"exception: {t}" for t in run.exceptions()]
    if run.exceptions():
        m.outcome = "exception"
    elif run.errors() or any("refused" in w for w in run.warnings()):
        m.outcome = "refused"
    else:
        m.outcome = "drawn"


def _read_server(m: Measured, server: Server, rss_before_kb: int, cpu_before: float, log_offset: int) -> None:
    """The server's memory and CPU time over the request, the load average, and the tracebacks it logged
    (printed to stderr)."""
    m.rss_before_mb = rss_before_kb / 1024
    m.rss_peak_growth_mb = max(0, server.peak_rss_kb() - rss_before_kb) / 1024
    m.rss_after_mb = server.rss_kb() / 1024
    m.cpu_seconds = server.cpu_seconds() - cpu_before
    m.load = os.getloadavg()[0]
    log = server.log_text(log_offset)
    m.tracebacks = log.count("Traceback")
    if m.tracebacks:
        print(log[log.index("Traceback"):][-3000:], file=sys.stderr)


def probe_text(p: dict) -> str:
    """A probe's latency as the tables show it: median/max (n)."""
    if not p or not p.get("n"):
        return "—"
    return f"{p['median_s']:.2f}/{p['max_s']:.2f} (n={p['n']})"


def print_measured(m: Measured) -> None:
    """One line for a request as soon as it is measured."""
    seconds = "—" if m.seconds is None else f"{m.seconds:.2f} s"
    print(f"  {m.page} {m.kind}: {m.outcome} in {seconds}, peak +{m.rss_peak_growth_mb:.0f} MB, "
          f"probe {probe_text(m.probe)}; {m.request}" + (f" — {m.messages[0][:160]}" if m.messages else ""),
          flush=True)
