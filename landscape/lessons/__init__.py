"""Lessons: ordered steps, each a view of one page, a question for the class and a reveal with live numbers.

    from landscape import lessons
    lessons.names()                        # the shipped lessons, in teaching order
    lesson = lessons.get("outliers")       # Lesson(name, title, summary, steps)
    lesson = lessons.load(text)            # a lesson file (TOML), validated; InputError says what is wrong
    lessons.reveal(lesson.steps[0])        # the step's reveal with its numbers computed now
    lessons.dump(lesson)                   # the lesson as a TOML file again

A lesson file::

    name = "outliers"
    title = "Why MSE chases outliers"
    summary = "..."

    [[steps]]
    page = "outliers"                          # a page's address (app.py's url_path)
    params = { count = 5, size = 10.0 }        # its link parameters, checked exactly as a link is
    figure = "scatter"                         # optional: which of the page's figures the step shows
    question = "Which line moves most?"
    kind = "choice"                            # or "free" (the default)
    choices = ["MSE", "MAE", "Huber"]
    answer = "MSE"                             # the right choice, as written
    reveal = "MSE's slope moved by {mse_slope_shift:+.2f}."

Every text is plain text: it is never read as HTML, Markdown or code.  A reveal is a template whose
placeholders name the page's quotes (``quotes.names(page)``) with a short number format (``:.2f``,
``:+.3g``, ``:.0%``); nothing else can be written between braces (no attribute or index access, no
conversion, no width), and ``fill`` formats numbers only.  ``{{`` and ``}}`` are literal braces.

The package holds the shipped lessons (``names``, ``get``) and re-exports its modules' names:
``steps`` (Lesson, Step, playing a step), ``template`` (a reveal's placeholders, ``fill``),
``lesson_file`` (``load``, ``dump``, making a lesson), ``links`` with ``page_links`` and ``link_reader``
(every page's link read as the page reads it), ``quotes`` (the numbers a reveal may quote) and
``compute`` (the page computes a step runs, memoised).
"""
from __future__ import annotations

import functools
from importlib import resources

from landscape.lessons import links, quotes
from landscape.lessons.lesson_file import (CHOICES, CONTROL, KINDS, LIMITS, MAX_BYTES, MAX_PARAMS, MAX_STEPS, NAME,
                                           STEP_KEYS, TOP_KEYS, append, dump, load, make_step, new)
from landscape.lessons.steps import Lesson, Step, numbers, reveal
from landscape.lessons.template import MAX_PRECISION, MISSING, SPEC, fill, template_fields
from landscape.types import InputError

__all__ = ["CHOICES", "CONTROL", "KINDS", "LIMITS", "MAX_BYTES", "MAX_PARAMS", "MAX_PRECISION", "MAX_STEPS", "MISSING",
           "NAME", "ORDER", "SPEC", "STEP_KEYS", "TOP_KEYS", "Lesson", "Step", "append", "dump", "fill", "get", "links",
           "load", "make_step", "names", "new", "numbers", "quotes", "reveal", "template_fields"]

ORDER = ("outliers", "confident-and-wrong", "missed-positive", "l2-shrinkage", "learning-rate-limit",
         "momentum-valley", "train-vs-validation", "flat-vs-sharp", "forward-reverse-kl", "dice-vs-bce")


# ---- the shipped lessons ------------------------------------------------------------------------------

def _data():
    return resources.files(__name__).joinpath("data")


def names() -> list[str]:
    """The shipped lessons, in teaching order."""
    return list(ORDER)


@functools.lru_cache(maxsize=len(ORDER))
def get(name: str) -> Lesson:
    """A shipped lesson by name."""
    if name not in ORDER:
        raise InputError(f"unknown lesson {name!r}; choose one of {', '.join(ORDER)}")
    file = _data().joinpath(f"{name}.toml")
    return load(file.read_text(encoding="utf-8"), f"lesson {name}")
