"""Reading a link's text as ``landscape.ui.state.UrlState`` reads it: the parsers and the Reader.

``parse_number`` (within bounds; whole when the control's bounds, default and step are whole),
``parse_choice`` / ``parse_choices`` (among the options), ``parse_flag`` (1 / 0), ``parse_text``
(at most ``max_chars``) and ``parse_point`` (``w,b``, a point picked on a map); a ``Reader`` takes one page's controls in the page's order, keeping each
value (its default where the link gives none) and a ``(name, message)`` for each value refused.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from landscape.problems import Control
from landscape.types import InputError, Param


# ---- the parsers of a link, as UrlState has them ---------------------------------------------------

def parse_number(text: str, low: float, high: float, integer: bool = False) -> float | int:
    """A number from the URL, within [low, high] (``UrlState``'s ``parse_number``)."""
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


def parse_choice(text: str, options: Sequence[str]) -> str:
    if text not in options:
        raise InputError(f"{text!r} is not one of {', '.join(options)}")
    return text


def parse_choices(text: str, options: Sequence[str]) -> list[str]:
    values = list(dict.fromkeys(v for v in text.split(",") if v))
    bad = [v for v in values if v not in options]
    if bad:
        raise InputError(f"{', '.join(bad)} not among {', '.join(options)}")
    return values


def parse_flag(text: str) -> bool:
    if text.lower() not in ("1", "0", "true", "false"):
        raise InputError(f"{text!r} is not 1 or 0")
    return text.lower() in ("1", "true")


def parse_text(text: str, max_chars: int) -> str:
    if len(text) > max_chars:
        raise InputError(f"longer than {max_chars} characters")
    return text


POINT_LIMIT = 1e6  # |coordinate| of a point in a link (a map never spans more)


def parse_point(text: str, limit: float = POINT_LIMIT) -> str:
    """A point ``"w,b"`` (the Loss surface page's ``at``): two finite numbers within ±``limit``, as canonical
    text (6 significant digits each); "" is none."""
    if text == "":
        return ""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        values = [float(p) for p in parts]
    except ValueError:
        raise InputError(f"{text[:30]!r} is not two numbers separated by a comma") from None
    if not all(math.isfinite(v) and abs(v) <= limit for v in values):
        raise InputError(f"{text[:30]!r}: both numbers must be finite and within ±{limit:g}")
    return ",".join(f"{v:.6g}" for v in values)


def point_of(text: str) -> tuple[float, float] | None:
    """The point that a ``parse_point`` text names, or None for ""."""
    return tuple(float(v) for v in text.split(",")) if text else None  # type: ignore[return-value]


def fmt_number(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def whole(low: float, high: float, default: float, step: float | None = None) -> bool:
    """A control of whole numbers: its bounds, default and step (if any) are all ``int`` (``UrlState`` and
    ``Reader.number`` both decide so)."""
    values = (low, high, default) if step is None else (low, high, default, step)
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


# ---- the reader: one page's controls, walked in the page's order -----------------------------------

@dataclass
class Reader:
    """Reads link parameters as one run of a page does; ``strict`` adds a lesson's own refusals."""

    raw: Mapping[str, str]
    strict: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def _take(self, name: str, default: Any, parse: Callable[[str], Any]) -> Any:
        value = default
        text = self.raw.get(name)
        if text is not None:
            try:
                value = parse(text)
            except InputError as err:
                self.problems.append((name, str(err)))
        self.values[name] = value
        return value

    def choice(self, name: str, options: Sequence[str], default: str | None = None) -> str:
        options = list(options)
        return self._take(name, options[0] if default is None else default, lambda t: parse_choice(t, options))

    def choices(self, name: str, options: Sequence[str], default: Sequence[str]) -> list[str]:
        options = list(options)
        return self._take(name, list(default), lambda t: parse_choices(t, options))

    def number(self, name: str, low: float, high: float, default: float, step: float | None = None) -> float | int:
        """A slider or a number box: the link value must lie in [low, high]; whole numbers when the page's
        bounds, default and step are all ``int`` (as ``UrlState`` decides)."""
        integer = whole(low, high, default, step)
        return self._take(name, default, lambda t: parse_number(t, low, high, integer))

    def control(self, c: Control) -> float | int:
        """A problem's number as ``ui.pickers`` draws it (a slider or a number box, the same link rule)."""
        return self.number(c.name, c.low, c.high, c.default, c.step)

    def param(self, p: Param, prefix: str = "") -> float:
        """A registry parameter as ``param_sliders`` / ``param_inputs`` draw it: float bounds and default."""
        return float(self.number(prefix + p.name, float(p.low), float(p.high), float(p.default)))

    def flag(self, name: str, default: bool = False) -> bool:
        return self._take(name, default, parse_flag)

    def text(self, name: str, default: str = "", max_chars: int = 200) -> str:
        return self._take(name, default, lambda t: parse_text(t, max_chars))

    def refuse(self, name: str, reason: str) -> None:
        """In a lesson only: a value the page takes but a lesson step cannot carry."""
        if self.strict:
            self.problems.append((name, reason))

    def check(self, name: str, fn: Callable[[], Any]) -> Any:
        """In a lesson only: run a check of the page's compute now, so that a step cannot fail when played."""
        if not self.strict:
            return None
        try:
            return fn()
        except InputError as err:
            self.problems.append((name, str(err)))
            return None

