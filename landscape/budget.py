"""What one request may cost: estimated before it runs, refused when over budget, stopped when unwanted.

Every compute path that a person can reach estimates its cost from its sizes alone (grid points,
data points, the loss's operations, steps, multiply-adds) as ``Cost(seconds, bytes)``: seconds of
one core and peak extra memory, from the rates below, measured on this project's 2-core machine
(``bench/worst_case.py`` prints the worst allowed request of every page; ``tests/test_budget.py``
checks that the estimates bound what runs).  ``charge`` refuses an estimate over the budget in
force with a message that says what to reduce.

The budget in force is a context variable: a notebook gets ``NOTEBOOK`` for each call, the app enters
every script run as one request under ``SERVER`` (``enter``; ``limits`` for a block): the charges of
one request add up, so a page that computes several things cannot take several budgets.
``checkpoint()`` runs between chunks of long work; the app's checkpoint raises Streamlit's own stop
or rerun exception when the session has closed or asked for a new run, so work that nobody waits
for ends at its next chunk.
"""
from __future__ import annotations

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

from landscape.types import InputError


@dataclass(frozen=True)
class Budget:
    """The most one request may take: single-core seconds, peak extra bytes, data points."""

    seconds: float
    bytes: int
    points: int


NOTEBOOK = Budget(seconds=15.0, bytes=2 << 30, points=100_000)  # a notebook call: as the limits it had before
SERVER = Budget(seconds=4.0, bytes=256 << 20, points=10_000)  # the app: a few seconds, a few hundred MB

# Rates of this machine's cores (one thread), float64 unless said otherwise.
ELEMENTS_PER_SECOND = 4e9  # cheap elementwise operations (add, mul, abs, compare) on float64 tensors
# Training a network (nn.train), fitted to 13 trainings from 1 unit x 1,000 steps of batch 1 to 4 x 128 units
# full batch (CPU time, best of 2): estimates 1.1-1.8x the time taken.  A step's work is mostly the activation
# (tanh and its backward) on batch x units elements, then the per-step cost of autograd and torch.optim.
TRAIN_STEP_SECONDS = 6e-4  # fixed cost of one training step: autograd, torch.optim, Python
TRAIN_MACS_PER_SECOND = 1e10  # multiply-adds of its dense layers in float64; backward = 2 forwards
ACTIVATIONS_PER_SECOND = 1.5e8  # activations (forward and backward) of hidden units, per element
# Hessian-vector products of a trained network (curvature): autograd twice over the training set.
HVP_SECONDS = 1.5e-3  # fixed cost of one product
MACS_PER_SECOND = 3e9  # multiply-adds of small dense layers in float64 through double backward
SLICE_MACS_PER_SECOND = 1e10  # the same in float32, batched over the points of a slice (slices.plane)
PATH_STEP_SECONDS = 3.5e-4  # fixed cost of one step of a two-parameter optimiser (landscape.optim)


@dataclass(frozen=True)
class Cost:
    """Estimated single-core seconds and peak extra bytes of a piece of work."""

    seconds: float
    bytes: float = 0.0

    def __add__(self, other: "Cost") -> "Cost":  # work done one after the other: memory is reused
        return Cost(self.seconds + other.seconds, max(self.bytes, other.bytes))

    def __mul__(self, times: float) -> "Cost":  # the same work repeated
        return Cost(self.seconds * times, self.bytes)


def elementwise(elements: float, ops: float, live: float = 1.0, chunk: float | None = None) -> Cost:
    """``elements`` values through ``ops`` cheap-operation equivalents each; ``live`` tensors of
    ``chunk`` elements (default: all of them) alive at once."""
    return Cost(elements * ops / ELEMENTS_PER_SECOND, 8.0 * live * (elements if chunk is None else chunk))


@dataclass
class _Request:
    """The budget in force, its checkpoint, and the seconds this request's charges have estimated so far."""

    budget: Budget
    checkpoint: Callable[[], None] | None = None
    spent: float = 0.0
    whole: bool = True  # False for a notebook's calls: each charge stands alone


_request: contextvars.ContextVar[_Request] = contextvars.ContextVar("landscape_request",
                                                                    default=_Request(NOTEBOOK, whole=False))


def current() -> Budget:
    """The budget in force in this thread."""
    return _request.get().budget


@contextmanager
def limits(budget: Budget, checkpoint: Callable[[], None] | None = None) -> Iterator[Budget]:
    """Run the block as one request under ``budget``; ``checkpoint`` is called between chunks of long work."""
    token = _request.set(_Request(budget, checkpoint))
    try:
        yield budget
    finally:
        _request.reset(token)


@dataclass(frozen=True)
class Spent:
    """A request's state as plain values, to carry it to another process: its budget, the seconds its charges
    have estimated so far, and whether its charges add up (a notebook's calls stand alone)."""

    budget: Budget
    seconds: float
    whole: bool


def spent() -> Spent:
    """The request in force, as plain values."""
    request = _request.get()
    return Spent(request.budget, request.spent if request.whole else 0.0, request.whole)


@contextmanager
def resumed(state: Spent, checkpoint: Callable[[], None] | None = None) -> Iterator[Callable[[], float]]:
    """Run the block as the request ``state`` describes (same budget, seconds spent and rule), as a worker does
    for the request that sent it; yields a function giving the seconds charged inside the block so far."""
    token = _request.set(_Request(state.budget, checkpoint, state.seconds, state.whole))
    request = _request.get()
    try:
        yield lambda: request.spent - state.seconds
    finally:
        _request.reset(token)


def add(seconds: float) -> None:
    """Count ``seconds`` charged on this request's behalf elsewhere (by a worker)."""
    request = _request.get()
    if request.whole:
        request.spent += seconds


def enter(budget: Budget, checkpoint: Callable[[], None] | None = None) -> None:
    """Start one request under ``budget`` for the rest of this thread's current context (one app script run)."""
    _request.set(_Request(budget, checkpoint))


def checkpoint() -> None:
    """Between chunks: end the work here if nobody waits for it any more (raises the app's exception)."""
    check = _request.get().checkpoint
    if check is not None:
        check()


def charge(cost: Cost, what: str, reduce: str) -> Cost:
    """Refuse ``cost`` if it, with what this request has estimated so far, is over the budget in force,
    saying what to reduce; else count it and return it.  Work served from a cache is never charged."""
    request = _request.get()
    budget, before = request.budget, (request.spent if request.whole else 0.0)
    if before + cost.seconds > budget.seconds:
        used = f", and this request has already used {_seconds(before)}" if before else ""
        raise InputError(f"{what} is too large: about {_seconds(cost.seconds)} of computing{used}, over the limit "
                         f"of {_seconds(budget.seconds)} per request; {reduce}")
    if cost.bytes > budget.bytes:
        raise InputError(f"{what} is too large: about {cost.bytes / 2**20:,.0f} MB of memory, over the limit of "
                         f"{budget.bytes / 2**20:,.0f} MB per request; {reduce}")
    if request.whole:
        request.spent = before + cost.seconds
    return cost


def check_points(n: int, what: str = "the data") -> int:
    """``n`` data points, within the budget's limit."""
    limit = current().points
    if n > limit:
        raise InputError(f"{what} has {n:,} points; the limit here is {limit:,}")
    return n


def _seconds(s: float) -> str:
    return f"{s:.1f} s" if s < 60 else f"{s / 60:.0f} min" if s < 3600 else f"{s / 3600:.0f} h"
