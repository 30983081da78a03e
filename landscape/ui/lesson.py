"""One lesson step on screen, shared by the Lessons page and a live class: the question (with its choices),
then, once revealed, the page's figure and the reveal with its numbers computed now.

Every text of a lesson is shown as text (``st.text``-like escaping through ``st.markdown`` is not enough:
a lesson file may hold HTML or Markdown), never rendered.
"""
from __future__ import annotations

import streamlit as st

from landscape import lessons
from landscape.lessons.compute import Memo
from landscape.types import InputError
from landscape.figures import specs, style
from landscape.figures.steps import step_figure
from landscape.figures.style import CONFIG
from landscape.lessons.player import LETTERS, answer, choice_label
from landscape.ui import present
from landscape.ui.page import literal

__all__ = ["LETTERS", "choice_label", "show_question", "show_reveal", "step_view"]


def step_view(step: lessons.Step, look: str = style.PLAIN) -> tuple[specs.Finished, str]:
    """The step's figure (drawn in ``look``: presenter mode's or not) and its filled-in reveal (cached per step
    and look: every student of a class shares it).  The figure and the reveal share one computation.  The figure
    is kept as the spec it sends: a cached ``go.Figure`` came back from the cache through Plotly's validation
    on every run that drew it, on every student's screen at a reveal (7-11 ms a screen with its JSON, the
    lessons' steps; 0.5-1.3 ms as a spec)."""
    spec, text = _step_view(step, look)
    return specs.Finished(spec), text


@st.cache_data(max_entries=64, show_spinner="Computing this step ...")
def _step_view(step: lessons.Step, look: str) -> tuple[dict, str]:
    inputs, memo = step.parsed().inputs, Memo()
    with style.looking(look), specs.plain():
        return step_figure(step.page, step.figure, inputs, memo).to_dict(), lessons.reveal(step, memo)


def show_question(step: lessons.Step, number: int, total: int, with_choices: bool = True) -> None:
    """The question; its choices too unless the caller offers them otherwise (``choice_label``)."""
    st.caption(f"Step {number} of {total}")
    st.subheader(literal(step.question), anchor=False)
    if with_choices:
        for letter, choice in zip(LETTERS, step.choices):
            st.markdown(choice_label(letter, choice))


def show_reveal(step: lessons.Step, key: str, beside: bool = False) -> None:
    """The figure and the reveal; the right answer for a multiple-choice step.  ``beside``: the answer and
    the reveal to the right of the figure (a projector's wide screen), else under it."""
    try:
        fig, text = step_view(step, present.session_look())
    except InputError as err:
        st.error(f"This step could not be computed: {err}", icon="⚠️")
        return
    chart, words = st.columns([2, 1], gap="medium") if beside else (st.container(), st.container())
    chart.plotly_chart(fig, key=key, config=CONFIG)
    if (right := answer(step)) is not None:
        words.success(right)
    words.markdown(literal(text))
