"""A live class whose teachers sign in (st.login) against a real OpenID Connect provider on loopback
(oidc-provider-mock), in headless Chromium (issue 15).

The app runs with a secrets file of this module's own (``--secrets.files``: its ``[auth]`` points at the
provider).  Anna signs in and starts a class; a student joins by the link and answers; Anna, signed in on a
second device (another browser context, no teacher link), finds the class under "Your classes" and reveals;
the student sees the reveal.  Ben, signed in too, opens the class's address and cannot steer it.
Screenshots: tests/screenshots/class_signin_*.png (Anna's first device at the end with her "Teacher link" expander
open: class_signin_teacher).
"""
from __future__ import annotations

import secrets

import appserver
import pytest
from appserver import Server
from conftest import new_page, screenshot
from e2e import errors_shown, main_text, open_page, settle
from oidc_provider_mock import run_server_in_thread
from test_browser_classroom import DESKTOP, PHONE, eventually, on_step

from landscape import lessons

pytestmark = pytest.mark.browser

LESSON = "outliers"
SECRETS = """[auth]
redirect_uri = "{app}/oauth2callback"
cookie_secret = "{cookie}"
client_id = "loss-landscape-explorer"
client_secret = "{client}"
server_metadata_url = "{provider}/.well-known/openid-configuration"
"""


@pytest.fixture(scope="module")
def provider():
    """The OIDC provider's address (a real one: discovery, authorisation form, tokens, signed ID tokens)."""
    with run_server_in_thread(port=appserver.free_port()) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def signin_server(tmp_path_factory, provider):
    """The app, its secrets naming the provider, its own class database."""
    folder = tmp_path_factory.mktemp("signin")
    port = appserver.free_port()
    (folder / "secrets.toml").write_text(SECRETS.format(app=f"http://127.0.0.1:{port}", provider=provider,
                                                        cookie=secrets.token_hex(32), client=secrets.token_hex(16)))
    chosen, appserver.free_port = appserver.free_port, lambda: port  # the redirect URI names the app's port
    try:
        server = Server(env={"LANDSCAPE_DB": str(folder / "classes.sqlite3")},
                        extra_args=("--secrets.files", str(folder / "secrets.toml")))
    finally:
        appserver.free_port = chosen
    yield server
    server.stop()


def sign_in(page, app: str, subject: str) -> None:
    """Open the Live class page, press Sign in, authorise as ``subject`` on the provider's form, come back."""
    open_page(page, f"{app}/class")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_selector('input[name="sub"]', timeout=30_000)
    page.fill('input[name="sub"]', subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{app}/class", timeout=30_000)  # back on the Live class page, not the app's first page
    eventually(page, lambda: f"Signed in as {subject}" in main_text(page), f"signed in as {subject}")
    settle(page)


def show_owner_link(page) -> None:
    """The owner's "Teacher link" expander open (opened again if a rerun closed it) and scrolled into view."""
    expander = page.locator('[data-testid="stExpander"]').filter(has_text="Teacher link")
    link = expander.locator('[data-testid="stExpanderDetails"] [data-testid="stCode"]')
    if not link.is_visible():
        expander.get_by_text("Teacher link", exact=True).click()
    page.locator('[data-testid="stMetric"]').first.evaluate(  # below the app's header, not under it
        "e => { e.style.scrollMarginTop = '5rem'; e.scrollIntoView({block: 'start'}); }")
    eventually(page, link.is_visible, "the teacher link shown in its expander", 10)
    box = link.bounding_box()  # the live count above it, the link whole in the picture
    assert box is not None and box["y"] + box["height"] <= page.viewport_size["height"], box
    assert "teacher=" in link.inner_text()


def test_a_signed_in_teacher_steers_from_a_second_device_and_another_cannot(signin_server, browser):
    app, total = signin_server.url, len(lessons.get(LESSON).steps)
    anna = new_page(browser, **DESKTOP)
    open_page(anna, f"{app}/class")
    anna.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    settle(anna)
    assert anna.get_by_role("button", name="Start a class").count() == 0
    screenshot(anna, "class_signin_asked")
    sign_in(anna, app, "anna")
    anna.get_by_role("button", name="Start a class").click()
    eventually(anna, lambda: "class=" in anna.url, "the class in the address")
    settle(anna)
    assert "teacher=" not in anna.url, "a signed-in teacher's address holds no secret"
    class_address = anna.url
    link = anna.locator('[data-testid="stCode"]').first.inner_text().strip()  # the join link
    assert "You steer this class signed in as anna" in main_text(anna)
    anna.get_by_text("Teacher link", exact=True).click()  # the fallback for a device where she is not signed in
    fallback = anna.locator('[data-testid="stExpanderDetails"] [data-testid="stCode"]').inner_text().strip()
    assert f"class={class_address.split('class=')[1]}&teacher=" in fallback, fallback

    student = new_page(browser, **PHONE)
    student.goto(link)
    on_step(student, 1, total)
    student.locator('[data-testid="stRadio"] [role="radiogroup"] label').first.tap()
    eventually(student, lambda: "Answered:" in main_text(student), "answered")

    laptop = new_page(browser, **DESKTOP)  # Anna's second device: signed in, no teacher link
    sign_in(laptop, app, "anna")
    laptop.get_by_role("button", name="Steer").first.click()
    eventually(laptop, lambda: laptop.get_by_role("button", name="Reveal").count() == 1, "the controls")
    settle(laptop)
    screenshot(laptop, "class_signin_second_device")
    laptop.get_by_role("button", name="Reveal").click()
    explanation = lessons.reveal(lessons.get(LESSON).steps[0]).splitlines()[0][:40]
    eventually(student, lambda: explanation in main_text(student), "the reveal on the student's screen", 10)
    eventually(anna, lambda: explanation in main_text(anna), "the reveal on Anna's first device too", 10)

    ben = new_page(browser, **DESKTOP)
    sign_in(ben, app, "ben")
    assert ben.get_by_role("button", name="Steer").count() == 0
    open_page(ben, class_address)
    eventually(ben, lambda: "only the teacher who started this class, signed in" in main_text(ben), "refused")
    assert ben.get_by_role("button", name="Reveal").count() == 0 and ben.get_by_role("button", name="Next").count() == 0
    screenshot(ben, "class_signin_refused")

    settle(anna)
    show_owner_link(anna)
    screenshot(anna, "class_signin_teacher")
    for page in (anna, laptop, student):
        assert errors_shown(page) == [], errors_shown(page)
    for page in (anna, laptop, student, ben):
        page.context.close()
