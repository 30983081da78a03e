"""Shared fixtures: a Streamlit server on a free loopback port, headless system Chromium and a local Dask cluster;
and the helpers shared by the compute tests (``close``)."""
from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from appserver import Server  # bench/appserver.py: the same server the benchmarks start

# helper modules of the figure tests: their asserts report values as a test module's do
pytest.register_assert_rewrite("figure_reading", "figure_cases_maps", "figure_cases_curves", "figure_cases_outliers",
                               "figure_cases_optimisers")

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Tests run on one torch thread, as the app does: small tensors lose a lot when cores are shared."""
    import torch

    torch.set_num_threads(1)


@pytest.fixture
def fresh_server():
    """A server started for this test alone (for first-visitor deep links)."""
    server = Server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def server():
    server = Server()
    yield server
    server.stop()


MAIN = sys.modules["__main__"]  # pytest's own, before any AppTest replaces it


@pytest.fixture(autouse=True)
def real_main():
    """Put pytest's ``__main__`` back after every test.  Streamlit's script runner (every AppTest) installs the
    page it ran as ``__main__`` and leaves it there; a process started afterwards by multiprocessing's spawn
    (a Dask Nanny starts its worker so) first runs ``__main__.__file__``, that page, without a Streamlit
    runtime: views/optimisers.py then fails and so does the worker ("Nanny failed to start")."""
    yield
    sys.modules["__main__"] = MAIN


@pytest.fixture(scope="session")
def cluster():
    """One local Dask cluster for the session (a scheduler and one worker process of one thread), shared by
    test_jobs, test_job_queue and test_browser_jobs.  Closed once, at the end: this process's client first
    (``jobs.close``), then the cluster."""
    from distributed import LocalCluster

    from landscape import jobs

    c = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                     scheduler_kwargs={"dashboard": False}, worker_dashboard_address=None)
    yield c
    jobs.close()
    c.close()


@pytest.fixture
def dask(cluster, monkeypatch):
    """LANDSCAPE_DASK set to the cluster for this test, with a fresh queue."""
    from landscape import jobs

    monkeypatch.setenv(jobs.ENV, cluster.scheduler_address)
    monkeypatch.delenv(jobs.QUEUE_ENV, raising=False)
    jobs._queue = None
    yield cluster
    jobs._queue = None


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("Chromium not found: install Debian's chromium (make test does) or set CHROMIUM")
    return path


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def new_page(browser, **options):
    """A page in a context of its own (its own cookies and Streamlit session) that records console errors and
    failed requests in ``page.console_errors``.

    Streamlit's front end first probes ``<page>/_stcore/health`` and ``host-config`` on a deep
    link and falls back to the root when they 404; those probes are not errors of the app.
    """
    page = browser.new_context(**options).new_page()
    page.console_errors = []
    probe = re.compile(r"/[^/]+/_stcore/(health|host-config)$")
    page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
            and page.console_errors.append(m.text))
    page.on("response", lambda r: r.status >= 400 and not probe.search(r.url)
            and page.console_errors.append(f"HTTP {r.status} {r.url}"))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return page


@pytest.fixture
def page(browser):
    """A fresh page (``new_page``) at 1400x1000."""
    page = new_page(browser, viewport={"width": 1400, "height": 1000})
    yield page
    page.context.close()


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def close(a, b, tol=1e-12):
    """Two tensors equal to ``tol``, relative and absolute (float64 oracles)."""
    import torch

    torch.testing.assert_close(a, b, rtol=tol, atol=tol)
