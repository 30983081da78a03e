"""A student's periodic check (issue 15): ``Classroom.class_version`` reads the class's version number alone, by
its key, and the checks of one process share one read for ``versions.FRESH`` seconds; a change this process
makes is seen at once, one made elsewhere within FRESH.  Against a SQLite file and a real PostgreSQL."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from classroom_db import (address, clock, join_students, open_room, postgres, room,  # noqa: F401
                          start_class)  # address ... room: the pytest fixtures

from landscape.classroom import Classroom, Ended, versions


class Ticks:
    """A monotonic clock the test moves (how old a shared read is)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def class_reads(room: Classroom) -> list[str]:
    """The statements ``room`` sends that read the classes table's version, as they go out."""
    seen: list[str] = []
    sa.event.listen(room.engine, "before_cursor_execute",
                    lambda conn, cursor, statement, *rest: seen.append(statement)
                    if re.match(r"SELECT classes\.version\s+FROM classes\b", statement) else None)
    return seen


def test_the_check_follows_every_change_the_teacher_makes_at_once(room):
    class_id, code, secret = start_class(room)
    kid = join_students(room, code, 1)[0]
    assert room.class_version(class_id) == 0
    for change in (lambda: room.reveal(class_id, secret), lambda: room.advance(class_id, secret),
                   lambda: room.reveal(class_id, secret), lambda: room.back(class_id, secret),
                   lambda: room.go(class_id, secret, 3), lambda: room.reset(class_id, secret)):
        version = change().version
        assert room.class_version(class_id) == version == room.student_state(class_id, kid).version
    room.reveal(class_id, secret)  # the same again: no change, the same version
    before = room.class_version(class_id)
    assert room.reveal(class_id, secret).version == before == room.class_version(class_id)
    room.end_class(class_id, secret)
    with pytest.raises(Ended, match="this class has ended"):
        room.class_version(class_id)


def test_links_that_name_no_class_end_the_check_without_a_query(room):
    reads = class_reads(room)
    for bad in ("<script>alert(1)</script>", "' OR 1=1 --", None, 42, ["x"], "A" * 10_000):
        with pytest.raises(Ended):
            room.class_version(bad)
    assert reads == []
    with pytest.raises(Ended):
        room.class_version("0" * 32)  # the shape of a class id, but no class


def test_the_checks_of_one_process_share_one_read(open_room, clock):
    room, elsewhere = open_room(), open_room()  # two app processes on one database
    room._versions.monotonic = ticks = Ticks()
    class_id, code, secret = start_class(elsewhere)
    reads = class_reads(room)
    assert [room.class_version(class_id) for _ in range(200)] == [0] * 200
    assert len(reads) == 1
    elsewhere.advance(class_id, secret)
    ticks.now += versions.FRESH / 2
    assert room.class_version(class_id) == 0 and len(reads) == 1  # not yet: within FRESH of the last read
    ticks.now += versions.FRESH / 2
    assert room.class_version(class_id) == 1 and len(reads) == 2  # another process's change, within FRESH
    room.advance(class_id, secret)  # this process's own change is seen at once
    assert room.class_version(class_id) == 2 and len(reads) == 3
    clock.tick(room.limits.retention + 1)  # the class outlived its retention ...
    ticks.now += versions.FRESH
    with pytest.raises(Ended):
        room.class_version(class_id)  # ... and its checks end


def test_a_purge_forgets_what_the_checks_read(open_room, clock):
    room = open_room()
    room._versions.monotonic = Ticks()  # never stale by age: only the purge can clear it
    class_id, _, _ = start_class(room)
    assert room.class_version(class_id) == 0
    clock.tick(room.limits.retention + 1)
    assert room.purge() == 1
    with pytest.raises(Ended):
        room.class_version(class_id)


def test_the_shared_reads_stay_bounded(room, monkeypatch):
    monkeypatch.setattr(versions, "KEEP", 8)
    room._versions.monotonic = ticks = Ticks()
    ids = [start_class(room).class_id for _ in range(20)]
    for class_id in ids:
        assert room.class_version(class_id) == 0
        ticks.now += versions.FRESH / 4  # the early reads grow stale as the later ones come
    assert len(room._versions._read) <= 8 and ids[-1] in room._versions._read
