"""A class started by a signed-in teacher (st.login) records its owner, who steers it without the teacher link;
nobody else does (students, other signed-in teachers).  Schema 1 databases are upgraded to 2 in place.
On a SQLite file and on a real PostgreSQL (tests/classroom_db.py)."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from classroom_db import address, clock, open_room, postgres, room, start_class  # noqa: F401
from landscape.classroom import Classroom, Ended, Owner, Refused, owner_from_claims, store
from landscape.types import InputError

ANNA = {"is_logged_in": True, "iss": "http://127.0.0.1:9400", "sub": "anna", "email": "anna@school.example"}
BEN = {**ANNA, "sub": "ben", "email": "ben@school.example"}


def test_an_owner_is_the_identity_s_issuer_and_subject_not_its_email():
    anna = owner_from_claims(ANNA)
    assert anna.name == "anna@school.example" and len(anna.key) == 64
    assert owner_from_claims({**ANNA, "email": "new@school.example"}).key == anna.key
    assert owner_from_claims({**ANNA, "iss": "https://elsewhere.example"}).key != anna.key
    assert owner_from_claims(BEN).key != anna.key
    assert owner_from_claims({"sub": "anna"}).name == "anna"
    for nobody in ({}, {"is_logged_in": False}, {**ANNA, "is_logged_in": False}, {**ANNA, "sub": ""},
                   {**ANNA, "sub": 7}):
        assert owner_from_claims(nobody) is None


def test_the_owner_steers_from_anywhere_and_nobody_else_does(room):
    anna, ben = owner_from_claims(ANNA), owner_from_claims(BEN)
    class_id, code, secret = room.start_class("outliers", "anna-laptop", anna)
    kid = room.join(code, "kid").student_id
    assert room.teacher_state(class_id, anna).step == 0
    assert room.advance(class_id, anna).step == 1
    assert room.reveal(class_id, secret).revealed  # the teacher link still steers too
    for stranger in (ben, Owner("f" * 64, "forged"), Owner(kid, "a student"), kid, "", None):
        with pytest.raises(Refused):
            room.advance(class_id, stranger)
        with pytest.raises(Refused):
            room.counts(class_id, stranger)
    with pytest.raises(Refused, match="only the teacher who started this class, signed in"):
        room.answers_csv(class_id, ben)
    assert room.teacher_state(class_id, anna).step == 1
    assert [c.class_id for c in room.owned_classes(anna)] == [class_id] and room.owned_classes(ben) == []
    room.end_class(class_id, anna)
    assert room.owned_classes(anna) == []
    with pytest.raises(Ended):
        room.teacher_state(class_id, anna)


def test_a_class_started_without_signing_in_has_no_owner(room):
    class_id, _, secret = start_class(room)
    with pytest.raises(Refused):
        room.advance(class_id, owner_from_claims(ANNA))
    assert room.advance(class_id, secret).step == 1
    with pytest.raises(InputError, match="owner is a signed-in teacher"):
        room.start_class("outliers", "x", owner="anna")


def test_a_schema_1_database_is_upgraded_and_its_classes_keep_their_teacher_link(address, open_room):
    old = open_room()
    class_id, code, secret = start_class(old)
    with old.engine.begin() as conn:  # what the first version of the app left behind
        conn.exec_driver_sql("ALTER TABLE classes DROP COLUMN owner")
        conn.execute(sa.update(store.schema_version).values(version=1))
    old.close()
    room = open_room()
    with room.engine.connect() as conn:
        assert conn.execute(sa.select(store.schema_version.c.version)).scalars().all() == [2]
        assert "owner" in {c["name"] for c in sa.inspect(conn).get_columns("classes")}
        assert conn.execute(sa.select(store.classes.c.owner)).scalars().all() == [None]
    assert room.advance(class_id, secret).step == 1
    with pytest.raises(Refused):
        room.advance(class_id, owner_from_claims(ANNA))
    kid = room.join(code, "kid").student_id
    room.answer(class_id, kid, 1, "anything")
    anna = owner_from_claims(ANNA)
    mine = room.start_class("outliers", "anna", anna).class_id
    assert room.advance(mine, anna).step == 1
    Classroom(address).close()  # a second process finds version 2 and changes nothing
