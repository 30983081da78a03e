"""AppTest: the Lessons page plays every shipped lesson step by step (question, Reveal, figure and reveal text,
Next) with no exception and no error; a link restores a step; a bad lesson file gets a message; presenter
mode (link and switch) changes the figures and only when it is on."""
import json

import pytest
from streamlit.testing.v1 import AppTest
from apptest import ROOT, charts, load, ok

from landscape import lessons
from landscape.figures import style
from landscape.ui.page import literal

PAGE = "views/lessons.py"
REVEAL, NEXT, PREVIOUS = "lessons_go_reveal", "lessons_go_next", "lessons_go_previous"


def param(at, name: str) -> str | None:
    """A link parameter as text (AppTest keeps what the app wrote as a list)."""
    value = at.query_params.get(name)
    return value[0] if isinstance(value, list) else value


def texts(at) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(h.value for h in at.subheader)


def shown_question(at, step: lessons.Step) -> bool:
    return any(step.question.replace("?", "") in h.value.replace("\\", "").replace("?", "") for h in at.subheader)


@pytest.mark.parametrize("name", lessons.names())
def test_every_step_of_every_lesson_plays(name):
    lesson = lessons.get(name)
    at = ok(load(PAGE, lesson=name))
    for k, step in enumerate(lesson.steps, start=1):
        assert shown_question(at, step), (name, k)
        assert not charts(at), "the figure is hidden until Reveal"
        assert (len(at.radio) == 1) == bool(step.choices)
        ok(at.button(key=REVEAL).click().run())
        assert len(charts(at)) == 1, (name, k)
        if step.answer is not None:
            assert any(step.choices[step.answer] in s.value.replace("\\", "") for s in at.success)
        assert param(at, "reveal") == "1"
        assert "Open this view in its page" in texts(at)
        if k < len(lesson.steps):
            ok(at.button(key=NEXT).click().run())
            assert param(at, "step") == str(k + 1) and param(at, "reveal") is None
    assert at.button(key=NEXT).disabled


def test_a_link_restores_a_revealed_step_and_previous_goes_back():
    lesson = lessons.get("momentum-valley")
    at = ok(load(PAGE, lesson="momentum-valley", step="3", reveal="1"))
    assert shown_question(at, lesson.steps[2]) and len(charts(at)) == 1
    assert at.selectbox(key="lessons_lesson").value == "momentum-valley"
    ok(at.button(key=PREVIOUS).click().run())
    assert shown_question(at, lesson.steps[1]) and not charts(at)
    assert param(at, "step") == "2"


def test_a_bad_link_gets_a_message_and_the_first_step():
    at = ok(load(PAGE, lesson="outliers", step="99", reveal="yes"))
    warnings = " ".join(w.value for w in at.warning)
    assert "`step`" in warnings and "`reveal`" in warnings
    assert shown_question(at, lessons.get("outliers").steps[0]) and not charts(at)
    at = ok(load(PAGE, lesson="no-such-lesson"))
    assert "`lesson`" in " ".join(w.value for w in at.warning)


def test_a_prediction_is_told_right_or_not_after_the_reveal():
    at = ok(load(PAGE, lesson="outliers"))
    step = lessons.get("outliers").steps[0]
    right = "ABCDEF"[step.answer]
    at.radio[0].set_value(right).run()
    ok(at.button(key=REVEAL).click().run())
    assert f"Your prediction, {right}, was **right**." in texts(at)


def upload(at, content: bytes, name: str = "lesson.toml"):
    at.file_uploader(key="lessons_file").set_value((name, content, "application/toml"))
    return ok(at.run())


def test_an_opened_lesson_file_plays_as_my_lesson():
    lesson = lessons.get("dice-vs-bce")
    at = upload(ok(load(PAGE)), lessons.dump(lesson).encode())
    assert at.selectbox(key="lessons_lesson").value == "my-lesson"
    assert shown_question(at, lesson.steps[0])
    ok(at.button(key=NEXT).click().run())
    assert shown_question(at, lesson.steps[1]), "the file is opened once, not on every run"


BAD = {
    "malformed TOML": (b'name = "x"\ntitle = \n', "line 2"),
    "unknown page": (lessons.dump(lessons.get("outliers")).replace('page = "outliers"', 'page = "nowhere"', 1)
                     .encode(), "nowhere"),
    "10 MB": (b"#" * (10 * 2**20), "at most 65,536 bytes"),
    "not UTF-8": (b"\xff\xfe name", "not UTF-8"),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_lesson_file_gets_a_message_and_nothing_else_breaks(case):
    content, said = BAD[case]
    at = load(PAGE, lesson="outliers")
    at.file_uploader(key="lessons_file").set_value(("bad.toml", content, "application/toml"))
    at.run()
    assert not at.exception
    assert len(at.error) == 1 and said in at.error[0].value.replace("\\", ""), [e.value for e in at.error]
    assert at.selectbox(key="lessons_lesson").value == "outliers"
    at.button(key=REVEAL).click().run()
    assert not at.exception and len(charts(at)) == 1


def test_script_tags_in_a_lesson_are_shown_as_typed():
    lesson = lessons.get("outliers")
    title, question = "<script>alert(1)</script> **bold**", "<img src=x onerror=alert(1)> [a](javascript:1)?"
    text = lessons.dump(lesson).replace(lesson.title, title, 1).replace(lesson.steps[0].question, question, 1)
    at = upload(ok(load(PAGE)), text.encode())
    assert at.title[0].value == literal(title) == "\\<script\\>alert\\(1\\)\\</script\\> \\*\\*bold\\*\\*"
    assert literal(question) in " ".join(h.value for h in at.subheader)


def test_downloads_give_the_lesson_file_and_the_offline_html_only_when_asked():
    at = ok(load(PAGE, lesson="confident-and-wrong"))
    assert len(at.get("download_button")) == 1  # the lesson file; the HTML file is made when asked
    ok(at.button(key="lessons_make_html").click().run())
    assert len(at.get("download_button")) == 2


def test_presenter_mode_from_the_link_enlarges_the_figure_and_is_off_by_default():
    def revealed(**query):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        for k, v in {"lesson": "outliers", "reveal": "1", **query}.items():
            at.query_params[k] = v
        ok(at.run())
        ok(at.switch_page(PAGE).run())
        return at

    plain, shown = revealed(), revealed(present="1")
    assert not plain.toggle(key="frame_present").value and shown.toggle(key="frame_present").value
    fig_plain, fig_shown = (json.loads(charts(a)[0].proto.spec) for a in (plain, shown))
    assert fig_plain["layout"]["font"]["size"] == style.TEXT
    assert fig_shown["layout"]["font"]["size"] == pytest.approx(style.TEXT * style.SCALE)
    assert param(shown, "present") == "1" and param(plain, "present") is None
    ok(shown.toggle(key="frame_present").set_value(False).run())
    assert param(shown, "present") is None


def test_presenter_mode_dark_draws_light_on_dark():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for k, v in {"lesson": "outliers", "reveal": "1", "present": "dark"}.items():
        at.query_params[k] = v
    ok(at.run())
    ok(at.switch_page(PAGE).run())
    layout = json.loads(charts(at)[0].proto.spec)["layout"]
    assert layout["paper_bgcolor"] == style.DARK_PAPER and layout["font"]["color"] == style.DARK_INK
    assert at.toggle(key="frame_present_dark").value and param(at, "present") == "dark"


def test_a_bad_present_value_gets_a_message_and_the_plain_look():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params["present"] = "<b>loud</b>"
    ok(at.run())
    assert any("`present`" in w.value for w in at.warning) and not at.toggle(key="frame_present").value
    assert param(at, "present") is None
