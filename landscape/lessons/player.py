"""Playing a lesson, without Streamlit: the link values of the step shown and of its reveal
(``lessons?lesson=outliers&step=2&reveal=1``), a step's lettered choices, its answer and the verdict on a
prediction, the address of a step's view in its own page, and the shipped lessons as a table.
``landscape.ui.lessons`` and ``landscape.ui.lesson`` draw them; a lesson's text is escaped (``literal``)."""
from __future__ import annotations

from landscape.lessons import get, names
from landscape.lessons.lesson_file import MAX_STEPS
from landscape.lessons.steps import Step
from landscape.markdown import literal
from landscape.types import InputError

LETTERS = "ABCDEF"


def parse_step(raw: str) -> str:
    """A link's ``step``: a whole number from 1 to MAX_STEPS, as its canonical text."""
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_STEPS:
        raise InputError(f"a step is a whole number from 1 to {MAX_STEPS}")
    return str(int(raw))


def parse_flag(raw: str) -> str:
    """A link's ``reveal``: ``1`` or ``0``."""
    if raw not in ("0", "1"):
        raise InputError("use 1 or 0")
    return raw


def choice_label(letter: str, choice: str) -> str:
    """``**A.** the choice`` (Markdown), the choice shown as typed."""
    return f"**{letter}.** {literal(choice)}"


def answer(step: Step) -> str | None:
    """``Answer: B. the choice`` for a step with a right answer (Markdown, the choice as typed), else None."""
    if step.answer is None:
        return None
    return f"Answer: {LETTERS[step.answer]}. {literal(step.choices[step.answer])}"


def verdict(step: Step, predicted: str | None) -> str | None:
    """The viewer's predicted letter against the right answer (Markdown); None without both."""
    if step.answer is None or predicted is None:
        return None
    right = LETTERS[step.answer] == predicted
    return f"Your prediction, {predicted}, was " + ("**right**." if right else "not the answer.")


def address(step: Step, extra: dict[str, str]) -> str:
    """The step's view in its own page, a relative address (it works under any base path), with ``extra``
    parameters (the frame's presenter mode) after the step's own."""
    link = step.link()
    for name, value in extra.items():
        link += ("&" if "?" in link else "?") + f"{name}={value}"
    return link


def catalogue() -> dict[str, list]:
    """The shipped lessons as a table: title, summary, number of steps."""
    shipped = [get(name) for name in names()]
    return {"lesson": [lesson.title for lesson in shipped], "steps": [len(lesson.steps) for lesson in shipped],
            "what it shows": [lesson.summary for lesson in shipped]}
