"""A live class: the teacher steers a lesson, students join with a code and answer on their own screens.

The class state lives in a database, not in a process, so every app process of ``make serve`` (and every
machine, with PostgreSQL) sees the same class::

    from landscape import classroom
    room = classroom.default()                     # the database named by LANDSCAPE_DB (a SQLite file by default)
    class_id, code, secret = room.start_class("outliers", client_key=session_id)
    room.start_class("outliers", owner=classroom.owner_from_claims(st.user))   # a signed-in teacher owns it
    classroom.show_code(code)                      # "7KQ2-M9XD", for the projector
    class_id, student = room.join("7kq2 m9xd", client_key=session_id, network_key=address)
    room.student_state(class_id, student)          # StudentState: step, revealed, version, own answer (one query)
    room.class_version(class_id)                   # the periodic check: +1 at every teacher change (shared reads)
    room.answer(class_id, student, step=0, text="MSE")        # a second answer replaces the first
    room.counts(class_id, secret)                  # Counts(step, students, answered): the teacher's only
    room.distribution(class_id, secret)            # the choices with their counts, or the commonest free answers
    room.reveal(class_id, secret); room.advance(class_id, secret); room.back(...); room.go(..., step)
    room.reset(class_id, secret); room.end_class(class_id, secret)
    room.advance(class_id, owner)                  # every teacher action: the secret, or the class's Owner
    room.answers_csv(class_id, secret)             # CSV text, formula-safe
    room.lesson(class_id)                          # the Lesson the class plays (stored with the class)

The module-level functions of the same names call ``default()``.  Refusals are InputError subclasses with a
message to show as is: ``Refused`` (not the teacher, not a student of this class), ``Ended`` (the class is
gone), ``TooManyAttempts`` (``.wait`` seconds), ``Unavailable`` (the database did not answer).

Settings (environment): ``LANDSCAPE_DB`` (``sqlite:///path``, a path, or ``postgresql://...``) and
``LANDSCAPE_CLASS_RETENTION`` (seconds or ``12h``/``2d``; default a day).  No streamlit here.
"""
from __future__ import annotations

import threading

from landscape.classroom.model import (ClassState, Counts, Distribution, Ended, Joined, Limits, Refused, Started,
                                       StudentState, TooManyAttempts, Unavailable)
from landscape.classroom.owners import Owner, owner_from_claims
from landscape.classroom.rules import Classroom
from landscape.classroom.store import SCHEMA_VERSION, ConfigError, SchemaError
from landscape.classroom.tokens import normalise_code, show_code

__all__ = ["Classroom", "Owner", "owner_from_claims", "Limits", "Started", "Joined", "ClassState", "StudentState", "Counts", "Distribution",
           "Refused", "Ended", "TooManyAttempts", "Unavailable", "ConfigError", "SchemaError", "SCHEMA_VERSION",
           "default", "show_code", "normalise_code", "start_class", "join", "teacher_state", "student_state",
           "class_version",
           "advance", "back", "go", "reveal", "reset", "end_class", "answer", "counts", "distribution",
           "answers_csv", "lesson", "purge"]

_default: Classroom | None = None
_lock = threading.Lock()


def default() -> Classroom:
    """This process's Classroom over the configured database, made on first use (schema checked, old classes
    purged).  ConfigError or SchemaError when the configuration cannot work."""
    global _default
    with _lock:
        if _default is None:
            _default = Classroom()
        return _default


def start_class(lesson, client_key: str = "", owner: Owner | None = None) -> Started:
    return default().start_class(lesson, client_key, owner)


def join(code: str, client_key: str, network_key: str | None = None) -> Joined:
    return default().join(code, client_key, network_key)


def teacher_state(class_id: str, secret: str) -> ClassState:
    return default().teacher_state(class_id, secret)


def student_state(class_id: str, student_id: str) -> StudentState:
    return default().student_state(class_id, student_id)


def class_version(class_id: str) -> int:
    return default().class_version(class_id)


def advance(class_id: str, secret: str) -> ClassState:
    return default().advance(class_id, secret)


def back(class_id: str, secret: str) -> ClassState:
    return default().back(class_id, secret)


def go(class_id: str, secret: str, step: int) -> ClassState:
    return default().go(class_id, secret, step)


def reveal(class_id: str, secret: str, shown: bool = True) -> ClassState:
    return default().reveal(class_id, secret, shown)


def reset(class_id: str, secret: str) -> ClassState:
    return default().reset(class_id, secret)


def end_class(class_id: str, secret: str) -> None:
    default().end_class(class_id, secret)


def answer(class_id: str, student_id: str, step: int, text: str) -> str:
    return default().answer(class_id, student_id, step, text)


def counts(class_id: str, secret: str, step: int | None = None) -> Counts:
    return default().counts(class_id, secret, step)


def distribution(class_id: str, secret: str, step: int | None = None, top: int = 8) -> Distribution:
    return default().distribution(class_id, secret, step, top)


def answers_csv(class_id: str, secret: str) -> str:
    return default().answers_csv(class_id, secret)


def lesson(class_id: str):
    return default().lesson(class_id)


def purge(older_than: float | None = None) -> int:
    return default().purge(older_than)
