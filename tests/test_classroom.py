"""The live class's state and rules (issue 15): every test runs against a SQLite file and against a real
PostgreSQL (Debian's, started here on a free loopback port in a temporary folder, as a non-root user).

Hostile input throughout: forged teacher actions, wrong and guessed codes, duplicate answers, SQL and HTML in
every text field, a class of 1,000 joins, a schema from the future; and four processes answering at once
with not one answer lost.
"""
from __future__ import annotations

import csv
import dataclasses
import io
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from classroom_db import (CHOICE, FREE, LESSON, address, clock, drop_tables, join_students,  # noqa: F401
                          open_room, postgres, room, start_class)  # address ... room: the pytest fixtures

from landscape import lessons
from landscape.classroom import (Classroom, Ended, Limits, Refused, SchemaError, TooManyAttempts, normalise_code,
                                 show_code, store, tokens)
from landscape.types import InputError


# ---- a class from start to end ------------------------------------------------------------------------------

def test_a_class_follows_its_teacher_from_start_to_end(room):
    lesson = lessons.get(LESSON)
    class_id, code, secret = start_class(room)
    assert len(code) == 8 and show_code(code)[4] == "-"
    kids = join_students(room, show_code(code).lower(), 3)  # the code is read leniently
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
    class_id, code, secret = start_class(first)
    kid = second.join(code, "k").student_id
    second.answer(class_id, kid, CHOICE, "MAE")
    assert first.counts(class_id, secret).answered == 1
    with first.engine.connect() as conn:
        assert conn.execute(sa.select(store.schema_version.c.version)).scalars().all() == [store.SCHEMA_VERSION]
        assert set(store.TABLES) <= set(sa.inspect(conn).get_table_names())


def test_a_schema_from_the_future_is_refused_and_left_alone(address, open_room):
    room = open_room()
    class_id, _, secret = start_class(room)
    with room.engine.begin() as conn:
        conn.execute(sa.update(store.schema_version).values(version=99))
    with pytest.raises(SchemaError, match=f"has schema version 99, newer than this app's {store.SCHEMA_VERSION}"):
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
        drop_tables(address)


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
    class_id, code, secret = start_class(room)
    other_id, _, other_secret = start_class(room)
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
    a_id, a_code, a_secret = start_class(room)
    b_id, b_code, b_secret = start_class(room)
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
    class_id, code, _ = start_class(room)
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
    class_id, code, _ = start_class(room)
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
    class_id, code, secret = start_class(room)
    assert len(secret) == 32  # 192 bits of secrets.token_urlsafe
    kid = room.join(code, "k").student_id
    with room.engine.connect() as conn:
        dump = repr([conn.execute(sa.select(t)).all() for t in store.metadata.sorted_tables])
    assert secret not in dump and tokens.hash_secret(secret) in dump
    assert "'k'" not in dump and tokens.key_hash("k") not in dump  # a right code leaves no trace of the client
    assert kid in dump  # the student's anonymous id is the only thing that names them


# ---- answers ------------------------------------------------------------------------------------------------

def test_an_answer_counts_once_per_student_and_step(room):
    class_id, code, secret = start_class(room)
    kid, other = join_students(room, code, 2)
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
    class_id, code, secret = start_class(room)
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
    class_id, code, secret = start_class(room)
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
    class_id, code, secret = start_class(room)
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
