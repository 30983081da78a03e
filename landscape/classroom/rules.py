"""The rules of a live class, over the class database: who may do what, how often, and how much.

A teacher starts a class from a lesson and gets a join code and a secret; only the secret steers the class, or,
when the teacher was signed in, the class's owner (``owners.Owner``) too: every teacher action takes either as
its ``secret``.  Students join with the code (wrong codes are rate-limited), get an anonymous id, and answer the
current step's question once (joining.py: the students' side).  Every refusal is an InputError whose message
says what to do; the checks (checks.py) trust no id, secret or text they are given.
"""
from __future__ import annotations

import functools
import math
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from typing import Callable, Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from landscape import lessons
from landscape.classroom import checks, owners, report, store, tokens
from landscape.classroom.checks import guard as _guard
from landscape.classroom.joining import StudentRules
from landscape.classroom.model import (ClassState, Counts, Distribution, Ended, Limits, Refused, Started, Unavailable,
                                       duration, retention_from_env)
from landscape.classroom.owners import Owner
from landscape.classroom.store import answers, attempts, classes, students
from landscape.classroom.versions import Versions
from landscape.lessons import Lesson
from landscape.types import InputError

Credential = str | Owner  # the teacher secret, or the signed-in owner


@functools.lru_cache(maxsize=64)
def _lesson_from_file(text: str) -> Lesson:
    return lessons.load(text, "the class's lesson")


class Classroom(StudentRules):
    """The class rules over one database (``address``: see ``store.resolve``).  Thread-safe; one per process."""

    def __init__(self, address: str | None = None, limits: Limits | None = None,
                 clock: Callable[[], float] = time.time):
        self.url = store.resolve(address)
        self.where = store.where(self.url)
        self.limits = limits or Limits(retention=retention_from_env())
        self.clock = clock
        self.engine = store.connect(self.url)
        self._versions = Versions(self.engine)  # the students' periodic checks (class_version)
        self._lessons: OrderedDict[str, Lesson] = OrderedDict()
        self._lock = threading.Lock()
        self._last_purge = -math.inf
        try:
            store.create(self.engine, self.where)
            self.purge()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as err:
            self.engine.dispose()
            reason = str(getattr(err, "orig", err)).strip().splitlines()[0]
            raise Unavailable(f"the class database {self.where} cannot be opened: {reason}") from None
        except BaseException:
            self.engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    # ---- the teacher ----------------------------------------------------------------------------------

    @_guard
    def start_class(self, lesson: str | Lesson, client_key: str = "", owner: Owner | None = None) -> Started:
        """A new class at the lesson's first step: ``(class_id, join_code, teacher_secret)``.  ``owner``: the
        signed-in teacher, who may then steer it with the Owner instead of the secret."""
        if owner is not None and not isinstance(owner, Owner):
            raise InputError("a class's owner is a signed-in teacher")
        if not isinstance(lesson, Lesson) and (not isinstance(lesson, str) or lesson not in lessons.names()):
            raise InputError(f"a class plays one of the lessons {', '.join(lessons.names())}, or a lesson file")
        chosen = lesson if isinstance(lesson, Lesson) else lessons.get(lesson)
        if not chosen.steps:
            raise InputError("a class plays a lesson with at least one step")
        text = lessons.dump(chosen)
        _lesson_from_file(text)  # what every process will read back: it must load
        self._maybe_purge(force=True)
        now, limits = self.clock(), self.limits
        secret = tokens.new_secret()
        with store.writing(self.engine) as conn:
            store.serialise(conn)
            live = conn.execute(sa.select(sa.func.count()).select_from(classes)
                                .where(classes.c.created_at >= now - limits.retention)).scalar_one()
            if live >= limits.classes:
                raise InputError(f"this server already holds {live:,} classes, its limit; a class is deleted "
                                 f"{duration(limits.retention)} after it starts, or when its teacher ends it")
            if client_key:
                key = tokens.key_hash(client_key)
                checks.check_rate(conn, now, "start", key, limits.starts_per_client, limits.start_window,
                                 "this device has started {n} classes within {window}; wait {wait}")
                conn.execute(sa.insert(attempts).values(kind="start", key=key, at=now))
            taken = set(conn.execute(sa.select(classes.c.code)).scalars())
            code = tokens.new_code()
            while code in taken:  # one in 2**40 / classes: a loop that almost never runs
                code = tokens.new_code()
            class_id = tokens.new_class_id()
            conn.execute(sa.insert(classes).values(
                id=class_id, code=code, secret_hash=tokens.hash_secret(secret), owner=owner.key if owner else None,
                lesson=chosen.name, lesson_file=text,
                steps=len(chosen.steps), step=0, revealed=False, version=0, created_at=now, updated_at=now))
        return Started(class_id, code, secret)

    @_guard
    def teacher_state(self, class_id: str, secret: Credential) -> ClassState:
        with store.reading(self.engine) as conn:
            row = self._teacher(conn, class_id, secret)
            return self._state(conn, row)

    @_guard
    def owned_classes(self, owner: Owner, most: int = 20) -> list[ClassState]:
        """The live classes ``owner`` started, newest first: what a signed-in teacher steers from any device."""
        if not isinstance(owner, Owner):
            return []
        with store.reading(self.engine) as conn:
            rows = conn.execute(sa.select(classes).where(
                classes.c.owner == owner.key, classes.c.created_at >= self.clock() - self.limits.retention)
                .order_by(classes.c.created_at.desc()).limit(most)).all()
            return [self._state(conn, row) for row in rows]

    @_guard
    def advance(self, class_id: str, secret: Credential) -> ClassState:
        """The next step (its question open, not revealed)."""
        return self._move(class_id, secret, lambda row: row.step + 1)

    @_guard
    def back(self, class_id: str, secret: Credential) -> ClassState:
        return self._move(class_id, secret, lambda row: row.step - 1)

    @_guard
    def go(self, class_id: str, secret: Credential, step: int) -> ClassState:
        """Step ``step`` (0-based)."""
        return self._move(class_id, secret, lambda row: step)

    @_guard
    def reveal(self, class_id: str, secret: Credential, shown: bool = True) -> ClassState:
        """Show (or hide again) the current step's answer on every screen; answers close while it is shown."""
        with self._changing(class_id) as conn:
            row = self._teacher(conn, class_id, secret, lock=True)
            if bool(row.revealed) != bool(shown):
                self._update(conn, row, revealed=bool(shown))
            return self._state(conn, self._class(conn, class_id))

    @_guard
    def reset(self, class_id: str, secret: Credential) -> ClassState:
        """Back to the first step, nothing revealed, every answer deleted (the students stay joined)."""
        with self._changing(class_id) as conn:
            row = self._teacher(conn, class_id, secret, lock=True)
            conn.execute(sa.delete(answers).where(answers.c.class_id == row.id))
            self._update(conn, row, step=0, revealed=False)
            return self._state(conn, self._class(conn, class_id))

    @_guard
    def end_class(self, class_id: str, secret: Credential) -> None:
        """Delete the class, its students and its answers now."""
        with self._changing(class_id) as conn:
            row = self._teacher(conn, class_id, secret, lock=True)
            checks.delete_classes(conn, [row.id])

    @_guard
    def counts(self, class_id: str, secret: Credential, step: int | None = None) -> Counts:
        """How many students joined and how many answered ``step`` (default: the current one)."""
        with store.reading(self.engine) as conn:
            row = self._teacher(conn, class_id, secret)
            k = checks.step_of(row, step)
            return Counts(k, checks.count(conn, students, row.id), checks.answered(conn, row.id, k))

    @_guard
    def distribution(self, class_id: str, secret: Credential, step: int | None = None, top: int = 8) -> Distribution:
        """The answers to ``step`` (default: the current one): a choice question's choices in order with their
        counts, or a free question's ``top`` commonest answers (grouped ignoring case and spacing)."""
        with store.reading(self.engine) as conn:
            row = self._teacher(conn, class_id, secret)
            k = checks.step_of(row, step)
            given = conn.execute(sa.select(answers.c.text, sa.func.count()).where(
                answers.c.class_id == row.id, answers.c.step == k).group_by(answers.c.text)).all()
            lesson = self._lesson(conn, row.id)
        return report.distribution(lesson, k, given, top)

    @_guard
    def answers_csv(self, class_id: str, secret: Credential) -> str:
        """Every answer of the class as CSV (step, question, student, answer, correct, answered_at).  Students are
        numbered in the order they joined; a text cell starting with = + - or @ gets a leading apostrophe."""
        with store.reading(self.engine) as conn:
            row = self._teacher(conn, class_id, secret)
            lesson = self._lesson(conn, row.id)
            rows = conn.execute(
                sa.select(answers.c.step, students.c.number, answers.c.text, answers.c.updated_at)
                .join_from(answers, students, answers.c.student_id == students.c.id)
                .where(answers.c.class_id == row.id)
                .order_by(answers.c.step, students.c.number)).all()
        return report.answers_csv(lesson, rows)

    @_guard
    def lesson(self, class_id: str) -> Lesson:
        """The lesson the class plays (the same in every process, whatever the lesson files say now)."""
        class_id = checks.class_id_of(class_id)
        with store.reading(self.engine) as conn:
            if self._class(conn, class_id) is None:
                raise Ended(self._ended)
            return self._lesson(conn, class_id)

    # ---- retention ------------------------------------------------------------------------------------

    @_guard
    def purge(self, older_than: float | None = None) -> int:
        """Delete classes (with their students and answers) started more than ``older_than`` seconds ago
        (default: the retention), and attempts older than their windows.  Returns how many classes went."""
        age = self.limits.retention if older_than is None else float(older_than)
        now = self.clock()
        with store.writing(self.engine) as conn:
            old = list(conn.execute(sa.select(classes.c.id).where(classes.c.created_at < now - age)).scalars())
            checks.delete_classes(conn, old)
            keep = max(self.limits.window, self.limits.start_window)
            conn.execute(sa.delete(attempts).where(attempts.c.at < now - keep))
        self._versions.forget()
        self._last_purge = now
        return len(old)

    def _maybe_purge(self, force: bool = False) -> None:
        if force or self.clock() - self._last_purge >= self.limits.purge_every:
            self.purge()

    # ---- inside -----------------------------------------------------------------------------------------

    @property
    def _after(self) -> str:
        return duration(self.limits.retention)

    @property
    def _ended(self) -> str:
        return f"this class has ended (its teacher ended it, or it was deleted {self._after} after it started)"

    def _class(self, conn: Connection, class_id: str, lock: bool = False):
        query = sa.select(classes).where(classes.c.id == class_id,
                                         classes.c.created_at >= self.clock() - self.limits.retention)
        return conn.execute(query.with_for_update() if lock else query).first()

    def _teacher(self, conn: Connection, class_id: object, secret: object, lock: bool = False):
        """The class's row if ``secret`` is its teacher's secret or its owner; Refused otherwise, Ended when the
        class is gone."""
        row = self._class(conn, checks.class_id_of(class_id), lock)
        if isinstance(secret, Owner):
            if row is not None and not owners.owns(row.owner, secret):
                raise Refused("only the teacher who started this class, signed in, or its teacher link can steer it")
        elif not tokens.same_secret(secret, row.secret_hash if row is not None else "f" * 64):
            raise Ended(self._ended) if row is None else Refused(
                "only the teacher's link can steer this class (this one does not hold the class's teacher secret)")
        if row is None:
            raise Ended(self._ended)
        return row

    def _lesson(self, conn: Connection, class_id: str) -> Lesson:
        with self._lock:
            if class_id in self._lessons:
                self._lessons.move_to_end(class_id)
                return self._lessons[class_id]
        text = conn.execute(sa.select(classes.c.lesson_file).where(classes.c.id == class_id)).scalar_one()
        lesson = _lesson_from_file(text)
        with self._lock:
            self._lessons[class_id] = lesson
            while len(self._lessons) > 256:
                self._lessons.popitem(last=False)
        return lesson

    def _state(self, conn: Connection, row) -> ClassState:
        return ClassState(row.id, row.code, row.lesson, row.steps, row.step, bool(row.revealed), row.version,
                          checks.count(conn, students, row.id), checks.answered(conn, row.id, row.step),
                          row.created_at, row.created_at + self.limits.retention)

    def _move(self, class_id: str, secret: Credential, target: Callable) -> ClassState:
        with self._changing(class_id) as conn:
            row = self._teacher(conn, class_id, secret, lock=True)
            step = target(row)
            if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < row.steps:
                raise InputError(f"the lesson has steps 1 to {row.steps}; the class is at step {row.step + 1}")
            if step != row.step:
                self._update(conn, row, step=step, revealed=False)
            return self._state(conn, self._class(conn, row.id))

    @contextmanager
    def _changing(self, class_id: object) -> Iterator[Connection]:
        """A teacher's write transaction on ``class_id``; this process's checks read its version again after it."""
        try:
            with store.writing(self.engine) as conn:
                yield conn
        finally:
            self._versions.forget(class_id)

    def _update(self, conn: Connection, row, **values) -> None:
        conn.execute(sa.update(classes).where(classes.c.id == row.id).values(
            version=classes.c.version + 1, updated_at=self.clock(), **values))
