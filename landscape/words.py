"""What every page's words share: a list said as a sentence says it."""
from __future__ import annotations


def and_list(items: list[str]) -> str:
    """``["a", "b", "c"]`` -> ``"a, b and c"``; one item is itself."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
