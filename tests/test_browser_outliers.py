"""Outlier page in headless Chromium: clicks on the scatter add and move points, the lines and the
minimisers move, a deep link restores the points, a CSV upload is checked."""
import pytest
from conftest import screenshot
from e2e import errors_shown, main_text, open_page, plots, settle, sidebar_nav, wait_plots, wait_url

pytestmark = pytest.mark.browser

CHARTS = 5
TALL = {"width": 1400, "height": 3300}  # the whole page in one screenshot

READ_TRACES = """(index) => {
    const gd = document.querySelectorAll('.js-plotly-plot')[index];
    return gd._fullData.map(t => ({name: t.name, x: Array.from(t.x || []), y: Array.from(t.y || [])}));
}"""

# Screen position of the first point of a trace of the scatter, from Plotly's own axes.
POINT_ON_SCREEN = """(name) => {
    const gd = document.querySelectorAll('.js-plotly-plot')[0];
    const t = gd._fullData.find(t => t.name === name);
    const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
    return [box.left + gd._fullLayout.xaxis.l2p(t.x[0]), box.top + gd._fullLayout.yaxis.l2p(t.y[0])];
}"""


def traces(page, index: int) -> dict[str, dict]:
    return {t["name"]: t for t in page.evaluate(READ_TRACES, index)}


def lines(page) -> dict[str, list[float]]:
    """y at both ends of every fitted line, by loss (the legend name up to the colon)."""
    return {name.split(":")[0]: t["y"] for name, t in traces(page, 0).items() if ": slope" in name}


def minimisers(page) -> list[tuple[float, float]]:
    """(w, b) of every 'minimum with them' marker on the three surfaces."""
    return [(t["x"][0], t["y"][0]) for t in page.evaluate(READ_TRACES, 1) if t["name"] == "minimum with them"]


def plot_area(page):
    return plots(page).first.locator(".nsewdrag").first.bounding_box()


def _drawn(page) -> bool:
    """Every chart has its SVG, the surfaces their contour images and the scatter its points."""
    surfaces = plots(page).nth(1).locator(".contourlayer path, .heatmaplayer image, .hm image").count()
    points = plots(page).first.locator(".scatterlayer .point").count()
    return plots(page).count() == CHARTS and surfaces > 0 and points > 100


def test_clicks_add_and_move_points_and_the_fits_follow(server, page):
    page.set_viewport_size(TALL)
    open_page(page, server.url + "/outliers", plots=CHARTS)
    assert _drawn(page)
    assert "The 5 outliers moved the MSE slope by +1.25" in main_text(page)
    screenshot(page, "outliers_default")
    before, surface_before = lines(page), minimisers(page)
    assert set(before) == {"MSE", "MAE", "Huber(delta=4)"}  # the page's defaults: the other losses one click away
    assert len(surface_before) == 3

    box = plot_area(page)  # a click high up on the left (under the legend there), far from every point, adds one
    page.mouse.click(box["x"] + 0.12 * box["width"], box["y"] + 0.55 * box["height"])
    wait_url(page, "pts=")
    wait_plots(page, CHARTS)
    assert "101 points, 6 outliers" in main_text(page)
    after, surface_after = lines(page), minimisers(page)
    assert after["MSE"] != before["MSE"]  # the line moved: a high point on the left tilts it down
    assert after["MSE"][0] > before["MSE"][0] and after["MSE"][1] < before["MSE"][1]
    assert len(surface_after) == 3 and surface_after[0] != surface_before[0]  # the MSE minimiser moved
    assert _drawn(page)
    screenshot(page, "outliers_after_click")

    page.get_by_text("moves a point", exact=True).click()
    wait_url(page, "click=move")
    x, y = page.evaluate(POINT_ON_SCREEN, "points")  # pick an ordinary point ...
    page.mouse.click(x, y)
    settle(page)
    wait_plots(page, CHARTS)
    assert "picked" in " ".join(traces(page, 0))  # ringed, waiting for where it goes
    box = plot_area(page)  # ... and put it near the top right
    page.mouse.click(box["x"] + 0.85 * box["width"], box["y"] + 0.08 * box["height"])
    wait_url(page, ",")  # pts=<the added point>,<i>=<x>:<y>:1
    wait_plots(page, CHARTS)
    assert "101 points, 7 outliers" in main_text(page)
    assert lines(page)["MSE"] != after["MSE"]
    assert errors_shown(page) == []
    assert page.console_errors == []
    screenshot(page, "outliers_after_move")


def test_deep_link_on_fresh_server_restores_the_points(fresh_server, page):
    """The first visitor of a freshly started server opens a link with edited points and every control set."""
    page.set_viewport_size(TALL)
    link = "/outliers?pts=-2.5:30,-0.5:25,3%3D:40:1,-7&count=8&size=6&delta=2&also=quantile&tau=0.8&formula=abs(r)**1.5&click=remove"
    open_page(page, fresh_server.url + link, plots=CHARTS)
    text = main_text(page)
    assert "The 11 outliers" in text and "101 points, 11 outliers" in text  # 8 + 2 added + point 3
    assert "Huber(delta=2)" in text and "quantile(tau=0.8)" in text and "abs(r)**1.5" in text
    assert "click a point to remove it" in text
    assert len(lines(page)) == 5  # MSE, MAE, Huber, the quantile asked for, the formula
    nav = sidebar_nav(page)
    assert nav[0] == "Home" and "Outliers" in nav and "app" not in nav, nav
    assert errors_shown(page) == [] and page.console_errors == []
    assert _drawn(page)
    screenshot(page, "outliers_deep_link")


def test_csv_upload_bad_then_good(server, page, tmp_path):
    open_page(page, server.url + "/outliers?data=csv")
    page.get_by_text("Choose a CSV file").wait_for(timeout=30_000)
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text("x,y\n1,2\n2,nan\n3,4\n")
    good.write_text("x,y\n" + "\n".join(f"{i / 10},{2 * i / 10 + (i % 3) * 0.5}" for i in range(60)))
    upload = page.locator('[data-testid="stFileUploaderDropzoneInput"]')
    upload.set_input_files(str(bad))
    page.locator('[data-testid="stAlertContentError"]').first.wait_for(timeout=30_000)
    settle(page)
    assert any("row 3" in e and "NaN" in e for e in errors_shown(page)), errors_shown(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "outliers_csv_bad")
    upload.set_input_files(str(good))
    settle(page)
    wait_plots(page, CHARTS)
    assert errors_shown(page) == []
    assert "60 points, 5 outliers" in main_text(page) and "estimated from the data" in main_text(page)
    count = page.locator('.st-key-outliers_count input[type="range"]').get_attribute("value")
    assert count == "5"  # drawn at its value (seen at its minimum once, when first drawn after an upload)
    assert _drawn(page)
    screenshot(page, "outliers_csv")


def test_the_table_edits_points(server, page):
    open_page(page, server.url + "/outliers?n=20&count=2", plots=CHARTS)
    page.get_by_text("as a table").click()
    table = page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]').first  # not the summary
    table.wait_for()
    settle(page)
    box = table.bounding_box()
    page.mouse.click(box["x"] + 0.5 * box["width"], box["y"] + 0.4 * box["height"])  # a cell of column y
    for _ in range(8):
        page.keyboard.press("ArrowUp")  # up to point 0
    page.keyboard.press("Enter")
    editor = page.locator("textarea.gdg-input, input.gdg-input").first  # the cell editor
    editor.fill("55")
    page.wait_for_function("document.querySelector('.gdg-input') && document.querySelector('.gdg-input').value === '55'")
    page.keyboard.press("Enter")
    wait_url(page, "0=:55:")
    wait_plots(page, CHARTS)
    assert 55.0 in traces(page, 0)["points"]["y"]  # point 0 moved up, still an ordinary point
    assert "20 points, 2 outliers" in main_text(page)
    page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]').first.wait_for()  # still open
    screenshot(page, "outliers_table_edited")
    assert errors_shown(page) == [] and page.console_errors == []
