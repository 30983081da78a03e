"""Widgets bound to the URL: every control of a page reads its first value from the query string and
writes its current value back, so a copied link reopens the same view.  A link is input like any other: a
value it refuses is replaced by the default and the page says so (``report``).

Why not Streamlit 1.67's own ``bind="query-params"`` (its docstring: "Invalid query parameter values are
ignored and removed from the URL"; "The key is used as the query parameter name"; checked in AppTest on
2026-11-26 and 11-27): ``lr=999`` on a 0-1 slider or ``lr=abc`` silently becomes the default and leaves the
URL, with nothing the page can read to say so; ``n=2.5`` in a whole-number box becomes 2 without a word;
``n=inf`` in one raises OverflowError inside ``st.number_input``.  And page-prefixed widget keys would
change every link's parameter names.

A value the browser sends for a control is checked before Streamlit uses it, and one it did not report is
sent again: ``guard.py``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check

from landscape import budget, wire
from landscape.figures.style import CONFIG
from landscape.lessons.link_reader import (  # one codec of a link's values: pages and lessons
    fmt_number, parse_choice, parse_choices, parse_flag, parse_number, parse_text, whole)
from landscape.types import InputError
from landscape.ui.guard import (REFUSED, guard, resend_if_unreported, restore_value_type, screen_unregistered,
                                take_refused)
from landscape.ui.present import PARAM as PRESENT  # the frame's, in every page's link


@dataclass(frozen=True)
class _Bound:
    key: str  # widget key in session state: "<page>_<name>"
    default: Any
    fmt: Callable[[Any], str]


class UrlState:
    """The controls of one page, bound to the URL under short names (``?loss=huber&n=101``).

    Every page's input enters here, so this is also where its request gets the server's budget: the
    rest of the run is estimated against ``budget.SERVER`` and its long work stops at the next chunk
    once Streamlit wants this run to end (the tab closed or a newer change arrived).
    """

    def __init__(self, page: str):
        budget.enter(budget.SERVER, get_run_yield_check())
        self.page = page
        self.bound: dict[str, _Bound] = {}
        self.problems: list[str] = []
        self.refused: dict[str, tuple[str, Any, str | None]] = st.session_state.setdefault(REFUSED, {})
        self.link = st.query_params.to_dict()  # the link this run started from, read once (not per control)

    def _init(self, name: str, default: Any, parse: Callable[[str], Any], fmt: Callable[[Any], str]) -> str:
        key = self.key(name)
        self.bound[name] = _Bound(key, default, fmt)
        if key not in st.session_state:
            raw = self.link.get(name)
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

    def _control(self, label: str, name: str, default: Any, parse: Callable[[str], Any],
                 fmt: Callable[[Any], str]) -> str:
        """``_init``, then, before the control is drawn: if the last value the browser sent was refused, say so."""
        key = self._init(name, default, parse, fmt)
        if (problem := take_refused(label, key)) is not None:
            self.problems.append(problem)
        resend_if_unreported(key)
        return key

    def _draw(self, key: str, draw: Callable[[], Any], check: Callable[[Any], Any] | None = None) -> Any:
        """Draw a control, then guard the deserializer its next value from the browser goes through
        (also when drawing was interrupted, e.g. by a newer rerun, after Streamlit registered it)."""
        try:
            return draw()
        finally:
            guard(key, check, self.refused)

    # ---- widgets -------------------------------------------------------------------------------

    def selectbox(self, label: str, name: str, options: Sequence[str], default: str | None = None,
                  container=st, **kw) -> str:
        default = options[0] if default is None else default
        key = self._control(label, name, default, lambda raw: parse_choice(raw, options), str)
        if st.session_state[key] not in options:  # options changed under a kept value
            st.session_state[key] = default
        return self._draw(key, lambda: container.selectbox(label, options, key=key, **kw), wire.text)

    def radio(self, label: str, name: str, options: Sequence[str], default: str | None = None,
              container=st, **kw) -> str:
        default = options[0] if default is None else default
        key = self._control(label, name, default, lambda raw: parse_choice(raw, options), str)
        return self._draw(key, lambda: container.radio(label, options, key=key, **kw), wire.text)

    def multiselect(self, label: str, name: str, options: Sequence[str], default: Sequence[str],
                    container=st, **kw) -> list[str]:
        # parse_choices drops a repeat, which would be a duplicate widget
        key = self._control(label, name, list(default), lambda raw: parse_choices(raw, options), ",".join)
        return self._draw(key, lambda: container.multiselect(label, options, key=key, **kw), wire.texts)

    def slider(self, label: str, name: str, low: float, high: float, default: float, step: float | None = None,
               container=st, **kw) -> float | int:
        integer = whole(low, high, default, step)
        key = self._control(label, name, default, lambda raw: parse_number(raw, low, high, integer), fmt_number)
        return self._draw(key, lambda: container.slider(label, low, high, step=step, key=key, **kw),
                          lambda raw: wire.slider(raw, low, high, integer))

    def number(self, label: str, name: str, low: float, high: float, default: float, step: float | None = None,
               container=st, clamp: bool = True, **kw) -> float | int:
        """A number box; a link value must lie in ``[low, high]``.  ``clamp=False`` leaves the box itself
        unbounded, so that whatever a person types reaches the compute package, which says what is wrong
        (a value no browser sends, not finite or beyond JavaScript's safe numbers, is refused here)."""
        integer = whole(low, high, default, step)
        key = self._control(label, name, default, lambda raw: parse_number(raw, low, high, integer), fmt_number)
        bounds = {"min_value": low, "max_value": high} if clamp else {}
        if step is None and integer:
            step = 1
        lo, hi = wire.box_bounds(low, high, integer, clamp)
        return self._draw(key, lambda: container.number_input(label, step=step, key=key, **bounds, **kw),
                          lambda raw: wire.number(raw, lo, hi, integer))

    def checkbox(self, label: str, name: str, default: bool = False, container=st, **kw) -> bool:
        key = self._control(label, name, default, parse_flag, lambda v: "1" if v else "0")
        return self._draw(key, lambda: container.checkbox(label, key=key, **kw), wire.boolean)

    def text(self, label: str, name: str, default: str = "", max_chars: int = 200, container=st, **kw) -> str:
        key = self._control(label, name, default, lambda raw: parse_text(raw, max_chars), str)
        return self._draw(key, lambda: container.text_input(label, key=key, max_chars=max_chars, **kw),
                          wire.text)

    def chart(self, container, figure, key: str, on_select, rows: int | None = None, **kw):
        """``container.plotly_chart(figure, key=key, on_select=on_select, **kw)``, its selection guarded by
        ``wire.selection`` (``rows``: the chart's points carry their row, below this, as ``customdata``).
        A refused selection selects nothing and is said in a warning above the chart."""
        check = lambda raw: wire.selection(raw, rows)  # noqa: E731
        screen_unregistered(key, check, self.refused)
        refusal = self.refused.pop(key, None)
        if refusal is not None:
            reason, _, value_type = refusal
            if value_type is not None:
                restore_value_type(key, value_type)
            container.warning(f"A click on this chart was refused ({reason}); nothing is selected.", icon="⚠️")
        kw.setdefault("config", CONFIG)
        return self._draw(key, lambda: container.plotly_chart(figure, key=key, on_select=on_select, **kw), check)

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
        """Write every control that differs from its default into the URL; drop the rest (but the frame's
        presenter mode)."""
        wanted = {name: b.fmt(st.session_state[b.key]) for name, b in self.bound.items()
                  if st.session_state.get(b.key, b.default) != b.default}
        for name in [k for k in st.query_params if k not in wanted and k != PRESENT]:
            del st.query_params[name]
        for name, value in wanted.items():
            if st.query_params.get(name) != value:
                st.query_params[name] = value
