"""Neural landscape and Overfitting pages in headless Chromium: what a person sees."""
import pytest
from conftest import screenshot
from e2e import errors_shown, main_text, open_page, plots, settle, sidebar_nav, wait_url

pytestmark = pytest.mark.browser
TALL = {"width": 1400, "height": 2200}  # every chart of a page in view for the screenshots
TRAIN = '[data-testid="stBaseButton-primaryFormSubmit"]'  # the form's Train button
STOP = '[class*="st-key-progress_"]:not([class*="_again"]) button'  # Stop under a progress bar (not the header's)


def drawn_3d(plot) -> bool:
    return plot.locator(".gl-container canvas").count() > 0


def drawn_contour(plot) -> bool:
    return plot.locator(".contourlayer path, .heatmaplayer image, .hm image").count() > 0


def drawn_lines(plot) -> int:
    return plot.locator(".scatterlayer .trace path.js-line").count()


def wait_charts(page, count: int, timeout: float = 60.0) -> None:
    """Wait until ``count`` Plotly charts hold drawn data (lines, a contour or a WebGL canvas), then settle."""
    drawn = ("Array.from(document.querySelectorAll('.js-plotly-plot')).filter(p => p.querySelector("
             "'.scatterlayer .trace path.js-line, .contourlayer path, .gl-container canvas')).length")
    page.wait_for_function(f"{drawn} >= {count}", timeout=timeout * 1000)
    settle(page)


def move_slider(page, key: str, presses: int) -> None:
    """Move a slider by ``presses`` arrow-key steps (negative: left); Streamlit 1.67 draws an input[type=range]."""
    thumb = page.locator(f'.st-key-{key} input[type="range"]')
    thumb.focus()
    for _ in range(abs(presses)):
        thumb.press("ArrowRight" if presses > 0 else "ArrowLeft")


def stop(page, message: str) -> None:
    """Press Stop under the running progress bar and wait for the page to say ``message``."""
    try:
        page.wait_for_selector(STOP, timeout=60_000)
    except Exception as error:  # say what the page showed instead
        screenshot(page, "neural_no_stop_button")
        raise AssertionError(f"no Stop button; the page says: {main_text(page)[:2000]}") from error
    page.locator(STOP).click()
    page.wait_for_selector(f"text={message}", timeout=30_000)
    settle(page)


def clean(page) -> None:
    assert errors_shown(page) == []
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []


# ---- Neural landscape -------------------------------------------------------------------------------

def test_neural_page_draws_and_reacts(server, page):
    page.set_viewport_size(TALL)
    open_page(page, server.url + "/neural_landscape")
    wait_charts(page, 3)
    flat, tall, history = (plots(page).nth(i) for i in range(3))  # the slice first, the training curves below
    assert drawn_lines(history) == 2 and drawn_contour(flat) and drawn_3d(tall)
    assert "2-32-32-1 tanh network" in main_text(page) and "41×41 grid" in main_text(page)
    clean(page)
    screenshot(page, "neural_default")

    page.get_by_text("PCA plane + path").click()
    wait_url(page, "view=pca")
    wait_charts(page, 3)
    flat, tall = plots(page).nth(0), plots(page).nth(1)
    assert drawn_contour(flat) and drawn_lines(flat) >= 1 and drawn_3d(tall)  # the path on the contour
    assert "Explained variance" in main_text(page)
    screenshot(page, "neural_pca")

    page.get_by_text("1D: initial → trained").click()
    wait_url(page, "view=interpolation")
    wait_charts(page, 2)
    assert drawn_lines(plots(page).nth(0)) == 2
    screenshot(page, "neural_interpolation")

    page.locator(".st-key-nn_widths input").fill("16")
    page.locator(TRAIN).click()
    wait_url(page, "widths=16")
    wait_charts(page, 2)
    assert "2-16-1 tanh network" in main_text(page)
    clean(page)


def test_neural_curvature_view(server, page):
    page.set_viewport_size(TALL)
    open_page(page, server.url + "/neural_landscape?view=curvature&widths=16&epochs=60")
    wait_charts(page, 2)
    text = main_text(page)
    assert "top eigenvalue" in text and "trace of H" in text and "Both networks trained" in text
    assert drawn_lines(plots(page).nth(0)) == 2  # the two minima along their top eigenvectors
    clean(page)
    screenshot(page, "neural_curvature")


def test_neural_training_can_be_stopped(server, page):
    """Each training (5,760 steps) is near the largest the budget allows, so it still runs when Stop is pressed
    (with 160 epochs, about 3 s, CI once saw the training end between finding Stop and clicking it)."""
    page.goto(server.url + "/neural_landscape?epochs=480&n=500&seed=11")
    stop(page, "Training was stopped at")
    assert plots(page).count() == 0 and page.locator('[data-testid="stException"]').count() == 0
    screenshot(page, "neural_stopped")
    page.get_by_role("button", name="Run again").click()  # starts over; stop it again
    stop(page, "Training was stopped at")
    clean(page)


def test_neural_stop_before_the_form_is_drawn(server, page):
    """Stop pressed while the browser is still loading the code of the form's widgets (as on a busy machine):
    drawn afterwards, the form shows the link's settings, not each widget's declared default, and Run again
    trains them (CI once saw every control at 0 or empty, then "number of points must be ... got 0")."""
    held, holding = [], [True]
    for name in ("NumberInput", "Slider", "TextInput", "Selectbox"):  # each loaded when first drawn
        page.route(f"**/{name}.*.js", lambda route: held.append(route) if holding[0] else route.continue_())
    page.goto(server.url + "/neural_landscape?epochs=480&n=500&seed=12")
    page.wait_for_selector(STOP, timeout=60_000)
    assert page.locator(".st-key-nn_n input").count() == 0  # not drawn yet: its value is not in the Stop's rerun
    page.locator(STOP).click()
    page.wait_for_selector("text=Training was stopped at", timeout=30_000)
    holding[0] = False
    for route in held:
        route.continue_()
    page.wait_for_selector(".st-key-nn_n input", timeout=30_000)
    settle(page)
    assert page.locator(".st-key-nn_n input").input_value() == "500"
    assert page.locator(".st-key-nn_widths input").input_value() == "32, 32"
    page.get_by_role("button", name="Run again").click()
    stop(page, "Training was stopped at")
    clean(page)


def test_neural_comparison_can_be_stopped(server, page):
    """The small- vs large-batch comparison trains two more networks under its own bar and Stop button."""
    open_page(page, server.url + "/neural_landscape?widths=8&epochs=120&seed=5")
    wait_charts(page, 3)
    page.get_by_text("Curvature", exact=True).click()
    stop(page, "Training a small-batch and a large-batch network was stopped at")
    assert "top eigenvalue" in main_text(page)  # the read-outs of the trained network stay
    page.get_by_role("button", name="Run again").click()
    page.wait_for_selector("text=Both networks trained", timeout=120_000)
    settle(page)
    clean(page)


def test_neural_diverging_run_and_bad_link_get_messages(server, page):
    open_page(page, server.url + "/neural_landscape?opt=sgd&lr=1000000&widths=8&epochs=20&seed=99999")
    wait_charts(page, 1)
    text = main_text(page)
    assert "Training diverged at step" in text and "Link parameter seed" in text and "outside" in text
    assert page.locator('[data-testid="stException"]').count() == 0


def test_neural_deep_link_on_fresh_server(fresh_server, page):
    """The first visitor of a freshly started server opens a deep link and gets that view and the normal menu."""
    open_page(page, fresh_server.url + "/neural_landscape?data=circles&widths=16&epochs=50&view=interpolation")
    wait_charts(page, 2)
    text = main_text(page)
    assert "2-16-1 tanh network" in text and "points on the line" in text
    assert page.locator(".st-key-nn_widths input").input_value() == "16"
    nav = sidebar_nav(page)
    assert nav[0] == "Home" and "Neural landscape" in nav and "app" not in nav, nav
    clean(page)
    screenshot(page, "neural_deep_link")


# ---- Overfitting ----------------------------------------------------------------------------------------

def test_overfitting_page_draws_and_reacts(server, page):
    page.set_viewport_size(TALL)
    open_page(page, server.url + "/overfitting")
    wait_charts(page, 4)
    for i in range(4):
        assert drawn_lines(plots(page).nth(i)) >= 2
    assert "Degree 12: overfit" in main_text(page) and "At the best epoch" in main_text(page)
    clean(page)
    screenshot(page, "overfitting_default")

    move_slider(page, "fit_degree", -5)
    wait_url(page, "degree=7")
    wait_charts(page, 4)
    assert "Degree 7: good fit" in main_text(page)
    clean(page)
    screenshot(page, "overfitting_degree_7")


def test_overfitting_deep_link_on_fresh_server(fresh_server, page):
    open_page(page, fresh_server.url + "/overfitting?degree=2&n=100&noise=0.5&l2=0.001&epochs=300&width=16")
    wait_charts(page, 4)
    text = main_text(page)
    assert "Degree 2: underfit" in text and "ridge fits on 100 points" in text and "1-16-16-1 tanh network" in text
    nav = sidebar_nav(page)
    assert nav[0] == "Home" and "Overfitting" in nav and "app" not in nav, nav
    clean(page)
    screenshot(page, "overfitting_deep_link")
