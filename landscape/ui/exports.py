"""Every page's "Download" and "Add this view to my lesson" popovers, at the foot of its sidebar.

``tools(page)`` is the one call a view makes, after ``url.sync()`` (so ``st.query_params`` is the view on
screen).  Nothing is computed when the page loads: each download button is given a function
(``st.download_button``'s deferred ``data``), which Streamlit runs on another thread only when the button is
clicked, and the click does not rerun the page.  That function computes the file from the page's link
(``links.parse``) under the server's budget of one request; files are cached for the class.  A refusal
(the budget's InputError) fails that download in the browser and is shown in the popover at the next run.

Adding a step happens in a fragment: its widgets rerun the popover, not the page.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Callable

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from landscape import budget, export, lessons
from landscape.figures import export as figure_export
from landscape.figures.steps import step_figure
from landscape.lessons import links, quotes
from landscape.types import InputError
from landscape.ui import draft
from landscape.ui.page import literal
from landscape.ui.state import guarded

ERRORS = "exports_refused"  # in session state: {file name: why its download failed}, shown at the next run
LESSONS_PAGE = "views/lessons.py"
SUMMARY = "Made with Loss Landscape Explorer."  # a lesson file needs a summary; the Lessons page can edit it
TITLES = {"parts": "data loss, penalty, total", "view": "slice", "race": "race map", "curves": "loss curves",
          "map": "learning-rate map", "psi": "ψ curves", "degree_fits": "fits by degree",
          "epoch_fits": "fits by epoch", "history": "training curves"}
MIME = {"html": "text/html", "csv": "text/csv", "npz": "application/octet-stream", "gif": "image/gif"}
NPZ = {("loss_surface", f) for f in ("contour", "surface", "parts")} | {
    ("outliers", "surfaces"), ("classification", "surface"), ("classification", "softmax"),
    ("distributions", "divergences"), ("distributions", "overlap"), ("optimisers", "map")}
NPZ_SLICES = ("plane", "pca")  # the Neural landscape's slices that are planes


def tools(page: str) -> None:
    """The page's two popovers at the foot of the sidebar."""
    query = dict(st.query_params)
    state = links.page(page).state
    with st.sidebar:
        with st.popover("Download", icon=":material/download:", use_container_width=True, key=f"{state}_downloads",
                        help="This view's figures as files: interactive HTML, their numbers, a PNG"):
            downloads(page, query)
        with st.popover("Add this view to my lesson", icon=":material/playlist_add:", use_container_width=True,
                        key=f"{state}_add_to_lesson",
                        help="A question for the class about this view, and a reveal that quotes live numbers"):
            add_to_lesson(page, query)


# ---- downloads -------------------------------------------------------------------------------------------

def data_format(page: str, figure: str, inputs: dict) -> str:
    """``"npz"`` for surfaces and planes, ``"csv"`` for the rest (as ``export.figure_data`` writes them)."""
    if page == "neural_landscape" and figure == "view":
        return "npz" if inputs["view"] in NPZ_SLICES else "csv"
    return "npz" if (page, figure) in NPZ else "csv"


def file_name(page: str, figure: str, kind: str) -> str:
    return f"{page}-{figure}.{kind}"


@st.cache_data(max_entries=16, ttl=600, show_spinner=False)
def make_file(page: str, figure: str, kind: str, query: tuple[tuple[str, str], ...]) -> bytes:
    """One file of a page's view: the figure as HTML, its numbers (CSV / NPZ) or the race as a GIF."""
    inputs = links.parse(page, dict(query), strict=False).inputs
    with budget.limits(budget.SERVER):
        if kind == "html":
            title = f"{links.page(page).title}: {TITLES.get(figure, figure)}"
            return figure_export.figure_html(step_figure(page, figure, inputs), title).encode("utf-8")
        if kind == "gif":
            return figure_export.step_gif(inputs)
        return export.figure_data(page, figure, inputs).content


def deferred(page: str, figure: str, kind: str, query: dict[str, str]) -> Callable[[], bytes]:
    """What a download button runs when clicked (on another thread): the file, or its refusal noted."""
    refused = st.session_state.setdefault(ERRORS, {})
    items = tuple(sorted(query.items()))
    name = file_name(page, figure, kind)

    def run() -> bytes:
        try:
            return make_file(page, figure, kind, items)
        except InputError as err:
            refused[name] = str(err)
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
    for figure in links.shown_figures(page, parsed.inputs):
        st.markdown(f"**{TITLES.get(figure, figure).capitalize()}**")
        html, numbers = st.columns(2)
        _button(html, "Figure (HTML)", page, figure, "html", query, "interactive, opens offline in any browser")
        kind = data_format(page, figure, parsed.inputs)
        _button(numbers, kind.upper(), page, figure, kind, query, "the numbers behind the figure")
    if page == "optimisers":
        st.markdown("**Race**")
        _button(st, "Animated GIF", page, "race", "gif", query, "the race, one frame per step")
    st.caption("A PNG at slide size (1920 × 1080): the camera button at the top right of each chart.")


def _button(container, label: str, page: str, figure: str, kind: str, query: dict[str, str], help: str) -> None:
    name = file_name(page, figure, kind)
    container.download_button(label, deferred(page, figure, kind, query), file_name=name, mime=MIME[kind],
                              key=f"{links.page(page).state}_download_{figure}_{kind}", help=f"{name}: {help}",
                              on_click="ignore", icon=":material/download:", use_container_width=True)


# ---- add this view to my lesson ------------------------------------------------------------------------

@st.fragment
def add_to_lesson(page: str, query: dict[str, str]) -> None:
    """A question and a reveal for this view; "Add" validates the step and appends it to the draft lesson."""
    key = f"{links.page(page).state}_lesson_"
    parsed = links.parse(page, query, strict=False)
    figures = links.shown_figures(page, parsed.inputs)
    figure = guarded("Figure shown", key + "figure", lambda: st.selectbox(
        "Figure shown", figures, key=key + "figure", format_func=lambda f: TITLES.get(f, f)))
    question = guarded("Question for the class", key + "question", lambda: st.text_area(
        "Question for the class", key=key + "question", max_chars=lessons.LIMITS["question"]))
    kind = guarded("Answer", key + "kind", lambda: st.radio(
        "Answer", lessons.KINDS, key=key + "kind", horizontal=True,
        format_func={"free": "free text", "choice": "multiple choice"}.get))
    choices, answer = [], None
    if kind == "choice":
        text = guarded("Choices, one per line", key + "choices", lambda: st.text_area(
            "Choices, one per line", key=key + "choices", help="two to six"))
        choices = [line.strip() for line in text.splitlines() if line.strip()]
        answer = guarded("Right answer", key + "answer", lambda: st.selectbox(
            "Right answer", choices, key=key + "answer", index=None))
    reveal = guarded("Reveal", key + "reveal", lambda: st.text_area(
        "Reveal", key=key + "reveal", max_chars=lessons.LIMITS["reveal"], help=reveal_help(page, parsed.inputs)))
    if st.button("Add this view", key=key + "add", icon=":material/add:", type="primary"):
        add_step(page, query, parsed.unused, question, reveal, kind, choices, answer, figure)
    show_draft()


def reveal_help(page: str, inputs: dict) -> str:
    """The numbers a reveal may quote on this view, for the reveal box's help."""
    shown = quotes.available(page, inputs)
    lines = [f"- `{{{q.name}}}`: {q.text}" for q in quotes.names(page).values() if q.name in shown]
    return ("Shown after the question. Quote a live number with its name in braces, e.g. `{name:.2f}` "
            "(format: `.2f`, `+.3g`, `.0%`):\n\n" + "\n".join(lines))


def add_step(page: str, query: dict[str, str], unused: tuple[str, ...], question: str, reveal: str, kind: str,
             choices: list[str], answer: str | None, figure: str) -> None:
    """Validate the step (a refusal says what is wrong) and append it; settings a step cannot keep are named."""
    params = {name: value for name, value in query.items() if name not in unused}
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
    st.markdown(f"**My lesson: {len(lesson.steps)} step{'s' * (len(lesson.steps) != 1)}**")
    whole = replace(lesson, summary=lesson.summary or SUMMARY)
    st.download_button("Lesson file", lessons.dump(whole), file_name=f"{lesson.name}.toml", mime="application/toml",
                       on_click="ignore", icon=":material/download:", key="lesson_draft_download")
    try:
        st.page_link(LESSONS_PAGE, label="Play it on the Lessons page", icon=":material/school:")
    except StreamlitPageNotFoundError:  # a page run on its own (tests), without the app's navigation
        st.caption("The Lessons page plays it.")
