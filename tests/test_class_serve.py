"""A live class on the class server (issue 15): `deploy/serve.py` with two app processes behind HAProxy, the class
in a SQLite file (the default kind, in a temporary folder) and in PostgreSQL (Debian's, started on a free loopback
port by ``test_classroom.Postgres``), given to the served processes as ``LANDSCAPE_DB``.

- A teacher and three students join through the proxy and land on both app processes (the sticky cookie and the
  X-Upstream header say which): the teacher and two students in Chromium (one a phone, 390x844, touch), one
  student over the websocket protocol keeping the page's periodic check going as a browser does
  (``bench/live.py``).  They follow two steps and answer, the teacher sees the counts, the reveal reaches all.
- An app process killed mid-class: its students reconnect (the browser by itself; a protocol student as the
  front end does, with the link that names it), every one keeps its student id, no answer is lost (the
  database's counts), and the class goes on to the next step and its reveal.

No time limits are asserted (a noisy machine): how long the reveal took to reach each student is printed.
"""
from __future__ import annotations

import os
import random
import re
import signal
import time
import urllib.parse

import pytest
from class_tabs import Failures, Student, Teacher
from conftest import new_page, screenshot
from e2e import errors_shown, main_text, settle
from classroom_db import Postgres
from test_browser_classroom import answered
from test_serve import COOKIE, Served, environ, haproxy

from landscape import classroom, lessons

LESSON = "confident-and-wrong"  # every step a choice
STEPS = len(lessons.get(LESSON).steps)
WAIT = 45.0  # seconds any one class event may take on a busy machine before the test fails
TEACHER = {"viewport": {"width": 1280, "height": 720}}
DESKTOP = {"viewport": {"width": 1280, "height": 720}}
PHONE = {"viewport": {"width": 390, "height": 844}, "has_touch": True, "is_mobile": True, "device_scale_factor": 2}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def class_serve(request, tmp_path_factory):
    """(the class server, its database address): two apps, no Dask (the page computes in its process)."""
    haproxy()
    pg = None
    if request.param == "sqlite":
        db = f"sqlite:///{tmp_path_factory.mktemp('class') / 'classes.sqlite3'}"
    else:
        pg = Postgres()
        db = pg.url
    served = Served("--apps", "2", "--dask", "none", env={"LANDSCAPE_DB": db})
    try:
        served.wait_for(r"serve: ready: ", 120)
        yield served, db
    finally:
        served.cleanup()
        if pg is not None:
            pg.stop()


# ---- helpers: a browser in a context of its own, a protocol student ---------------------------------------

def eventually(check, what: str, page=None, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            if page is not None:
                screenshot(page, "class_serve_failed")
            raise AssertionError(f"still not {what} after {timeout:g} s")
        page.wait_for_timeout(100) if page is not None else time.sleep(0.1)
    return result


def app_of(page) -> str:
    """The app process a browser is stuck to: its sticky cookie."""
    return next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE)


def student_id(url: str) -> str:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["student"][0]


def protocol_student(url: str, code: str, failures: Failures, app: str | None = None) -> Student:
    """A student over the websocket protocol; ``app``: the sticky cookie it already holds (its app process)."""
    s = Student(url, failures, timeout=60, reconnect_within=WAIT)
    if app:
        s.cookies[COOKIE] = app
    s.launch(f"code={code}")
    return s


def pick(page, k: int, touch: bool = False) -> None:
    """Choose option ``k`` (of three) of the step's radio, by a tap on a phone."""
    option = page.locator('[data-testid="stRadio"] [role="radiogroup"] label').nth(k % 3)
    option.tap() if touch else option.click()


def at_step(page, number: int) -> None:
    eventually(lambda: f"Step {number} of {STEPS}" in main_text(page), f"at step {number}", page)
    settle(page)


# ---- a class through the proxy -----------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.timeout(600)
def test_teacher_and_three_students_on_two_apps_follow_answer_and_see_the_reveal(class_serve, browser):
    served, db = class_serve
    failures = Failures()
    teacher = new_page(browser, **TEACHER)
    teacher.goto(f"{served.url}/class?lesson={LESSON}")
    settle(teacher)
    teacher.get_by_role("button", name="Start a class").click()
    eventually(lambda: "teacher=" in teacher.url, "the teacher link in the address", teacher)
    settle(teacher)
    link = teacher.locator('[data-testid="stCode"]').inner_text().strip()
    assert re.fullmatch(rf"{re.escape(served.url)}/class\?code=[0-9A-Z]{{8}}", link), link
    code = link.rsplit("=", 1)[1]

    browsers = [new_page(browser, **PHONE), new_page(browser, **DESKTOP)]
    for page in browsers:
        page.goto(link)
        at_step(page, 1)
        assert "student=" in page.url
    apps = {app_of(p) for p in [teacher, *browsers]}
    other = "app2" if apps == {"app1"} else "app1" if apps == {"app2"} else None
    tab = protocol_student(served.url, code, failures, app=other)  # both apps in the class, whatever leastconn did
    eventually(lambda: 1 in tab.seen_step, "the protocol student at step 1")
    assert {*apps, tab.upstream} == {"app1", "app2"}, (apps, tab.upstream)
    assert tab.query_param("student") and tab.query_param("class")
    ids = {student_id(p.url) for p in browsers} | {tab.query_param("student")}
    assert len(ids) == 3

    room = classroom.Classroom(db)
    class_id = urllib.parse.parse_qs(urllib.parse.urlsplit(teacher.url).query)["class"][0]
    secret = urllib.parse.parse_qs(urllib.parse.urlsplit(teacher.url).query)["teacher"][0]
    try:
        for step in (1, 2):
            if step == 2:
                teacher.get_by_role("button", name="Next").click()
                for page in browsers:
                    at_step(page, 2)
                eventually(lambda: 2 in tab.seen_step, "the protocol student at step 2")
            for k, page in enumerate(browsers):
                pick(page, k + step, touch=k == 0)
                eventually(lambda: "Answered:" in main_text(page), "answered", page)
            tab.answer(step, step)
            eventually(lambda: step in tab.confirmed, f"the protocol student's answer to step {step} confirmed")
            eventually(lambda: answered(teacher) == 3, f"3 answers to step {step} on the teacher's screen", teacher)
            assert room.counts(class_id, secret, step - 1).answered == 3
        screenshot(browsers[0], "class_serve_phone_question")

        teacher.get_by_role("button", name="Reveal").click()
        clicked = time.monotonic()
        arrived, drawn = reveal_times(browsers, tab, clicked)
        print(f"the reveal reached the students after {arrived} s, its figure drawn after {drawn} s "
              f"(apps {apps | {tab.upstream}})")
        assert len(arrived) == 3 and len(drawn) == 2, f"the reveal reached only {sorted(arrived)}, drawn {drawn}"
        for page in [teacher, *browsers]:
            settle(page)
            assert errors_shown(page) == [] and page.console_errors == [], (errors_shown(page), page.console_errors)
        assert failures.counts == {}, failures.examples
        assert room.counts(class_id, secret).students == 3  # nobody joined twice
        teacher.wait_for_timeout(800)
        screenshot(teacher, "class_serve_teacher")
        screenshot(browsers[0], "class_serve_phone_reveal")
    finally:
        tab.stop()
        room.close()
        for page in [teacher, *browsers]:
            page.context.close()


def reveal_times(browsers, tab: Student, clicked: float) -> tuple[dict, dict]:
    """Seconds from the teacher's click until each student's page showed the reveal's answer, and until the
    browsers drew its figure."""
    arrived: dict[str, float] = {}
    drawn: dict[str, float] = {}
    js = ("() => [document.querySelector('[data-testid=\"stMain\"]').innerText.includes('Answer: '),"
          " [...document.querySelectorAll('[data-testid=\"stMain\"] .js-plotly-plot')]"
          ".some(p => p.offsetHeight > 100 && p.querySelector('.main-svg'))]")  # not the page's 1-px preload chart
    while (len(arrived) < 3 or len(drawn) < 2) and time.monotonic() - clicked < WAIT:
        for name, page in (("phone", browsers[0]), ("desktop", browsers[1])):
            answer, figure = page.evaluate(js)
            if answer:
                arrived.setdefault(name, round(time.monotonic() - clicked, 2))
            if figure:
                drawn.setdefault(name, round(time.monotonic() - clicked, 2))
        if 2 in tab.seen_reveal:
            arrived.setdefault("protocol", round(tab.seen_reveal[2] - clicked, 2))
        time.sleep(0.05)
    return arrived, drawn


# ---- an app process dies mid-class ---------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.timeout(600)
def test_killing_an_app_mid_class_loses_no_answer_and_the_class_goes_on(class_serve, browser):
    served, db = class_serve
    room = classroom.Classroom(db)
    class_id, code, secret = room.start_class(LESSON, "test-kill")
    failures = Failures()
    teacher = Teacher(served.url, failures, timeout=60, reconnect_within=WAIT)
    teacher.cookies[COOKIE] = "app2"
    teacher.launch(f"class={class_id}&teacher={secret}")
    tabs = [protocol_student(served.url, code, failures, app=f"app{1 + k % 2}") for k in range(6)]
    phone = new_page(browser, **PHONE)
    phone.context.add_cookies([{"name": COOKIE, "value": "app1", "url": served.url}])
    try:
        phone.goto(f"{served.url}/class?code={code}")
        at_step(phone, 1)
        eventually(lambda: all(1 in t.seen_step for t in tabs) and teacher.joined == 7, "7 students joined")
        assert [t.upstream for t in tabs] == ["app1", "app2"] * 3 and app_of(phone) == "app1"
        ids = [t.query_param("student") for t in tabs]
        phone_id = student_id(phone.url)

        rng = random.Random(0)
        for t in tabs[:3]:  # half answer before the kill
            t.answer(1, rng.randrange(3))
        eventually(lambda: all(1 in t.confirmed for t in tabs[:3]), "the first answers confirmed")
        app1 = next(pid for pid in served.children()["app"] if environ(pid)["LANDSCAPE_APP"] == "app1")
        os.kill(app1, signal.SIGKILL)
        served.wait_for(r"app1 \(pid \d+\) killed by SIGKILL; restarting it", 15)

        for t in tabs[3:]:  # the other half after it, those of app1 once reconnected
            t.answer(1, rng.randrange(3))
        eventually(lambda: all(1 in t.confirmed for t in tabs), "every protocol answer to step 1 confirmed")
        eventually(lambda: all(t.reconnects >= 1 for t in tabs[::2]), "app1's students reconnected")
        assert all(t.reconnects == 0 for t in tabs[1::2]) and teacher.reconnects == 0
        eventually(lambda: "Step 1 of" in main_text(phone) and phone.locator('[data-testid="stRadio"]').count(),
                   "the phone back on the class", phone, timeout=60)
        settle(phone)
        pick(phone, 1, touch=True)
        eventually(lambda: "Answered:" in main_text(phone), "the phone's answer", phone)
        eventually(lambda: teacher.answered(1) == 7, "7 answers on the teacher's count")
        assert room.counts(class_id, secret, 0) == (0, 7, 7)  # not one lost, nobody joined twice

        teacher.press_key("class_next")  # the class goes on
        eventually(lambda: all(2 in t.seen_step for t in tabs), "every protocol student at step 2")
        at_step(phone, 2)
        for t in tabs:
            t.answer(2, rng.randrange(3))
        pick(phone, 0, touch=True)
        eventually(lambda: teacher.answered(2) == 7, "7 answers to step 2")
        teacher.press_key("class_reveal")
        eventually(lambda: all(2 in t.seen_reveal for t in tabs), "the reveal on every protocol student's page")
        eventually(lambda: "Answer: " in main_text(phone), "the reveal on the phone", phone)
        assert [t.query_param("student") for t in tabs] == ids and student_id(phone.url) == phone_id
        assert room.counts(class_id, secret, 1) == (1, 7, 7)
        assert set(failures.counts) <= {"disconnected"}, failures.examples
        assert errors_shown(phone) == []
        screenshot(phone, "class_serve_phone_after_kill")
    finally:
        for person in [teacher, *tabs]:
            person.stop()
        phone.context.close()
        room.close()
