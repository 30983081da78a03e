"""The rules of a live class, over the class database: who may do what, how often, and how much.

A teacher starts a class from a lesson and gets a join code and a secret; only the secret steers the class.
Students join with the code (wrong codes are rate-limited), get an anonymous id, and answer the current
step's question once (a change replaces the answer).  Every refusal is an InputError whose message says
what to do; nothing here trusts an id, a secret or a text it is given.
"""
from __future__ import annotations

import functools
import logging
import math
import re
import threading
import time
from collections import OrderedDict
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from landscape import lessons
from landscape.classroom import report, store, tokens
from landscape.classroom.model import (ClassState, Counts, Distribution, Ended, Joined, Limits, Refused, Started,
                                       StudentState, TooManyAttempts, Unavailable, duration, retention_from_env)
from landscape.classroom.store import answers, attempts, classes, students
from landscape.lessons import Lesson
from landscape.types import InputError

log = logging.getLogger(__name__)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # newline and tab are allowed in an answer
NOT_STUDENT = "you are not a student of this class: join it with its code"


def _guard(method):
    """Database failures become a message for the person waiting, not a traceback."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError) as err:
            log.warning("class database %s: %s", self.where, err)
            raise Unavailable("the class database is not answering right now; try again in a few seconds") from None

    return guarded


@functools.lru_cache(maxsize=64)
def _lesson_from_file(text: str) -> Lesson:
    return lessons.load(text, "the class's lesson")


class Classroom:
    """The class rules over one database (``address``: see ``store.resolve``).  Thread-safe; one per process."""

    def __init__(self, address: str | None = None, limits: Limits | None = None,
                 clock: Callable[[], float] = time.time):
        self.url = store.resolve(address)
        self.where = store.where(self.url)
        self.limits = limits or Limits(retention=retention_from_env())
        self.clock = clock
        self.engine = store.connect(self.url)
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
    def start_class(self, lesson: str | Lesson, client_key: str = "") -> Started:
        """A new class at the lesson's first step: ``(class_id, join_code, teacher_secret)``."""
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
                self._check_rate(conn, now, "start", key, limits.starts_per_client, limits.start_window,
                                 "this device has started {n} classes within {window}; wait {wait}")
                conn.execute(sa.insert(attempts).values(kind="start", key=key, at=now))
            taken = set(conn.execute(sa.select(classes.c.code)).scalars())
            code = tokens.new_code()
            while code in taken:  # one in 2**40 / classes: a loop that almost never runs
                code = tokens.new_code()
            class_id = tokens.new_class_id()
            conn.execute(sa.insert(classes).values(
                id=class_id, code=code, secret_hash=tokens.hash_secret(secret), lesson=chosen.name, lesson_file=text,
                steps=len(chosen.steps), step=0, revealed=False, version=0, created_at=now, updated_at=now))
        return Started(class_id, code, secret)

    @_guard
    def teacher_state(self, class_id: str, secret: str) -> ClassState:
        with store.reading(self.engine) as conn:
            row = self._teacher(conn, class_id, secret)
            return self._state(conn, row)

    @_guard
    def advance(self, class_id: str, secret: str) -> ClassState:
        """The next step (its question open, not revealed)."""
        return self._move(class_id, secret, lambda row: row.step + 1)

    @_guard
    def back(self, class_id: str, secret: str) -> ClassState:
        return self._move(class_id, secret, lambda row: row.step - 1)

    @_guard
    def go(self, class_id: str, secret: str, step: int) -> ClassState:
        """Step ``step`` (0-based)."""
        return self._move(class_id, secret, lambda row: step)

    @_guard
    def reveal(self, class_id: str, secret: str, shown: bool = True) -> ClassState:
        """Show (or hide again) the current step's answer on every screen; answers close while it is shown."""
        with store.writing(self.engine) as conn:
            row = self._teacher(conn, class_id, secret, lock=True)
            if bool(row.revealed) != bool(shown):
                self._update(conn, row, revealed=bool(shown))
            return self._state(conn, self._class(conn, class_id))

    @_guard
    def reset(self, class_id: str, secret: str) -> ClassState:
        """Back to the first step, nothing revealed, every answer deleted (the students stay joined)."""
        with store.writing(self.engine) as conn:
            row = self._teacher(conn, class_id, secret, lock=True)
            conn.execute(sa.delete(answers).where(answers.c.class_id == row.id))
            self._update(conn, row, step=0, revealed=False)
            return self._state(conn, self._class(conn, class_id))

    @_guard
    def end_class(self, class_id: str, secret: str) -> None:
        """Delete the class, its students and its answers now."""
        with store.writing(self.engine) as conn:
            row = self._teacher(conn, class_id, secret, lock=True)
            self._delete(conn, [row.id])

    @_guard
    def counts(self, class_id: str, secret: str, step: int | None = None) -> Counts:
        """How many students joined and how many answered ``step`` (default: the current one)."""
        with store.reading(self.engine) as conn:
            row = self._teacher(conn, class_id, secret)
            k = self._step(row, step)
            return Counts(k, self._count(conn, students, row.id), self._answered(conn, row.id, k))

    @_guard
    def distribution(self, class_id: str, secret: str, step: int | None = None, top: int = 8) -> Distribution:
        """The answers to ``step`` (default: the current one): a choice question's choices in order with their
        counts, or a free question's ``top`` commonest answers (grouped ignoring case and spacing)."""
        with store.reading(self.engine) as conn:
            row = self._teacher(conn, class_id, secret)
            k = self._step(row, step)
            given = conn.execute(sa.select(answers.c.text, sa.func.count()).where(
                answers.c.class_id == row.id, answers.c.step == k).group_by(answers.c.text)).all()
            lesson = self._lesson(conn, row.id)
        return report.distribution(lesson, k, given, top)

    @_guard
    def answers_csv(self, class_id: str, secret: str) -> str:
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

    # ---- the students ---------------------------------------------------------------------------------

    @_guard
    def join(self, code: str, client_key: str, network_key: str | None = None) -> Joined:
        """A new anonymous student of the class with this code.  Wrong codes are counted per client key (a
        browser session), per network key (an address) and overall; past a limit every attempt from there
        is refused, right or wrong, until the window has passed (TooManyAttempts says how long)."""
        wanted = tokens.normalise_code(code)
        now, limits = self.clock(), self.limits
        keys = [("join", tokens.key_hash(client_key), limits.wrong_per_client,
                 "too many wrong join codes from this device: wait {wait}, then type the code on the teacher's "
                 "screen again")]
        if network_key:
            keys.append(("join-net", tokens.key_hash(network_key), limits.wrong_per_network,
                         "too many wrong join codes from this network: wait {wait}, then try again"))
        self._maybe_purge()
        with store.writing(self.engine) as conn:
            store.serialise(conn)
            for kind, key, limit, message in keys:
                self._check_rate(conn, now, kind, key, limit, limits.window, message)
            self._check_rate(conn, now, "join", None, limits.wrong_overall, limits.window,
                             "too many wrong join codes on this server right now: wait {wait}, then try again")
            row = conn.execute(sa.select(classes.c.id).where(
                classes.c.code == wanted, classes.c.created_at >= now - limits.retention)).first()
            if row is None:
                conn.execute(sa.insert(attempts), [{"kind": kind, "key": key, "at": now} for kind, key, *_ in keys])
                refused = InputError(f"no class has the code {tokens.show_code(wanted)}: check it on the teacher's "
                                     f"screen (a class ends when its teacher ends it, or {self._after} after it "
                                     "starts)")
            else:
                joined = self._count(conn, students, row.id)
                if joined >= limits.students:
                    refused = InputError(f"this class is full: {joined:,} students have joined, the most one class "
                                         "can hold")
                else:
                    student_id = tokens.new_student_id()
                    conn.execute(sa.insert(students).values(id=student_id, class_id=row.id, number=joined + 1,
                                                            joined_at=now))
                    return Joined(row.id, student_id)
        raise refused  # after the commit: the failed attempt is counted

    @_guard
    def student_state(self, class_id: str, student_id: str) -> StudentState:
        """Where the class is and this student's answer there: the student's periodic check (one query).
        Also how a student comes back with the ids kept in the link (after a reload or a lost server)."""
        class_id, student_id = self._ids(class_id, student_id)
        now = self.clock()
        with store.reading(self.engine) as conn:
            row = conn.execute(
                sa.select(classes.c.lesson, classes.c.steps, classes.c.step, classes.c.revealed, classes.c.version,
                          answers.c.text)
                .select_from(students.join(classes, students.c.class_id == classes.c.id).outerjoin(
                    answers, sa.and_(answers.c.class_id == classes.c.id, answers.c.step == classes.c.step,
                                     answers.c.student_id == students.c.id)))
                .where(students.c.id == student_id, classes.c.id == class_id,
                       classes.c.created_at >= now - self.limits.retention)).first()
            if row is None:
                self._why_not(conn, class_id, now)
        return StudentState(class_id, row.lesson, row.steps, row.step, bool(row.revealed), row.version, row.text)

    @_guard
    def answer(self, class_id: str, student_id: str, step: int, text: str) -> str:
        """Store this student's answer to ``step`` (it must be the current step, not yet revealed); a second
        answer replaces the first.  Returns the text as stored: exactly the text given."""
        class_id, student_id = self._ids(class_id, student_id)
        text = self._answer_text(text)
        now = self.clock()
        self._maybe_purge()
        with store.writing(self.engine) as conn:
            row = conn.execute(
                sa.select(classes.c.id, classes.c.step, classes.c.revealed)
                .join_from(students, classes, students.c.class_id == classes.c.id)
                .where(students.c.id == student_id, classes.c.id == class_id,
                       classes.c.created_at >= now - self.limits.retention)).first()
            if row is None:
                self._why_not(conn, class_id, now)
            if isinstance(step, bool) or not isinstance(step, int) or step != row.step:
                shown = step + 1 if isinstance(step, int) and not isinstance(step, bool) else step
                raise InputError(f"the class is at step {row.step + 1} now, not {shown!r}: answer the question on "
                                 "your screen")
            if row.revealed:
                raise InputError("the answer to this step has been revealed: answers are closed until the next step")
            question = self._lesson(conn, class_id).steps[row.step]
            if question.kind == "choice" and text not in question.choices:
                raise InputError("choose one of: " + "; ".join(question.choices))
            insert = (postgresql.insert if store.is_postgres(conn) else sqlite.insert)(answers).values(
                class_id=class_id, step=row.step, student_id=student_id, text=text, updated_at=now)
            conn.execute(insert.on_conflict_do_update(
                index_elements=[answers.c.class_id, answers.c.step, answers.c.student_id],
                set_={"text": insert.excluded.text, "updated_at": insert.excluded.updated_at}))
        return text

    @_guard
    def lesson(self, class_id: str) -> Lesson:
        """The lesson the class plays (the same in every process, whatever the lesson files say now)."""
        class_id = self._class_id(class_id)
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
            self._delete(conn, old)
            keep = max(self.limits.window, self.limits.start_window)
            conn.execute(sa.delete(attempts).where(attempts.c.at < now - keep))
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

    def _class_id(self, class_id: object) -> str:
        if not isinstance(class_id, str) or not tokens.CLASS_ID.match(class_id):
            raise Ended("this link does not name a class: open the join link again, or type the code")
        return class_id

    def _ids(self, class_id: object, student_id: object) -> tuple[str, str]:
        class_id = self._class_id(class_id)
        if not isinstance(student_id, str) or not tokens.STUDENT_ID.match(student_id):
            raise Refused(NOT_STUDENT)
        return class_id, student_id

    def _class(self, conn: Connection, class_id: str, lock: bool = False):
        query = sa.select(classes).where(classes.c.id == class_id,
                                         classes.c.created_at >= self.clock() - self.limits.retention)
        return conn.execute(query.with_for_update() if lock else query).first()

    def _teacher(self, conn: Connection, class_id: object, secret: object, lock: bool = False):
        """The class's row if ``secret`` is its teacher's; Refused otherwise, Ended when the class is gone."""
        row = self._class(conn, self._class_id(class_id), lock)
        if not tokens.same_secret(secret, row.secret_hash if row is not None else "f" * 64):
            raise Ended(self._ended) if row is None else Refused(
                "only the teacher's link can steer this class (this one does not hold the class's teacher secret)")
        return row

    def _why_not(self, conn: Connection, class_id: str, now: float):
        alive = conn.execute(sa.select(classes.c.id).where(
            classes.c.id == class_id, classes.c.created_at >= now - self.limits.retention)).first()
        raise Refused(NOT_STUDENT) if alive else Ended(self._ended)

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
                          self._count(conn, students, row.id), self._answered(conn, row.id, row.step),
                          row.created_at, row.created_at + self.limits.retention)

    def _move(self, class_id: str, secret: str, target: Callable) -> ClassState:
        with store.writing(self.engine) as conn:
            row = self._teacher(conn, class_id, secret, lock=True)
            step = target(row)
            if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < row.steps:
                raise InputError(f"the lesson has steps 1 to {row.steps}; the class is at step {row.step + 1}")
            if step != row.step:
                self._update(conn, row, step=step, revealed=False)
            return self._state(conn, self._class(conn, row.id))

    def _update(self, conn: Connection, row, **values) -> None:
        conn.execute(sa.update(classes).where(classes.c.id == row.id).values(
            version=classes.c.version + 1, updated_at=self.clock(), **values))

    def _step(self, row, step: int | None) -> int:
        if step is None:
            return row.step
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step < row.steps:
            raise InputError(f"the lesson has steps 1 to {row.steps}")
        return step

    @staticmethod
    def _count(conn: Connection, table: sa.Table, class_id: str) -> int:
        return conn.execute(sa.select(sa.func.count()).select_from(table)
                            .where(table.c.class_id == class_id)).scalar_one()

    @staticmethod
    def _answered(conn: Connection, class_id: str, step: int) -> int:
        return conn.execute(sa.select(sa.func.count()).select_from(answers)
                            .where(answers.c.class_id == class_id, answers.c.step == step)).scalar_one()

    @staticmethod
    def _delete(conn: Connection, ids: list[str]) -> None:
        for start in range(0, len(ids), 500):  # bound the number of bound parameters
            chunk = ids[start:start + 500]
            conn.execute(sa.delete(answers).where(answers.c.class_id.in_(chunk)))
            conn.execute(sa.delete(students).where(students.c.class_id.in_(chunk)))
            conn.execute(sa.delete(classes).where(classes.c.id.in_(chunk)))

    def _check_rate(self, conn: Connection, now: float, kind: str, key: str | None, limit: int, window: float,
                    message: str) -> None:
        query = sa.select(sa.func.count(), sa.func.min(attempts.c.at)).where(
            attempts.c.kind == kind, attempts.c.at > now - window)
        if key is not None:
            query = query.where(attempts.c.key == key)
        n, oldest = conn.execute(query).one()
        if n >= limit:
            wait = max(1, math.ceil(oldest + window - now - 1e-6))
            raise TooManyAttempts(message.format(n=n, wait=duration(wait), window=duration(window)), wait)

    def _answer_text(self, text: object) -> str:
        if not isinstance(text, str):
            raise InputError("an answer is text")
        if not text.strip():
            raise InputError("the answer is empty")
        if len(text) > self.limits.answer_chars:
            raise InputError(f"the answer is {len(text):,} characters long; the limit is {self.limits.answer_chars:,}")
        bad = CONTROL.search(text)
        if bad:
            raise InputError(f"the answer holds the control character U+{ord(bad.group()):04X}")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise InputError("the answer holds a character that is not valid text (a lone surrogate)") from None
        return text
