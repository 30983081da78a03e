"""The live class's state and rules (issue 15): every test runs against a SQLite file and against a real
PostgreSQL (Debian's, started here on a free loopback port in a temporary folder, as a non-root user).

Hostile input throughout: forged teacher actions, wrong and guessed codes, duplicate answers, SQL and HTML in
every text field, a class of 1,000 joins, a schema from the future; and four processes answering at once
with not one answer lost.
"""
from __future__ import annotations

import ast
import csv
import dataclasses
import glob
import io
import multiprocessing
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

from landscape import lessons
from landscape.classroom import (Classroom, ConfigError, Ended, Limits, Refused, SchemaError, TooManyAttempts,
                                 Unavailable, normalise_code, show_code, store, tokens)
from landscape.classroom.model import retention_from_env
from landscape.types import InputError

PACKAGE = Path(__file__).resolve().parent.parent / "landscape" / "classroom"
LESSON = "outliers"  # steps 1 and 3 are choice questions, step 2 a free one
CHOICE, FREE = 0, 1


class Clock:
    """A clock the test moves (rate-limit windows, retention)."""

    def __init__(self):
        self.now = float(int(time.time()))

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += seconds


# ---- PostgreSQL for this module ------------------------------------------------------------------------------

def _pg_program(name: str) -> str:
    found = [p for p in glob.glob(f"/usr/lib/postgresql/*/bin/{name}") if os.access(p, os.X_OK)]
    found.sort(key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0)
    path = found[-1] if found else shutil.which(name)
    if not path:
        pytest.fail(f"PostgreSQL's {name} is not installed: `make test` installs Debian's postgresql (make database)")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Postgres:
    """A throwaway PostgreSQL server: initdb and pg_ctl as a non-root user (PostgreSQL refuses root), on a free
    loopback port, password-protected, its files and socket in one temporary folder removed at the end."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="lle-pg-"))
        self.data, self.log = self.folder / "data", self.folder / "server.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            user = next((u for u in ("postgres", "nobody") if _has_user(u)), None)
            if user is None:
                pytest.fail("running as root with neither a postgres nor a nobody user to run PostgreSQL as")
            os.chown(self.folder, pwd.getpwnam(user).pw_uid, pwd.getpwnam(user).pw_gid)
            self.as_user = ["runuser", "-u", user, "--"]
        password = secrets.token_hex(16)
        pwfile = self.folder / "password"
        pwfile.write_text(password + "\n")
        pwfile.chmod(0o600)
        if self.as_user:
            shutil.chown(pwfile, self.as_user[2])
        self._run(_pg_program("initdb"), "-D", str(self.data), "-U", "lle", f"--pwfile={pwfile}", "-A", "scram-sha-256",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        pwfile.unlink()
        for attempt in range(3):
            self.port = _free_port()
            options = (f"-c port={self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.folder} "
                       "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
            done = subprocess.run([*self.as_user, _pg_program("pg_ctl"), "-D", str(self.data), "-l", str(self.log),
                                   "-w", "-t", "30", "-o", options, "start"], capture_output=True, text=True,
                                  cwd=self.folder)
            if done.returncode == 0:
                break
        else:
            log = self.log.read_text() if self.log.exists() else ""
            self.remove()
            pytest.fail(f"PostgreSQL did not start: {done.stdout}{done.stderr}{log[-2000:]}")
        self.url = f"postgresql://lle:{password}@127.0.0.1:{self.port}/postgres"

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self.as_user, *command], capture_output=True, text=True, cwd=self.folder)
        if done.returncode:
            self.remove()
            pytest.fail(f"{' '.join(command[:1])} failed: {done.stdout}{done.stderr}")

    def stop(self) -> None:
        subprocess.run([*self.as_user, _pg_program("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                       capture_output=True, cwd=self.folder)
        self.remove()

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _has_user(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


@pytest.fixture(scope="module")
def postgres():
    """The server's URL: LANDSCAPE_TEST_POSTGRES when given (its tables are dropped!), else one started here."""
    given = os.environ.get("LANDSCAPE_TEST_POSTGRES")
    if given:
        yield given
        return
    server = Postgres()
    try:
        yield server.url
    finally:
        server.stop()


def _empty(address: str) -> None:
    engine = sa.create_engine(store.resolve(address))
    try:
        with engine.begin() as conn:
            found = sa.MetaData()
            found.reflect(conn)
            found.drop_all(conn)
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def address(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    url = request.getfixturevalue("postgres")
    _empty(url)
    return url


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def open_room(address, clock):
    made = []

    def make(**limits) -> Classroom:
        room = Classroom(address, Limits(**limits), clock)
        made.append(room)
        return room

    yield make
    for room in made:
        room.close()


@pytest.fixture
def room(open_room) -> Classroom:
    return open_room()


def _class(room: Classroom, lesson=LESSON, client: str = ""):
    return room.start_class(lesson, client)


def _students(room: Classroom, code: str, n: int, prefix: str = "s") -> list[str]:
    return [room.join(code, f"{prefix}{i}").student_id for i in range(n)]


# ---- a class from start to end ------------------------------------------------------------------------------

def test_a_class_follows_its_teacher_from_start_to_end(room):
    lesson = lessons.get(LESSON)
    class_id, code, secret = _class(room)
    assert len(code) == 8 and show_code(code)[4] == "-"
    kids = _students(room, show_code(code).lower(), 3)  # the code is read leniently
    for kid in kids:
        state = room.student_state(class_id, kid)
        assert (state.lesson, state.steps, state.step, state.revealed, state.answer) == (LESSON, 5, 0, False, None)
    assert room.lesson(class_id) == lesson
    for kid, choice in zip(kids, ("MSE", "MSE", "Huber")):
        assert room.answer(class_id, kid, CHOICE, choice) == choice
    assert room.student_state(class_id, kids[2]).answer == "Huber"
    assert tuple(room.counts(class_id, secret)) == (0, 3, 3)
    assert room.distribution(class_id, secret).items == (("MSE", 2), ("MAE", 0), ("Huber", 1))

    teacher = room.reveal(class_id, secret)
    assert teacher.revealed and teacher.version == 1 and teacher.answered == 3 and teacher.students == 3
    assert all(room.student_state(class_id, k).revealed for k in kids)
    with pytest.raises(InputError, match="revealed: answers are closed"):
        room.answer(class_id, kids[0], CHOICE, "MAE")

    teacher = room.advance(class_id, secret)
    assert (teacher.step, teacher.revealed, teacher.version, teacher.answered) == (FREE, False, 2, 0)
    seen = room.student_state(class_id, kids[0])
    assert (seen.step, seen.revealed, seen.answer, seen.version) == (FREE, False, None, 2)
    with pytest.raises(InputError, match="the class is at step 2 now, not 1"):
        room.answer(class_id, kids[0], CHOICE, "MAE")
    room.answer(class_id, kids[0], FREE, "Its pull grows with r")
    assert room.back(class_id, secret).step == CHOICE
    assert room.go(class_id, secret, 4).step == 4
    with pytest.raises(InputError, match="steps 1 to 5"):
        room.advance(class_id, secret)
    with pytest.raises(InputError, match="steps 1 to 5"):
        room.go(class_id, secret, 5)

    teacher = room.reset(class_id, secret)
    assert (teacher.step, teacher.revealed, teacher.students, teacher.answered) == (0, False, 3, 0)
    assert room.answers_csv(class_id, secret).count("\n") == 1  # the header alone: every answer is gone
    room.end_class(class_id, secret)
    with pytest.raises(Ended, match="this class has ended"):
        room.student_state(class_id, kids[0])
    with pytest.raises(Ended):
        room.teacher_state(class_id, secret)
    with pytest.raises(InputError, match=f"no class has the code {show_code(code)}"):
        room.join(code, "late")


def test_the_schema_is_made_once_shared_and_versioned(address, open_room):
    first, second = open_room(), open_room()  # two processes' worth: the second finds the schema made
    class_id, code, secret = _class(first)
    kid = second.join(code, "k").student_id
    second.answer(class_id, kid, CHOICE, "MAE")
    assert first.counts(class_id, secret).answered == 1
    with first.engine.connect() as conn:
        assert conn.execute(sa.select(store.schema_version.c.version)).scalars().all() == [store.SCHEMA_VERSION]
        assert set(store.TABLES) <= set(sa.inspect(conn).get_table_names())


def test_a_schema_from_the_future_is_refused_and_left_alone(address, open_room):
    room = open_room()
    class_id, _, secret = _class(room)
    with room.engine.begin() as conn:
        conn.execute(sa.update(store.schema_version).values(version=99))
    with pytest.raises(SchemaError, match="has schema version 99, newer than this app's 1"):
        Classroom(address)
    with room.engine.begin() as conn:  # nothing was touched
        assert conn.execute(sa.select(store.schema_version.c.version)).scalar_one() == 99
        assert conn.execute(sa.select(sa.func.count()).select_from(store.classes)).scalar_one() == 1

    room.close()
    _empty_database(address)
    foreign = sa.MetaData()
    sa.Table("students", foreign, sa.Column("name", sa.String(40)))
    engine = sa.create_engine(store.resolve(address))
    with engine.begin() as conn:
        foreign.create_all(conn)
    engine.dispose()
    with pytest.raises(SchemaError, match="tables named students but no schema_version"):
        Classroom(address)


def _empty_database(address: str) -> None:
    if address.startswith("sqlite"):
        path = Path(store.resolve(address).database)
        for file in path.parent.glob(path.name + "*"):
            file.unlink()
    else:
        _empty(address)


# ---- only the teacher steers ----------------------------------------------------------------------------------

TEACHER_ACTIONS = {
    "teacher_state": lambda r, c, s: r.teacher_state(c, s),
    "advance": lambda r, c, s: r.advance(c, s),
    "back": lambda r, c, s: r.back(c, s),
    "go": lambda r, c, s: r.go(c, s, 2),
    "reveal": lambda r, c, s: r.reveal(c, s),
    "hide": lambda r, c, s: r.reveal(c, s, shown=False),
    "reset": lambda r, c, s: r.reset(c, s),
    "end_class": lambda r, c, s: r.end_class(c, s),
    "counts": lambda r, c, s: r.counts(c, s),
    "distribution": lambda r, c, s: r.distribution(c, s),
    "answers_csv": lambda r, c, s: r.answers_csv(c, s),
}


def test_forged_teacher_actions_are_refused(room):
    class_id, code, secret = _class(room)
    other_id, _, other_secret = _class(room)
    kid = room.join(code, "kid").student_id
    room.answer(class_id, kid, CHOICE, "MSE")
    room.advance(class_id, secret)  # the class is at step 2: "back" would change it
    before = room.teacher_state(class_id, secret)
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    forged = [other_secret, kid, code, flipped, secret[:-1], secret + "A", secret.upper(), "", None, 12345,
              tokens.hash_secret(secret), "x" * 32, "' OR '1'='1", "A" * 1_000_000, [secret]]
    for name, action in TEACHER_ACTIONS.items():
        for fake in forged:
            with pytest.raises(Refused, match="only the teacher's link can steer this class"):
                action(room, class_id, fake)
        # another class's secret does not open this one, nor a made-up class id with any secret
        for fake_id in (other_id, "0" * 16, "'; DROP TABLE classes; --", None, class_id.upper(), class_id + "0"):
            with pytest.raises((Refused, Ended)):
                action(room, fake_id, secret)
    assert room.teacher_state(class_id, secret) == before
    assert room.teacher_state(other_id, other_secret).version == 0
    assert room.student_state(class_id, kid).step == FREE


def test_students_cannot_act_in_or_read_another_class(room):
    a_id, a_code, a_secret = _class(room)
    b_id, b_code, b_secret = _class(room)
    alice = room.join(a_code, "alice").student_id
    bob = room.join(b_code, "bob").student_id
    room.answer(b_id, bob, CHOICE, "MSE")
    for act in (lambda: room.student_state(b_id, alice), lambda: room.answer(b_id, alice, CHOICE, "MAE"),
                lambda: room.student_state(a_id, bob), lambda: room.answer(a_id, bob, CHOICE, "MAE")):
        with pytest.raises(Refused, match="you are not a student of this class"):
            act()
    for fake in (tokens.new_student_id(), "'; DROP TABLE students; --", "", None, alice + "x", a_secret):
        with pytest.raises(Refused):
            room.answer(a_id, fake, CHOICE, "MSE")
        with pytest.raises(Refused):
            room.student_state(a_id, fake)
    with pytest.raises(Ended, match="does not name a class"):
        room.student_state("<script>", alice)
    assert room.counts(a_id, a_secret).answered == 0
    assert room.distribution(b_id, b_secret).items[0] == ("MSE", 1)
    assert room.student_state(a_id, alice).answer is None  # a student reads their own answer, nothing else


# ---- join codes: hard to guess, and guessing is rate-limited ------------------------------------------------

def test_wrong_codes_are_rate_limited_per_device(room, clock):
    class_id, code, _ = _class(room)
    wrong = "ZZZZ-ZZZZ" if code != "ZZZZZZZZ" else "YYYY-YYYY"
    for _ in range(10):
        with pytest.raises(InputError, match="no class has the code ZZZZ-ZZZZ|no class has the code YYYY-YYYY"):
            room.join(wrong, "mallory")
    with pytest.raises(TooManyAttempts, match="too many wrong join codes from this device: wait 60 s") as hit:
        room.join(wrong, "mallory")
    assert hit.value.wait == 60
    with pytest.raises(TooManyAttempts):  # the right code too: a guesser learns nothing while limited
        room.join(code, "mallory")
    assert room.join(code, "alice").class_id == class_id  # others are not held up
    clock.tick(30)
    with pytest.raises(TooManyAttempts, match="wait 30 s") as hit:
        room.join(code, "mallory")
    assert hit.value.wait == 30
    clock.tick(31)
    assert room.join(code, "mallory").class_id == class_id
    # a malformed code is a typo, told how a code looks and not counted
    for typo in ("", "12", "ABCD-EFG", "<script>alert(1)</script>", "' OR 1=1 --", None, 42, "A" * 1000, "UUUU-UUUU"):
        with pytest.raises(InputError, match="a join code is 8 letters and digits, like 7KQ2-M9XD"):
            room.join(typo, "typist")
    assert room.join(code, "typist").class_id == class_id


def test_wrong_codes_are_limited_per_network_and_overall(open_room, clock):
    room = open_room(wrong_per_network=15, wrong_overall=25)
    class_id, code, _ = _class(room)
    wrong = "0000-0000" if code != "00000000" else "1111-1111"
    for i in range(15):  # fifteen devices behind one school NAT, one typo each
        with pytest.raises(InputError, match="no class has the code"):
            room.join(wrong, f"device{i}", "203.0.113.7")
    with pytest.raises(TooManyAttempts, match="from this network"):
        room.join(code, "device15", "203.0.113.7")
    assert room.join(code, "elsewhere", "198.51.100.1").class_id == class_id
    for i in range(10):  # ten more devices on ten networks: the server-wide limit
        with pytest.raises(InputError, match="no class has the code"):
            room.join(wrong, f"bot{i}", f"192.0.2.{i}")
    with pytest.raises(TooManyAttempts, match="too many wrong join codes on this server right now"):
        room.join(code, "newcomer", "198.51.100.2")
    clock.tick(61)
    assert room.join(code, "newcomer", "198.51.100.2").class_id == class_id


def test_guessing_a_code_is_hopeless_and_secrets_are_never_stored(room):
    limits = Limits()
    assert len(tokens.ALPHABET) == 32 and tokens.CODE_BITS == 40
    assert limits.guess_odds() < 1e-4  # guessing at the server-wide limit for a whole day, against a full server
    codes = [tokens.new_code() for _ in range(4000)]
    assert len(set(codes)) == len(codes)
    counts = Counter("".join(codes))
    assert set(counts) == set(tokens.ALPHABET)
    assert max(counts.values()) < 1.4 * min(counts.values())  # 1,000 expected each
    assert normalise_code(" 7kq2-m9xd ") == "7KQ2M9XD" and normalise_code("O1IL-ABCD") == "0111ABCD"
    class_id, code, secret = _class(room)
    assert len(secret) == 32  # 192 bits of secrets.token_urlsafe
    kid = room.join(code, "k").student_id
    with room.engine.connect() as conn:
        dump = repr([conn.execute(sa.select(t)).all() for t in store.metadata.sorted_tables])
    assert secret not in dump and tokens.hash_secret(secret) in dump
    assert "'k'" not in dump and tokens.key_hash("k") not in dump  # a right code leaves no trace of the client
    assert kid in dump  # the student's anonymous id is the only thing that names them


# ---- answers ------------------------------------------------------------------------------------------------

def test_an_answer_counts_once_per_student_and_step(room):
    class_id, code, secret = _class(room)
    kid, other = _students(room, code, 2)
    for choice in ("MSE", "MAE", "Huber", "Huber"):
        room.answer(class_id, kid, CHOICE, choice)
    room.answer(class_id, other, CHOICE, "MSE")
    assert room.counts(class_id, secret).answered == 2
    assert room.distribution(class_id, secret).items == (("MSE", 1), ("MAE", 0), ("Huber", 1))
    assert room.student_state(class_id, kid).answer == "Huber"
    room.advance(class_id, secret)
    for text in ("first thought", "  Second   THOUGHT ", "second thought"):
        room.answer(class_id, kid, FREE, text)
    room.answer(class_id, other, FREE, "Second thought")
    shown = room.distribution(class_id, secret)
    assert shown.answered == 2 and shown.items == (("Second thought", 2),) and shown.other == 0
    rows = list(csv.reader(io.StringIO(room.answers_csv(class_id, secret))))
    assert [(r[0], r[2], r[3], r[4]) for r in rows[1:]] == [("1", "1", "Huber", "no"), ("1", "2", "MSE", "yes"),
                                                            ("2", "1", "second thought", ""),
                                                            ("2", "2", "Second thought", "")]


def test_answers_go_to_the_current_open_step_only(room):
    class_id, code, secret = _class(room)
    kid = room.join(code, "k").student_id
    for step in (1, -1, 99, True, "0", None, 0.0):
        with pytest.raises(InputError, match="the class is at step 1 now"):
            room.answer(class_id, kid, step, "MSE")
    with pytest.raises(InputError, match="choose one of: MSE; MAE; Huber"):
        room.answer(class_id, kid, CHOICE, "mse")
    room.reveal(class_id, secret)
    with pytest.raises(InputError, match="answers are closed"):
        room.answer(class_id, kid, CHOICE, "MSE")
    room.reveal(class_id, secret, shown=False)
    assert room.answer(class_id, kid, CHOICE, "MSE") == "MSE"


def test_answer_texts_are_bounded(room):
    class_id, code, secret = _class(room)
    room.advance(class_id, secret)
    kid = room.join(code, "k").student_id
    for good in ("x" * 500, "two\nlines\tand a tab", "ünïcødé ✓ 🙂 ∂L/∂w"):
        assert room.answer(class_id, kid, FREE, good) == good
        assert room.student_state(class_id, kid).answer == good
    for bad, message in (("x" * 501, "501 characters long; the limit is 500"), ("", "empty"), ("  \n ", "empty"),
                         ("a\x00b", "U\\+0000"), ("a\x1b[31mb", "U\\+001B"), ("\ud800", "lone surrogate"),
                         (5, "an answer is text"), (None, "an answer is text"), (b"bytes", "an answer is text")):
        with pytest.raises(InputError, match=message):
            room.answer(class_id, kid, FREE, bad)
    assert room.student_state(class_id, kid).answer == "ünïcødé ✓ 🙂 ∂L/∂w"


HOSTILE = ["'; DROP TABLE answers; --", "Robert'); DROP TABLE students;--", "<script>alert('x')</script>",
           "<img src=x onerror=alert(1)>", '" OR "1"="1', "1; SELECT pg_sleep(5); --", "%s %(x)s ? :name $1",
           '=HYPERLINK("http://evil.example","click")', "@SUM(1+1)", "+1+1", "-2+3", "{{7*7}} ${7*7} {text}",
           "\\x27 \\' \\\\", "</td></tr><b>bold</b>", "UNION SELECT secret_hash FROM classes"]


def test_sql_and_html_in_every_text_field_are_kept_literally(room):
    statements: list[str] = []
    sa.event.listen(room.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: statements.append(statement))
    base = lessons.get(LESSON)
    first = dataclasses.replace(base.steps[CHOICE], question=HOSTILE[2] + " " + HOSTILE[0],
                                choices=tuple(HOSTILE[:3]), answer=1)
    second = dataclasses.replace(base.steps[FREE], question=HOSTILE[7])
    lesson = dataclasses.replace(base, title=HOSTILE[3], summary=HOSTILE[1], steps=(first, second))
    class_id, code, secret = room.start_class(lesson, client_key=HOSTILE[4])
    assert room.lesson(class_id) == lesson  # the lesson's texts come back exactly
    with pytest.raises(InputError, match="a class plays one of the lessons"):
        room.start_class(HOSTILE[0])
    with pytest.raises(InputError, match="name must be lower-case"):
        room.start_class(dataclasses.replace(lesson, name=HOSTILE[0]))

    kids = [room.join(code, key, key).student_id for key in HOSTILE]  # client and network keys
    for kid, text in zip(kids, HOSTILE[:3] * 5):
        assert room.answer(class_id, kid, 0, text) == text
        assert room.student_state(class_id, kid).answer == text
    assert room.distribution(class_id, secret).items == tuple((t, 5) for t in HOSTILE[:3])
    room.advance(class_id, secret)
    for kid, text in zip(kids, HOSTILE):
        assert room.answer(class_id, kid, 1, text) == text
    shown = room.distribution(class_id, secret, top=100)
    assert sorted(t for t, _ in shown.items) == sorted(HOSTILE) and {n for _, n in shown.items} == {1}

    rows = list(csv.DictReader(io.StringIO(room.answers_csv(class_id, secret))))
    assert len(rows) == 30
    assert sorted(row["answer"] for row in rows if row["step"] == "2") == sorted(tokens.csv_cell(t) for t in HOSTILE)
    assert [row["correct"] for row in rows if row["step"] == "1"] == ["no", "yes", "no"] * 5
    assert {row["question"] for row in rows} == {first.question, "'" + second.question}
    assert len(statements) > 100
    for payload in HOSTILE + [HOSTILE[2] + " " + HOSTILE[0]]:
        assert not [s for s in statements if payload in s], payload  # every value went as a bound parameter
    with room.engine.connect() as conn:
        assert set(store.TABLES) <= set(sa.inspect(conn).get_table_names())
    assert room.counts(class_id, secret) == (1, len(HOSTILE), len(HOSTILE))


def test_the_csv_is_safe_to_open_in_a_spreadsheet(room):
    class_id, code, secret = _class(room)
    room.advance(class_id, secret)
    texts = ["=1+1", "+SUM(A1:A9)", "-2", "@cmd", "\tTAB", "plain, with a comma", "two\nlines", 'say "hi"', "'quoted"]
    for text in texts:
        room.answer(class_id, room.join(code, text).student_id, FREE, text)
    out = room.answers_csv(class_id, secret)
    assert out.startswith("step,question,student,answer,correct,answered_at\r\n")
    rows = list(csv.DictReader(io.StringIO(out)))
    got = {row["answer"] for row in rows}
    assert got == {"'=1+1", "'+SUM(A1:A9)", "'-2", "'@cmd", "'\tTAB", "plain, with a comma", "two\nlines",
                   'say "hi"', "'quoted"}
    assert [row["student"] for row in rows] == [str(i) for i in range(1, 10)]
    assert all(row["step"] == "2" and row["answered_at"].endswith("+00:00") for row in rows)


# ---- bounds -------------------------------------------------------------------------------------------------

def test_a_class_of_a_thousand_joins_each_with_a_clear_outcome(room):
    class_id, code, secret = _class(room)
    start = time.perf_counter()
    kids = _students(room, code, 1000)
    joined = time.perf_counter() - start
    assert len(set(kids)) == 1000
    for i in range(5):
        start = time.perf_counter()
        with pytest.raises(InputError, match="this class is full: 1,000 students have joined"):
            room.join(code, f"late{i}")
        assert time.perf_counter() - start < 1.0
    start = time.perf_counter()
    for kid in kids:
        room.answer(class_id, kid, CHOICE, "MAE")
    answered = time.perf_counter() - start
    assert room.counts(class_id, secret) == (0, 1000, 1000)
    assert room.distribution(class_id, secret).items[1] == ("MAE", 1000)
    print(f"\n{room.url.get_backend_name()}: 1,000 joins {joined:.2f} s, 1,000 answers {answered:.2f} s")
    assert joined < 30 and answered < 30


def test_classes_per_server_and_per_device_are_bounded(open_room):
    room = open_room(classes=3, starts_per_client=2)
    room.start_class(LESSON, "teacher-1")
    room.start_class(LESSON, "teacher-1")
    with pytest.raises(TooManyAttempts, match="this device has started 2 classes within 60 min; wait 60 min"):
        room.start_class(LESSON, "teacher-1")
    class_id, _, secret = room.start_class(LESSON, "teacher-2")
    with pytest.raises(InputError, match="this server already holds 3 classes, its limit"):
        room.start_class(LESSON, "teacher-3")
    room.end_class(class_id, secret)
    assert room.start_class(LESSON, "teacher-3").class_id
    for bad in (None, 7, "no-such-lesson", "x" * 10_000):
        with pytest.raises(InputError, match="a class plays one of the lessons"):
            room.start_class(bad)


def test_classes_and_their_answers_are_deleted_after_the_retention(open_room, clock, monkeypatch):
    room = open_room(retention=3600.0)
    class_id, code, secret = _class(room)
    kid = room.join(code, "k").student_id
    room.answer(class_id, kid, CHOICE, "MSE")
    with pytest.raises(InputError):
        room.join("ZZZZ-ZZZZ" if code != "ZZZZZZZZ" else "YYYY-YYYY", "typo")
    clock.tick(3599)
    assert room.student_state(class_id, kid).answer == "MSE"
    clock.tick(2)  # past the retention: gone at once, before any purge
    with pytest.raises(Ended, match="deleted 60 min after it started"):
        room.student_state(class_id, kid)
    with pytest.raises(Ended):
        room.teacher_state(class_id, secret)
    with pytest.raises(InputError, match="no class has the code"):
        room.join(code, "late")
    fresh = room.start_class(LESSON)  # a start purges
    with room.engine.connect() as conn:
        rows = {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in (store.classes, store.students, store.answers, store.attempts)}
    assert rows == {"classes": 1, "students": 0, "answers": 0, "attempts": 1}  # the last hour's wrong code
    clock.tick(3601)
    assert room.purge(older_than=7200) == 0 and room.purge() == 1
    with room.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(store.attempts)).scalar_one() == 0
    with pytest.raises(Ended):
        room.teacher_state(fresh.class_id, fresh.teacher_secret)

    monkeypatch.setenv("LANDSCAPE_CLASS_RETENTION", "12h")
    assert retention_from_env() == 43200
    for bad in ("0", "soon", "10s", "2y", "-1d"):
        monkeypatch.setenv("LANDSCAPE_CLASS_RETENTION", bad)
        with pytest.raises(ConfigError, match="LANDSCAPE_CLASS_RETENTION"):
            retention_from_env()


# ---- many processes, one database ---------------------------------------------------------------------------

def _answering_process(address: str, code: str, worker: int, n: int, start, out) -> None:
    room = Classroom(address)
    start.wait()
    sent = []
    for i in range(n):
        class_id, kid = room.join(code, f"w{worker}-{i}")
        room.answer(class_id, kid, FREE, "a first draft")
        sent.append((kid, room.answer(class_id, kid, FREE, f"worker {worker}, answer {i}")))
    room.close()
    out.put(sent)


def test_four_processes_answering_at_once_lose_no_answer(room, address):
    class_id, code, secret = _class(room)
    room.advance(class_id, secret)
    fork = multiprocessing.get_context("fork")
    start, out = fork.Barrier(4), fork.Queue()
    workers = [fork.Process(target=_answering_process, args=(address, code, w, 100, start, out)) for w in range(4)]
    began = time.perf_counter()
    for w in workers:
        w.start()
    sent = [pair for _ in workers for pair in out.get(timeout=120)]
    for w in workers:
        w.join(30)
        assert w.exitcode == 0
    took = time.perf_counter() - began
    assert len(sent) == 400
    assert room.counts(class_id, secret) == (FREE, 400, 400)  # the database count equals the answers sent
    for kid, text in sent:
        assert room.student_state(class_id, kid).answer == text
    shown = room.distribution(class_id, secret, top=1000)
    assert shown.answered == 400 and shown.other == 0
    assert sorted(t for t, _ in shown.items) == sorted(t for _, t in sent)
    print(f"\n{room.url.get_backend_name()}: 4 processes x 100 students (join + 2 answers) in {took:.2f} s")


def test_sqlite_readers_never_wait_for_a_writer(tmp_path):
    address = f"sqlite:///{tmp_path / 'classes.sqlite3'}"
    room, other = Classroom(address), Classroom(address)
    try:
        class_id, code, secret = _class(room)
        kid = room.join(code, "k").student_id
        with other.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 15000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        with store.writing(other.engine) as conn:  # another process holds the write lock ...
            conn.execute(sa.update(store.classes).values(updated_at=0))
            start = time.perf_counter()
            assert room.student_state(class_id, kid).step == 0  # ... and students still read at once
            assert room.teacher_state(class_id, secret).students == 1
            assert time.perf_counter() - start < 1.0
    finally:
        room.close()
        other.close()


def test_the_periodic_check_costs_well_under_5_ms_of_cpu(room):
    class_id, code, _ = _class(room)
    kid = room.join(code, "k").student_id
    room.student_state(class_id, kid)
    start = time.process_time()
    for _ in range(300):
        room.student_state(class_id, kid)
    each = (time.process_time() - start) / 300
    print(f"\n{room.url.get_backend_name()}: student_state {each * 1000:.2f} ms of CPU")
    assert each < 0.005


# ---- configuration and failure ------------------------------------------------------------------------------

def test_database_addresses(monkeypatch, tmp_path):
    monkeypatch.delenv("LANDSCAPE_DB", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert store.resolve().database == str(tmp_path / "loss-landscape-explorer" / "classes.sqlite3")
    assert store.resolve(str(tmp_path / "c.db")).drivername == "sqlite"
    monkeypatch.setenv("LANDSCAPE_DB", "postgres://u:p@db.example:5432/classes")
    assert store.resolve().drivername == "postgresql+psycopg"
    assert store.resolve("postgresql+psycopg2://u@h/d").drivername == "postgresql+psycopg2"
    assert "p@" not in store.where(store.resolve()) and "***" in store.where(store.resolve())
    for bad, message in (("mysql://u@h/d", "SQLite \\(a file\\) or PostgreSQL"), ("sqlite://", "in-memory"),
                         ("sqlite:///:memory:", "in-memory"), ("://nothing", "not a database URL")):
        with pytest.raises(ConfigError, match=message):
            store.resolve(bad)


def test_a_database_that_does_not_answer_gets_a_message_not_a_traceback(tmp_path):
    (tmp_path / "folder.sqlite3").mkdir()
    with pytest.raises(Unavailable, match="cannot be opened"):
        Classroom(f"sqlite:///{tmp_path / 'folder.sqlite3'}")
    with pytest.raises(Unavailable, match="cannot be opened"):
        Classroom(f"postgresql://nobody:nothing@127.0.0.1:{_free_port()}/none")
    room = Classroom(f"sqlite:///{tmp_path / 'classes.sqlite3'}")
    class_id, _, secret = _class(room)
    room.engine.dispose()
    room.engine = store.connect(store.resolve(f"postgresql://nobody:nothing@127.0.0.1:{_free_port()}/none"))
    with pytest.raises(Unavailable, match="the class database is not answering right now"):
        room.teacher_state(class_id, secret)
    room.close()


def test_every_statement_is_built_with_bound_parameters_and_no_ui_is_imported():
    """No SQL text is assembled: the only text statements are constant strings (BEGIN, PRAGMA), and the class
    package imports neither streamlit nor plotly (it is compute, like the lessons)."""
    for file in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(file.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in ("text", "exec_driver_sql", "execute") and node.args:
                    arg = node.args[0]
                    texts = [arg] if not isinstance(arg, ast.IfExp) else [arg.body, arg.orelse]
                    for t in texts:
                        assert not isinstance(t, (ast.JoinedStr, ast.BinOp)), f"{file.name}:{node.lineno}"
                        if name != "execute":
                            assert isinstance(t, ast.Constant), f"{file.name}:{node.lineno}"
                assert name != "text", f"{file.name}:{node.lineno}: sqlalchemy.text"
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                assert not any(n.split(".")[0] in ("streamlit", "plotly") for n in names), file.name
