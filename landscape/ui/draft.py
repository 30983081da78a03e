"""The lesson a teacher is making in this browser session: "Add this view to my lesson" on any page adds a
step to it, the Lessons page plays it and offers it as a file.  It lives in ``st.session_state`` (one per
browser tab, gone when the session ends: the downloaded file is what is kept)."""
from __future__ import annotations

import streamlit as st

from landscape import lessons

KEY = "lesson_draft"
NAME, TITLE = "my-lesson", "My lesson"


def draft() -> lessons.Lesson | None:
    """The lesson being made, or None before its first step."""
    return st.session_state.get(KEY)


def add(step: lessons.Step) -> lessons.Lesson:
    """Append ``step`` (InputError past the step limit) and return the lesson."""
    lesson = lessons.append(draft() or lessons.new(NAME, TITLE), step)
    st.session_state[KEY] = lesson
    return lesson


def replace(lesson: lessons.Lesson | None) -> None:
    """Start over (None) or continue from an opened lesson file."""
    if lesson is None:
        st.session_state.pop(KEY, None)
    else:
        st.session_state[KEY] = lesson
