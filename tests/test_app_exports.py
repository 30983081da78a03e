"""Downloads and "Add this view to my lesson" on every page (issue 14, items 2 and 4), in AppTest.

The download buttons carry a function (Streamlit's deferred download, run on click): the tests record the
function each button registers and call it, as the click does, and compare the file with the compute
package's export for that link.  Adding a step goes through the popover's widgets and its button."""
from __future__ import annotations

import json
import re
from dataclasses import replace

import numpy as np
import pytest
from apptest import load, ok
from streamlit.testing.v1 import AppTest
from streamlit.runtime.media_file_manager import MediaFileManager

from landscape import export, export_files, lessons
from landscape.figures import export as fx
from landscape.figures.steps import step_figure
from landscape.figures.style import SLIDE_PNG
from landscape.lessons import authoring, links
from landscape.types import InputError
from landscape.ui import draft, exports
from landscape.ui.page import literal

SMALL_NET = {"n": "100", "widths": "4", "epochs": "10"}
PAGES = {  # page -> (view file, link)
    "loss_surface": ("views/loss_surface.py", {"family": "regression", "l2": "1", "res": "41"}),
    "outliers": ("views/outliers.py", {}),
    "loss_functions": ("views/loss_functions.py", {}),
    "classification": ("views/classification.py", {}),
    "distributions": ("views/distributions.py", {}),
    "optimisers": ("views/optimisers.py", {"steps": "60"}),
    "neural_landscape": ("views/neural_landscape.py", SMALL_NET),
    "overfitting": ("views/overfitting.py", {"epochs": "50"}),
}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def deferred(monkeypatch):
    """{file name: the function its download button runs when clicked}, filled as pages register them."""
    registered = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        registered[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return registered


def _run(page: str):
    """The page opened with its link and its Download popover open; the link as the page wrote it back, and the
    view it reads."""
    view, query = PAGES[page]
    at = ok(downloads_open(page, view, **query))
    written = {k: v if isinstance(v, str) else ",".join(v) for k, v in at.query_params.items()}
    return at, links.parse(page, written, strict=False).inputs


def downloads_open(page: str, view: str, **query) -> AppTest:
    """``view`` opened with ``query`` and its Download popover open (its buttons are made only then)."""
    return load(view, state={f"{links.page(page).state}_downloads": True}, **query)


def _same_data(kind: str, got: bytes, want: bytes) -> None:
    if kind == "npz":
        a, b = export.load_npz(got), export.load_npz(want)
        assert list(a) == list(b)
        for name in a:
            assert np.array_equal(a[name], b[name]), name
    else:
        assert got == want
        export.read_csv(got.decode())  # and it reads back


@pytest.mark.parametrize("page", list(PAGES))
def test_every_figure_has_its_downloads_and_the_first_equals_the_compute(page, deferred):
    at, inputs = _run(page)
    for chart in at.get("plotly_chart"):  # the camera button saves a PNG at slide size
        assert json.loads(chart.proto.config)["toImageButtonOptions"] == SLIDE_PNG
    shown = links.shown_figures(page, inputs)
    labels = {b.proto.help.split(":")[0] for b in at.get("download_button")}
    for figure in shown:
        kind = export_files.data_format(page, figure, inputs)
        assert {f"{page}-{figure}.html", f"{page}-{figure}.{kind}"} <= labels, (figure, labels)
    assert (f"{page}-race.gif" in labels) == (page == "optimisers")
    first = shown[0]
    kind = export_files.data_format(page, first, inputs)
    got = deferred[f"{page}-{first}.{kind}"]()
    want = export.figure_data(page, first, inputs)
    assert want.filename.endswith(kind)
    _same_data(kind, got, want.content)
    html = deferred[f"{page}-{first}.html"]().decode()
    expected = fx.figure_html(step_figure(page, first, inputs), f"{links.page(page).title}: "
                              f"{export_files.title(first)}")
    assert UUID.sub("id", html) == UUID.sub("id", expected)
    assert "<script" in html and "plotly" in html.lower()


def test_every_data_file_of_the_outliers_page_round_trips(deferred):
    _, inputs = _run("outliers")
    for figure in links.shown_figures("outliers", inputs):
        kind = export_files.data_format("outliers", figure, inputs)
        _same_data(kind, deferred[f"outliers-{figure}.{kind}"](),
                   export.figure_data("outliers", figure, inputs).content)


def test_the_race_gif_is_the_race_of_the_link(deferred):
    _, inputs = _run("optimisers")
    assert deferred["optimisers-race.gif"]() == fx.step_gif(inputs)


def test_a_refused_download_is_said_in_the_popover(deferred, monkeypatch):
    at, _ = _run("overfitting")

    def refuse(*args, **kw):
        raise InputError("this request needs 9.9 s of computing; the limit is 4 s")

    monkeypatch.setattr(export, "figure_data", refuse)
    exports.make_file.clear()
    with pytest.raises(InputError):
        deferred["overfitting-degrees.csv"]()
    at.run()
    assert any("overfitting-degrees.csv could not be made" in e.value and "4 s" in e.value for e in at.error)


def test_the_download_buttons_are_made_only_while_the_popover_is_open():
    assert not ok(load("views/loss_surface.py")).get("download_button")
    assert len(ok(downloads_open("loss_surface", "views/loss_surface.py")).get("download_button")) >= 4


def test_a_view_a_link_cannot_carry_offers_no_downloads():
    at = downloads_open("loss_functions", "views/loss_functions.py", formula_r="abs(r")  # the formula not drawn
    assert not at.exception
    assert not [b for b in at.get("download_button") if b.proto.help.startswith("loss_functions-")]
    assert any("cannot carry" in i.value for i in at.info)


# ---- add this view to my lesson ----------------------------------------------------------------------

def _add(at, question: str, reveal: str, **kw):
    prefix = "fit_lesson_"
    at.text_area(key=prefix + "question").input(question)
    at.text_area(key=prefix + "reveal").input(reveal)
    if "choices" in kw:
        at.radio(key=prefix + "kind").set_value("choice")
        at.run()
        at.text_area(key=prefix + "choices").input("\n".join(kw["choices"]))
        at.run()
        at.selectbox(key=prefix + "answer").set_value(kw["answer"])
    at.button(key=prefix + "add").click()
    return at.run()


def test_add_this_view_adds_a_valid_step_with_text_kept_literally():
    at = ok(load("views/overfitting.py", degree="7", details="1"))
    hostile = "<script>alert(1)</script> **bold** [link](http://x)"
    _add(at, hostile, "Best degree {best_degree}, validation {best_val:.3g}. <b>no</b>")
    ok(at)
    lesson = at.session_state[draft.KEY]
    step = lesson.steps[-1]
    assert step.page == "overfitting" and step.query == {"degree": "7"}  # the display switch is left out
    assert step.question == hostile and "<b>no</b>" in step.reveal
    shown = [s.value for s in at.success]
    assert any(literal(hostile) in s for s in shown), shown
    assert any("details" in c.value for c in at.caption)
    assert any("My lesson: 1 step" in m.value for m in at.markdown)
    assert lessons.load(lessons.dump(replace(lesson, summary=authoring.SUMMARY))).steps == lesson.steps
    lessons.reveal(step)  # it plays


def test_a_multiple_choice_step_keeps_its_right_answer():
    at = ok(load("views/overfitting.py"))
    _add(at, "Which degree overfits?", "It is {best_degree}.", choices=["2", "12", "20"], answer="20")
    step = at.session_state[draft.KEY].steps[-1]
    assert step.kind == "choice" and step.choices == ("2", "12", "20") and step.answer == 2


def test_a_refused_step_gets_the_lessons_message():
    at = ok(load("views/overfitting.py"))
    _add(at, "Why?", "See {no_such_number}.")
    assert draft.KEY not in at.session_state
    assert any("Not added" in e.value and "no_such_number" in e.value for e in at.error)
    at2 = ok(load("views/overfitting.py"))
    _add(at2, "  ", "fine")
    assert any("question is empty" in e.value for e in at2.error)


def test_the_reveal_help_lists_the_pages_quotes():
    at = ok(load("views/overfitting.py"))
    help_text = at.text_area(key="fit_lesson_reveal").help
    assert "{best_degree}" in help_text
