"""The loss catalogue pages in headless Chromium: Loss functions, Classification, Distributions and overlap."""
import re

import pytest
from conftest import screenshot
from e2e import errors_shown, eventually, main_text, open_page, plots, settle, sidebar_nav, wait_plots

pytestmark = pytest.mark.browser


def traces(page, index: int) -> list[str]:
    """Trace names of the index-th Plotly chart, read from the chart itself."""
    return page.evaluate("i => document.querySelectorAll('.js-plotly-plot')[i].data.map(t => t.name || '')", index)


def checksum(page, index: int, trace: int, axis: str = "y") -> float:
    """Sum of one data array of a drawn trace (decoded by Plotly; 2D arrays row by row)."""
    return page.evaluate(
        f"""([i, t]) => {{
            const a = document.querySelectorAll('.js-plotly-plot')[i]._fullData[t].{axis};
            let s = 0;
            for (const row of a) {{ if (typeof row === 'number') s += row; else for (const v of row) s += v; }}
            return s;
        }}""", [index, trace])


def in_url(page, fragment: str) -> None:
    eventually(lambda: fragment in page.url, f"{fragment} in the address")
    settle(page)


def tall_screenshot(page, name: str, height: int = 3000) -> None:
    """The whole page: Streamlit scrolls inside its main block, so the window is made tall for the picture."""
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": height})
    settle(page)
    page.wait_for_timeout(800)  # the charts redraw at the new size
    screenshot(page, name)
    page.set_viewport_size(size)
    settle(page)


def drawn(page, count: int, first: int = 0) -> bool:
    """Charts ``first .. count - 1`` have drawn something (lines, contours, points or heatmap images)."""
    marks = ".scatterlayer path, .contourlayer path, .heatmaplayer image, .hm image, .point, .ternary path"
    return all(plots(page).nth(i).locator(marks).count() > 0 for i in range(first, count))


def until_in_url(page, action, fragment: str) -> None:
    """Do ``action`` until ``fragment`` is in the address: an input that lands while an earlier rerun is
    still being drawn can be lost, so an idempotent action is repeated (at most three times)."""
    for _ in range(3):
        action()
        try:
            eventually(lambda: fragment in page.url, f"{fragment} in the address", timeout=10)
            break
        except AssertionError:
            continue
    in_url(page, fragment)


def press(page, key: str, button: str, fragment: str) -> None:
    """Press ``button`` (End, Home) on the slider bound to ``key`` until ``fragment`` is in the address."""
    until_in_url(page, lambda: page.locator(f'.st-key-{key} input[type="range"]').first.press(button), fragment)


def type_formula(page, key: str, text: str, fragment: str) -> None:
    box = page.locator(f".st-key-{key} input")

    def action():
        box.fill(text)
        box.press("Enter")

    until_in_url(page, action, fragment)


def choose(page, key: str, option: str, fragment: str) -> None:
    """Pick ``option`` in the select box bound to ``key`` (typed, as the list may not show every option)
    until ``fragment`` is in the address."""
    def action():
        page.locator(f".st-key-{key} input").click()
        page.keyboard.type(option)
        page.get_by_role("option", name=option, exact=True).click()

    until_in_url(page, action, fragment)


def test_gallery_draws_reacts_and_guards_the_formula(server, page):
    open_page(page, server.url + "/loss_functions", plots=2)
    assert drawn(page, 2)
    names = set(traces(page, 0))
    assert {"MSE", "MAE"} <= names and any(n.startswith("Huber(delta=1) (= r²/2 near 0)") for n in names), names
    tall_screenshot(page, "gallery_default")

    page.locator(".st-key-gallery_kind").get_by_text("Classification").click()
    settle(page)
    wait_plots(page, 2)
    names = traces(page, 0)
    assert "0-1" in names and "hinge" in names and "MSE" not in names
    in_url(page, "kind=binary")

    type_formula(page, "gallery_formula_m", "softplus(-m)**2", "formula_m=softplus")
    assert "your formula" in traces(page, 0)
    assert errors_shown(page) == []
    screenshot(page, "gallery_custom")

    type_formula(page, "gallery_formula_m", "().__class__", "formula_m=%28%29.__class__")
    errors = errors_shown(page)
    assert any("attribute access" in e for e in errors), errors
    assert "your formula" not in traces(page, 0) and "hinge" in traces(page, 0)  # the rest still draws
    assert drawn(page, 2)
    assert page.locator('[data-testid="stException"]').count() == 0
    tall_screenshot(page, "gallery_hostile")

    press(page, "gallery_label_smoothing", "End", "label_smoothing=0.5")
    assert "with label smoothing ε = 0.5" in traces(page, 1)
    assert page.console_errors == []


def test_gallery_deep_link_on_fresh_server(fresh_server, page):
    open_page(page, fresh_server.url + "/loss_functions?show_r=huber,quantile&delta=0.5&tau=0.9"
              "&formula_r=log(cosh(r))&at=-2", plots=2)
    names = traces(page, 0)
    assert "quantile(tau=0.9)" in names, names  # the scale near 0 follows a name where it is r²/2 (tests/test_curves)
    assert any(n.startswith("Huber(delta=0.5)") for n in names) and any(n.startswith("your formula") for n in names)
    nav = sidebar_nav(page)
    assert nav[0] == "Home" and "Loss functions" in nav and "app" not in nav, nav
    assert errors_shown(page) == [] and page.console_errors == []


def test_classification_false_negative_weight_moves_the_boundary(server, page):
    open_page(page, server.url + "/classification?data=imbalanced", plots=5)
    assert drawn(page, 5)
    recall_before = page.locator('[data-testid="stMetric"]').nth(1).inner_text()
    boundary_before = checksum(page, 1, 2, "z")
    screenshot(page, "classification_default")

    press(page, "classify_pos_weight", "End", "pos_weight=20")  # the largest weight
    wait_plots(page, 5)
    recall_after = page.locator('[data-testid="stMetric"]').nth(1).inner_text()
    assert recall_before != recall_after
    assert "vs weight 1" in recall_after
    assert checksum(page, 1, 2, "z") != boundary_before
    tall_screenshot(page, "classification_weighted")

    choose(page, "classify_loss", "hinge", "loss=hinge")
    wait_plots(page, 5)
    assert "hinge" in main_text(page)
    assert errors_shown(page) == [] and page.console_errors == []


def test_classification_softmax_temperature_and_same_parameter_message(server, page):
    open_page(page, server.url + "/classification?T=3&px=bA&py=bB&dx=2&dy=-1.5&surf=3D&loss=focal", plots=5)
    text = main_text(page)
    assert "temperature 3" in text
    assert plots(page).nth(0).locator(".gl-container canvas").count() > 0  # the 3D surface (WebGL)
    assert drawn(page, 5, first=1)
    tall_screenshot(page, "classification_softmax")
    choose(page, "classify_py", "bA", "py=bA")
    assert any("two different parameters" in e for e in errors_shown(page))
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


def test_distributions_page_reacts(server, page):
    open_page(page, server.url + "/distributions", plots=4)
    assert drawn(page, 4)
    text = main_text(page)
    assert "forward KL" in text and "reverse KL" in text and "Jensen-Shannon" in text
    assert re.search(r"soft Dice\*?\*? \d+%", text)
    densities_before = traces(page, 1)
    tall_screenshot(page, "distributions_default")

    press(page, "dist_sep", "Home", "sep=0")
    wait_plots(page, 4)
    assert traces(page, 1) != densities_before  # the fitted q moved
    press(page, "dist_pos", "Home", "pos=0.1")
    assert errors_shown(page) == [] and page.console_errors == []
    tall_screenshot(page, "distributions_moved")


def test_bad_links_get_messages(server, page):
    for path, name in (("/distributions?sep=99", "sep"), ("/classification?data=nope", "data"),
                       ("/loss_functions?show_r=mse,bogus", "show_r")):
        open_page(page, server.url + path, plots=2)
        text = main_text(page)
        assert f"`{name}`" in text or name in text, text[:500]
        assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []
