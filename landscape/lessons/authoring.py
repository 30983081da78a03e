"""Adding a page's view to a lesson (each page's "Add this view to my lesson", ``landscape.ui.exports``): what the
reveal box offers to quote, the choices typed one per line, the link parameters a step keeps, and the lesson made
so far as a file.  No streamlit."""
from __future__ import annotations

from dataclasses import replace

from landscape.lessons import quotes
from landscape.lessons.lesson_file import dump
from landscape.lessons.steps import Lesson

SUMMARY = "Made with Loss Landscape Explorer."  # a lesson file needs a summary; the Lessons page can edit it


def reveal_help(page: str, inputs: dict) -> str:
    """The numbers a reveal may quote on this view (Markdown, for the reveal box's help)."""
    shown = quotes.available(page, inputs)
    lines = [f"- `{{{q.name}}}`: {q.text}" for q in quotes.names(page).values() if q.name in shown]
    return ("Shown after the question. Quote a live number with its name in braces, e.g. `{name:.2f}` "
            "(format: `.2f`, `+.3g`, `.0%`):\n\n" + "\n".join(lines))


def typed_choices(text: str) -> list[str]:
    """The choices typed one per line, blank lines left out."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def step_params(query: dict[str, str], unused: tuple[str, ...]) -> dict[str, str]:
    """The link parameters a step keeps: all but the display settings a lesson does not carry (``unused``)."""
    return {name: value for name, value in query.items() if name not in unused}


def heading(lesson: Lesson) -> str:
    """``My lesson: 3 steps`` (Markdown)."""
    count = len(lesson.steps)
    return f"**My lesson: {count} step{'s' * (count != 1)}**"


def lesson_file(lesson: Lesson) -> str:
    """The lesson made so far as a lesson file (with a summary, which a file needs)."""
    return dump(replace(lesson, summary=lesson.summary or SUMMARY))
