"""Widgets bound to the URL: every control of a page reads its first value from the query string and
writes its current value back, so a copied link reopens the same view.  A link is input like any other: a
value it refuses is replaced by the default and the page says so (``report``).

Why not Streamlit 1.67's own ``bind="query-params"`` (its docstring: "Invalid query parameter values are
ignored and removed from the URL"; "The key is used as the query parameter name"; checked in AppTest on
2026-11-26 and 11-27): ``lr=999`` on a 0-1 slider or ``lr=abc`` silently becomes the default and leaves the
URL, with nothing the page can read to say so; ``n=2.5`` in a whole-number box becomes 2 without a word;
``n=inf`` in one raises OverflowError inside ``st.number_input``.  And page-prefixed widget keys would
change every link's parameter names.

A widget value that no browser sends (a websocket client can send anything) is refused too.  In Streamlit
1.67 a value of the wrong kind raises inside the widget's deserializer (``NumberInputSerde``: ``int(inf)``;
``SliderSerde``: ``len`` of a scalar; ``SelectboxSerde``: a list as a dict key; ``PlotlyChartSelectionSerde``:
``json.loads`` of anything), called from ``SessionState.on_script_will_rerun`` before the script runs, so no
code of the page can catch it; the value stays in ``_new_widget_state`` and every later run of the session
fails again.  ``WStates.__getitem__`` also records the field a value came in as the widget's ``value_type``,
so a number sent to a select box breaks every later run in ``get_serialized``.  A value of the right kind
but out of range (``1e300``, ``2**63`` in a bounded box, ``nan``) silently becomes the default.

The guard: after a control is drawn (``_draw``), its deserializer in Streamlit's widget metadata, the one
the next run calls, is wrapped (``_guard``: ``wire.refusing``, with ``wire.number`` / ``wire.slider`` /
``wire.selection`` / the right type as the check).  A refused value gives the control its default as
Streamlit defines it; on that run, before the control is drawn (``_control``, ``take_refused``), its value
type is restored, the value used is sent back to the browser and a warning names the control.  A chart with
``on_select`` (``chart``) is guarded the same way: a refused selection selects nothing.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Callable, Iterator, Sequence

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_run_yield_check, get_script_run_ctx
from streamlit.runtime.state.common import unpack_widget_state_value
from streamlit.runtime.state.session_state import Serialized

from landscape import budget, wire
from landscape.figures.style import CONFIG
from landscape.lessons.link_reader import (  # one codec of a link's values: pages and lessons
    fmt_number, parse_choice, parse_choices, parse_flag, parse_number, parse_text, whole)
from landscape.types import InputError
from landscape.ui.present import PARAM as PRESENT  # the frame's, in every page's link

REFUSED = "_url_refused"  # in session state: {widget key: (reason, value used, value type)} refused since last run


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
        _resend_if_unreported(key)
        return key

    def _draw(self, key: str, draw: Callable[[], Any], check: Callable[[Any], Any] | None = None) -> Any:
        """Draw a control, then guard the deserializer its next value from the browser goes through
        (also when drawing was interrupted, e.g. by a newer rerun, after Streamlit registered it)."""
        try:
            return draw()
        finally:
            _guard(key, check, self.refused)

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
        _screen_unregistered(key, check, self.refused)
        refusal = self.refused.pop(key, None)
        if refusal is not None:
            reason, _, value_type = refusal
            if value_type is not None:
                _restore_value_type(key, value_type)
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


def take_refused(label: str, key: str) -> str | None:
    """Before a control is drawn: if the last value the browser sent for it was refused, the sentence that says
    so, after sending the value used instead back to the browser (a value set through session state is one
    the browser adopts)."""
    refusal = st.session_state.setdefault(REFUSED, {}).pop(key, None)
    if refusal is None:
        return None
    reason, used, value_type = refusal
    _restore_value_type(key, value_type)
    # Send the value used back to the browser, unless a newer value came since: a refusal can happen in
    # _compact_state (which deserializes what it clears), before the browser's values of this run.
    if st.session_state.get(key, used) == used:
        st.session_state[key] = used
    return wire.refused(label, reason, used)


def _resend_if_unreported(key: str) -> None:
    """Before a control is drawn: if the browser's rerun did not carry the control's value, send the value kept
    here back to it.  The browser has no value for a widget it has not drawn yet (its code still loading when
    Stop was pressed, on a busy machine), and Streamlit 1.67 sends a keyed widget's value only on the run that
    set it through session state: drawn on a later run, the widget would start at its declared default (0, "",
    the first option) and the next rerun would bring that back as the person's choice."""
    with _widget_state(key) as (state, wid):
        # wid None: never drawn in this session, and Streamlit sends a value set before a widget's first drawing
        reported = wid is None or wid in state._new_widget_state.states
    if not reported:
        st.session_state[key] = st.session_state[key]


def guarded(label: str, key: str, draw: Callable[[], Any], check: Callable[[Any], Any] | None = None) -> Any:
    """A control that is not in the link (an answer, a code, a form's text) drawn with UrlState's guard: a value
    no browser sends is refused with a warning instead of breaking the session (see the module docstring)."""
    if (problem := take_refused(label, key)) is not None:
        st.warning(problem, icon="⚠️")
    try:
        return draw()
    finally:
        _guard(key, check, st.session_state.setdefault(REFUSED, {}))


@contextmanager
def _widget_state(key: str) -> Iterator[tuple[Any, str | None]]:
    """Streamlit's session state and the id of the widget with session-state key ``key`` (None before it is
    drawn; both None in bare mode, with no browser), under SafeSessionState's own lock: its public methods would
    also run the rerun check."""
    ctx = get_script_run_ctx()
    if ctx is None:
        yield None, None
        return
    with ctx.session_state._lock:
        state = ctx.session_state._state
        yield state, state.get_widget_id_from_key(key)


def _edit_metadata(key: str, change: Callable[[Any], Any]) -> None:
    """Replace the Streamlit metadata of the widget with session-state key ``key`` by ``change(metadata)``
    (nothing in bare mode or before the widget is registered)."""
    with _widget_state(key) as (state, wid):
        meta = state.get_widget_metadata(wid) if wid is not None else None
        if meta is not None and (new := change(meta)) is not meta:
            state._set_widget_metadata(new)


def _guard(key: str, check: Callable[[Any], Any] | None, refused: dict) -> None:
    """Wrap the deserializer of the widget with session-state key ``key`` (see the module docstring)."""
    def wrap(meta):
        original = getattr(meta.deserializer, "__wrapped__", meta.deserializer)
        return replace(meta, deserializer=wire.refusing(original, check, key, meta.value_type, refused))

    _edit_metadata(key, wrap)


def _screen_unregistered(key: str, check: Callable[[Any], Any], refused: dict) -> None:
    """Before a widget's first registration in this session: a value sent for it before it was ever drawn
    (a client that knows its id, which is stable) goes through ``check`` now, and is dropped if refused.
    Streamlit deserializes such a value while it registers the widget, with its own deserializer, before
    ``_guard`` can wrap it."""
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    safe = ctx.session_state
    with safe._lock:
        state = safe._state
        if state.get_widget_id_from_key(key) is not None:  # registered: the guard has it
            return
        pending = state._new_widget_state
        for wid, wstate in list(pending.states.items()):
            if not (wid.endswith("-" + key) and isinstance(wstate, Serialized) and wid not in pending.widget_metadata):
                continue
            try:
                check(unpack_widget_state_value(wstate.value))
            except Exception as err:  # noqa: BLE001 - as wire.refusing
                del pending.states[wid]
                refused[key] = (wire.reason(err), None, None)


def _restore_value_type(key: str, value_type: str | None) -> None:
    """Undo what ``WStates.__getitem__`` does after deserializing any value, refused or not: it records
    the field the value came in as the widget's value type, and ``WStates.get_serialized`` (which
    ``register_widget`` calls for text widgets) then writes the value into that field and raises."""
    _edit_metadata(key, lambda meta: meta if meta.value_type == value_type else replace(meta, value_type=value_type))
