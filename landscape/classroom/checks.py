"""The class rules' checks and small queries: what a request may carry (ids, steps, an answer's text), the
rate limits over the attempts table, database failures turned into a message, and the counts every view needs.
Nothing here trusts an id, a step or a text it is given."""
from __future__ import annotations

import functools
import logging
import math
import re

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from landscape.classroom import tokens
from landscape.classroom.model import Ended, Refused, TooManyAttempts, Unavailable, duration
from landscape.classroom.store import answers, attempts, classes, students
from landscape.types import InputError

log = logging.getLogger("landscape.classroom.rules")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # newline and tab are allowed in an answer
NOT_STUDENT = "you are not a student of this class: join it with its code"
NOT_A_CLASS = "this link does not name a class: open the join link again, or type the code"


def guard(method):
    """Database failures become a message for the person waiting, not a traceback."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError) as err:
            log.warning("class database %s: %s", self.where, err)
            raise Unavailable("the class database is not answering right now; try again in a few seconds") from None

    return guarded


def class_id_of(class_id: object) -> str:
    """A class id as the link gives it, or Ended (a link that names no class)."""
    if not isinstance(class_id, str) or not tokens.CLASS_ID.match(class_id):
        raise Ended(NOT_A_CLASS)
    return class_id


def ids_of(class_id: object, student_id: object) -> tuple[str, str]:
    """A class id and a student id as the link gives them; Ended or Refused when they cannot be ids."""
    class_id = class_id_of(class_id)
    if not isinstance(student_id, str) or not tokens.STUDENT_ID.match(student_id):
        raise Refused(NOT_STUDENT)
    return class_id, student_id


def is_step(step: object) -> bool:
    return isinstance(step, int) and not isinstance(step, bool)


def step_of(row, step: int | None) -> int:
    """``step`` (0-based) of the class in ``row``, default its current one; InputError outside the lesson."""
    if step is None:
        return row.step
    if not is_step(step) or not 0 <= step < row.steps:
        raise InputError(f"the lesson has steps 1 to {row.steps}")
    return step


def answer_text(text: object, limit: int) -> str:
    """An answer's text, exactly as given, when it is one: not empty, at most ``limit`` characters, no control
    characters but newline and tab, valid Unicode."""
    if not isinstance(text, str):
        raise InputError("an answer is text")
    if not text.strip():
        raise InputError("the answer is empty")
    if len(text) > limit:
        raise InputError(f"the answer is {len(text):,} characters long; the limit is {limit:,}")
    bad = CONTROL.search(text)
    if bad:
        raise InputError(f"the answer holds the control character U+{ord(bad.group()):04X}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError("the answer holds a character that is not valid text (a lone surrogate)") from None
    return text


def check_rate(conn: Connection, now: float, kind: str, key: str | None, limit: int, window: float,
               message: str) -> None:
    """TooManyAttempts when ``limit`` attempts of ``kind`` (by ``key``, or by anyone) fall within ``window``."""
    query = sa.select(sa.func.count(), sa.func.min(attempts.c.at)).where(
        attempts.c.kind == kind, attempts.c.at > now - window)
    if key is not None:
        query = query.where(attempts.c.key == key)
    n, oldest = conn.execute(query).one()
    if n >= limit:
        wait = max(1, math.ceil(oldest + window - now - 1e-6))
        raise TooManyAttempts(message.format(n=n, wait=duration(wait), window=duration(window)), wait)


def count(conn: Connection, table: sa.Table, class_id: str) -> int:
    """Rows of ``table`` (students or answers) of one class."""
    return conn.execute(sa.select(sa.func.count()).select_from(table)
                        .where(table.c.class_id == class_id)).scalar_one()


def answered(conn: Connection, class_id: str, step: int) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(answers)
                        .where(answers.c.class_id == class_id, answers.c.step == step)).scalar_one()


def delete_classes(conn: Connection, ids: list[str]) -> None:
    """Delete these classes with their students and answers."""
    for start in range(0, len(ids), 500):  # bound the number of bound parameters
        chunk = ids[start:start + 500]
        conn.execute(sa.delete(answers).where(answers.c.class_id.in_(chunk)))
        conn.execute(sa.delete(students).where(students.c.class_id.in_(chunk)))
        conn.execute(sa.delete(classes).where(classes.c.id.in_(chunk)))
