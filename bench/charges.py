"""The cost model, read where the library charges it (for ``bench/worst_case.py``): what a library call would
charge first under ``budget.SERVER``, without running its work, and the largest value of a control whose
every charge is within that budget."""
from __future__ import annotations

from collections.abc import Callable, Iterable

from landscape import budget
from landscape.types import InputError

SERVER = budget.SERVER


class _Estimated(BaseException):  # not an Exception: no ``except Exception`` of the library swallows it
    def __init__(self, cost: budget.Cost):
        self.cost = cost


def estimate(fn: Callable, *args, **kwargs) -> budget.Cost | None:
    """What ``fn(*args, **kwargs)`` would charge first (its estimate), without running the work: None if it
    is refused before it charges (an input limit) or charges nothing."""
    original = budget.charge

    def charge(cost, what, reduce):
        raise _Estimated(cost)

    budget.charge = charge
    try:
        with budget.limits(SERVER):
            fn(*args, **kwargs)
    except _Estimated as e:
        return e.cost
    except InputError:
        return None
    finally:
        budget.charge = original
    return None


def allowed(cost: budget.Cost | None) -> bool:
    return cost is not None and cost.seconds <= SERVER.seconds and cost.bytes <= SERVER.bytes


def total(costs: Iterable[budget.Cost | None]) -> budget.Cost | None:
    """The charges of one request added up (``budget.Cost``'s sum: seconds added, memory reused); None if one
    was refused before it charged (None)."""
    costs = list(costs)
    return None if None in costs else sum(costs, budget.Cost(0.0))


def together(costs: Iterable[budget.Cost | None]) -> bool:
    """Whether the charges of one request (one app run) fit ``SERVER`` together."""
    return allowed(total(costs))


def largest(low: int, high: int, ok: Callable[[int], bool]) -> int | None:
    """The largest value in [low, high] for which ``ok`` holds (``ok`` monotone: true, then false)."""
    if not ok(low):
        return None
    while low < high:
        mid = (low + high + 1) // 2
        low, high = (mid, high) if ok(mid) else (low, mid - 1)
    return low
