"""Work that nobody waits for stops (issue 10), against a real server over Streamlit's websocket protocol.

A long allowed request: the Loss surface of a linear regression on 10,000 generated points under a custom
formula, at the resolution whose estimate (``landscape.grid.cost``) is just under the server's budget.
The grid runs in chunks with ``budget.checkpoint()`` between them, and the app's checkpoint is Streamlit's
own yield check, so:

- a newer change from the same session ends the old run at its next chunk, and the new run's result
  arrives well before the old run would have finished;
- a closed tab (the websocket closed) ends the run at its next chunk: the server's CPU time stops growing.
"""
from __future__ import annotations

import time
import urllib.parse

import numpy as np
import pytest
from protocol import Session
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from landscape import budget, grid, losses, problems, surface

FORMULA = "abs(r)**1.5 + log(cosh(r)) + sqrt(1 + r**2)"
POINTS = 10_000
RESOLUTION = "Resolution (points per side)"
CHEAP = 11  # resolution of the cheap runs
RUN_SECONDS = 40  # the longest wait for one run (the long one takes a few seconds on an idle machine)


def _long_resolution() -> tuple[int, float]:
    """The largest resolution whose estimate is under 90 % of the server's budget, and that estimate."""
    rng = np.random.default_rng(0)
    x = rng.uniform(-3, 3, POINTS)
    obj = problems.linear_regression(x, 2 * x + rng.normal(size=POINTS), losses.custom(FORMULA))
    res = max(n for n in range(CHEAP, 302) if _page_cost(obj, n) <= 0.9 * budget.SERVER.seconds)
    return res, _page_cost(obj, res)


def _page_cost(obj, n: int) -> float:
    """The grids one run of the page charges: the map, and the 3D chart's own coarser grid above MESH_3D."""
    return grid.cost(obj, n).seconds + (grid.cost(obj, surface.MESH_3D).seconds if n > surface.MESH_3D else 0.0)


LONG, ESTIMATE = _long_resolution()
QUERY = urllib.parse.urlencode({"family": "regression", "n": POINTS, "loss": "custom", "formula": FORMULA,
                                "res": CHEAP, "details": 1})  # details: the caption names the grid drawn


def _caption(run) -> str:
    return next((e.markdown.body for e in run.elements.values()
                 if e.WhichOneof("type") == "markdown" and "grid computed in" in e.markdown.body), "")


def test_the_long_request_is_long_and_allowed():
    assert 0.75 * budget.SERVER.seconds <= ESTIMATE <= budget.SERVER.seconds and LONG > CHEAP + 10


@pytest.mark.timeout(60)
def test_a_newer_change_of_the_same_session_ends_the_old_run(server):
    offset = server.log_size()
    with Session(server.url, timeout=RUN_SECONDS) as s:
        run = s.open("/loss_surface", QUERY)
        assert not run.exceptions() and not run.errors(), (run.exceptions(), run.errors())
        long = s.set_widget(RESOLUTION, LONG)  # how long the long run takes to the end, here and now
        assert not long.errors() and f"{LONG}×{LONG} grid" in _caption(long), long.errors()

        s.send_rerun({s.widget(RESOLUTION).id: LONG - 1})  # another long run (not cached) ...
        time.sleep(min(1.0, 0.25 * long.seconds))  # ... well under way
        sent = time.monotonic()
        s.send_rerun({s.widget(RESOLUTION).id: CHEAP + 1})  # the newer change: a cheap one
        run = s.collect()
        waited = run.finished_at[-1] - sent

    # Two runs started (Streamlit drops the old run's FINISHED_EARLY_FOR_RERUN when it clears the queue
    # for the new run), the last finished and drew the cheap change
    assert sum(m.WhichOneof("type") == "new_session" for m in run.messages) == 2
    assert run.statuses[-1] == ForwardMsg.FINISHED_SUCCESSFULLY and run.finished
    assert not run.exceptions() and not run.errors(), (run.exceptions(), run.errors())
    assert f"{CHEAP + 1}×{CHEAP + 1} grid" in _caption(run)
    print(f"long run {long.seconds:.2f} s (estimate {ESTIMATE:.2f} s); the newer change's result "
          f"{waited:.2f} s after it was sent")
    assert waited < 0.5 * long.seconds, (waited, long.seconds)
    assert "Traceback" not in server.log_text(offset)


def _cpu_over(server, seconds: float) -> float:
    before = server.cpu_seconds()
    time.sleep(seconds)
    return server.cpu_seconds() - before


@pytest.mark.timeout(60)
def test_a_closed_tab_ends_its_run_and_frees_the_cpu(fresh_server):
    server = fresh_server
    offset = server.log_size()
    with Session(server.url, timeout=RUN_SECONDS) as other:  # a third session: its cheap change, idle
        other.open("/loss_surface", QUERY)
        idle = min(other.set_widget(RESOLUTION, CHEAP + k).seconds for k in (1, 2, 3))
        full = other.set_widget(RESOLUTION, LONG - 1)  # how long a long run takes to the end, here and now
        # the CPU is read from 0.5 s after the close (1 s into the run) for ``window`` s, which ends at least
        # 0.5 s before the run would have ended by itself (its length varies with the machine's load)
        window = min(1.0, full.seconds - 2.0)
        assert not full.errors() and window >= 0.3, (full.seconds, full.errors())

        s = Session(server.url, timeout=RUN_SECONDS)
        s.open("/loss_surface", QUERY)
        s.send_rerun({s.widget(RESOLUTION).id: LONG})
        time.sleep(0.3)
        busy = _cpu_over(server, 0.7)  # the long run is under way
        s.close()  # the tab closes 1 s into a run of about full.seconds
        time.sleep(0.5)
        after = _cpu_over(server, window)
        later = other.set_widget(RESOLUTION, CHEAP + 4)
    print(f"long run {full.seconds:.2f} s; CPU {busy:.2f} s in 0.7 s while running, {after:.2f} s in {window:.2f} s "
          f"from 0.5 s after the close; third session {later.seconds:.2f} s (idle {idle:.2f} s)")
    assert busy > 0.2, f"the long run used {busy:.2f} s of CPU in 0.7 s"  # a busy 2-core machine gives it less
    assert after < 0.1, f"the server used {after:.2f} s of CPU in {window:.2f} s from 0.5 s after the tab closed"
    assert not later.exceptions() and not later.errors()
    assert later.seconds < 2 * idle + 1.0, (later.seconds, idle)
    assert "Traceback" not in server.log_text(offset)
