"""Issue 10 through the pages: each finding ends in a picture or a message, in bounded time and memory.

The app runs every request under ``budget.SERVER`` (entered by each page's ``UrlState``); the library's
side of each finding is in test_budget.py, the uploads in test_uploads.py and the number boxes sent
over the websocket in test_protocol_numbers.py.
"""
from __future__ import annotations

import numpy as np
import pytest
from apptest import charts, load, ok, spec
from measure import bounded

from landscape import budget, data

SURFACE = "views/loss_surface.py"
FIVE_POWERS = "+".join(["r*r*r*r*r"] * 10)
ERF_TERMS = "+".join(["erf(r)"] * 23)
PAGE_SECONDS = 30.0  # one AppTest run (AppTest's own overhead, a busy 2-core machine)


def _csv(n: int) -> bytes:
    x, y = data.line(n=n, seed=0)
    return ("x,y\n" + "".join(f"{a:.6g},{b:.6g}\n" for a, b in zip(x, y))).encode()


def _with_upload(n: int, **query):
    at = load(SURFACE, family="regression", data="upload a CSV", loss="custom", **query)
    at.file_uploader(key="surface_csv").upload("points.csv", _csv(n), "text/csv")
    return at


def errors(at) -> list[str]:
    return [e.value for e in at.error]


def test_the_page_runs_under_the_servers_budget():
    at = ok(load(SURFACE))
    assert at.session_state["surface_res"] == 101 and budget.SERVER.points == 10_000


def test_arrows_of_a_long_formula_on_the_most_points_are_drawn_in_bounded_memory():
    """Finding 1: 8 GB before; now the arrows are computed in chunks and drawn."""
    with bounded(PAGE_SECONDS):
        at = ok(_with_upload(budget.SERVER.points, formula=FIVE_POWERS, res="11", arrows="1").run())
    names = [trace.get("name") for trace in spec(at, 1)["data"]]
    assert "descent direction" in names


def test_an_upload_over_the_point_limit_gets_a_message():
    with bounded(PAGE_SECONDS):
        at = _with_upload(budget.SERVER.points + 1, formula=FIVE_POWERS, res="11", arrows="1").run()
    assert not at.exception and any("the limit is 10,000" in e for e in errors(at)), errors(at)


def test_a_formula_that_would_take_minutes_is_refused_with_what_to_lower():
    """Finding 2: 85 s of one core before; now refused before it starts."""
    with bounded(PAGE_SECONDS):
        at = _with_upload(budget.SERVER.points, formula=ERF_TERMS, res="101").run()
    assert not at.exception and any("too large" in e and "lower the resolution" in e for e in errors(at)), errors(at)
    at.slider(key="surface_res").set_value(11).run()  # the page goes on: a smaller grid is drawn
    ok(at)
    assert len(charts(at)) >= 2


def test_a_view_where_the_loss_is_infinite_everywhere_gets_a_message():
    """Finding 3: exp(r) a million away from the data raised All-NaN slice."""
    at = load(SURFACE, family="regression", loss="custom", formula="exp(r)", zoom="1",
              b0="-1000000", b1="-900000", res="11")
    assert not at.exception and any("not a finite number anywhere" in e for e in errors(at)), errors(at)


@pytest.mark.parametrize("query", [dict(family="regression", loss="log_cosh", n="10000", res="301"),
                                   dict(family="classification", loss="focal", n="10000", res="301")])
def test_the_largest_grid_of_the_sliders_is_refused_or_drawn_within_the_budget(query):
    with bounded(PAGE_SECONDS) as used:
        at = load(SURFACE, **query)
    assert not at.exception
    drawn = not errors(at)
    assert drawn or any("too large" in e for e in errors(at)), errors(at)
    assert used["mb"] < budget.SERVER.bytes / 2**20 * 2
    if drawn:
        assert np.isfinite(at.session_state["surface_res"])
