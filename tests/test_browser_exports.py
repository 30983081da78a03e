"""Downloads in headless Chromium (issue 14, items 2 and 4): from the Loss surface page's Download popover,
the standalone figure opens from file:// with every network request blocked and draws its chart; the numbers
file equals the compute output; a chart's camera button saves a 1920 x 1080 PNG."""
from __future__ import annotations

import io

import numpy as np
import pytest
from conftest import screenshot
from e2e import errors_shown, open_page, plots, settle
from PIL import Image

from landscape import export
from landscape.lessons import links

pytestmark = pytest.mark.browser
LINK = "/loss_surface?fn=himmelblau"


def _open_downloads(page):
    page.locator(".st-key-surface_downloads button").first.click()
    body = page.locator('[data-testid="stPopoverBody"]')
    body.locator('[data-testid="stDownloadButton"]').first.wait_for()
    return body


def _download(page, key: str, path):
    with page.expect_download(timeout=60_000) as info:
        page.locator(f".st-key-{key} button").first.click()
    info.value.save_as(path)
    return path


def test_the_figure_file_draws_offline_and_the_numbers_equal_the_compute(server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page = context.new_page()
    open_page(page, server.url + LINK, plots=2)
    _open_downloads(page)
    settle(page)
    screenshot(page, "exports_download_open")
    html = _download(page, "surface_download_contour_html", tmp_path / "contour.html")
    numbers = _download(page, "surface_download_contour_npz", tmp_path / "contour.npz")
    assert errors_shown(page) == []
    context.close()

    inputs = links.parse("loss_surface", {"fn": "himmelblau"}).inputs
    want = export.load_npz(export.figure_data("loss_surface", "contour", inputs).content)
    got = export.load_npz(numbers.read_bytes())
    assert list(got) == list(want) and all(np.array_equal(got[k], want[k]) for k in want)

    assert "#000001" not in html.read_text()  # not Streamlit's template, whose colours only its front end fills in
    offline = browser.new_context(viewport={"width": 1280, "height": 720})
    asked = []

    def block(route):
        asked.append(route.request.url)
        route.continue_() if route.request.url.startswith("file://") else route.abort()

    offline.route("**/*", block)
    page = offline.new_page()
    page.goto(html.as_uri())
    page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
    # Plotly lays the figure out twice: the second pass makes room for the tick labels and the legend
    page.wait_for_function("document.querySelector('.js-plotly-plot')._fullLayout._size.l > 10", timeout=30_000)
    page.wait_for_timeout(300)
    assert page.locator(".js-plotly-plot .contourlayer path, .js-plotly-plot .heatmaplayer image").count() > 0
    assert [u for u in asked if not u.startswith("file://")] == []
    screenshot(page, "exports_offline_figure")
    offline.close()


def test_the_camera_button_saves_a_slide_sized_png(server, browser, tmp_path):
    context = browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    page = context.new_page()
    open_page(page, server.url + LINK, plots=2)
    chart = plots(page).nth(1)
    chart.hover()
    with page.expect_download(timeout=30_000) as info:
        chart.locator('.modebar-btn[data-title="Download plot as a PNG"]').click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert Image.open(io.BytesIO(path.read_bytes())).size == (1920, 1080)
    context.close()


def test_add_this_view_to_my_lesson(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    open_page(page, server.url + LINK, plots=2)
    page.locator(".st-key-surface_add_to_lesson button").first.click()
    body = page.locator('[data-testid="stPopoverBody"]')
    body.locator(".st-key-surface_lesson_question textarea").fill("Where is the <b>lowest</b> point?")
    body.locator(".st-key-surface_lesson_reveal textarea").fill("The grid minimum is {grid_loss:.3g}.")
    body.locator(".st-key-surface_lesson_add button").click()
    body.get_by_text("My lesson: 1 step").wait_for(timeout=30_000)
    assert "Added: Where is the <b>lowest</b> point?" in body.inner_text()
    assert errors_shown(page) == []
    screenshot(page, "exports_add_to_lesson")
    context.close()
