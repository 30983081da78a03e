"""The Neural landscape page on an app whose heavy work runs on Dask (landscape.jobs), in headless Chromium:
the numbers of the in-process app, the place in the queue while waiting, Stop on the class server.

The app is one ``streamlit run app.py`` given a LocalCluster's address in ``LANDSCAPE_DASK`` (one worker
process of one thread); ``make serve`` adds the proxy and more processes around the same path.
"""
import sys

import pytest
from appserver import Server
from conftest import screenshot
from e2e import errors_shown, open_page, settle
from test_browser_neural import STOP, clean, wait_charts

from landscape import jobs

pytestmark = pytest.mark.browser
METRIC = '[data-testid="stMetricValue"]'


@pytest.fixture(scope="module")
def dask_server(cluster):
    server = Server(env={jobs.ENV: cluster.scheduler_address})
    yield server
    server.stop()


def metrics(page) -> list[str]:
    return [m.inner_text() for m in page.locator(METRIC).all()]


def busy_until(path: str, seconds: float = 60.0) -> None:
    """Holds a worker's thread until ``path`` exists (another class's job, as far as this app knows)."""
    import os
    import time

    end = time.monotonic() + seconds
    while not os.path.exists(path) and time.monotonic() < end:
        time.sleep(0.05)


def test_a_network_trained_on_the_cluster_reads_as_one_trained_in_the_app(server, dask_server, page):
    link = "/neural_landscape?widths=16&epochs=60&seed=3&res=21"
    open_page(page, dask_server.url + link)
    wait_charts(page, 3)
    remote = metrics(page)
    clean(page)
    open_page(page, server.url + link)
    wait_charts(page, 3)
    assert metrics(page) == remote and len(remote) == 6  # losses, metrics, parameters, steps
    assert "training on the class server" not in page.content().lower()


def test_the_queue_place_shows_and_stop_cancels_on_the_cluster(cluster, dask_server, browser, tmp_path):
    import cloudpickle
    from distributed import Client

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the worker cannot import tests/
    other = Client(cluster.scheduler_address, set_as_default=False)  # another app process's job holds the worker
    release = tmp_path / "release"
    blocker = other.submit(busy_until, str(release), pure=False)
    first, second = browser.new_page(), browser.new_page()  # two sessions of the app, one worker thread
    try:
        first.goto(dask_server.url + "/neural_landscape?n=300&epochs=60&seed=21")
        first.wait_for_selector("text=Training on the class server", timeout=60_000)  # on the cluster, behind it
        second.goto(dask_server.url + "/neural_landscape?n=300&epochs=60&seed=22")
        second.wait_for_selector("text=place 1 of 1 in the queue", timeout=60_000)  # behind the first, in the app
        second.locator(STOP).wait_for(timeout=10_000)  # and while it waits, Stop and the controls are there
        second.locator('[data-testid="stSidebarUserContent"] [data-testid="stSlider"]').first.wait_for(timeout=10_000)
        screenshot(second, "jobs_queue_place")

        first.locator(STOP).click()  # Stop: the first's task is cancelled ...
        first.wait_for_selector("text=Training was stopped after", timeout=30_000)
        second.wait_for_selector("text=Training on the class server", timeout=5_000)  # ... and its place goes on
        second.locator(STOP).click()
        second.wait_for_selector("text=Training was stopped after", timeout=30_000)
        settle(first)
        assert "on the class server" in first.locator('[data-testid="stMain"]').inner_text()
        screenshot(first, "jobs_stopped")

        release.touch()
        blocker.result(timeout=30)
        first.get_by_role("button", name="Run again").click()  # trains again, to the end
        wait_charts(first, 3)
        assert len(metrics(first)) == 6 and errors_shown(first) == [] and errors_shown(second) == []
    finally:
        release.touch()
        first.close()
        second.close()
        other.close()
