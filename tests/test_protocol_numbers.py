"""Number boxes and sliders survive values no browser sends (issue 10, finding 5).

Over Streamlit's websocket protocol (``bench/protocol.py``) a client can send ``inf``, ``nan``,
``1e300`` or ``2**63`` for a number box, or a value of the wrong type for any control.  Streamlit
1.67's own deserializer raised on some of them before the script ran, and again at the start of
every later run of that session (see ``landscape/ui/guard.py``).  Now each is refused with a warning
naming the control, the run finishes, and the next ordinary interaction runs cleanly.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest
from protocol import Session
from streamlit.elements.lib.js_number import JSNumber
from streamlit.elements.plotly_chart import PlotlyChartSelectionSerde
from streamlit.elements.widgets.number_input import NumberInputSerde
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.WidgetStates_pb2 import WidgetState

from landscape import wire
from landscape.types import InputError
from landscape.ui.page import literal

INF, NAN = float("inf"), float("nan")
BIG = 2.0**63
RUN_SECONDS = 30  # every interaction must finish within this (one run of these pages takes well under 2 s)


# ---- the validation, as a library ------------------------------------------------------------------

@pytest.mark.parametrize("raw,low,high,integer,expected", [
    (5, 0, 10, True, 5), (5.0, 0, 10, True, 5), (0.25, 0.0, 1.0, False, 0.25), (3, 0.0, 10.0, False, 3.0),
    (-1e6, -1e6, 1e6, False, -1e6),
])
def test_wire_number_accepts_what_a_browser_sends(raw, low, high, integer, expected):
    value = wire.number(raw, low, high, integer)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("raw,integer,message", [
    (INF, False, "inf is not a finite number"), (-INF, True, "-inf is not a finite number"),
    (NAN, False, "nan is not a finite number"), (1e300, False, "1e+300 is outside 0 to 10"),
    (BIG, True, "9.22337e+18 is outside 0 to 10"), (2**63 - 1, True, "is outside 0 to 10"),
    (2.5, True, "2.5 is not a whole number"), ("5", False, "text is not a number"),
    (True, True, "on/off is not a number"), ([5.0], False, "a list of 1 is not a number"),
    (b"\x00", False, "bytes is not a number"),
])
def test_wire_number_refuses_what_no_browser_sends(raw, integer, message):
    with pytest.raises(InputError, match=message.replace("+", r"\+")):
        wire.number(raw, 0, 10, integer)


def test_wire_slider_takes_a_list_of_one_number():
    w = WidgetState(id="s")
    w.double_array_value.data.extend([4.0])
    assert wire.slider(w.double_array_value.data, 1, 10, True) == 4  # protobuf's repeated field
    assert wire.slider([0.5], 0.0, 1.0) == 0.5
    for raw, message in [(4.0, "a number is not a list"), ([1.0, 2.0], "a list of 2"), ("4", "text is not"),
                         ([INF], "not a finite number"), ([11.0], "outside 1 to 10"), ([], "a list of 0")]:
        with pytest.raises(InputError, match=message):
            wire.slider(raw, 1, 10, True)


def test_unbounded_boxes_take_what_javascript_can_hold():
    assert wire.box_bounds(1, 100, True, clamp=True) == (1, 100)
    assert wire.box_bounds(1, 100, True, clamp=False) == (-(2**53 - 1), 2**53 - 1)
    low, high = wire.box_bounds(1e-6, 1e6, False, clamp=False)
    assert high == -low == 1.7976931348623157e308
    assert (wire.JS_MAX_SAFE_INTEGER, wire.JS_MAX_VALUE) == (JSNumber.MAX_SAFE_INTEGER, JSNumber.MAX_VALUE)
    assert -wire.JS_MAX_VALUE == JSNumber.MIN_NEGATIVE_VALUE and -wire.JS_MAX_SAFE_INTEGER == JSNumber.MIN_SAFE_INTEGER
    wire.number(1e300, low, high)  # a browser can send it; the compute package then says what is wrong
    with pytest.raises(InputError):
        wire.number(BIG, *wire.box_bounds(1, 100, True, clamp=False), integer=True)


def test_streamlit_deserializer_still_raises_upstream():
    """The upstream bug the guard works around (if this fails, Streamlit fixed it: see guard.py)."""
    serde = NumberInputSerde(0, NumberInput.INT, 0, 10_000)
    with pytest.raises(OverflowError):
        serde.deserialize(INF)
    with pytest.raises(ValueError):
        serde.deserialize(NAN)
    assert serde.deserialize(1e300) == 0  # out of range: the default, without a word


def test_refusing_deserializer_notes_and_replaces_a_bad_value():
    serde = NumberInputSerde(0, NumberInput.INT, 0, 10_000)
    refused: dict = {}
    deserialize = wire.refusing(serde.deserialize, lambda raw: wire.number(raw, 0, 10_000, True),
                                  "page_seed", "double_value", refused)
    assert deserialize.__wrapped__ == serde.deserialize
    assert deserialize(None) == 0 and deserialize(7) == 7 and deserialize(7.0) == 7 and not refused
    for raw in (INF, -INF, NAN, 1e300, BIG, 2.5, "x"):
        assert deserialize(raw) == 0
        reason, used, value_type = refused.pop("page_seed")
        assert used == 0 and value_type == "double_value" and reason
    # without a check, whatever Streamlit's deserializer raises on is refused too
    bare = wire.refusing(serde.deserialize, None, "page_seed", "double_value", refused)
    assert bare(INF) == 0 and refused.pop("page_seed")[0] == "not a value this control can hold"
    assert bare(1e300) == 0 and not refused  # Streamlit itself replaces it (silently)


def test_a_refusal_names_the_control_as_typed_and_the_value_used():
    assert wire.refused("Seed *", "1e+300 is outside 0 to 10000", 0) == (
        "Seed \\*: the value sent was refused (1e+300 is outside 0 to 10000); using 0.")
    assert wire.refused("lr", "why", 0.5).endswith("using 0.5.") and wire.refused("log", "why", True).endswith("on.")
    assert wire.refused("zoom", "why", False).endswith("using off.")
    assert wire.refused("Loss", "why", "mse").endswith("using its default.")


def test_markdown_in_a_label_is_shown_literally():
    assert literal("Tolerance on loss − f*") == "Tolerance on loss − f\\*"
    assert literal("$x$ [a](b)") == "\\$x\\$ \\[a\\]\\(b\\)"


# ---- through the protocol, against a real server ----------------------------------------------------

def _log_tail(server, offset: int) -> str:
    return Path(server.log.name).read_text(errors="replace")[offset:]


def _forge(s: Session, label: str, **raw) -> None:
    """Send one value no browser sends for the control ``label``: refused with a warning naming it."""
    run = s.set_raw(label, **raw)
    assert run.finished and run.seconds < RUN_SECONDS
    assert not run.exceptions(), (raw, run.exceptions())
    name = label.split("*")[0]
    assert any(name in w and "refused" in w for w in run.warnings()), (raw, run.warnings())


def _ordinary(s: Session, label: str, value) -> None:
    """A value a browser sends: taken, the run clean."""
    run = s.set_widget(label, value)
    assert run.finished and run.seconds < RUN_SECONDS
    assert not run.exceptions() and not run.errors(), (run.exceptions(), run.errors())
    assert not [w for w in run.warnings() if "refused" in w], run.warnings()
    assert s.widget(label).value == value


BOXES = [  # page, query, label, what to send, a value a browser sends afterwards
    pytest.param("/loss_surface", "family=regression", "Seed",
                 [{"double_value": v} for v in (INF, -INF, NAN, 1e300, BIG)] + [{"int_value": 2**63 - 1}],
                 7, id="int-box"),
    pytest.param("/loss_surface", "family=regression&zoom=1", "w min",
                 [{"double_value": v} for v in (INF, -INF, NAN, 1e300, -1e300)], -2.0, id="float-box"),
    pytest.param("/optimisers", "", "Tolerance on loss − f*",
                 [{"double_value": v} for v in (INF, -INF, NAN)], 0.1, id="unbounded-float-box-with-star"),
    pytest.param("/optimisers", "", "Steps",
                 [{"double_value": v} for v in (INF, -INF, NAN, 1e300, BIG)], 150, id="unbounded-int-box"),
    pytest.param("/optimisers", "", "x", [{"double_value": v} for v in (INF, -INF, NAN)] + [{"string_value": "1"}],
                 0.5, id="unbounded-float-box"),
    pytest.param("/loss_surface", "family=regression", "Points",
                 [{"double_array_value": [v]} for v in (INF, NAN, 1e300)] + [{"double_value": 50.0}],
                 50, id="slider"),
    pytest.param("/loss_surface", "family=regression", "Loss", [{"double_value": 1.0}, {"double_array_value": [1.0]}],
                 "MAE", id="select-box"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("page,query,label,forged,valid", BOXES)
def test_values_no_browser_sends_are_refused(server, page, query, label, forged, valid):
    offset = os.path.getsize(server.log.name)
    with Session(server.url, timeout=RUN_SECONDS) as s:
        s.open(page, query)
        for raw in forged:
            _forge(s, label, **raw)
        _ordinary(s, label, valid)
        _ordinary(s, label, s.widget(label).value)  # and once more: nothing refused lingers
    assert "Traceback" not in _log_tail(server, offset)


@pytest.mark.timeout(60)
def test_a_huge_float_reaches_the_compute_package(server):
    """1e300 in an unbounded float box is a value a person can type: the compute package says what is wrong."""
    offset = os.path.getsize(server.log.name)
    with Session(server.url, timeout=RUN_SECONDS) as s:
        s.open("/optimisers")
        run = s.set_widget("x", 1e300)
        assert run.finished and not run.exceptions()
        assert any("far outside the view" in e for e in run.errors()), run.errors()
        _ordinary(s, "x", 0.5)
    assert "Traceback" not in _log_tail(server, offset)


@pytest.mark.timeout(60)
def test_a_form_box_and_its_submit_button(server):
    """Neural landscape: the training settings are a form; a forged value is refused with or without Train."""
    offset = os.path.getsize(server.log.name)
    with Session(server.url, timeout=RUN_SECONDS) as s:
        s.open("/neural_landscape", "epochs=20")
        for value in (INF, NAN, BIG):
            _forge(s, "Epochs", double_value=value)
            s.set_widget("Epochs", 20)
        _forge(s, "Learning rate", double_value=-INF)
        s.set_widget("Learning rate", 0.01)
        s.set_raw("Epochs", double_value=NAN)
        run = s.click("Train")
        assert run.finished and not run.exceptions()
        s.set_widget("Epochs", 30)
        run = s.click("Train")
        assert run.finished and not run.exceptions() and not run.errors(), (run.exceptions(), run.errors())
        assert "epochs=30" in s.query
    assert "Traceback" not in _log_tail(server, offset)


@pytest.mark.timeout(60)
def test_a_value_forged_in_the_first_message(server):
    """A client that knows a widget's id (ids are stable) can send a value before the page ever ran."""
    offset = os.path.getsize(server.log.name)
    with Session(server.url, timeout=RUN_SECONDS) as a:
        seed = a.open("/loss_surface", "family=regression").widget("Seed")
    with Session(server.url, timeout=RUN_SECONDS) as s:
        s.connect()
        s.page_name, s.query = "loss_surface", "family=regression"
        run = s.rerun({seed.id: WidgetState(id=seed.id, double_value=INF)})
        assert run.finished and not run.exceptions()
        run = s.set_widget("Seed", 5)  # the forged value is refused as the session state is compacted
        assert run.finished and not run.exceptions() and s.widget("Seed").value == 5
        _ordinary(s, "Seed", 6)
    assert "Traceback" not in _log_tail(server, offset)


def test_the_client_stays_on_loopback():
    with pytest.raises(ValueError):
        Session("http://example.org:8501")
    assert math.isclose(Session("http://127.0.0.1:1", timeout=2.5).timeout, 2.5)


# ---- chart selections: a chart drawn with on_select is a widget too ---------------------------------------

def _selection(*points: dict) -> str:
    """The JSON text Streamlit's front end sends for a Plotly selection of ``points``."""
    return json.dumps({"selection": {"points": list(points), "point_indices": list(range(len(points))),
                                     "box": [], "lasso": []}})


NOTHING = _selection()
FORGED_SELECTIONS = [  # what no chart sends, and the reason it is refused for
    ({"double_value": 1.0}, "a number is not a selection"),
    ({"string_value": "not json"}, "not JSON text"),
    ({"string_value": '{"selection": 1}'}, "holds no selection"),
    ({"string_value": '"selection"'}, "holds no selection"),
    ({"string_value": '{"selection": {"points": 5}}'}, "not a list of points"),
    ({"string_value": _selection({"x": "a", "y": 1})}, "x is text"),
    ({"string_value": '{"selection": {"points": [{"x": NaN, "y": 0}]}}'}, "not JSON text"),
    ({"string_value": _selection({"x": 1e300, "y": 0})}, "beyond"),
    ({"string_value": "[" * 100_000 + "]" * 100_000}, "not JSON text"),
    ({"string_value": " " * (wire.MAX_SELECTION_CHARS + 1)}, "more than any selection"),
]


def test_streamlit_selection_deserializer_still_raises_upstream():
    """The upstream bug the chart guard works around (if this fails, Streamlit fixed it: see guard.py)."""
    serde = PlotlyChartSelectionSerde()
    with pytest.raises(TypeError):
        serde.deserialize(1.0)
    with pytest.raises(json.JSONDecodeError):
        serde.deserialize("not json")
    with pytest.raises(TypeError):
        serde.deserialize('{"selection": 1}')


def test_wire_selection_takes_what_a_chart_sends():
    click = _selection({"curve_number": 1, "point_number": 7, "point_index": 7, "x": 0.5, "y": -2, "customdata": [7]})
    assert wire.selection(click) == click and wire.selection(NOTHING) == NOTHING
    assert wire.selection(click, rows=8) == click
    assert wire.selection(_selection({"x": 1, "y": 2, "customdata": None}), rows=3)  # the click grid
    for raw, message in [(click, "not one of the 7 points"), (_selection({"x": 1, "y": 2, "customdata": 2.5}),
                                                               "not one of"), (_selection({"x": 1, "y": 2,
                                                                               "customdata": -1}), "not one of")]:
        with pytest.raises(InputError, match=message):
            wire.selection(raw, rows=7)
    for raw, message in FORGED_SELECTIONS:
        with pytest.raises(InputError, match=message):
            wire.selection(next(iter(raw.values())))


def _click(s: Session, key: str, selection: str | None = None, **raw):
    """Send a selection for the chart with this key: a chart's (``selection``) or a forged one (``raw``)."""
    chart = s.widget_by_key(key)
    run = s.set_raw(chart, **(raw or {"string_value": selection}))
    assert run.finished and run.seconds < RUN_SECONDS
    assert not run.exceptions(), (raw, run.exceptions())
    return run


def _refused_click(run, reason: str) -> bool:
    return any("click on this chart was refused" in w and reason in w for w in run.warnings())


@pytest.mark.timeout(120)
def test_selections_no_chart_sends_are_refused(server):
    """Optimisers: the contour's click sets the start; a forged selection is refused with a warning and the
    session keeps working (before the guard, Streamlit's deserializer raised in every later run)."""
    offset = server.log_size()
    with Session(server.url, timeout=RUN_SECONDS) as s:
        s.open("/optimisers")
        for raw, reason in FORGED_SELECTIONS:
            assert _refused_click(_click(s, "chart_contour", **raw), reason), (raw, s.last_run().warnings())
        run = _click(s, "chart_contour", _selection({"x": 0.5, "y": 0.25, "curve_number": 2, "customdata": 1.5}))
        assert not [w for w in run.warnings() if "refused" in w] and not run.errors(), (run.warnings(), run.errors())
        assert (s.widget("x").value, s.widget("y").value) == (0.5, 0.25) and "sx=0.5" in s.query
        _ordinary(s, "Steps", 200)
    assert "Traceback" not in server.log_text(offset)


@pytest.mark.timeout(60)
def test_a_click_on_a_point_that_is_not_there_is_refused(server):
    """Outliers: each point carries its row; a row that does not exist, or a click beyond the coordinates any
    chart here spans, is refused; a click on a real point removes it."""
    offset = server.log_size()
    with Session(server.url, timeout=RUN_SECONDS) as s:
        s.open("/outliers", "click=remove")
        n = int(s.widget("Points").value)  # the generated points (no outlier is added or removed by hand)
        run = _click(s, "outliers_scatter", _selection({"x": 0.5, "y": 0.25, "customdata": [n + 50]}))
        assert _refused_click(run, f"not one of the {n:,} points of the chart"), run.warnings()
        run = _click(s, "outliers_scatter", _selection({"x": 0.5, "y": 0.25, "customdata": [0]}))
        assert not run.warnings() and "pts=-0" in s.query, (run.warnings(), s.query)
        s.set_widget("A click on the scatter", "add")
        run = _click(s, "outliers_scatter", _selection({"x": 2e6, "y": 1.0}))
        assert _refused_click(run, "beyond"), run.warnings()
        run = _click(s, "outliers_scatter", _selection({"x": 2.5, "y": 40.0}))
        assert not run.warnings() and "2.5%3A40" in s.query.replace(":", "%3A"), (run.warnings(), s.query)
    assert "Traceback" not in server.log_text(offset)


@pytest.mark.timeout(60)
def test_a_selection_forged_in_the_first_message(server):
    """Before the chart was ever drawn in the session, Streamlit deserializes the value while registering it."""
    offset = server.log_size()
    with Session(server.url, timeout=RUN_SECONDS) as a:
        a.open("/optimisers")
        chart = a.widget_by_key("chart_contour")
    with Session(server.url, timeout=RUN_SECONDS) as s:
        s.connect()
        s.page_name = "optimisers"
        run = s.rerun({chart.id: WidgetState(id=chart.id, string_value="not json")})
        assert run.finished and not run.exceptions() and _refused_click(run, "not JSON text"), run.exceptions()
        run = _click(s, "chart_contour", NOTHING)  # what a browser sends next: no selection
        assert not run.warnings() and not run.errors(), (run.warnings(), run.errors())
        _ordinary(s, "Steps", 200)
    assert "Traceback" not in server.log_text(offset)


UNBOUND = [  # controls outside the link (ui.guard.guarded): the class's join code, the lesson form's choices
    pytest.param("/class", "", "The code on the teacher's screen", [{"double_value": 1.0}, {"int_value": 7}],
                 id="join-code-text"),
    pytest.param("/loss_surface", "", "Answer", [{"int_value": 99}, {"string_value": "x"}], id="lesson-kind-radio"),
    pytest.param("/loss_surface", "", "Question for the class", [{"double_value": NAN}], id="lesson-question-text"),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("page,query,label,forged", UNBOUND)
def test_values_no_browser_sends_to_controls_outside_the_link(server, page, query, label, forged):
    offset = os.path.getsize(server.log.name)
    with Session(server.url, timeout=RUN_SECONDS) as s:
        s.open(page, query)
        for raw in forged:  # refused with a warning, or taken as the default by Streamlit itself (a radio)
            run = s.set_raw(label, **raw)
            assert run.finished and not run.exceptions(), (raw, run.exceptions())
        run = s.rerun()  # and nothing lingers
        assert run.finished and not run.exceptions() and not [w for w in run.warnings() if "refused" in w]
    assert "Traceback" not in _log_tail(server, offset)
