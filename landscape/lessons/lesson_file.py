"""A lesson file (TOML): reading it with messages that name the line, writing it, and making one step by step.

``load`` validates everything a person can write: the keys, every text's length and characters, a step's
link (read as the page reads it, ``links.parse``), its figure, and its reveal's placeholders and formats.
``load(dump(lesson)) == lesson``.
"""
from __future__ import annotations

import json
import re
import tomllib
from dataclasses import replace
from typing import Any, Iterable, Mapping

from landscape.lessons import links, quotes
from landscape.lessons.steps import Lesson, Step
from landscape.lessons.template import check_format, template_fields
from landscape.types import InputError

MAX_BYTES = 64 * 1024  # a lesson file
MAX_STEPS = 30
MAX_PARAMS = 60  # link parameters of one step
LIMITS = {"name": 60, "title": 120, "summary": 1000, "question": 1000, "reveal": 3000, "choice": 200, "param": 200}
CHOICES = (2, 6)
KINDS = ("free", "choice")
NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
TOP_KEYS = ("name", "title", "summary", "steps")
STEP_KEYS = ("page", "params", "figure", "question", "kind", "choices", "answer", "reveal")


# ---- reading a lesson file ------------------------------------------------------------------------

class _Lines:
    """Where things are in a lesson file's text, for messages that say which line is wrong."""

    def __init__(self, text: str):
        self.lines = text.splitlines()
        headers = [i for i, line in enumerate(self.lines) if re.match(r"\s*\[\[\s*steps\s*\]\]", line)]
        self.spans = [(a, b) for a, b in zip(headers, headers[1:] + [len(self.lines)])]

    def find(self, key: str, step: int | None = None) -> int | None:
        """The 1-based line of ``key = ...`` (in step ``step``, 0-based, when given)."""
        lo, hi = (0, self.spans[0][0] if self.spans else len(self.lines)) if step is None else (
            self.spans[step] if step < len(self.spans) else (0, 0))
        pattern = re.compile(rf"(^|[{{,\s]){re.escape(key)}\s*=|^\s*\[\s*steps\s*\.\s*{re.escape(key)}\s*\]")
        for i in range(lo, hi):
            if pattern.search(self.lines[i]):
                return i + 1
        return None

    def where(self, step: int | None = None, key: str | None = None) -> str:
        line = self.find(key, step) if key else None
        if line is None and step is not None and step < len(self.spans):
            line = self.spans[step][0] + 1
        place = f"step {step + 1}" if step is not None else ""
        if line is not None:
            place = f"{place} (line {line})" if place else f"line {line}"
        return place or "the lesson"


def _text(value: Any, what: str, limit: int, empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InputError(f"{what} must be text in quotes, not {_kind(value)}")
    if not empty and not value.strip():
        raise InputError(f"{what} is empty")
    if len(value) > limit:
        raise InputError(f"{what} is {len(value):,} characters long; the limit is {limit:,}")
    bad = CONTROL.search(value)
    if bad:
        raise InputError(f"{what} holds the control character U+{ord(bad.group()):04X}")
    return value


def _kind(value: Any) -> str:
    return {bool: "true / false", int: "a number", float: "a number", str: "text", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _step(raw: Any, k: int, where: _Lines) -> Step:
    def fail(message: str, key: str | None = None) -> InputError:
        return InputError(f"{where.where(k, key)}: {message}")

    if not isinstance(raw, dict):
        raise fail("a step is a table ([[steps]]) of page, params, question and reveal")
    for key in raw:
        if key not in STEP_KEYS:
            raise fail(f"unknown key {key!r}; a step has {', '.join(STEP_KEYS)}", key)
    for key in ("page", "question", "reveal"):
        if key not in raw:
            raise fail(f"the step has no {key}")
    try:
        page = links.page(raw["page"])
    except InputError as err:
        raise fail(str(err), "page") from None
    params = raw.get("params", {})
    if not isinstance(params, dict):
        raise fail(f"params must be a table of link parameters, not {_kind(params)}", "params")
    if len(params) > MAX_PARAMS:
        raise fail(f"{len(params)} link parameters; the limit is {MAX_PARAMS}", "params")
    pairs = []
    for name, value in params.items():
        try:
            pairs.append((name, _text(links.as_text(value), f"link parameter {name!r}", LIMITS["param"], True)))
        except InputError as err:
            raise fail(f"link parameter `{name}`: {err}", name) from None
    texts = {}
    for key in ("question", "reveal"):
        try:
            texts[key] = _text(raw[key], key, LIMITS[key])
        except InputError as err:
            raise fail(str(err), key) from None
    kind = raw.get("kind", "free")
    if kind not in KINDS:
        raise fail(f"kind must be {' or '.join(map(repr, KINDS))}, not {kind!r}", "kind")
    choices, answer = (), None
    if kind == "choice":
        listed = raw.get("choices")
        if not isinstance(listed, list) or not CHOICES[0] <= len(listed) <= CHOICES[1]:
            raise fail(f"a choice question needs a list of {CHOICES[0]} to {CHOICES[1]} choices", "choices")
        try:
            choices = tuple(_text(c, f"choice {i}", LIMITS["choice"]) for i, c in enumerate(listed, 1))
        except InputError as err:
            raise fail(str(err), "choices") from None
        if len(set(choices)) != len(choices):
            raise fail("two choices are the same", "choices")
        if raw.get("answer") not in choices:
            raise fail("answer must be one of the choices, written exactly as in the list", "answer")
        answer = choices.index(raw["answer"])
    elif "choices" in raw or "answer" in raw:
        raise fail('choices and answer belong to a question of kind = "choice"', "choices" if "choices" in raw
                   else "answer")
    figure = raw.get("figure")
    if figure is not None and figure not in page.figures:
        raise fail(f"figure must be one of {', '.join(page.figures)}, not {figure!r}", "figure")
    step = Step(page.path, tuple(pairs), texts["question"], texts["reveal"], kind, choices, answer, figure)
    _check_view(step, lambda message, key=None: fail(message, key))
    return step


def _check_view(step: Step, fail) -> links.Parsed:
    """The step's link as the page reads it, its figure, and its reveal's placeholders."""
    parsed = step.parsed(strict=True)
    for name, message in parsed.problems:
        raise fail(f"link parameter `{name}`: {message}", name)
    for name in parsed.unused:
        raise fail(f"`{name}` is not a link parameter of the {links.PAGES[step.page].title} page with these "
                   f"settings (it reads {', '.join(sorted(parsed.values))})", name)
    if step.figure is not None and step.figure not in links.shown_figures(step.page, parsed.inputs):
        raise fail(f"this view does not draw the {step.figure!r} figure", "figure")
    try:
        fields = template_fields(step.reveal)
    except InputError as err:
        raise fail(f"reveal: {err}", "reveal") from None
    known, shown = quotes.names(step.page), quotes.available(step.page, parsed.inputs)
    for name, spec in fields:
        if name not in known:
            raise fail(f"reveal: {{{name}}} is not a quote of the {links.PAGES[step.page].title} page; it has "
                       f"{', '.join(known)}", "reveal")
        if name not in shown:
            raise fail(f"reveal: {{{name}}} is not shown by this view of the page (its settings leave it out)",
                       "reveal")
        try:
            check_format(name, spec, known[name])
        except InputError as err:
            raise fail(f"reveal: {err}", "reveal") from None
    return parsed


def load(content: str | bytes, source: str = "the lesson file") -> Lesson:
    """A lesson from the text of a lesson file (TOML), validated; InputError says which line or step is wrong."""
    size = len(content.encode("utf-8") if isinstance(content, str) else content)
    if size > MAX_BYTES:
        raise InputError(f"{source} is {size:,} bytes; a lesson file may hold at most {MAX_BYTES:,} bytes")
    if isinstance(content, bytes):
        try:
            content = content.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InputError(f"{source} is not UTF-8 text (byte {err.start + 1})") from None
    try:
        raw = tomllib.loads(content)
    except tomllib.TOMLDecodeError as err:
        raise InputError(f"{source} is not valid TOML: {_toml_message(err)}") from None
    where = _Lines(content)

    def fail(message: str, key: str | None = None) -> InputError:
        return InputError(f"{source}, {where.where(None, key)}: {message}")

    for key in raw:
        if key not in TOP_KEYS:
            raise fail(f"unknown key {key!r}; a lesson has {', '.join(TOP_KEYS)}", key)
    for key in TOP_KEYS:
        if key not in raw:
            raise fail(f"the lesson has no {key}" + (" (a [[steps]] table)" if key == "steps" else ""))
    texts = {}
    for key in ("name", "title", "summary"):
        try:
            texts[key] = _text(raw[key], key, LIMITS[key])
        except InputError as err:
            raise fail(str(err), key) from None
    name, title, summary = texts["name"], texts["title"], texts["summary"]
    if not NAME.match(name):
        raise fail("name must be lower-case letters, digits and hyphens, e.g. \"outliers-and-huber\"", "name")
    steps = raw["steps"]
    if not isinstance(steps, list) or not steps:
        raise fail("steps must be one or more [[steps]] tables", "steps")
    if len(steps) > MAX_STEPS:
        raise fail(f"{len(steps):,} steps; a lesson has at most {MAX_STEPS}", "steps")
    try:
        parsed = tuple(_step(s, k, where) for k, s in enumerate(steps))
    except InputError as err:
        raise InputError(f"{source}, {err}") from None
    return Lesson(name, title, summary, parsed)


def _toml_message(err: tomllib.TOMLDecodeError) -> str:
    """tomllib's message with its position first: ``line 3, column 9: Expected '=' after a key``."""
    text = str(err)
    match = re.search(r"\(at line (\d+), column (\d+)\)", text)
    if match:
        return f"line {match.group(1)}, column {match.group(2)}: {text[:match.start()].strip()}"
    return text


# ---- writing a lesson file --------------------------------------------------------------------------

def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def dump(lesson: Lesson) -> str:
    """The lesson as a lesson file (``load(dump(lesson)) == lesson``)."""
    out = [f"name = {_toml_string(lesson.name)}", f"title = {_toml_string(lesson.title)}",
           f"summary = {_toml_string(lesson.summary)}"]
    for step in lesson.steps:
        out += ["", "[[steps]]", f"page = {_toml_string(step.page)}"]
        if step.figure is not None:
            out.append(f"figure = {_toml_string(step.figure)}")
        out.append(f"question = {_toml_string(step.question)}")
        if step.kind == "choice":
            out += ['kind = "choice"', "choices = [" + ", ".join(map(_toml_string, step.choices)) + "]",
                    f"answer = {_toml_string(step.choices[step.answer])}"]
        out.append(f"reveal = {_toml_string(step.reveal)}")
        out.append("params = {" + ", ".join(f"{_toml_string(k)} = {_toml_string(v)}" for k, v in step.params) + "}")
    return "\n".join(out) + "\n"


def new(name: str, title: str, summary: str = "") -> Lesson:
    """An empty lesson to add steps to (it becomes a valid file once it has a step and a summary)."""
    return Lesson(name, title, summary)


def make_step(page: str, params: Mapping[str, Any], question: str, reveal: str, kind: str = "free",
              choices: Iterable[str] = (), answer: str | None = None, figure: str | None = None) -> Step:
    """A step from a page's current link (what "Add this view to my lesson" calls), validated as in a file."""
    raw: dict[str, Any] = {"page": page, "params": dict(params), "question": question, "reveal": reveal, "kind": kind}
    if kind == "choice":
        raw |= {"choices": list(choices), "answer": answer}
    if figure is not None:
        raw["figure"] = figure
    return _step(raw, 0, _Lines(""))


def append(lesson: Lesson, step: Step) -> Lesson:
    if len(lesson.steps) >= MAX_STEPS:
        raise InputError(f"a lesson has at most {MAX_STEPS} steps")
    return replace(lesson, steps=lesson.steps + (step,))
