"""The Live class page's glue: a teacher starts a class from a lesson and steers it; students join with the code
and answer on their own screens.  The class lives in the class database (``landscape.classroom``), so every
app process sees the same class.

Who is who comes from the link, checked against the database on every run:

- ``class?class=<id>&teacher=<secret>``: the teacher link (only the secret steers; a wrong one is refused).
- ``class?code=<join code>``: the join link; opening it joins, and the link becomes
- ``class?class=<id>&student=<id>``: a joined student (the ids are also kept in ``st.session_state``), so a
  reload or a restarted app process comes back as the same student instead of a new one.
- ``class?class=<id>``: the class's owner, signed in (``st.login``, when ``[auth]`` is configured), steers it.
- ``class``: pick a lesson and start a class (signed in, when ``[auth]`` is configured), or type a join code.

The screens: the teacher's in class_teacher.py, a student's in class_student.py, signing in in
class_signin.py; what they say and decide, without Streamlit, in ``landscape.classroom.screens``.
"""
from __future__ import annotations

import secrets

import streamlit as st

from landscape import classroom, lessons
from landscape.classroom import Classroom, screens
from landscape.classroom.screens import PAGE, teacher_params
from landscape.types import InputError
from landscape.ui import class_signin, draft
from landscape.ui.class_student import JOINED, student
from landscape.ui.class_teacher import OWNER_SECRETS, STARTED, TEACHING, show_notice, teacher
from landscape.ui.page import literal
from landscape.ui.guard import guarded
from landscape.ui.state import UrlState

CLIENT = "class_client"  # session state: this browser session's key for the join rate limits


def page() -> None:
    """The whole page: which view follows from the link."""
    room = _room()
    params = st.query_params
    show_notice()
    if "teacher" in params:
        teacher(room, params.get("class", ""), params["teacher"])
    elif "student" in params:
        if not student(room, params.get("class", ""), params["student"]):
            join_form(room)
    elif "code" in params:
        join_by_link(room, params["code"])
    elif "class" in params:
        owner_steers(room, params["class"])
    else:
        start_or_join(room)


def _room() -> Classroom:
    """The class database, or a clear message and the end of this run."""
    try:
        return classroom.default()
    except (InputError, classroom.ConfigError, classroom.SchemaError) as err:
        st.error(f"Live classes are not available on this server: {err}", icon="⚠️")
        st.stop()


# ---- no class yet: start one, or join one -----------------------------------------------------------------

def start_or_join(room: Classroom) -> None:
    st.title("Live class")
    back_to_class()
    join_form(room)
    st.divider()
    start_form(room)


def back_to_class() -> None:
    """After leaving the page (the menu, a bare link): the class this browser session teaches or joined."""
    teaching, joined = st.session_state.get(TEACHING), st.session_state.get(JOINED)
    if teaching:
        st.button("Back to the class you are teaching", key="class_back_teacher", type="primary",
                  on_click=st.query_params.from_dict, args=(teacher_params(*teaching),))
    elif joined:
        st.button("Back to your class", key="class_back_student", type="primary",
                  on_click=st.query_params.from_dict, args=({"class": joined[0], "student": joined[1]},))


def join_form(room: Classroom) -> None:
    st.subheader("Join a class", anchor=False)
    with st.form("class_join_form", border=False):
        code = guarded("The code on the teacher's screen", "class_code", lambda: st.text_input(
            "The code on the teacher's screen", max_chars=4 * 8, placeholder="7KQ2-M9XD", key="class_code"))
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
    """The student's address for the join rate limit (``screens.network_key``)."""
    try:
        return screens.network_key(st.context.headers.get("X-Forwarded-For", ""), st.context.ip_address)
    except Exception:  # noqa: BLE001 - no browser context (a test run): no network limit
        return None


def owner_steers(room: Classroom, class_id: str) -> None:
    """``class?class=<id>``: the teacher's screen for the class's owner, signed in; else why not."""
    owner = class_signin.signed_in()
    if owner is not None:
        teacher(room, class_id, owner)
        return
    st.title("Live class")
    if class_signin.configured():
        class_signin.sign_in("Sign in as the teacher who started this class to steer it; students join with the "
                             "code on the teacher's screen.", key="class_sign_in_owner")
    else:
        st.error("This link names a class but holds no teacher secret: open the teacher link, or join with the "
                 "code on the teacher's screen.", icon="⚠️")
    join_form(room)


def start_form(room: Classroom) -> None:
    st.subheader("Teach: start a class", anchor=False)
    owner = class_signin.signed_in()
    if class_signin.configured() and owner is None:
        class_signin.sign_in("Teachers sign in to start a class; then, signed in, you can steer it from any "
                             "device.", key="class_sign_in")
        return
    if owner is not None:
        class_signin.signed_in_as(owner, key="class_sign_out")
        class_signin.your_classes(room, owner)
    choices = _lesson_choices()
    url = UrlState(PAGE)
    name = url.selectbox("Lesson", "lesson", list(choices), format_func=lambda n: choices[n].title)
    url.report()
    chosen = choices[name]
    st.caption(f"{len(chosen.steps)} steps. {literal(chosen.summary)}")
    if st.button("Start a class", type="primary", key="class_start"):
        _start(room, chosen if name == draft.NAME else name, owner)
    url.sync()


def _lesson_choices() -> dict[str, lessons.Lesson]:
    """The shipped lessons, then the lesson made in this session (when it has a step)."""
    choices = {name: lessons.get(name) for name in lessons.names()}
    mine = draft.draft()
    if mine is not None and mine.steps:
        choices[draft.NAME] = mine
    return choices


def _start(room: Classroom, lesson: str | lessons.Lesson, owner: classroom.Owner | None) -> None:
    """Start the class; a signed-in owner's link names the class alone (the owner is the credential)."""
    try:
        started = room.start_class(lesson, _client_key(), owner)
    except InputError as err:
        st.error(str(err), icon="⚠️")
        return
    secret = None if owner else started.teacher_secret
    if owner:  # its teacher link, shown to the owner on this device only
        st.session_state.setdefault(OWNER_SECRETS, {})[started.class_id] = started.teacher_secret
    st.session_state[TEACHING] = (started.class_id, secret)
    st.session_state[STARTED] = True
    st.query_params.from_dict(teacher_params(started.class_id, secret))
    st.rerun()


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
    if not student(room, joined.class_id, joined.student_id):
        join_form(room)
