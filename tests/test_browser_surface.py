"""Loss Surface page in headless Chromium: what a person sees."""
import pytest
from conftest import screenshot
from e2e import errors_shown, open_page, plots, settle, sidebar_nav, wait_plots, wait_url

pytestmark = pytest.mark.browser


def _drawn(page):
    """(3D surface drawn, contour drawn): a WebGL canvas in the first plot, contour paths in the second."""
    plot3d, contour = plots(page).nth(0), plots(page).nth(1)
    return (plot3d.locator(".gl-container canvas").count() > 0,
            contour.locator(".contourlayer path, .heatmaplayer image, .hm image").count() > 0)


def test_surface_page_draws_and_reacts(server, page):
    open_page(page, server.url + "/loss_surface", plots=2)
    assert plots(page).count() >= 2
    assert _drawn(page) == (True, True)
    screenshot(page, "surface_default")

    page.get_by_text("Linear regression").click()
    wait_url(page, "family=regression")
    page.locator(".st-key-surface_loss").click()
    page.get_by_role("option", name="Huber").click()
    wait_url(page, "loss=huber")
    wait_plots(page, 2)
    assert _drawn(page) == (True, True)
    assert "Huber" in page.locator('[data-testid="stMain"]').inner_text()
    assert errors_shown(page) == []
    assert page.console_errors == []
    screenshot(page, "surface_huber")


def test_deep_link_on_fresh_server(fresh_server, page):
    """The first visitor of a freshly started server opens a deep link and gets that view and the normal menu."""
    open_page(page, fresh_server.url + "/loss_surface?family=regression&loss=mae&l2=0.5&res=61&details=1", plots=4)
    assert _drawn(page) == (True, True)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "MAE" in main and "61×61" in main and "Regularisation" in main  # the grid size: a computation detail
    nav = sidebar_nav(page)
    assert nav[0] == "Home" and "Loss surface" in nav and "app" not in nav, nav
    assert errors_shown(page) == []
    screenshot(page, "surface_deep_link")


def test_bad_link_gets_a_message(server, page):
    open_page(page, server.url + "/loss_surface?res=99999&fn=nope", plots=2)
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "res" in text and "outside" in text and "fn" in text
    assert _drawn(page) == (True, True)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_csv_upload_bad_then_good(server, page, tmp_path):
    open_page(page, server.url + "/loss_surface?family=regression&data=upload+a+CSV")
    assert "Choose a CSV file" in page.locator('[data-testid="stSidebar"]').inner_text()
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text("x,y\n1,2\n1,abc\n")
    good.write_text("x,y\n" + "\n".join(f"{i / 10},{2 * i / 10 + (i % 3)}" for i in range(40)))
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(bad))
    page.wait_for_selector('[data-testid="stAlertContentError"]', timeout=30_000)
    assert any("row 3" in e for e in errors_shown(page))
    assert page.locator('[data-testid="stException"]').count() == 0
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files(str(good))
    settle(page)
    wait_plots(page, 2)
    assert errors_shown(page) == []
    assert _drawn(page) == (True, True)
    screenshot(page, "surface_csv")
