"""Widgets bound to the URL: every control of a page reads its first value from the query
string and writes its current value back, so a copied link reopens the same view.

A hand-edited URL is validated like any other input: a bad value is replaced by the
default and the page says so.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import streamlit as st

from landscape.types import InputError


@dataclass(frozen=True)
class _Bound:
    key: str  # widget key in session state: "<page>_<name>"
    default: Any
    fmt: Callable[[Any], str]


def _fmt_number(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def parse_number(text: str, low: float, high: float, integer: bool = False) -> float | int:
    """A number from the URL, within [low, high]."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InputError(f"{text} is outside {low:g} to {high:g}")
    if integer:
        if value != int(value):
            raise InputError(f"{text} is not a whole number")
        return int(value)
    return value


class UrlState:
    """The controls of one page, bound to the URL under short names (``?loss=huber&n=101``)."""

    def __init__(self, page: str):
        self.page = page
        self.bound: dict[str, _Bound] = {}
        self.problems: list[str] = []

    def _init(self, name: str, default: Any, parse: Callable[[str], Any], fmt: Callable[[Any], str]) -> str:
        key = self.key(name)
        self.bound[name] = _Bound(key, default, fmt)
        if key not in st.session_state:
            raw = st.query_params.get(name)
            value = default
            if raw is not None:
                try:
                    value = parse(raw)
                except InputError as err:
                    self.problems.append(f"Link parameter `{name}`: {err}; using {fmt(default)}.")
            st.session_state[key] = value
        return key

    def key(self, name: str) -> str:
        """The session-state key of the control bound to ``name``."""
        return f"{self.page}_{name}"

    # ---- widgets -------------------------------------------------------------------------------

    def selectbox(self, label: str, name: str, options: Sequence[str], default: str | None = None,
                  container=st, **kw) -> str:
        default = options[0] if default is None else default
        key = self._init(name, default, _choice(options), str)
        if st.session_state[key] not in options:  # options changed under a kept value
            st.session_state[key] = default
        return container.selectbox(label, options, key=key, **kw)

    def radio(self, label: str, name: str, options: Sequence[str], default: str | None = None,
              container=st, **kw) -> str:
        default = options[0] if default is None else default
        key = self._init(name, default, _choice(options), str)
        return container.radio(label, options, key=key, **kw)

    def multiselect(self, label: str, name: str, options: Sequence[str], default: Sequence[str],
                    container=st, **kw) -> list[str]:
        def parse(raw: str) -> list[str]:
            values = list(dict.fromkeys(v for v in raw.split(",") if v))  # a repeat would be a duplicate widget
            bad = [v for v in values if v not in options]
            if bad:
                raise InputError(f"{', '.join(bad)} not among {', '.join(options)}")
            return values

        key = self._init(name, list(default), parse, ",".join)
        return container.multiselect(label, options, key=key, **kw)

    def slider(self, label: str, name: str, low: float, high: float, default: float, step: float | None = None,
               container=st, **kw) -> float | int:
        integer = all(isinstance(v, int) for v in (low, high, default)) and (step is None or isinstance(step, int))
        key = self._init(name, default, lambda raw: parse_number(raw, low, high, integer), _fmt_number)
        return container.slider(label, low, high, step=step, key=key, **kw)

    def number(self, label: str, name: str, low: float, high: float, default: float, step: float | None = None,
               container=st, clamp: bool = True, **kw) -> float | int:
        """A number box; a link value must lie in ``[low, high]``.  ``clamp=False`` leaves the box itself
        unbounded, so that whatever a person types reaches the compute package, which says what is wrong
        (a value that is not finite never arrives: Streamlit replaces it by 0)."""
        integer = all(isinstance(v, int) for v in (low, high, default)) and (step is None or isinstance(step, int))
        key = self._init(name, default, lambda raw: parse_number(raw, low, high, integer), _fmt_number)
        bounds = dict(min_value=low, max_value=high) if clamp else {}
        if step is None and integer:
            step = 1
        return container.number_input(label, step=step, key=key, **bounds, **kw)

    def checkbox(self, label: str, name: str, default: bool = False, container=st, **kw) -> bool:
        def parse(raw: str) -> bool:
            if raw.lower() not in ("1", "0", "true", "false"):
                raise InputError(f"{raw!r} is not 1 or 0")
            return raw.lower() in ("1", "true")

        key = self._init(name, default, parse, lambda v: "1" if v else "0")
        return container.checkbox(label, key=key, **kw)

    def text(self, label: str, name: str, default: str = "", max_chars: int = 200, container=st, **kw) -> str:
        def parse(raw: str) -> str:
            if len(raw) > max_chars:
                raise InputError(f"longer than {max_chars} characters")
            return raw

        key = self._init(name, default, parse, str)
        return container.text_input(label, key=key, max_chars=max_chars, **kw)

    def value(self, name: str, default: str, parse: Callable[[str], str]) -> str:
        """A URL-bound value that is not a widget (e.g. edits made by clicks); returns its session-state key."""
        return self._init(name, default, parse, str)

    # ---- after the controls ------------------------------------------------------------------------

    def report(self) -> None:
        """Say which link parameters were refused (once, on the run that read them)."""
        for message in self.problems:
            st.warning(message)
        self.problems.clear()

    def sync(self) -> None:
        """Write every control that differs from its default into the URL; drop the rest."""
        wanted = {name: b.fmt(st.session_state[b.key]) for name, b in self.bound.items()
                  if st.session_state.get(b.key, b.default) != b.default}
        for name in [k for k in st.query_params if k not in wanted]:
            del st.query_params[name]
        for name, value in wanted.items():
            if st.query_params.get(name) != value:
                st.query_params[name] = value


def _choice(options: Sequence[str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in options:
            raise InputError(f"{raw!r} is not one of {', '.join(options)}")
        return raw
    return parse
