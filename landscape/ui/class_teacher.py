"""The Live class page, the teacher's screen: the join code in very large type, the join link and its QR code
for the projector; Previous / Reveal / Next (keyboard: Left, Down, Right); the step; how many have joined and
answered, live (a fragment every half second, not a rerun of the page); the class's answers when the teacher
asks; the answers as CSV; ending the class.  Every action needs the teacher's secret, or the class's owner
signed in (``classroom.Owner``), which the store checks.
"""
from __future__ import annotations

from typing import Callable

import streamlit as st

from landscape import classroom, lessons
from landscape.classroom import Classroom, Ended, Owner, screens
from landscape.figures import style
from landscape.types import InputError
from landscape.ui.lesson import show_question, show_reveal, step_view
from landscape.ui.page import literal
from landscape.ui.guard import guarded

COUNT_SECONDS = 0.5  # the teacher's live count: an answer shows within this and one run (< 2 s)
TEACHING = "class_teaching"  # session state: (class id, secret) of the class this session started
STARTED = "class_started"  # session state: the class was started on the run before (say where the secret is)
Credential = str | Owner  # the teacher secret from the link, or the signed-in owner
NOTICE = "class_notice"  # session state: a message from a button's callback, shown on the next run
OWNER_SECRETS = "class_owner_secrets"  # session state: class id -> teacher secret of the classes a signed-in owner started here


def prepare(step: lessons.Step) -> bool:
    """Compute the step's figure and reveal into ``step_view``'s cache (in this run's look, as ``show_reveal``
    asks for it) before the teacher reveals it: then the reveal reaches every screen of this process at once.
    Called at the end of a run, once the step is on screen; False when it cannot be computed."""
    return _prepared(step, style.current_look())


@st.cache_data(max_entries=64, show_spinner=False)
def _prepared(step: lessons.Step, look: str) -> bool:
    """``step_view`` without its spinner (a cached function called inside another shows none)."""
    try:
        step_view(step, look)
    except InputError:
        return False
    return True


def notice(text: str) -> None:
    st.session_state[NOTICE] = text


def show_notice() -> None:
    text = st.session_state.pop(NOTICE, None)
    if text:
        st.error(text, icon="⚠️")


def teacher(room: Classroom, class_id: str, secret: Credential) -> None:
    """The teacher's screen: the join code, link and QR code; the step with its controls; the live count."""
    try:
        state = room.teacher_state(class_id, secret)
        lesson = room.lesson(class_id)
    except InputError as err:
        _refused_teacher(err)
        return
    if st.session_state.pop(STARTED, False):
        st.toast(screens.started_note(secret), icon=":material/lock:", duration="long")
    join, steer = st.columns([1, 2], gap="large")
    with join:
        st.caption(f"Live class · {literal(lesson.title)}")
        join_panel(state.code)
    with steer:  # on a projector: the controls, the question, then the reveal's figure (above the fold) or the count
        controls(room, class_id, secret, state)
        step = lesson.steps[state.step]
        show_question(step, state.step + 1, state.steps)
        if state.revealed:
            show_reveal(step, key=f"class_teacher_reveal_{state.step}")
        live_count(room, class_id, secret, state.version)
    teacher_tools(room, class_id, secret, state)
    prepare(step)


def _refused_teacher(err: InputError) -> None:
    st.title("Live class")
    st.error(str(err), icon="⚠️")
    if isinstance(err, Ended):
        st.session_state.pop(TEACHING, None)
    st.button("Start or join a class", key="class_leave", on_click=st.query_params.clear)


def join_panel(code: str) -> None:
    """The join code in very large type, the join link and its QR code, for the projector."""
    link = join_link(code)
    st.markdown("Join with the code:")
    st.markdown(screens.join_code_html(code), unsafe_allow_html=True)
    st.image(qr_png(link), caption="Scan to join", width="stretch")
    st.code(link, language=None, wrap_lines=True)


def join_link(code: str) -> str:
    """The link students open: this page's address in the teacher's browser with the code."""
    return screens.join_link(_page_url(), code)


def _page_url() -> str | None:
    """This page's address in the teacher's browser (None in a test run: no browser)."""
    try:
        return st.context.url
    except Exception:  # noqa: BLE001 - no browser context (a test run)
        return None


@st.cache_data(max_entries=64, show_spinner=False)
def qr_png(link: str) -> bytes:
    return screens.qr_png(link)


def controls(room: Classroom, class_id: str, secret: Credential, state: classroom.ClassState) -> None:
    """Previous / Reveal / Next, with keyboard shortcuts (Left, Down, Right)."""
    back, show, forward = st.columns(3)
    back.button("Previous", key="class_back", shortcut="Left", width="stretch", disabled=state.step == 0,
                on_click=_act, args=(room.back, class_id, secret))
    show.button("Hide the answer" if state.revealed else "Reveal", key="class_reveal", shortcut="Down",
                type="secondary" if state.revealed else "primary", width="stretch",
                on_click=_act, args=(room.reveal, class_id, secret, not state.revealed))
    forward.button("Next", key="class_next", shortcut="Right", width="stretch",
                   disabled=state.step + 1 >= state.steps, on_click=_act, args=(room.advance, class_id, secret))


def _act(action: Callable, *args) -> None:
    """A teacher's button: the action on the class; a refusal is shown on the run that follows."""
    try:
        action(*args)
    except InputError as err:
        notice(str(err))


@st.fragment(run_every=COUNT_SECONDS)
def live_count(room: Classroom, class_id: str, secret: Credential, version: int) -> None:
    """How many have joined and answered this step, every half second; the answers when the teacher asks.  The
    whole page reruns when the class moved elsewhere (the owner steering it from another device)."""
    try:
        now = room.teacher_state(class_id, secret)
    except Ended:
        st.rerun(scope="app")
    except InputError as err:
        st.warning(str(err), icon="⚠️")
        return
    if now.version != version:
        st.rerun(scope="app")
    joined, answered = st.columns(2)
    joined.metric("Joined", now.students)
    answered.metric("Answered this step", now.answered)
    if guarded("Show the class's answers", "class_show_answers",
               lambda: st.toggle("Show the class's answers", key="class_show_answers")):
        answer_table(room, class_id, secret)


def answer_table(room: Classroom, class_id: str, secret: Credential) -> None:
    """The distribution of this step's answers; a student's text is data in a table, never Markdown."""
    try:
        dist = room.distribution(class_id, secret)
    except InputError as err:
        st.warning(str(err), icon="⚠️")
        return
    if not dist.answered:
        st.caption("No answers yet.")
        return
    st.dataframe(screens.distribution_table(dist),
                 hide_index=True, width="stretch", key="class_distribution",
                 column_config={"Students": st.column_config.ProgressColumn(
                     "Students", format="%d", min_value=0, max_value=max(1, dist.answered))})
    if dist.other:
        st.caption(f"and {dist.other} other answers")


def teacher_tools(room: Classroom, class_id: str, secret: Credential, state: classroom.ClassState) -> None:
    """The teacher link's warning, the answers as CSV, and ending the class."""
    st.divider()
    note = st.info if isinstance(secret, Owner) else st.warning
    note(screens.steering_note(secret), icon=":material/lock:")
    if isinstance(secret, Owner):
        owner_link(class_id)
    csv_column, end_column = st.columns(2)
    csv_column.download_button("Download the answers (CSV)", data=lambda: _answers_csv(room, class_id, secret),
                               file_name=f"class-{state.code}-answers.csv", mime="text/csv", on_click="ignore",
                               key="class_csv", width="stretch")
    with end_column.popover("End class", width="stretch"):
        st.markdown("Ending deletes the class, its students and every answer now. Download the answers first.")
        st.button("End the class now", key="class_end", type="primary", on_click=_end,
                  args=(room, class_id, secret))
    st.caption(screens.retention_note(state))


def owner_link(class_id: str) -> None:
    """A signed-in owner's teacher link, for a device where they are not signed in (known on the device that
    started the class: only the secret's hash is stored)."""
    secret = st.session_state.get(OWNER_SECRETS, {}).get(class_id)
    with st.expander("Teacher link"):
        st.caption(screens.owner_link_note(secret is not None))
        if secret is not None:
            st.code(screens.teacher_link(_page_url(), class_id, secret), language=None, wrap_lines=True)


def _answers_csv(room: Classroom, class_id: str, secret: Credential) -> str:
    try:
        return room.answers_csv(class_id, secret)
    except InputError as err:
        return f"error: {err}\n"


def _end(room: Classroom, class_id: str, secret: Credential) -> None:
    try:
        room.end_class(class_id, secret)
    except InputError as err:
        notice(str(err))
        return
    st.session_state.pop(TEACHING, None)
    st.query_params.clear()
