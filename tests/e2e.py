"""Helpers for the browser tests: wait for a Streamlit run to finish, read what a person sees."""
from __future__ import annotations

import time

RUNNING = '[data-testid="stStatusWidget"]'


def settle(page, timeout: float = 60.0, quiet: float = 0.6) -> None:
    """Wait until the app has been idle (no 'Running...' status) for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout * 1000)
    idle_since = None
    while time.monotonic() < deadline:
        running = page.locator(RUNNING).filter(has_text="Running").count() > 0
        if running:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= quiet:
            return
        time.sleep(0.1)
    raise TimeoutError("the app kept running")


def open_page(page, url: str, plots: int = 0) -> None:
    """Go to ``url`` and wait until the run is over and at least ``plots`` charts are drawn."""
    page.goto(url)
    page.wait_for_selector('[data-testid="stMain"]', timeout=60_000)
    settle(page)
    wait_plots(page, plots)


def wait_plots(page, count: int, timeout: float = 30.0) -> None:
    """Wait until ``count`` Plotly charts have been drawn (each has its own SVG), then settle."""
    if count:
        drawn = "[...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('.main-svg')).length"
        page.wait_for_function(f"{drawn} >= {count}", timeout=timeout * 1000)
        settle(page)


def errors_shown(page) -> list[str]:
    """Error boxes and exception tracebacks visible in the page."""
    sel = '[data-testid="stException"], [data-testid="stAlertContentError"]'
    return [e.inner_text() for e in page.locator(sel).all()]


def plots(page):
    return page.locator(".js-plotly-plot")


def sidebar_nav(page) -> list[str]:
    """Page titles in the sidebar menu (the icon is a font ligature: its text comes first)."""
    return [a.inner_text().strip().splitlines()[-1] for a in page.locator('[data-testid="stSidebarNav"] a').all()]


def wait_url(page, fragment: str, timeout: float = 30.0) -> None:
    """Wait until the address bar holds ``fragment`` (the run that writes it has finished), then settle."""
    page.wait_for_function(f"decodeURIComponent(location.search).includes({fragment!r})", timeout=timeout * 1000)
    settle(page)


def main_text(page) -> str:
    """What the page's main block says (the sidebar left out)."""
    return page.locator('[data-testid="stMain"]').inner_text()


def eventually(check, what: str, timeout: float = 30.0):
    """Poll ``check()`` until it is truthy (a rerun ends a moment after the browser sends the input)."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"still not {what} after {timeout:g} s")
        time.sleep(0.2)
    return result
