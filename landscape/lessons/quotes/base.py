"""What a quote is: a named number of a page, and a Group of quotes read off one compute result."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable

from landscape.lessons.compute import Memo

NAN = float("nan")


@dataclass(frozen=True)
class Quote:
    name: str
    text: str  # what it is, for a person writing a reveal
    integer: bool = False


@dataclass(frozen=True)
class Group:
    """Quotes read off one compute result of one page."""

    page: str
    part: str  # compute.PARTS name
    quotes: tuple[Quote, ...]
    values: Callable[[Any, dict, Memo], dict[str, float | int]]  # (result, inputs, memo) -> every quote
    shown: Callable[[dict], Iterable[str] | bool] = lambda inputs: True  # the names this view shows (True: all)

    def available(self, inputs: dict) -> set[str]:
        shown = self.shown(inputs)
        every = {q.name for q in self.quotes}
        return every if shown is True else every & set(shown or ())


def num(v: object) -> float:
    """A number, or nan for a value the view leaves undefined (None)."""
    return NAN if v is None else float(v)
