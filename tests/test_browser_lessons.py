"""The Lessons page in headless Chromium at 1280x720, in presenter mode: a lesson played with the keyboard
shortcuts only (Down reveals, Right goes on, Left goes back), a screenshot at each stage; a deep link to a
revealed step restores it."""
import pytest
from conftest import screenshot
from e2e import errors_shown, open_page, plots, settle, wait_plots, wait_url

from landscape import lessons
from landscape.ui.lessons import SHORTCUTS

pytestmark = pytest.mark.browser
OUTLIERS = lessons.get("outliers")


@pytest.fixture
def projector(page):
    page.set_viewport_size({"width": 1280, "height": 720})
    return page


def open_lesson(page, url: str, plots: int = 0) -> None:
    """Open ``url`` and wait for the question (the first run of a server takes a while to start)."""
    open_page(page, url)
    page.wait_for_selector('[class*="st-key-lessons_question"] h3', timeout=60_000)
    settle(page)
    wait_plots(page, plots)


def main_text(page) -> str:
    return page.locator('[data-testid="stMain"]').inner_text()


def drawn(page) -> bool:
    """One Plotly chart on the page and it has drawn its points and lines."""
    return plots(page).count() == 1 and plots(page).first.locator(".scatterlayer path, .point").count() > 0


def key(page, name: str, fragment: str) -> None:
    """Press the shortcut of the ``name`` button (focus on the page body) until ``fragment`` is in the address."""
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # no widget has the key
    page.keyboard.press("Arrow" + SHORTCUTS[name] if SHORTCUTS[name] in ("Left", "Right", "Up", "Down")
                        else SHORTCUTS[name])
    wait_url(page, fragment)


def question_shown(page, step: lessons.Step) -> bool:
    return step.question in main_text(page)


def test_a_lesson_plays_with_the_keyboard_in_presenter_mode(server, projector):
    page = projector
    open_lesson(page, server.url + "/lessons?lesson=outliers&present=1")
    assert page.locator('[data-testid="stSidebar"][data-collapsed="true"]').count() == 1, "sidebar folded away"
    first, second = OUTLIERS.steps[0], OUTLIERS.steps[1]
    assert question_shown(page, first) and plots(page).count() == 0
    heading = page.locator(".st-key-lessons_question_asked h3").first
    assert float(heading.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 40  # large type
    screenshot(page, "lessons_present_1_question")

    key(page, "reveal", "reveal=1")
    wait_plots(page, 1)
    assert drawn(page) and question_shown(page, first)
    assert "Answer: A. MSE" in main_text(page) and "MSE's slope moved by" in main_text(page)
    font = page.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.font.size")
    assert font >= 22, "presenter mode's figure text"
    screenshot(page, "lessons_present_2_revealed")

    key(page, "next", "step=2")
    assert question_shown(page, second) and plots(page).count() == 0 and "reveal=1" not in page.url
    screenshot(page, "lessons_present_3_next")

    key(page, "previous", "present=1")
    page.wait_for_function("!location.search.includes('step=')")
    settle(page)
    assert question_shown(page, first) and plots(page).count() == 0
    assert errors_shown(page) == [] and page.console_errors == []


def test_a_deep_link_restores_a_revealed_step(server, projector):
    page = projector
    open_lesson(page, server.url + "/lessons?lesson=outliers&step=2&reveal=1&present=1", plots=1)
    assert question_shown(page, OUTLIERS.steps[1]) and drawn(page)
    assert "Step 2 of" in main_text(page)
    screenshot(page, "lessons_present_deep_link")
    assert errors_shown(page) == []


def test_presenter_mode_is_off_by_default_and_a_switch_turns_it_on(server, projector):
    page = projector
    open_lesson(page, server.url + "/lessons?lesson=outliers&step=2&reveal=1", plots=1)
    assert page.locator('[data-testid="stSidebar"][data-collapsed="false"]').count() == 1
    assert page.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.font.size") < 20
    screenshot(page, "lessons_plain")
    page.locator(".st-key-frame_present label").click()
    wait_url(page, "present=1")
    wait_plots(page, 1)
    page.wait_for_function("document.querySelector('.js-plotly-plot')._fullLayout.font.size >= 22")
    assert "step=2" in page.url and "reveal=1" in page.url


def test_presenter_mode_dark(server, projector):
    page = projector
    open_lesson(page, server.url + "/lessons?lesson=l2-shrinkage&step=3&reveal=1&present=dark", plots=1)
    app = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=stApp]')).backgroundColor")
    assert app == "rgb(14, 17, 23)"
    assert page.evaluate("() => document.querySelector('.js-plotly-plot')._fullLayout.paper_bgcolor") == "#0e1117"
    answer = page.locator('[data-testid="stAlertContainer"] p').first
    assert answer.evaluate("e => getComputedStyle(e).color") != "rgb(245, 245, 245)"  # the alert keeps its ink
    screenshot(page, "lessons_present_dark")
    assert errors_shown(page) == [] and page.console_errors == []
