"""A reveal's template: which placeholders it may hold, and filling them with numbers.

A placeholder names a quote of the step's page (``landscape.lessons.quotes``) with a short number
format (``{mse_slope_shift:+.2f}``); no attribute or index access, no conversion, no width.
``{{`` and ``}}`` are literal braces.  ``fill`` formats numbers only, and never shows "-0.00".
"""
from __future__ import annotations

import math
import re
import string
from typing import Mapping

from landscape.lessons.quotes import Quote
from landscape.types import InputError

SPEC = re.compile(r"[+\- ]?[,_]?(?:\.(\d{1,2}))?[eEfFgGd%]?\Z")  # sign, grouping, precision, type: no width
MAX_PRECISION = 12
MISSING = "n/a"  # what a reveal shows for a number the view leaves undefined


def template_fields(text: str) -> list[tuple[str, str]]:
    """``(name, format spec)`` of every placeholder; InputError for anything but ``{name}`` / ``{name:spec}``
    with a short number format."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as err:
        raise InputError(f"{err} (write {{{{ and }}}} for a literal brace)") from None
    out = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        shown = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if not name.isidentifier():
            raise InputError(f"placeholder {shown}: write a quote's name only, e.g. {{mse_slope_shift}} "
                             "(no attribute, index or position)")
        if conversion:
            raise InputError(f"placeholder {shown}: no conversion (!r, !s, !a) is allowed")
        match = SPEC.match(spec or "")
        if not match or (match.group(1) and int(match.group(1)) > MAX_PRECISION):
            raise InputError(f"placeholder {shown}: the format must be a short number format such as .2f, +.3g, "
                             f".0% or , (at most {MAX_PRECISION} digits, no width or fill)")
        out.append((name, spec or ""))
    return out


def check_format(name: str, spec: str, quote: Quote) -> None:
    try:
        format(3 if quote.integer else 1.5, spec)
    except ValueError:
        kind = "a whole number" if quote.integer else "a number with decimals"
        raise InputError(f"placeholder {{{name}:{spec}}}: {spec!r} is not a format for {kind}") from None


def fill(template: str, numbers: Mapping[str, float | int]) -> str:
    """The template with each placeholder replaced by its number, formatted; a non-finite number (a value the
    view leaves undefined) is shown as "n/a".  Only numbers are formatted: no attribute, index or code."""
    fields = dict(template_fields(template))
    for name in fields:
        value = numbers.get(name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"placeholder {{{name}}}: no number for it")
    out = []
    for literal, name, spec, _ in string.Formatter().parse(template):
        out.append(literal)
        if name is not None:
            value = numbers[name]
            out.append(_number(value, spec or "") if math.isfinite(value) else MISSING)
    return "".join(out)


def _number(value: float | int, spec: str) -> str:
    """``format(value, spec)``, a float's negative zero shown as zero (``z``: -0.001 as .2f is "0.00")."""
    if not isinstance(value, float) or spec.endswith("d"):  # z is for floats only
        return format(value, spec)
    sign = spec[:1] if spec[:1] in "+- " else ""
    return format(value, sign + "z" + spec[len(sign):])
