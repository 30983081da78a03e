"""Every page's link parameters, read as the page reads them: names, parsers, bounds and defaults.

A lesson step is a view of one page, given by that page's query parameters (``?loss=huber&n=101``).
This module is the registry of pages (``PAGES``) and reads a link with it: ``page_links`` walks the same
controls, in the same order and under the same conditions as each page in ``views/`` does (a benchmark's
parameters only for a benchmark, an optimiser's only when it races, ...), and ``link_reader`` parses every
value as ``landscape.ui.state.UrlState`` parses a link (``parse_number``, a choice among the options, a
comma-separated list, 1 / 0, a text of at most ``max_chars``); both are re-exported here.  The result:

* ``values``: every control's value, by link name (the default where the link gives none);
* ``inputs``: what the page's compute receives (a problem spec, race entries, training settings, ...);
* ``problems``: ``(name, message)`` for each value the page would refuse with a "Link parameter"
  warning, and, in a lesson (``strict``), for what a lesson cannot carry (an uploaded CSV, hand-edited
  points) or what the page's compute refuses at once (a formula, hidden-layer widths);
* ``unused``: link parameters this view does not read (a typo, or another problem's parameter).

No streamlit here.  ``tests/test_lesson_links.py`` holds the registry to the pages: an AppTest per page
with every parameter at a valid value other than its default gives no warning and sets every control to
the value parsed here, and out-of-bounds values get the page's warning.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from landscape.lessons.link_reader import (Reader, fmt_number, parse_choice, parse_choices, parse_flag,
                                           parse_number, parse_text)
from landscape.lessons.page_links import (NEURAL_DATASETS, NEURAL_PARTS, NEURAL_VIEWS, OUTLIER_CLICKS,
                                          OUTLIER_POSITIONS, OUTLIER_SOURCES, RACE_STEPS, SLIDER_STEP, SPEEDS,
                                          SURFACE_STYLES, SWARM_SIDE, SWEEP_DEGREE, TOLERANCE, read_classification,
                                          read_distributions, read_gallery, read_neural, read_optimisers,
                                          read_outliers, read_overfitting, read_surface)
from landscape.problems import UPLOAD
from landscape.types import InputError

__all__ = ["NEURAL_DATASETS", "NEURAL_PARTS", "NEURAL_VIEWS", "OUTLIER_CLICKS", "OUTLIER_POSITIONS", "OUTLIER_SOURCES",
           "PAGES", "Page", "Parsed", "RACE_STEPS", "Reader", "SLIDER_STEP", "SPEEDS", "SURFACE_STYLES", "SWARM_SIDE",
           "SWEEP_DEGREE", "TOLERANCE", "UPLOAD", "as_text", "check", "fmt_number", "page", "parse", "parse_choice",
           "parse_choices", "parse_flag", "parse_number", "parse_text", "shown_figures"]

# ---- the registry ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    path: str  # url_path in app.py: the page's address, and a lesson step's ``page``
    title: str  # as in the app's menu
    view: str  # the page's file
    state: str  # UrlState's page name: a control's session-state key is "<state>_<name>"
    walk: Callable[[Reader], dict[str, object]]
    figures: tuple[str, ...]  # what a step can show of the page; the first is the default


PAGES: dict[str, Page] = {p.path: p for p in (
    Page("loss_surface", "Loss surface", "views/loss_surface.py", "surface", read_surface,
         ("contour", "surface", "parts")),
    Page("outliers", "Outliers", "views/outliers.py", "outliers", read_outliers,
         ("scatter", "surfaces", "shares", "influence", "psi")),
    Page("loss_functions", "Loss functions", "views/loss_functions.py", "gallery", read_gallery,
         ("curves", "confidence")),
    Page("classification", "Classification", "views/classification.py", "classify", read_classification,
         ("boundary", "surface", "confusion", "softmax", "simplex")),
    Page("distributions", "Distributions and overlap", "views/distributions.py", "dist", read_distributions,
         ("divergences", "densities", "overlap", "slices")),
    Page("optimisers", "Optimisers", "views/optimisers.py", "optim", read_optimisers,
         ("race", "paths", "curves", "map")),
    Page("neural_landscape", "Neural landscape", "views/neural_landscape.py", "nn", read_neural, ("history", "view")),
    Page("overfitting", "Overfitting", "views/overfitting.py", "fit", read_overfitting,
         ("degrees", "degree_fits", "epochs", "epoch_fits")),
)}


def page(path: object) -> Page:
    try:
        return PAGES[path]  # type: ignore[index]
    except (KeyError, TypeError):
        raise InputError(f"unknown page {path!r}; a step shows one of {', '.join(PAGES)}") from None


def shown_figures(path: str, inputs: Mapping[str, Any]) -> tuple[str, ...]:
    """The figures of ``PAGES[path].figures`` that this view draws (some only with a setting)."""
    figures = page(path).figures
    if path == "loss_surface":
        spec = inputs.get("spec")
        penalised = spec is not None and bool(spec.l1 or spec.l2)
        return tuple(f for f in figures if f != "parts" or penalised)
    if path == "optimisers":
        return tuple(f for f in figures if f != "map" or inputs.get("lr_map"))
    return figures


@dataclass(frozen=True)
class Parsed:
    """A page's link, read: see the module docstring."""

    page: str
    values: dict[str, Any]
    inputs: dict[str, Any]
    problems: tuple[tuple[str, str], ...]
    unused: tuple[str, ...]

    def message(self) -> str | None:
        """Every problem, one clause each; None when the link is fine."""
        parts = [f"link parameter `{name}`: {text}" for name, text in self.problems]
        if self.unused:
            known = ", ".join(sorted(self.values))
            parts += [f"`{name}` is not a link parameter of the {PAGES[self.page].title} page with these settings "
                      f"(it reads {known})" for name in self.unused]
        return "; ".join(parts) or None


def parse(path: str, raw: Mapping[str, str], strict: bool = True) -> Parsed:
    """Read ``raw`` (query parameters, all text) as page ``path`` reads its link."""
    p = page(path)
    reader = Reader(dict(raw), strict)
    inputs = p.walk(reader)
    unused = tuple(name for name in raw if name not in reader.values)
    return Parsed(path, reader.values, inputs, tuple(reader.problems), unused)


def check(path: str, raw: Mapping[str, str]) -> Parsed:
    """``parse`` in a lesson, raising InputError when anything is refused or unread."""
    parsed = parse(path, raw, strict=True)
    message = parsed.message()
    if message:
        raise InputError(message)
    return parsed


def as_text(value: object) -> str:
    """A value written in a lesson file (text, number, true / false, a list) as the text of a link."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{value} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    raise InputError(f"a link parameter is text, a number, true / false or a list of texts, not {type(value).__name__}")

