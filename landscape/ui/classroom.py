"""The Live class page's glue: a teacher starts a class from a lesson and steers it; students join with the code
and answer on their own screens.  The class lives in the class database (``landscape.classroom``), so every
app process sees the same class.

Who is who comes from the link, checked against the database on every run:

- ``class?class=<id>&teacher=<secret>``: the teacher link (only the secret steers; a wrong one is refused).
- ``class?code=<join code>``: the join link; opening it joins, and the link becomes
- ``class?class=<id>&student=<id>``: a joined student (the ids are also kept in ``st.session_state``), so a
  reload or a restarted app process comes back as the same student instead of a new one.
- ``class``: pick a lesson and start a class, or type a join code.

Students follow the teacher by a light periodic check (a fragment reading ``student_state``, one query) that
reruns the whole page only when the teacher changed something.  Every text a student typed is shown literally.
"""
from __future__ import annotations

import html
import io
import secrets
from dataclasses import replace
from typing import Callable

import segno
import streamlit as st

from landscape import classroom, lessons
from landscape.classroom import Classroom, Ended, StudentState
from landscape.classroom.model import duration
from landscape.types import InputError
from landscape.ui import draft
from landscape.ui.lesson import LETTERS, show_question, show_reveal
from landscape.ui.page import literal
from landscape.ui.state import UrlState

PAGE = "class"  # app.py's url_path, and the prefix of this page's widget keys
FOLLOW_SECONDS = 2.0  # a student's periodic check
COUNT_SECONDS = 2.0  # the teacher's live count
JOINED = "class_joined"  # session state: (class id, student id) of this browser session's student
TEACHING = "class_teaching"  # session state: (class id, secret) of the class this session started
CLIENT = "class_client"  # session state: this browser session's key for the join rate limits
NOTICE = "class_notice"  # session state: a message from a button's callback, shown on the next run


def page() -> None:
    """The whole page: which view follows from the link."""
    room = _room()
    params = st.query_params
    _show_notice()
    if "teacher" in params:
        teacher(room, params.get("class", ""), params["teacher"])
    elif "student" in params:
        student(room, params.get("class", ""), params["student"])
    elif "code" in params:
        join_by_link(room, params["code"])
    else:
        start_or_join(room)


def _room() -> Classroom:
    """The class database, or a clear message and the end of this run."""
    try:
        return classroom.default()
    except (InputError, classroom.ConfigError, classroom.SchemaError) as err:
        st.error(f"Live classes are not available on this server: {err}", icon="⚠️")
        st.stop()


def _notice(text: str) -> None:
    st.session_state[NOTICE] = text


def _show_notice() -> None:
    text = st.session_state.pop(NOTICE, None)
    if text:
        st.error(text, icon="⚠️")


# ---- no class yet: start one, or join one -----------------------------------------------------------------

def start_or_join(room: Classroom) -> None:
    st.title("Live class")
    join_form(room)
    st.divider()
    start_form(room)


def join_form(room: Classroom) -> None:
    st.subheader("Join a class", anchor=False)
    with st.form("class_join_form", border=False):
        code = st.text_input("The code on the teacher's screen", max_chars=4 * 8, placeholder="7KQ2-M9XD",
                             key="class_code")
        if st.form_submit_button("Join", type="primary", width="stretch"):
            _join(room, code)


def _join(room: Classroom, code: str) -> None:
    """Join the class with ``code`` and become its student in this link; a message when refused."""
    try:
        joined = room.join(code, _client_key(), _network_key())
    except InputError as err:
        st.error(str(err), icon="⚠️")
        return
    st.session_state[JOINED] = tuple(joined)
    st.query_params.from_dict({"class": joined.class_id, "student": joined.student_id})
    st.rerun()


def _client_key() -> str:
    """This browser session's key for the join rate limits."""
    return st.session_state.setdefault(CLIENT, secrets.token_urlsafe(16))


def _network_key() -> str | None:
    """The student's address: behind the class server's HAProxy the last X-Forwarded-For entry (the one the
    proxy added; a client can only prepend), else the connection's own address."""
    try:
        forwarded = st.context.headers.get("X-Forwarded-For", "")
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 - no browser context (a test run): no network limit
        return None
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    return (hops[-1] if hops and address in (None, "127.0.0.1", "::1") else address) or None


def start_form(room: Classroom) -> None:
    st.subheader("Teach: start a class", anchor=False)
    choices = _lesson_choices()
    url = UrlState(PAGE)
    name = url.selectbox("Lesson", "lesson", list(choices), format_func=lambda n: choices[n].title)
    url.report()
    chosen = choices[name]
    st.caption(f"{len(chosen.steps)} steps. {literal(chosen.summary)}")
    if st.button("Start a class", type="primary", key="class_start"):
        _start(room, chosen if name == draft.NAME else name)
    url.sync()


def _lesson_choices() -> dict[str, lessons.Lesson]:
    """The shipped lessons, then the lesson made in this session (when it has a step)."""
    choices = {name: lessons.get(name) for name in lessons.names()}
    mine = draft.draft()
    if mine is not None and mine.steps:
        choices[draft.NAME] = mine
    return choices


def _start(room: Classroom, lesson: str | lessons.Lesson) -> None:
    try:
        started = room.start_class(lesson, _client_key())
    except InputError as err:
        st.error(str(err), icon="⚠️")
        return
    st.session_state[TEACHING] = (started.class_id, started.teacher_secret)
    st.query_params.from_dict({"class": started.class_id, "teacher": started.teacher_secret})
    st.rerun()


# ---- the teacher ------------------------------------------------------------------------------------------

def teacher(room: Classroom, class_id: str, secret: str) -> None:
    """The teacher's screen: the join code, link and QR code; the step with its controls; the live count."""
    try:
        state = room.teacher_state(class_id, secret)
        lesson = room.lesson(class_id)
    except InputError as err:
        _refused_teacher(err)
        return
    st.title(literal(lesson.title), anchor=False)
    join, steer = st.columns([1, 2], gap="large")
    with join:
        join_panel(state.code)
    with steer:
        controls(room, class_id, secret, state)
        step = lesson.steps[state.step]
        show_question(step, state.step + 1, state.steps)
        live_count(room, class_id, secret)
        if state.revealed:
            show_reveal(step, key=f"class_teacher_reveal_{state.step}")
    teacher_tools(room, class_id, secret, state)


def _refused_teacher(err: InputError) -> None:
    st.title("Live class")
    st.error(str(err), icon="⚠️")
    if isinstance(err, Ended):
        st.session_state.pop(TEACHING, None)
    st.button("Start or join a class", key="class_leave", on_click=st.query_params.clear)


def join_panel(code: str) -> None:
    """The join code in very large type, the join link and its QR code, for the projector."""
    shown = classroom.show_code(code)
    link = join_link(code)
    st.markdown("Join at the link or with the code:")
    st.html(f'<svg viewBox="0 0 560 110" role="img" aria-label="join code {html.escape(shown)}" '
            f'style="width:100%;height:auto"><text x="280" y="88" text-anchor="middle" font-size="100" '
            f'font-weight="700" font-family="ui-monospace,Menlo,Consolas,monospace" letter-spacing="4" '
            f'fill="currentColor">{html.escape(shown)}</text></svg>')
    st.image(qr_png(link), caption="Scan to join", width="stretch")
    st.code(link, language=None, wrap_lines=True)


def join_link(code: str) -> str:
    """The link students open: this page's address in the teacher's browser with the code."""
    here = None
    try:
        here = st.context.url
    except Exception:  # noqa: BLE001 - no browser context (a test run)
        pass
    return f"{here or PAGE}?code={code}"


@st.cache_data(max_entries=64, show_spinner=False)
def qr_png(link: str) -> bytes:
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="png", scale=10, border=2)
    return out.getvalue()


def controls(room: Classroom, class_id: str, secret: str, state: classroom.ClassState) -> None:
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
        _notice(str(err))


@st.fragment(run_every=COUNT_SECONDS)
def live_count(room: Classroom, class_id: str, secret: str) -> None:
    """How many have joined and answered this step, every two seconds; the answers when the teacher asks."""
    try:
        counts = room.counts(class_id, secret)
    except Ended:
        st.rerun(scope="app")
    except InputError as err:
        st.warning(str(err), icon="⚠️")
        return
    joined, answered = st.columns(2)
    joined.metric("Joined", counts.students)
    answered.metric("Answered this step", counts.answered)
    if st.toggle("Show the class's answers", key="class_show_answers"):
        answer_table(room, class_id, secret)


def answer_table(room: Classroom, class_id: str, secret: str) -> None:
    """The distribution of this step's answers; a student's text is data in a table, never Markdown."""
    try:
        dist = room.distribution(class_id, secret)
    except InputError as err:
        st.warning(str(err), icon="⚠️")
        return
    if not dist.answered:
        st.caption("No answers yet.")
        return
    st.dataframe({"Answer": [text for text, _ in dist.items], "Students": [n for _, n in dist.items]},
                 hide_index=True, width="stretch", key="class_distribution",
                 column_config={"Students": st.column_config.ProgressColumn(
                     "Students", format="%d", min_value=0, max_value=max(1, dist.answered))})
    if dist.other:
        st.caption(f"and {dist.other} other answers")


def teacher_tools(room: Classroom, class_id: str, secret: str, state: classroom.ClassState) -> None:
    """The teacher link's warning, the answers as CSV, and ending the class."""
    st.divider()
    st.warning("This page's address is your **teacher link**: keep it private (anyone who has it can steer "
               "the class; on a projector, go full screen so the address bar is hidden). It is how you get "
               "back to this class: bookmark it.", icon="🔒")
    csv_column, end_column = st.columns(2)
    csv_column.download_button("Download the answers (CSV)", data=lambda: _answers_csv(room, class_id, secret),
                               file_name=f"class-{state.code}-answers.csv", mime="text/csv", on_click="ignore",
                               key="class_csv", width="stretch")
    with end_column.popover("End class", width="stretch"):
        st.markdown("Ending deletes the class, its students and every answer now. Download the answers first.")
        st.button("End the class now", key="class_end", type="primary", on_click=_end,
                  args=(room, class_id, secret))
    st.caption(f"The class and its answers are deleted {duration(state.expires_at - state.created_at)}"
               " after it started.")


def _answers_csv(room: Classroom, class_id: str, secret: str) -> str:
    try:
        return room.answers_csv(class_id, secret)
    except InputError as err:
        return f"error: {err}\n"


def _end(room: Classroom, class_id: str, secret: str) -> None:
    try:
        room.end_class(class_id, secret)
    except InputError as err:
        _notice(str(err))
        return
    st.session_state.pop(TEACHING, None)
    st.query_params.clear()


# ---- a student --------------------------------------------------------------------------------------------

def join_by_link(room: Classroom, code: str) -> None:
    """A join link: join at once; when refused, say why and offer the form (the link's code is dropped, so
    that the form's runs do not try it again)."""
    try:
        joined = room.join(code, _client_key(), _network_key())
    except InputError as err:
        st.query_params.clear()
        st.title("Live class")
        st.error(str(err), icon="⚠️")
        join_form(room)
        return
    st.session_state[JOINED] = tuple(joined)
    st.query_params.from_dict({"class": joined.class_id, "student": joined.student_id})
    student(room, joined.class_id, joined.student_id)


def student(room: Classroom, class_id: str, student_id: str) -> None:
    """A student's screen: the teacher's current step, their answer, and after Reveal the figure first."""
    try:
        state = room.student_state(class_id, student_id)
        lesson = room.lesson(class_id)
    except InputError as err:
        st.title("Live class")
        st.error(str(err), icon="⚠️")
        st.session_state.pop(JOINED, None)
        join_form(room)
        return
    st.session_state[JOINED] = (class_id, student_id)
    step = lesson.steps[state.step]
    st.caption(f"Live class: {literal(lesson.title)}")
    if state.revealed:
        show_reveal(step, key=f"class_student_reveal_{state.step}")
        st.divider()
    show_question(step, state.step + 1, state.steps)
    answer_box(room, state, step, student_id)
    follow(room, class_id, student_id, state.version)


def answer_box(room: Classroom, state: StudentState, step: lessons.Step, student_id: str) -> None:
    """A radio for a choice, a text box for a free answer; a change replaces the answer."""
    closed = state.revealed
    key = f"class_answer_{state.step}_{state.version}"
    if step.kind == "choice":
        index = step.choices.index(state.answer) if state.answer in step.choices else None
        picked = st.radio("Your answer", range(len(step.choices)), index=index, key=key, disabled=closed,
                          format_func=lambda i: f"{LETTERS[i]}. {literal(step.choices[i])}")
        given = None if picked is None else step.choices[picked]
    else:
        with st.form(f"{key}_form", border=False):
            text = st.text_area("Your answer", value=state.answer or "", max_chars=room.limits.answer_chars,
                                key=key, disabled=closed, height=100)
            sent = st.form_submit_button("Send answer", type="primary", disabled=closed, width="stretch")
        given = text if sent else None
    if given is not None and given != state.answer and not closed:
        try:
            state = replace(state, answer=room.answer(state.class_id, student_id, state.step, given))
        except InputError as err:
            st.error(str(err), icon="⚠️")
    if state.answer is not None:
        st.success(f"Answered: {literal(state.answer)}", icon="✅")
        if not closed:
            st.caption("You can change your answer until the teacher reveals it.")
    elif closed:
        st.info("Answers to this step are closed.")


@st.fragment(run_every=FOLLOW_SECONDS)
def follow(room: Classroom, class_id: str, student_id: str, version: int) -> None:
    """The light periodic check: one query; the whole page reruns only when the teacher changed something."""
    try:
        state = room.student_state(class_id, student_id)
    except classroom.Unavailable:
        return  # the next check tries again
    except InputError:
        st.rerun(scope="app")  # the class ended: the page says so
    if state.version != version:
        st.rerun(scope="app")
