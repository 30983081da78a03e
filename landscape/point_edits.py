"""A person's edits of the Outliers page's points, as one compact, validated link value (``Edits``), and
the edits that a click on the scatter (``after_click``) or a change in the table (``after_table``) makes.

    edits = Edits.parse("2.5:40,7=:31.2:1,-12")   # add (2.5, 40); point 7 gets y = 31.2 and is an outlier;
    str(edits)                                      # remove point 12.  str() is the canonical link value
    x, y, outlier, origin, ignored = edits.apply(x, y, outlier)
    edits, picked = after_click(edits, origin, "add", {"x": 1.5, "y": 9.0}, None)   # a click on the scatter
    edits = after_table(edits, origin, {"deleted_rows": [0]})                        # a change in the table

A point is named by its ``origin``: the generated point's index, or ``-(k + 1)`` for the k-th added one.
Every part of the value is checked (numbers finite within ±1e6, point numbers under the point limit in
force, at most MAX_EDITS items); a bad one raises InputError naming the edit.  No streamlit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Mapping

import numpy as np

from landscape import budget
from landscape.types import InputError

MAX_EDITS = 1_000  # items of an edits value
MAX_EDITS_TEXT = 40_000  # characters of an edits value in a link
DIGITS = 4  # significant digits kept of a clicked position


def _num(v: float) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


def _parse_num(text: str, what: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{what}: {text!r} is not a number") from None
    if not (math.isfinite(v) and abs(v) <= 1e6):
        raise InputError(f"{what}: {text} is not a finite number within ±1e6")
    return v


def _parse_index(text: str, what: str) -> int:
    """A generated point's number: below the point limit in force (``budget.current().points``)."""
    limit = budget.current().points
    if not text.isdigit() or len(text) > len(str(limit)) or int(text) >= limit:
        raise InputError(f"{what}: {text!r} is not a point number from 0 to {limit - 1:,}")
    return int(text)


def _parse_flag(text: str, what: str) -> bool:
    if text not in ("0", "1"):
        raise InputError(f"{what}: the outlier flag must be 1 or 0, got {text!r}")
    return text == "1"


def _sorted(changed: Mapping[int, tuple]) -> tuple:
    return tuple((i, *changed[i]) for i in sorted(changed))


@dataclass(frozen=True)
class Edits:
    """Points added (x, y, outlier), changes to the generated points (index -> x, y, outlier; None
    keeps the generated value) and generated points removed.  ``str(edits)`` is the link's form."""

    added: tuple[tuple[float, float, bool], ...] = ()
    changed: tuple[tuple[int, float | None, float | None, bool | None], ...] = ()  # sorted by index
    removed: tuple[int, ...] = ()  # sorted

    @classmethod
    def parse(cls, text: str) -> "Edits":
        """Items separated by commas: ``x:y[:flag]`` adds a point (an outlier unless flag is 0),
        ``i=[x]:[y]:[flag]`` changes generated point i (empty fields stay), ``-i`` removes it."""
        if len(text) > MAX_EDITS_TEXT:
            raise InputError(f"{len(text):,} characters; the limit is {MAX_EDITS_TEXT:,}")
        items = [item for item in text.split(",") if item]
        if len(items) > MAX_EDITS:
            raise InputError(f"{len(items):,} edits; the limit is {MAX_EDITS:,}")
        added, changed, removed = [], {}, set()
        for n, item in enumerate(items, 1):
            what = f"edit {n} ({item[:30]!r})"
            if "=" in item:
                index, _, rest = item.partition("=")
                fields = rest.split(":")
                if len(fields) != 3:
                    raise InputError(f"{what}: a change is i=x:y:flag (empty fields stay as generated)")
                x, y, flag = fields
                changed[_parse_index(index, what)] = (_parse_num(x, what) if x else None,
                                                      _parse_num(y, what) if y else None,
                                                      _parse_flag(flag, what) if flag else None)
            elif ":" in item:
                fields = item.split(":")
                if len(fields) not in (2, 3):
                    raise InputError(f"{what}: an added point is x:y or x:y:flag")
                added.append((_parse_num(fields[0], what), _parse_num(fields[1], what),
                              _parse_flag(fields[2], what) if len(fields) == 3 else True))
            elif item.startswith("-"):
                removed.add(_parse_index(item[1:], what))
            else:
                raise InputError(f"{what}: expected x:y (add), i=x:y:flag (change) or -i (remove)")
        return cls(tuple(added), _sorted(changed), tuple(sorted(removed)))

    def __str__(self) -> str:
        def opt(v, fmt):
            return "" if v is None else fmt(v)

        items = [f"{_num(x)}:{_num(y)}" + ("" if flag else ":0") for x, y, flag in self.added]
        items += [f"{i}={opt(x, _num)}:{opt(y, _num)}:{opt(flag, lambda f: '1' if f else '0')}"
                  for i, x, y, flag in self.changed]
        items += [f"-{i}" for i in self.removed]
        return ",".join(items)

    @property
    def count(self) -> int:
        """How many edits: points added, generated points changed and removed."""
        return len(self.added) + len(self.changed) + len(self.removed)

    def apply(self, x: np.ndarray, y: np.ndarray, outlier: np.ndarray) -> tuple[np.ndarray, ...]:
        """``(x, y, outlier, origin, ignored)`` after the edits.  ``origin`` is the generated point's
        index, or ``-(k + 1)`` for the k-th added point; ``ignored`` counts edits of points that do not exist."""
        x, y, outlier = x.copy(), y.copy(), outlier.copy()
        n = len(x)
        for i, cx, cy, flag in self.changed:
            if i < n:
                x[i] = x[i] if cx is None else cx
                y[i] = y[i] if cy is None else cy
                outlier[i] = outlier[i] if flag is None else flag
        keep = np.ones(n, dtype=bool)
        keep[[i for i in self.removed if i < n]] = False
        added = np.array(self.added, dtype=np.float64).reshape(-1, 3)
        ignored = sum(i >= n for i, *_ in self.changed) + sum(i >= n for i in self.removed)
        return (np.concatenate([x[keep], added[:, 0]]), np.concatenate([y[keep], added[:, 1]]),
                np.concatenate([outlier[keep], added[:, 2] > 0]),
                np.concatenate([np.flatnonzero(keep), -1 - np.arange(len(added))]), int(ignored))

    # ---- operations on one point, by its origin ---------------------------------------------------

    def add(self, x: float, y: float, outlier: bool = True) -> "Edits":
        return replace(self, added=self.added + ((float(x), float(y), bool(outlier)),))

    def edit(self, origin: int, x: float | None = None, y: float | None = None,
             outlier: bool | None = None) -> "Edits":
        """Set any of x, y, outlier of one point (None: leave it)."""
        if origin < 0:
            k = -1 - origin
            old = self.added[k]
            new = tuple(o if v is None else type(o)(v) for o, v in zip(old, (x, y, outlier)))
            return replace(self, added=self.added[:k] + (new,) + self.added[k + 1:])
        changed = {i: rest for i, *rest in self.changed}
        old = changed.get(origin, (None, None, None))
        changed[origin] = tuple(o if v is None else v for o, v in zip(old, (x, y, outlier)))
        return replace(self, changed=_sorted(changed))

    def remove(self, origins) -> "Edits":
        """Remove points by origin (several at once: indices of added points shift after a removal)."""
        origins = set(origins)
        added = tuple(p for k, p in enumerate(self.added) if -1 - k not in origins)
        changed = {i: rest for i, *rest in self.changed if i not in origins}
        removed = tuple(sorted(set(self.removed) | {o for o in origins if o >= 0}))
        return Edits(added, _sorted(changed), removed)


# ---- the edits a click on the scatter or a change in the table makes -----------------------------------

def _round(v: float) -> float:
    return float(f"{float(v):.{DIGITS}g}")


def after_click(current: Edits, origin: tuple[int, ...], mode: str, point: Mapping, pick: int | None):
    """``(edits, picked)`` after a click on the scatter at ``point`` (Plotly's selected point).

    Data points carry their row as ``customdata``; the invisible click grid carries none.  add: a
    point (an outlier) where the click was; remove: the clicked point; move: a click on a point
    picks it, the next click elsewhere puts it there (as an outlier).
    """
    row = point.get("customdata")
    row = int(row[0] if isinstance(row, (list, tuple)) else row) if row is not None else None
    x, y = _round(point["x"]), _round(point["y"])
    if mode == "add":
        return current.add(x, y), None
    if mode == "remove" and row is not None:
        return current.remove([origin[row]]), None
    if mode == "move" and row is not None:
        return current, origin[row]
    if mode == "move" and pick is not None:
        return current.edit(pick, x, y, True), None
    return current, pick


def after_table(current: Edits, origin: tuple[int, ...], delta: Mapping) -> Edits:
    """The edits after a change in the table (Streamlit's edited, added and deleted rows).
    Rows added without both x and y wait until they have them.  Checked like a link."""
    for row, values in delta.get("edited_rows", {}).items():
        current = current.edit(origin[int(row)], **{k: values.get(k) for k in ("x", "y", "outlier")})
    for values in delta.get("added_rows", []):
        if values.get("x") is not None and values.get("y") is not None:
            current = current.add(values["x"], values["y"], values.get("outlier") is not False)
    current = current.remove([origin[int(row)] for row in delta.get("deleted_rows", [])])
    return Edits.parse(str(current))
