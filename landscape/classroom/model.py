"""What the class rules give back and refuse with: results, refusals, limits and the retention setting."""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import NamedTuple

from landscape.classroom import tokens
from landscape.classroom.store import ConfigError
from landscape.types import InputError

RETENTION_ENV = "LANDSCAPE_CLASS_RETENTION"
DAY = 24 * 3600.0
UNITS = {"s": 1, "m": 60, "h": 3600, "d": DAY}


class Refused(InputError):
    """An action by someone who may not take it: a teacher action without the teacher's secret, or a student
    acting in a class that is not theirs."""


class Ended(InputError):
    """The class is gone: ended by the teacher, or deleted after the retention time."""


class TooManyAttempts(InputError):
    """A rate limit was hit; ``wait`` says how many seconds until the next attempt counts."""

    def __init__(self, message: str, wait: int):
        super().__init__(message)
        self.wait = wait


class Unavailable(InputError):
    """The class database did not answer (locked too long, down, unreachable)."""


@dataclass(frozen=True)
class Limits:
    students: int = 1000  # joins per class
    classes: int = 200  # live classes on the server
    answer_chars: int = 500
    window: float = 60.0  # seconds over which wrong join codes are counted
    wrong_per_client: int = 10  # wrong codes per browser session (client key) per window
    wrong_per_network: int = 100  # per network address: a class behind one school NAT shares it
    wrong_overall: int = 300  # per server, all clients together: what bounds guessing
    starts_per_client: int = 20  # classes one client may start per start_window
    start_window: float = 3600.0
    retention: float = DAY  # a class, its students and answers are deleted this long after the start
    purge_every: float = 300.0  # seconds between purges in one process

    def guess_odds(self) -> float:
        """The chance that guessing, at the overall limit for a whole retention period, hits any live class."""
        guesses = self.wrong_overall * self.retention / self.window
        return guesses * self.classes / len(tokens.ALPHABET) ** tokens.CODE_LENGTH


def retention_from_env(default: float = DAY) -> float:
    """``LANDSCAPE_CLASS_RETENTION``: seconds, or a number with s, m, h or d (``12h``, ``2d``)."""
    text = os.environ.get(RETENTION_ENV, "").strip().lower()
    if not text:
        return default
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhd]?)", text)
    seconds = float(match.group(1)) * UNITS[match.group(2) or "s"] if match else 0.0
    if not 60 <= seconds <= 366 * DAY:
        raise ConfigError(f"{RETENTION_ENV}={text!r}: give a time between 1 minute and a year, "
                                "e.g. 86400, 12h or 7d")
    return seconds


class Started(NamedTuple):
    class_id: str
    join_code: str  # as stored, 8 characters; tokens.show_code adds the dash
    teacher_secret: str  # shown once: only its hash is kept


class Joined(NamedTuple):
    class_id: str
    student_id: str


@dataclass(frozen=True)
class ClassState:
    """What the teacher sees."""

    class_id: str
    code: str
    lesson: str
    steps: int
    step: int  # 0-based
    revealed: bool
    version: int
    students: int
    answered: int  # answers to the current step
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class StudentState:
    """What a student's periodic check reads: where the class is, and this student's answer there."""

    class_id: str
    lesson: str
    steps: int
    step: int
    revealed: bool
    version: int
    answer: str | None  # this student's answer to the current step


class Counts(NamedTuple):
    step: int
    students: int
    answered: int


@dataclass(frozen=True)
class Distribution:
    step: int
    answered: int
    items: tuple[tuple[str, int], ...]  # (answer, how many): every choice in order, or the commonest free answers
    other: int = 0  # free answers outside the listed ones


def duration(seconds: float) -> str:
    seconds = int(math.ceil(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{math.ceil(seconds / 60)} min"
    return f"{seconds / 3600:.0f} h"
