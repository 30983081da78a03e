"""landscape/classroom/screens.py, directly: what the Live class page's screens say and decide, without
Streamlit (the addresses, a student's network key, the answer box, the answers table, the teacher's notes)."""
from __future__ import annotations

from landscape import lessons
from landscape.classroom import Distribution, Owner, StudentState, screens
from landscape.classroom.model import ClassState

STEP = next(s for s in lessons.get("outliers").steps if s.kind == "choice")


def student(answer=None, revealed=False) -> StudentState:
    return StudentState("c" * 32, "outliers", 5, 0, revealed, 3, answer)


def test_the_teacher_link_holds_the_secret_unless_the_owner_is_signed_in():
    assert screens.teacher_params("c1", "s3cret") == {"class": "c1", "teacher": "s3cret"}
    assert screens.teacher_params("c1", None) == {"class": "c1"}
    assert screens.join_link("http://host:8501/class", "7KQ2M9XD") == "http://host:8501/class?code=7KQ2M9XD"
    assert screens.join_link(None, "7KQ2M9XD") == "class?code=7KQ2M9XD"
    assert screens.teacher_link("http://host/class", "c1", "a b&c") == "http://host/class?class=c1&teacher=a+b%26c"
    assert '">7KQ2-M9XD</div>' in screens.join_code_html("7KQ2M9XD") and "nowrap" in screens.join_code_html("x")
    assert 'aria-label="join code 7KQ2-M9XD"' in screens.join_code_html("7KQ2M9XD")
    assert screens.qr_png("http://host/class?code=7KQ2M9XD").startswith(b"\x89PNG")


def test_the_network_key_trusts_only_the_entry_the_proxy_added():
    assert screens.network_key("6.6.6.6, 10.0.0.7", "127.0.0.1") == "10.0.0.7"  # behind HAProxy
    assert screens.network_key(" 10.0.0.7 ", "::1") == "10.0.0.7"
    assert screens.network_key("6.6.6.6", "203.0.113.9") == "203.0.113.9"  # no proxy: the peer, not the header
    assert screens.network_key("", "203.0.113.9") == "203.0.113.9"
    assert screens.network_key(",,", None) is None
    assert screens.network_key("", None) is None


def test_the_answer_box_shows_the_stored_choice_and_sends_only_a_new_open_answer():
    assert screens.choice_index(STEP, None) is None
    assert screens.choice_index(STEP, STEP.choices[1]) == 1
    assert screens.choice_index(STEP, "not a choice") is None
    assert screens.choice_text(STEP, 0) == f"A. {STEP.choices[0]}"
    assert screens.to_send(student(), None) is None
    assert screens.to_send(student(), "MSE") == "MSE"
    assert screens.to_send(student("MSE"), "MSE") is None  # the same answer again: nothing to store
    assert screens.to_send(student("MSE"), "MAE") == "MAE"  # a change replaces it
    assert screens.to_send(student("MSE", revealed=True), "MAE") is None  # closed


def test_the_answered_note_shows_a_student_s_text_literally():
    assert screens.answered_note(student("<b>*x*</b>")) == (
        r"Answered: \<b\>\*x\*\</b\>", "You can change your answer until the teacher reveals it.")
    assert screens.answered_note(student("MSE", revealed=True)) == ("Answered: MSE", None)
    assert screens.answered_note(student(revealed=True)) == (None, "Answers to this step are closed.")
    assert screens.answered_note(student()) == (None, None)


def test_the_answers_table_keeps_texts_as_data():
    dist = Distribution(1, 3, (("=1+1", 2), ("<i>x</i>", 1)))
    assert screens.distribution_table(dist) == {"Answer": ["=1+1", "<i>x</i>"], "Students": [2, 1]}


def test_the_teacher_s_notes_say_how_to_come_back():
    anna = Owner("a" * 64, "anna_[x](y)@school")
    assert "teacher link" in screens.steering_note("secret") and "teacher link" in screens.started_note("s")
    assert r"anna\_\[x\]\(y\)@school" in screens.steering_note(anna)
    assert "any device" in screens.started_note(anna)
    state = ClassState("c", "CODE1234", "outliers", 5, 0, False, 0, 0, 0, 1000.0, 1000.0 + 86400)
    assert screens.retention_note(state) == "The class and its answers are deleted 24 h after it started."
