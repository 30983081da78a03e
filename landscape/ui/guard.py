"""What arrives over the websocket for a control, checked before Streamlit uses it; and a value the browser
did not report, sent again (``resend_if_unreported``).

A control's value that no browser sends (a websocket client can send anything) is refused.  In Streamlit
1.67 a value of the wrong kind raises inside the widget's deserializer (``NumberInputSerde``: ``int(inf)``;
``SliderSerde``: ``len`` of a scalar; ``SelectboxSerde``: a list as a dict key; ``PlotlyChartSelectionSerde``:
``json.loads`` of anything), called from ``SessionState.on_script_will_rerun`` before the script runs, so no
code of the page can catch it; the value stays in ``_new_widget_state`` and every later run of the session
fails again.  ``WStates.__getitem__`` also records the field a value came in as the widget's ``value_type``,
so a number sent to a select box breaks every later run in ``get_serialized``.  A value of the right kind
but out of range (``1e300``, ``2**63`` in a bounded box, ``nan``) silently becomes the default.

The guard: after a control is drawn (``UrlState._draw``, ``guarded``), its deserializer in Streamlit's widget
metadata, the one the next run calls, is wrapped (``guard``: ``wire.refusing``, with ``wire.number`` /
``wire.slider`` / ``wire.selection`` / the right type as the check).  A refused value gives the control its
default as Streamlit defines it; on that run, before the control is drawn (``take_refused``), its value type is
restored, the value used is sent back to the browser and a warning names the control.  A chart with ``on_select``
(``UrlState.chart``) is guarded the same way: a refused selection selects nothing.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Callable, Iterator

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.runtime.state.common import unpack_widget_state_value
from streamlit.runtime.state.session_state import Serialized

from landscape import wire

REFUSED = "_url_refused"  # in session state: {widget key: (reason, value used, value type)} refused since last run


def take_refused(label: str, key: str) -> str | None:
    """Before a control is drawn: if the last value the browser sent for it was refused, the sentence that says
    so, after sending the value used instead back to the browser (a value set through session state is one
    the browser adopts)."""
    refusal = st.session_state.setdefault(REFUSED, {}).pop(key, None)
    if refusal is None:
        return None
    reason, used, value_type = refusal
    restore_value_type(key, value_type)
    # Send the value used back to the browser, unless a newer value came since: a refusal can happen in
    # _compact_state (which deserializes what it clears), before the browser's values of this run.
    if st.session_state.get(key, used) == used:
        st.session_state[key] = used
    return wire.refused(label, reason, used)


def resend_if_unreported(key: str) -> None:
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
        guard(key, check, st.session_state.setdefault(REFUSED, {}))


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


def guard(key: str, check: Callable[[Any], Any] | None, refused: dict) -> None:
    """Wrap the deserializer of the widget with session-state key ``key`` (see the module docstring)."""
    def wrap(meta):
        original = getattr(meta.deserializer, "__wrapped__", meta.deserializer)
        return replace(meta, deserializer=wire.refusing(original, check, key, meta.value_type, refused))

    _edit_metadata(key, wrap)


def screen_unregistered(key: str, check: Callable[[Any], Any], refused: dict) -> None:
    """Before a widget's first registration in this session: a value sent for it before it was ever drawn
    (a client that knows its id, which is stable) goes through ``check`` now, and is dropped if refused.
    Streamlit deserializes such a value while it registers the widget, with its own deserializer, before
    ``guard`` can wrap it."""
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


def restore_value_type(key: str, value_type: str | None) -> None:
    """Undo what ``WStates.__getitem__`` does after deserializing any value, refused or not: it records
    the field the value came in as the widget's value type, and ``WStates.get_serialized`` (which
    ``register_widget`` calls for text widgets) then writes the value into that field and raises."""
    _edit_metadata(key, lambda meta: meta if meta.value_type == value_type else replace(meta, value_type=value_type))
