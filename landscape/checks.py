"""Input checks shared by the compute modules: whole numbers, numbers, ranges and registry look-ups.

Each returns the checked value or raises ``InputError`` with a message a person can act on; the
pages show it as it is.
"""
from __future__ import annotations

import math
from typing import Mapping, TypeVar

from landscape.types import InputError

T = TypeVar("T")
MAX_ABS_COORDINATE = 1e6  # largest view bound anywhere


def check_int(value: object, name: str, lo: int, hi: int) -> int:
    try:
        v = int(value)  # type: ignore[arg-type]  (int("7") is fine, int("7.5") raises)
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must be a whole number, got {value!r}") from None
    if isinstance(value, bool) or isinstance(value, float) and v != value:
        raise InputError(f"{name} must be a whole number, got {value!r}")
    if not lo <= v <= hi:
        raise InputError(f"{name} must be a whole number from {lo:,} to {hi:,}, got {value!r}")
    return v


def check_float(value: object, name: str, lo: float, hi: float) -> float:
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise InputError(f"{name} must be a number, got {value!r}") from None
    if not (math.isfinite(v) and lo <= v <= hi):
        raise InputError(f"{name} must be between {lo:g} and {hi:g}, got {value!r}")
    return v


def check_range(bounds: tuple[object, object], name: str = "range") -> tuple[float, float]:
    """``(lo, hi)``: finite numbers within ±MAX_ABS_COORDINATE, lo below hi."""
    try:
        lo, hi = (float(v) for v in bounds)  # type: ignore[arg-type, union-attr]
    except (TypeError, ValueError):
        raise InputError(f"{name}: the bounds must be numbers, got {bounds!r}") from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise InputError(f"{name}: the bounds must be finite numbers")
    if max(abs(lo), abs(hi)) > MAX_ABS_COORDINATE:
        raise InputError(f"{name}: keep the bounds within ±{MAX_ABS_COORDINATE:g}")
    if lo >= hi:
        raise InputError(f"{name}: the minimum ({lo:g}) must be below the maximum ({hi:g})")
    return lo, hi


def lookup(registry: Mapping[str, T], name: object, what: str) -> T:
    """``registry[name]``, or a message naming what is unknown and every choice."""
    try:
        return registry[name]  # type: ignore[index]
    except (KeyError, TypeError):
        raise InputError(f"unknown {what} {name!r}; choose one of {', '.join(registry)}") from None


def check_choice(name: object, what: str, registry: Mapping[str, object]) -> str:
    """``name`` if it is a key of ``registry``."""
    lookup(registry, name, what)
    return str(name)
