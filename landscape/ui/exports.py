"""Every page's "Download" and "Add this view to my lesson" popovers, at the foot of its sidebar.

``tools(page)`` is the one call a view makes, after ``url.sync()`` (so ``st.query_params`` is the view on
screen).  Nothing is computed when the page loads: each download button is given a function
(``st.download_button``'s deferred ``data``), which Streamlit runs on another thread only when the button is
clicked, and the click does not rerun the page.  That function computes the file from the page's link
(``links.parse``) under the server's budget of one request; files are cached for the class.  Which files a
view offers is ``landscape.export_files``; a step's text helpers are ``landscape.lessons.authoring``.  A refusal
(the budget's InputError) fails that download in the browser and is shown in the popover at the next run.

Adding a step happens in a fragment: its widgets rerun the popover, not the page.
"""
from __future__ import annotations

from typing import Callable

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from landscape import budget, export_files, lessons
from landscape.export_files import Download
from landscape.figures.export import view_file
from landscape.lessons import authoring, links
from landscape.types import InputError
from landscape.ui import draft
from landscape.ui.page import literal
from landscape.ui.guard import guarded

ERRORS = "exports_refused"  # in session state: {file name: why its download failed}, shown at the next run
LESSONS_PAGE = "views/lessons.py"


def tools(page: str) -> None:
    """The page's two popovers at the foot of the sidebar.  Download's buttons are made only while it is open
    (opening it reruns the page): made on every run of every page, they cost each run 1.5-3.7 ms of the server's
    CPU (up to a tenth of a cached rerun, measured in AppTest), for a menu a class seldom opens."""
    query = dict(st.query_params)
    state = links.page(page).state
    with st.sidebar:
        files = st.popover("Download", icon=":material/download:", use_container_width=True, key=f"{state}_downloads",
                           help="This view's figures as files: interactive HTML, their numbers, a PNG", on_change="rerun")
        if files.open:
            with files:
                downloads(page, query)
        with st.popover("Add this view to my lesson", icon=":material/playlist_add:", use_container_width=True,
                        key=f"{state}_add_to_lesson",
                        help="A question for the class about this view, and a reveal that quotes live numbers"):
            add_to_lesson(page, query)


# ---- downloads -------------------------------------------------------------------------------------------

@st.cache_data(max_entries=16, ttl=600, show_spinner=False)
def make_file(page: str, figure: str, kind: str, query: tuple[tuple[str, str], ...]) -> bytes:
    """One file of a page's view: the figure as HTML, its numbers (CSV / NPZ) or the race as a GIF."""
    inputs = links.parse(page, dict(query), strict=False).inputs
    with budget.limits(budget.SERVER):
        return view_file(page, figure, kind, inputs)


def deferred(file: Download, query: dict[str, str]) -> Callable[[], bytes]:
    """What a download button runs when clicked (on another thread): the file, or its refusal noted."""
    refused = st.session_state.setdefault(ERRORS, {})
    items = tuple(sorted(query.items()))

    def run() -> bytes:
        try:
            return make_file(file.page, file.figure, file.kind, items)
        except InputError as err:
            refused[file.name] = str(err)
            raise

    return run


def downloads(page: str, query: dict[str, str]) -> None:
    """A download per figure of the view: standalone HTML and its numbers; the race as a GIF."""
    for name, message in st.session_state.pop(ERRORS, {}).items():
        st.error(f"{name} could not be made: {message}", icon="⚠️")
    parsed = links.parse(page, query, strict=True)
    if parsed.problems:
        reasons = "; ".join(message for _, message in parsed.problems)
        st.info(f"Downloads are made from the page's link, and a link cannot carry this view: {reasons}.")
        return
    for heading, files in export_files.downloads(page, parsed.inputs):
        st.markdown(f"**{heading}**")
        for column, file in zip(st.columns(2) if len(files) > 1 else (st,), files):
            column.download_button(file.label, deferred(file, query), file_name=file.name, mime=file.mime,
                                   key=f"{links.page(page).state}_download_{file.figure}_{file.kind}",
                                   help=f"{file.name}: {file.hint}", on_click="ignore", icon=":material/download:",
                                   use_container_width=True)
    st.caption("A PNG at slide size (1920 × 1080): the camera button at the top right of each chart.")


# ---- add this view to my lesson ------------------------------------------------------------------------

@st.fragment
def add_to_lesson(page: str, query: dict[str, str]) -> None:
    """A question and a reveal for this view; "Add" validates the step and appends it to the draft lesson."""
    key = f"{links.page(page).state}_lesson_"
    parsed = links.parse(page, query, strict=False)
    figures = links.shown_figures(page, parsed.inputs)
    figure = guarded("Figure shown", key + "figure", lambda: st.selectbox(
        "Figure shown", figures, key=key + "figure", format_func=export_files.title))
    question = guarded("Question for the class", key + "question", lambda: st.text_area(
        "Question for the class", key=key + "question", max_chars=lessons.LIMITS["question"]))
    kind = guarded("Answer", key + "kind", lambda: st.radio(
        "Answer", lessons.KINDS, key=key + "kind", horizontal=True,
        format_func={"free": "free text", "choice": "multiple choice"}.get))
    choices, answer = [], None
    if kind == "choice":
        choices = authoring.typed_choices(guarded("Choices, one per line", key + "choices", lambda: st.text_area(
            "Choices, one per line", key=key + "choices", help="two to six")))
        answer = guarded("Right answer", key + "answer", lambda: st.selectbox(
            "Right answer", choices, key=key + "answer", index=None))
    reveal = guarded("Reveal", key + "reveal", lambda: st.text_area(
        "Reveal", key=key + "reveal", max_chars=lessons.LIMITS["reveal"],
        help=authoring.reveal_help(page, parsed.inputs)))
    if st.button("Add this view", key=key + "add", icon=":material/add:", type="primary"):
        add_step(page, authoring.step_params(query, parsed.unused), parsed.unused, question, reveal, kind, choices,
                 answer, figure)
    show_draft()


def add_step(page: str, params: dict[str, str], unused: tuple[str, ...], question: str, reveal: str, kind: str,
             choices: list[str], answer: str | None, figure: str) -> None:
    """Validate the step (a refusal says what is wrong) and append it; settings a step cannot keep are named."""
    try:
        step = lessons.make_step(page, params, question, reveal, kind, choices, answer, figure)
        draft.add(step)
    except InputError as err:
        st.error(f"Not added: {err}", icon="⚠️")
        return
    st.success(f"Added: {literal(step.question)}", icon=":material/check:")
    if unused:
        st.caption(f"Not kept in the step (display settings a lesson does not carry): {', '.join(unused)}")


def show_draft() -> None:
    """How long my lesson is, its file, and where to play it."""
    lesson = draft.draft()
    if lesson is None:
        return
    st.markdown(authoring.heading(lesson))
    st.download_button("Lesson file", authoring.lesson_file(lesson), file_name=f"{lesson.name}.toml",
                       mime="application/toml", on_click="ignore", icon=":material/download:",
                       key="lesson_draft_download")
    try:
        st.page_link(LESSONS_PAGE, label="Play it on the Lessons page", icon=":material/school:")
    except StreamlitPageNotFoundError:  # a page run on its own (tests), without the app's navigation
        st.caption("The Lessons page plays it.")
