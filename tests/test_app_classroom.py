"""The Live class page in AppTest: a teacher session and student sessions over one SQLite class database.

Each test gets its own database file (LANDSCAPE_DB) and a fresh ``classroom.default()`` (it caches one
Classroom per process).  Hostile input: a forged teacher secret, wrong codes until the rate limit, HTML and
SQL in an answer, an answer sent twice.
"""
from __future__ import annotations

import pytest
from apptest import charts, load, ok

from landscape import classroom, lessons
from landscape.ui.page import literal

PAGE = "views/classroom.py"
LESSON = "outliers"  # its first step is a choice question, its second a free one
STEERING = ("class_back", "class_reveal", "class_next", "class_end", "class_csv")


@pytest.fixture(autouse=True)
def class_db(tmp_path, monkeypatch):
    """A class database of this test's own; the process's cached Classroom is made afresh and closed after."""
    monkeypatch.setenv("LANDSCAPE_DB", str(tmp_path / "classes.sqlite3"))
    monkeypatch.setattr(classroom, "_default", None)
    yield
    if classroom._default is not None:
        classroom._default.close()


def start_class():
    """A teacher session that started a class of the outliers lesson: (AppTest, class id, secret, code)."""
    teacher = ok(load(PAGE))
    assert teacher.selectbox(key="class_lesson").value == LESSON
    ok(teacher.button(key="class_start").click().run())
    class_id, secret = teacher.query_params["class"], teacher.query_params["teacher"]
    code = classroom.default().teacher_state(class_id, secret).code
    return teacher, class_id, secret, code


def join(code: str):
    student = ok(load(PAGE, code=code))
    assert set(student.query_params) == {"class", "student"}
    return student


def keys(at) -> set[str]:
    return {b.key for b in at.button} | {b.proto.id for b in at.get("download_button")}


def answered(at) -> int:
    return int(next(m.value for m in at.metric if m.label == "Answered this step"))


def successes(at) -> list[str]:
    return [s.value for s in at.success]


def test_teacher_starts_student_joins_answers_and_sees_the_reveal():
    teacher, class_id, secret, code = start_class()
    assert any(f"join code {classroom.show_code(code)}" in m.value for m in teacher.markdown)
    assert f"class?code={code}" in teacher.code[0].value
    assert any("teacher link" in w.value for w in teacher.warning)
    assert {"class_back", "class_reveal", "class_next"} <= keys(teacher)
    assert answered(teacher) == 0

    student = join(code)
    assert not set(STEERING) & keys(student), "a student's page shows teacher controls"
    assert student.session_state["class_joined"] == (class_id, student.query_params["student"])
    first = lessons.get(LESSON).steps[0]
    ok(student.radio[0].set_value(first.answer).run())
    assert successes(student) == [f"Answered: {literal(first.choices[first.answer])}"]

    assert answered(ok(teacher.run())) == 1
    ok(teacher.button(key="class_reveal").click().run())
    assert classroom.default().teacher_state(class_id, secret).revealed
    ok(student.run())
    assert len(charts(student)) == 1, "the student does not see the reveal's figure"
    assert any(s.startswith("Answer: ") for s in successes(student))
    assert student.radio[0].disabled


def test_the_student_follows_the_teacher_to_the_next_step():
    teacher, class_id, secret, code = start_class()
    student = join(code)
    ok(teacher.button(key="class_next").click().run())
    ok(student.run())
    second = lessons.get(LESSON).steps[1]
    assert student.caption[0].value.startswith(f"Step 2 of {len(lessons.get(LESSON).steps)} ·")
    assert student.subheader[0].value == literal(second.question)
    assert len(student.text_area) == 1  # a free question


def test_a_forged_teacher_secret_is_refused_and_steers_nothing():
    _, class_id, secret, _ = start_class()
    for forged in ("A" * 32, secret[:-1] + ("A" if secret[-1] != "A" else "B"), "<b>x</b>' OR 1=1 --"):
        at = load(PAGE, **{"class": class_id, "teacher": forged})
        assert not at.exception
        assert [e.value for e in at.error] == ["only the teacher's link can steer this class (this one does not "
                                               "hold the class's teacher secret)"]
        assert not set(STEERING) & keys(at)
    assert classroom.default().teacher_state(class_id, secret).version == 0


def test_a_wrong_code_gets_a_message_and_guessing_is_rate_limited():
    start_class()
    at = load(PAGE, code="AAAA-AAAA")
    assert not at.exception
    assert at.error[0].value.startswith("no class has the code AAAA-AAAA")
    messages = []
    for _ in range(classroom.default().limits.wrong_per_client + 1):
        at.text_input(key="class_code").input("ZZZZ-ZZZZ")
        at.button[0].click().run()
        assert not at.exception
        messages.append(at.error[0].value)
    assert messages[0].startswith("no class has the code ZZZZ-ZZZZ")
    assert messages[-1].startswith("too many wrong join codes from this device")
    assert "class" not in at.query_params


@pytest.mark.parametrize("text", ["<b>bold</b><script>alert(1)</script>",
                                  "x'); DROP TABLE answers; --",
                                  "**not bold** [a link](http://example.com) $x^2$ :red[red]"])
def test_html_and_sql_in_an_answer_are_stored_and_shown_literally(text):
    teacher, class_id, secret, code = start_class()
    classroom.default().advance(class_id, secret)
    student = join(code)
    student.text_area[0].input(text)
    ok(student.button[0].click().run())
    assert successes(student) == [f"Answered: {literal(text)}"]
    teacher.run()
    ok(teacher.toggle(key="class_show_answers").set_value(True).run())
    table = teacher.dataframe[0].value
    assert list(table["Answer"]) == [text] and list(table["Students"]) == [1]
    assert text in classroom.default().answers_csv(class_id, secret)


def test_a_changed_or_repeated_answer_counts_once():
    teacher, class_id, secret, code = start_class()
    student = join(code)
    for choice in (0, 1, 1, 2, 1):
        ok(student.radio[0].set_value(choice).run())
    teacher.run()
    assert answered(teacher) == 1
    ok(teacher.toggle(key="class_show_answers").set_value(True).run())
    table = teacher.dataframe[0].value
    assert list(table["Students"]) == [0, 1, 0]


def test_a_teacher_who_left_the_page_gets_back_to_the_class():
    teacher, class_id, secret, _ = start_class()
    teacher.query_params.clear()
    ok(teacher.run())
    assert "class_next" not in keys(teacher)
    ok(teacher.button(key="class_back_teacher").click().run())
    assert teacher.query_params == {"class": class_id, "teacher": secret}
    assert "class_next" in keys(teacher)


def test_ending_the_class_deletes_it_and_tells_the_students():
    teacher, class_id, secret, code = start_class()
    student = join(code)
    ok(teacher.button(key="class_end").click().run())
    assert "class" not in teacher.query_params and "class_next" not in keys(teacher)
    student.run()
    assert not student.exception
    assert student.error[0].value.startswith("this class has ended")
    assert student.text_input(key="class_code")  # the form to join another


def test_a_forged_student_link_is_refused():
    _, class_id, _, _ = start_class()
    for forged in ("A" * 22, "<b>x</b>", ""):
        at = load(PAGE, **{"class": class_id, "student": forged})
        assert not at.exception
        assert at.error[0].value == "you are not a student of this class: join it with its code"
        assert not set(STEERING) & keys(at) and not at.radio
