"""The Lessons page's glue: which lesson plays (a shipped one, or "My lesson": the one made in this session or
opened from a file), its step and whether it is revealed, all in the link
(``lessons?lesson=outliers&step=2&reveal=1``); the Previous / Reveal / Next buttons with their keyboard
shortcuts; opening a lesson file; the downloads (TOML, and one offline HTML file built only when asked)."""
from __future__ import annotations

import streamlit as st

from landscape import lessons
from landscape.figures import style
from landscape.figures.export import lesson_html
from landscape.lessons import player
from landscape.lessons.player import LETTERS, choice_label
from landscape.types import InputError
from landscape.ui import draft, present
from landscape.ui.page import literal
from landscape.ui.state import UrlState

PAGE = "lessons"
SHORTCUTS = {"previous": "Left", "reveal": "Down", "next": "Right"}  # C and R are Streamlit's own
HTML_WANTED = "lessons_html_wanted"  # session state: the lesson whose offline HTML file was asked for
OPENED = "lessons_file_opened"  # session state: the id of the uploaded file already opened


def choices() -> list[str]:
    """What the lesson picker offers: every shipped lesson, then "My lesson" once it exists."""
    return lessons.names() + ([draft.NAME] if draft.draft() is not None else [])


def lesson_of(choice: str) -> lessons.Lesson:
    return draft.draft() if choice == draft.NAME else lessons.get(choice)


def title_of(choice: str) -> str:
    return draft.TITLE if choice == draft.NAME else lessons.get(choice).title


class Player:
    """The lesson playing on this page and where in it we are, bound to the link."""

    def __init__(self, url: UrlState, container=st.sidebar):
        self.url = url
        self.step_key = url.value("step", "1", player.parse_step)
        self.reveal_key = url.value("reveal", "0", player.parse_flag)
        self.choice = url.selectbox("Lesson", "lesson", choices(), container=container, format_func=title_of,
                                    on_change=self.go_to, args=(1,))
        self.lesson = lesson_of(self.choice)
        if self.step > len(self.lesson.steps):
            url.problems.append(f"Link parameter `step`: this lesson has {len(self.lesson.steps)} steps; "
                                "showing the first.")
            self.go_to(1)

    @property
    def step(self) -> int:
        return int(st.session_state[self.step_key])

    @property
    def revealed(self) -> bool:
        return st.session_state[self.reveal_key] == "1"

    @property
    def current(self) -> lessons.Step:
        return self.lesson.steps[self.step - 1]

    def go_to(self, step: int) -> None:
        """Show step ``step`` (1-based), its question first."""
        st.session_state[self.step_key] = str(step)
        st.session_state[self.reveal_key] = "0"

    def reveal(self) -> None:
        st.session_state[self.reveal_key] = "1"

    def buttons(self) -> None:
        """Previous / Reveal / Next in a row, each with its keyboard shortcut."""
        last = len(self.lesson.steps)
        row = st.columns(3, gap="small")
        row[0].button("Previous", key="lessons_go_previous", on_click=self.go_to,
                      args=(self.step - 1,), disabled=self.step <= 1, shortcut=SHORTCUTS["previous"],
                      width="stretch")
        row[1].button("Reveal", key="lessons_go_reveal", on_click=self.reveal,
                      disabled=self.revealed, type="primary" if not self.revealed else "secondary",
                      shortcut=SHORTCUTS["reveal"], width="stretch")
        row[2].button("Next", key="lessons_go_next", on_click=self.go_to,
                      args=(self.step + 1,), disabled=self.step >= last,
                      type="primary" if self.revealed else "secondary", shortcut=SHORTCUTS["next"], width="stretch")

    def prediction(self) -> str | None:
        """The choices of a multiple-choice step, as a radio where the viewer may pick a prediction (until the
        reveal, which shows how it went instead); the letter picked, or None."""
        step = self.current
        if not step.choices:
            return None
        key = f"lessons_predict_{self.choice}_{self.step}"
        kept = f"{key}_kept"  # not a widget's: it outlives the radio, which the reveal takes away
        if self.revealed:
            return st.session_state.get(kept)
        labels = dict(zip(LETTERS, step.choices))
        return st.radio("Your prediction", list(labels), index=None, key=key, horizontal=True,
                        format_func=lambda letter: choice_label(letter, labels[letter]),
                        on_change=lambda: st.session_state.__setitem__(kept, st.session_state[key]))

    def verdict(self, predicted: str | None) -> None:
        """The viewer's prediction against the right answer, once revealed."""
        if (sentence := player.verdict(self.current, predicted)) is not None:
            st.markdown(sentence)

    def page_link(self) -> None:
        """The step's view in its own page (a relative address, so it works under any base path)."""
        look = present.TO_LINK.get(style.current_look())
        link = player.address(self.current, {present.PARAM: look} if look else {})
        st.markdown(f"[Open this view in its page]({link})")


# ---- opening and saving lesson files -----------------------------------------------------------------------

def open_file(content: bytes, file_name: str) -> lessons.Lesson:
    """A lesson file from an upload, validated (InputError names the line); it becomes "My lesson"."""
    lesson = lessons.load(content, f"the file {file_name}")
    draft.replace(lesson)
    return lesson


def upload(url: UrlState, container=st.sidebar) -> None:
    """The lesson-file uploader: a good file plays as "My lesson" from its first step, a bad one gets its
    message.  Drawn before the lesson picker, which it may set."""
    file = container.file_uploader("Open a lesson file", type=["toml"], key="lessons_file", max_upload_size=1,
                                   help=f"a lesson file (TOML) of at most {lessons.MAX_BYTES // 1024} KB, as "
                                        "downloaded here")
    if file is None or st.session_state.get(OPENED) == file.file_id:
        return
    try:
        open_file(file.getvalue(), file.name)
    except InputError as err:
        container.error(literal(str(err)), icon="⚠️")
        return
    st.session_state[OPENED] = file.file_id
    st.session_state.update({url.key("lesson"): draft.NAME, url.key("step"): "1", url.key("reveal"): "0"})


@st.cache_data(max_entries=8, ttl=3600, show_spinner="Making the offline HTML file ...")
def offline_html(lesson: lessons.Lesson) -> bytes:
    """The whole lesson as one HTML file (plotly.js inside), in the plain look whatever the page shows."""
    with style.looking(style.PLAIN):
        return lesson_html(lesson).encode("utf-8")


def downloads(lesson: lessons.Lesson, container=st.sidebar) -> None:
    """The lesson as a lesson file, and as one offline HTML file once asked for (it takes a few seconds)."""
    container.download_button("Download the lesson file (TOML)", lessons.dump(lesson), f"{lesson.name}.toml",
                              "application/toml", key="lessons_toml", on_click="ignore",
                              icon=":material/download:")
    if st.session_state.get(HTML_WANTED) != lesson:
        container.button("Make an offline HTML file", key="lessons_make_html", icon=":material/public_off:",
                         on_click=lambda: st.session_state.__setitem__(HTML_WANTED, lesson),
                         help="every step's question, figure and reveal in one file that opens without a server")
        return
    try:
        data = offline_html(lesson)
    except InputError as err:
        container.error(f"The HTML file was not made: {literal(str(err))}", icon="⚠️")
        return
    container.download_button("Download the offline HTML file", data, f"{lesson.name}.html", "text/html",
                              key="lessons_html", on_click="ignore", icon=":material/download:")

