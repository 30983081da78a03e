"""The Live class page with an identity provider configured (``[auth]`` in the secrets), in AppTest: a teacher
signs in to start a class and owns it; signed in again in another session (another device) they steer it
without the teacher link; another signed-in person, a student or someone signed out cannot.  Without
``[auth]`` the teacher link flow is unchanged (tests/test_app_classroom.py)."""
from __future__ import annotations

import pytest
from apptest import ROOT, ok
from streamlit.testing.v1 import AppTest
from test_app_classroom import LESSON, PAGE, STEERING, class_db, keys  # noqa: F401

from landscape import classroom

AUTH = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "lle", "client_secret": "s", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid"}
ANNA = {"is_logged_in": True, "iss": "http://127.0.0.1:9", "sub": "anna", "email": "anna@school.example"}
BEN = {**ANNA, "sub": "ben", "email": "<b>ben</b>@school.example"}
SIGNED_OUT = {"is_logged_in": False}


def session(user: dict, auth: bool = True, **query) -> AppTest:
    """A browser session on the page as ``user``, with (or without) the identity provider configured."""
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=120)
    if auth:
        at.secrets["auth"] = AUTH
    at.user = user
    for k, v in query.items():
        at.query_params[k] = v
    return at.run()


def start_signed_in(user: dict = ANNA):
    teacher = ok(session(user))
    ok(teacher.button(key="class_start").click().run())
    assert set(teacher.query_params) == {"class"}, "a signed-in teacher's link holds no secret"
    return teacher, teacher.query_params["class"]


def test_signed_out_a_teacher_is_asked_to_sign_in_before_starting():
    at = ok(session(SIGNED_OUT))
    assert [b.key for b in at.button if b.key.startswith("class_s")] == ["class_sign_in"]
    assert "class_start" not in keys(at)
    assert any("sign in to start a class" in i.value for i in at.info)
    assert at.text_input(key="class_code")  # students still join without an account


def test_a_broken_auth_section_gives_a_message_not_a_traceback():
    at = AppTest.from_file(str(ROOT / PAGE), default_timeout=120)
    at.secrets["auth"] = {"cookie_secret": "x" * 32}  # no redirect_uri, no provider
    at.user = SIGNED_OUT
    at.run()
    at.button(key="class_sign_in").click().run()
    assert not at.exception
    assert [e.value for e in at.error][0].startswith("Signing in is not set up right on this server:")


def test_the_signed_in_owner_steers_from_another_session_and_nobody_else_does():
    teacher, class_id = start_signed_in()
    assert {"class_back", "class_reveal", "class_next"} <= keys(teacher)
    assert any("signed in as anna@school.example" in i.value for i in teacher.info)
    assert not any("teacher link" in w.value for w in teacher.warning)

    elsewhere = ok(session(ANNA))  # the same teacher on another device: the class is listed
    ok(elsewhere.button(key=f"class_owned_{class_id}").click().run())
    assert dict(elsewhere.query_params) == {"class": class_id}
    ok(elsewhere.button(key="class_next").click().run())
    assert classroom.default().teacher_state(class_id, classroom.owner_from_claims(ANNA)).step == 1

    code = classroom.default().owned_classes(classroom.owner_from_claims(ANNA))[0].code
    student = ok(session(SIGNED_OUT, code=code))
    assert set(student.query_params) == {"class", "student"}
    assert not set(STEERING) & keys(student)

    ben = session(BEN, **{"class": class_id})
    assert not ben.exception and not set(STEERING) & keys(ben)
    assert [e.value for e in ben.error] == ["only the teacher who started this class, signed in, or its teacher "
                                            "link can steer it"]
    assert f"class_owned_{class_id}" not in keys(ok(session(BEN)))

    signed_out = ok(session(SIGNED_OUT, **{"class": class_id}))
    assert not set(STEERING) & keys(signed_out) and "class_sign_in_owner" in keys(signed_out)
    assert classroom.default().teacher_state(class_id, classroom.owner_from_claims(ANNA)).step == 1


def test_the_owner_also_gets_the_teacher_link_on_the_device_that_started_the_class():
    teacher, class_id = start_signed_in()
    links = [c.value for c in teacher.code if "teacher=" in c.value]
    assert len(links) == 1 and links[0].startswith(f"class?class={class_id}&teacher="), links
    secret = links[0].split("teacher=")[1]
    assert classroom.default().teacher_state(class_id, secret).step == 0  # the link steers the class
    steered = ok(session(SIGNED_OUT, auth=False, **{"class": class_id, "teacher": secret}))
    assert {"class_reveal", "class_next"} <= keys(steered)

    elsewhere = ok(session(ANNA, **{"class": class_id}))  # signed in on another device: steers, no secret to show
    assert not [c for c in elsewhere.code if "teacher=" in c.value]
    assert any("shown on the device that started the class" in c.value for c in elsewhere.caption)


def frame(user: dict, path: str = "") -> AppTest:
    """The whole app (app.py) opened at ``path`` by ``user``, the identity provider configured."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.secrets["auth"] = AUTH
    at.user = user
    return at.run() if not path else at.switch_page(path).run()


def test_a_teacher_back_from_signing_in_lands_on_the_live_class_page():
    import time

    fresh = {**ANNA, "iat": int(time.time()) - 5}  # Streamlit brings them back to the first page
    at = ok(frame(fresh))
    assert at.title[0].value == "Live class" and "class_start" in keys(at)
    at = ok(frame({**ANNA, "iat": int(time.time()) - 3600}))  # signed in an hour ago: Home stays Home
    assert "Live class" not in [t.value for t in at.title]
    assert "Live class" not in [t.value for t in ok(frame(SIGNED_OUT)).title]
    at = ok(frame(fresh, "views/optimisers.py"))  # a deep link elsewhere is left alone
    assert "Live class" not in [t.value for t in at.title]


def test_without_auth_a_bare_class_link_steers_nothing_even_for_a_signed_in_user():
    teacher, class_id = start_signed_in()
    at = session(ANNA, auth=False, **{"class": class_id})
    assert not at.exception and not set(STEERING) & keys(at)
    assert [e.value for e in at.error][0].startswith("This link names a class but holds no teacher secret")
    plain = ok(session(SIGNED_OUT, auth=False))
    assert "class_start" in keys(plain) and "class_sign_in" not in keys(plain)


@pytest.mark.parametrize("claims", [{"is_logged_in": True, "email": "no-subject@example"},
                                    {"is_logged_in": True, "sub": ""}])
def test_an_identity_without_a_subject_cannot_start_a_class(claims):
    at = ok(session(claims))
    assert "class_start" not in keys(at) and "class_sign_in" in keys(at)
