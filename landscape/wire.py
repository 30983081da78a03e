"""Values as they arrive over Streamlit's websocket, checked before any widget takes them.

A browser sends a finite number inside a number box's bounds, a list of one number for a slider,
text for a text box, on/off for a checkbox and, for a chart with ``on_select``, the JSON text of
Plotly's selection event.  A websocket client can send anything: whatever no browser would send
raises InputError, with a message that never echoes what was sent.  ``landscape.ui.guard`` wraps
Streamlit's deserializers with these checks (``refusing``: a refused value becomes the widget's default).
"""
from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import Any

from landscape.lessons.link_reader import fmt_number
from landscape.markdown import literal
from landscape.types import InputError

MAX_SELECTION_CHARS = 4_000_000  # a selection's JSON text: shift-clicks on every point of a 10,000-point scatter fit
MAX_SELECTION_COORDINATE = 1e6  # no chart here spans more (grid.MAX_ABS_COORDINATE; the Outlier page's edits)
JS_MAX_SAFE_INTEGER = 2**53 - 1  # JavaScript's Number.MAX_SAFE_INTEGER: an unbounded whole-number box's limit
JS_MAX_VALUE = sys.float_info.max  # JavaScript's Number.MAX_VALUE: an unbounded number box's limit


def box_bounds(low: float, high: float, integer: bool, clamp: bool) -> tuple[float, float]:
    """The values a browser can send from a number box: its own bounds, or JavaScript's when unbounded."""
    if clamp:
        return low, high
    if integer:
        return -JS_MAX_SAFE_INTEGER, JS_MAX_SAFE_INTEGER
    return -JS_MAX_VALUE, JS_MAX_VALUE


def number(raw: Any, low: float, high: float, integer: bool = False) -> float | int:
    """A number box's or slider's value as it came over the websocket, within [low, high].

    A browser sends a finite number inside the box's bounds (a whole one for an integer box); anything
    else was made by hand and raises InputError, with a message that never echoes text it was sent."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise InputError(f"{kind(raw)} is not a number")
    if not math.isfinite(raw):
        raise InputError(f"{raw} is not a finite number")
    if not low <= raw <= high:
        raise InputError(f"{raw:g} is outside {low:g} to {high:g}")
    if integer:
        if raw != int(raw):
            raise InputError(f"{raw:g} is not a whole number")
        return int(raw)
    return float(raw)


def slider(raw: Any, low: float, high: float, integer: bool = False) -> float | int:
    """A single-value slider's value as it came over the websocket: a list of one number in [low, high]."""
    values = as_list(raw)
    if values is None or len(values) != 1:
        raise InputError(f"{kind(raw)} is not a list of one number")
    return number(values[0], low, high, integer)


def selection(raw: Any, rows: int | None = None) -> str:
    """A chart's selection as it came over the websocket: the JSON text of Plotly's selection event,
    ``{"selection": {"points": [{"x": .., "y": .., "customdata": .., ...}], "point_indices": [..], "box": [..],
    "lasso": [..]}}``, with finite coordinates within ``MAX_SELECTION_COORDINATE`` and, when ``rows`` is given,
    each point's ``customdata`` (the row it shows) a whole number below ``rows``.  Anything else raises
    InputError (the message never echoes what was sent)."""
    if not isinstance(raw, str):
        raise InputError(f"{kind(raw)} is not a selection")
    if len(raw) > MAX_SELECTION_CHARS:
        raise InputError(f"{len(raw):,} characters are more than any selection of these charts")
    try:
        parsed = json.loads(raw, parse_constant=_no_json_constant)
    except (ValueError, RecursionError):
        raise InputError("the selection is not JSON text") from None
    selection = parsed.get("selection") if isinstance(parsed, dict) else None
    if not isinstance(selection, dict):
        raise InputError("the JSON text holds no selection")
    points = selection.get("points", [])
    if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
        raise InputError("the selection's points are not a list of points")
    for key in ("point_indices", "box", "lasso"):
        if not isinstance(selection.get(key, []), list):
            raise InputError(f"the selection's {key} is not a list")
    for point in points:
        for axis in ("x", "y"):
            if axis in point:
                _coordinate(point[axis], axis)
        if rows is not None and point.get("customdata") is not None:
            _row(point["customdata"], rows)
    return raw


def _no_json_constant(name: str) -> None:
    raise ValueError(f"{name} is not a JSON number")


def _coordinate(value: Any, axis: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"a selected point's {axis} is {kind(value)}, not a number")
    if not abs(value) <= MAX_SELECTION_COORDINATE:  # also refuses inf and nan
        raise InputError(f"a selected point's {axis} is beyond ±{MAX_SELECTION_COORDINATE:g}")
    return float(value)


def _row(value: Any, rows: int) -> int:
    """A point's ``customdata``: its row, as a number or a list of one number."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (0 <= value < rows) \
            or value != int(value):
        raise InputError(f"a selected point is not one of the {rows:,} points of the chart")
    return int(value)


def kind(raw: Any) -> str:
    """What a value from the websocket is, in words (its content is never echoed: it may be anything)."""
    if isinstance(raw, bool):
        return "on/off"
    if isinstance(raw, (int, float)):
        return "a number"
    if isinstance(raw, str):
        return "text"
    if isinstance(raw, bytes):
        return "bytes"
    values = as_list(raw)
    if values is not None:
        return f"a list of {len(values)}"
    return f"a {type(raw).__name__}"


def text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise InputError(f"{kind(raw)} is not text")
    return raw


def texts(raw: Any) -> list[str]:
    values = as_list(raw)
    if values is None or not all(isinstance(v, str) for v in values):
        raise InputError(f"{kind(raw)} is not a list of texts")
    return values


def as_list(raw: Any) -> list | None:
    """``raw`` as a list if it is a sequence other than text (protobuf's repeated fields have no
    ``__iter__`` attribute, only the sequence protocol), else None."""
    if isinstance(raw, (str, bytes, dict)):
        return None
    try:
        return list(raw)
    except TypeError:
        return None


def boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise InputError(f"{kind(raw)} is not on or off")
    return raw


def reason(err: Exception) -> str:
    """What a refusal says: an InputError's own message, else a sentence that never echoes the value sent."""
    return str(err) if isinstance(err, InputError) else "not a value this control can hold"


def refused(label: str, reason: str, used: Any) -> str:
    """What the page says of a refused value: the control (its label as typed), why, and the value used."""
    shown = (("on" if used else "off") if isinstance(used, bool) else fmt_number(used)
             if isinstance(used, (int, float)) else "its default")
    return f"{literal(label)}: the value sent was refused ({reason}); using {shown}."


def refusing(original: Callable[[Any], Any], check: Callable[[Any], Any] | None, key: str,
              value_type: str | None, refused: dict) -> Callable[[Any], Any]:
    """``original`` refusing what ``check`` refuses and whatever ``original`` raises on.  A refused value
    becomes the widget's default as Streamlit defines it, ``original(None)`` (what Streamlit itself does
    with a NaN in a float box), and is noted in ``refused`` with the widget's own ``value_type``."""
    def deserialize(raw: Any) -> Any:
        if raw is None:  # no value from the browser
            return original(None)
        try:
            if check is not None:
                check(raw)
            return original(raw)
        except Exception as err:  # noqa: BLE001 - Streamlit's deserializers raise anything on a forged value
            value = original(None)
            refused[key] = (reason(err), value, value_type)
            return value

    deserialize.__wrapped__ = original  # type: ignore[attr-defined]
    return deserialize
