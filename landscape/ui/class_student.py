"""The Live class page, a student's screen: the teacher's current step (the figure first after Reveal), the
answer box (a radio for a choice, a text box for a free answer; a change replaces the answer), and the light
periodic check that follows the teacher: a fragment reading the class's version number (``class_version``: one
query by key, shared by the checks of this process) that reruns the whole page only when the teacher changed
something.  Every text a student typed is shown literally.
"""
from __future__ import annotations

from dataclasses import replace

import streamlit as st

from landscape import classroom, lessons
from landscape.classroom import Classroom, StudentState, screens
from landscape.figures import specs
from landscape.types import InputError
from landscape.ui.class_teacher import prepare
from landscape.ui.lesson import show_reveal
from landscape.ui.page import literal
from landscape.ui.guard import guarded

FOLLOW_SECONDS = 1.0  # a student's periodic check: a reveal reaches them within this and one run (< 3 s)
JOINED = "class_joined"  # session state: (class id, student id) of this browser session's student
# Choices a thumb can hit on a phone: each option at least 44 px tall (the page's own style, gone on other pages)
TOUCH = ('<style>[data-testid="stRadio"] [role="radiogroup"] label {min-height: 2.75rem; align-items: center}'
         '[data-testid="stRadio"] [role="radiogroup"] label p {font-size: 1.05rem}</style>')


def student(room: Classroom, class_id: str, student_id: str) -> bool:
    """A student's screen: the teacher's current step, their answer, and after Reveal the figure first.
    False, after saying why, when this is no student of a live class (the caller offers the join form)."""
    try:
        state = room.student_state(class_id, student_id)
        lesson = room.lesson(class_id)
    except InputError as err:
        st.title("Live class")
        st.error(str(err), icon="⚠️")
        st.session_state.pop(JOINED, None)
        return False
    st.session_state[JOINED] = (class_id, student_id)
    step = lesson.steps[state.step]
    st.html(TOUCH)
    st.caption(f"Step {state.step + 1} of {state.steps} · {literal(lesson.title)}")
    if state.revealed:
        show_reveal(step, key=f"class_student_reveal_{state.step}")
        st.divider()
    st.subheader(literal(step.question), anchor=False)  # the choices are the answer's options below
    answer_box(room, state, step, student_id)
    follow(room, class_id, state.version)
    if not state.revealed:
        preload_charts()
    prepare(step)
    return True


def answer_box(room: Classroom, state: StudentState, step: lessons.Step, student_id: str) -> None:
    """A radio for a choice, a text box for a free answer; a change replaces the answer."""
    closed = state.revealed
    key = f"class_answer_{state.step}_{state.version}"
    if step.kind == "choice":
        picked = guarded("Your answer", key, lambda: st.radio(
            "Your answer", range(len(step.choices)), index=screens.choice_index(step, state.answer), key=key,
            disabled=closed, format_func=lambda i: screens.choice_text(step, i)))
        given = None if picked is None else step.choices[picked]
    else:
        with st.form(f"{key}_form", border=False):
            text = guarded("Your answer", key, lambda: st.text_area(
                "Your answer", value=state.answer or "", max_chars=room.limits.answer_chars, key=key,
                disabled=closed, height=100))
            sent = st.form_submit_button("Send answer", type="primary", disabled=closed, width="stretch")
        given = text if sent else None
    sending = screens.to_send(state, given)
    if sending is not None:
        try:
            state = replace(state, answer=room.answer(state.class_id, student_id, state.step, sending))
        except InputError as err:
            st.error(str(err), icon="⚠️")
    success, hint = screens.answered_note(state)
    if success:
        st.success(success, icon=":material/check_circle:")
        if hint:
            st.caption(hint)
    elif hint:
        st.info(hint)


# Sent as it is: a dict is validated by Plotly and given its template on every student's run (0.84 ms, 0.02 ms so)
PRELOAD = specs.Finished({"data": [{"type": "scatter", "x": [], "y": []}],
                          "layout": {"height": 10, "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
                                     "xaxis": {"visible": False}, "yaxis": {"visible": False}}})


def preload_charts() -> None:
    """An empty chart one pixel high, so that the browser loads Streamlit's Plotly code (4.7 MB) while the
    class thinks, not at the reveal: on first use it held the reveal's figure back by seconds on every screen."""
    with st.container(height=1, border=False):
        st.plotly_chart(PRELOAD, key="class_preload", config={"staticPlot": True, "displayModeBar": False})


@st.fragment(run_every=FOLLOW_SECONDS)
def follow(room: Classroom, class_id: str, version: int) -> None:
    """The light periodic check: the class's version number alone (the rest of the page's state is read again
    only when it moved); the whole page reruns only when the teacher changed something."""
    try:
        now = room.class_version(class_id)
    except classroom.Unavailable:
        return  # the next check tries again
    except InputError:
        st.rerun(scope="app")  # the class ended: the page says so
    if now != version:
        st.rerun(scope="app")
