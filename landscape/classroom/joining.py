"""The students' side of the class rules: joining with a code (wrong codes rate-limited), where the class is
(``student_state``, and ``class_version`` for the periodic check), and answering the current step once (a change
replaces the answer).  ``Classroom`` (in rules.py) is made of this and the teacher's side; the attributes used
here are its own (``_versions``: versions.Versions)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from landscape.classroom import checks, store, tokens
from landscape.classroom.checks import guard
from landscape.classroom.model import Ended, Joined, Refused, StudentState
from landscape.classroom.store import answers, classes, students
from landscape.types import InputError


class StudentRules:
    """What a student may do: join, read where the class is, answer."""

    @guard
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
                checks.check_rate(conn, now, kind, key, limit, limits.window, message)
            checks.check_rate(conn, now, "join", None, limits.wrong_overall, limits.window,
                              "too many wrong join codes on this server right now: wait {wait}, then try again")
            row = conn.execute(sa.select(classes.c.id).where(
                classes.c.code == wanted, classes.c.created_at >= now - limits.retention)).first()
            if row is None:
                conn.execute(sa.insert(store.attempts), [{"kind": kind, "key": key, "at": now}
                                                         for kind, key, *_ in keys])
                refused = InputError(f"no class has the code {tokens.show_code(wanted)}: check it on the teacher's "
                                     f"screen (a class ends when its teacher ends it, or {self._after} after it "
                                     "starts)")
            else:
                joined = checks.count(conn, students, row.id)
                if joined >= limits.students:
                    refused = InputError(f"this class is full: {joined:,} students have joined, the most one class "
                                         "can hold")
                else:
                    student_id = tokens.new_student_id()
                    conn.execute(sa.insert(students).values(id=student_id, class_id=row.id, number=joined + 1,
                                                            joined_at=now))
                    return Joined(row.id, student_id)
        raise refused  # after the commit: the failed attempt is counted

    @guard
    def student_state(self, class_id: str, student_id: str) -> StudentState:
        """Where the class is and this student's answer there (one query): what a student's page shows.
        Also how a student comes back with the ids kept in the link (after a reload or a lost server)."""
        class_id, student_id = checks.ids_of(class_id, student_id)
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

    @guard
    def class_version(self, class_id: str) -> int:
        """The class's version (+1 at every change its teacher makes): a student's periodic check.  One query by
        the class's key, shared by this process's checks for ``versions.FRESH`` s; Ended when the class is gone."""
        version = self._versions.of(checks.class_id_of(class_id), self.clock() - self.limits.retention)
        if version is None:
            raise Ended(self._ended)
        return version

    @guard
    def answer(self, class_id: str, student_id: str, step: int, text: str) -> str:
        """Store this student's answer to ``step`` (it must be the current step, not yet revealed); a second
        answer replaces the first.  Returns the text as stored: exactly the text given."""
        class_id, student_id = checks.ids_of(class_id, student_id)
        text = checks.answer_text(text, self.limits.answer_chars)
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
            if not checks.is_step(step) or step != row.step:
                shown = step + 1 if checks.is_step(step) else step
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

    def _why_not(self, conn: Connection, class_id: str, now: float):
        """Refused when the class is alive (this is not its student), else Ended."""
        alive = conn.execute(sa.select(classes.c.id).where(
            classes.c.id == class_id, classes.c.created_at >= now - self.limits.retention)).first()
        raise Refused(checks.NOT_STUDENT) if alive else Ended(self._ended)
