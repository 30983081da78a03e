"""A widget as a browser tab holds it, for ``bench/protocol.py``'s client of Streamlit's websocket protocol
(Streamlit 1.67): which drawn elements are widgets, the value the front end gives each, and the
``WidgetState`` it sends back for a value.

- A re-rendered widget does not carry its value.  The client keeps every widget's value as the front
  end does (the default when first seen, the server's value when it sends ``set_value``, the client's
  own changes) and sends back only the widgets it has changed, which the server merges with the
  values it holds.
- A chart with ``on_select`` is a widget too (its state is the selection as JSON text); it has no
  label, so find it by the ``key`` the page gave it (``Session.widget_by_key``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState

WIDGET_TYPES = frozenset({"button", "checkbox", "color_picker", "date_input", "download_button", "file_uploader",
                          "multiselect", "number_input", "plotly_chart", "radio", "selectbox", "slider", "text_area",
                          "text_input", "time_input"})  # elements with an ``id`` whose state the client sends


@dataclass(frozen=True)
class Widget:
    """A widget as the last run drew it, with the value the client holds for it."""

    id: str
    type: str  # the Element field: "number_input", "slider", "selectbox", "plotly_chart", ...
    label: str  # "" for a chart
    value: Any
    form_id: str
    proto: Any  # the widget's own message (NumberInput, Slider, ...)


def find(widgets: Iterable[Widget], label: str, type: str | None = None) -> Widget:
    """The one widget of ``widgets`` with this label (and type); KeyError if none or several."""
    widgets = list(widgets)
    found = [w for w in widgets if w.label == label and (type is None or w.type == type)]
    if len(found) != 1:
        raise KeyError(f"{len(found)} widgets labelled {label!r}; have {[w.label for w in widgets]}")
    return found[0]


def drawn_value(kind: str, proto: Any, use_value: bool) -> Any:
    """A widget's value from its message: the server's ``value`` when it sets one, else the default."""
    if kind == "number_input":
        v = proto.value if use_value else (proto.default if proto.HasField("default") else None)
        return int(v) if v is not None and proto.data_type == NumberInput.INT else v
    if kind == "slider":
        v = list(proto.value if use_value else proto.default)
        if proto.data_type == Slider.INT:
            v = [int(x) for x in v]
        return v[0] if len(v) == 1 else tuple(v)
    if kind in ("selectbox", "radio"):
        if use_value and proto.HasField("raw_value"):
            return proto.raw_value
        return proto.options[proto.default] if proto.HasField("default") else None
    if kind == "multiselect":
        if use_value:
            return list(proto.raw_values)
        return [proto.options[i] for i in proto.default]
    if kind in ("checkbox", "text_input", "text_area"):
        return proto.value if use_value else proto.default
    return None


def state_for(w: Widget, value: Any) -> WidgetState:
    """The WidgetState the front end sends for ``value`` in widget ``w``."""
    state = WidgetState(id=w.id)
    if w.type == "number_input":
        if w.proto.data_type == NumberInput.INT:
            state.int_value = int(value)
        else:
            state.double_value = float(value)
    elif w.type == "slider":
        values = list(value) if isinstance(value, (list, tuple)) else [value]
        state.double_array_value.data.extend(float(v) for v in values)
    elif w.type == "checkbox":
        state.bool_value = bool(value)
    elif w.type in ("selectbox", "radio", "text_input", "text_area", "color_picker"):
        state.string_value = str(value)
    elif w.type == "multiselect":
        state.string_array_value.data.extend(str(v) for v in value)
    else:
        raise NotImplementedError(f"setting a {w.type} is not supported; use set_raw")
    return state


def raw_state(widget_id: str, **field_value: Any) -> WidgetState:
    """A widget state built by hand from one field, e.g. ``raw_state(id, double_array_value=[11.0])``."""
    (name, value), = field_value.items()
    state = WidgetState(id=widget_id)
    if name.endswith("_array_value"):
        getattr(state, name).data.extend(value)
    else:
        setattr(state, name, value)
    return state
