"""Optimisers page in headless Chromium: the animation plays in the page, the map stays drawn, the step
slider and a click on the map work, and a deep link restores the race on a fresh server."""
import time

import pytest
from conftest import screenshot
from e2e import errors_shown, open_page, plots, settle, sidebar_nav

from landscape import optim

pytestmark = pytest.mark.browser

DEFAULT_LABELS = [optim.spec(n).label for n in optim.DEFAULT_RACE]

# What the animated contour shows right now, read from its Plotly graph div.
STATE = """(labels) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const paths = gd.data.map((t, i) => labels.includes(t.name) ? i : -1).filter(i => i >= 0);
  const frames = gd._transitionData._frames;
  const start = gd.data.find(t => t.name === 'start');
  return {
    lengths: paths.map(i => gd._fullData[i].x.length),
    names: gd.data.map(t => t.name),
    map: gd.querySelectorAll('.layer-subplot .imagelayer image').length,
    step: gd._fullLayout.sliders[0].active,
    frames: frames.length,
    moving: [...new Set(frames.flatMap(f => f.traces))].map(i => gd.data[i].name).sort(),
    start: [gd._fullData[gd.data.indexOf(start)].x[0], gd._fullData[gd.data.indexOf(start)].y[0]],
  };
}"""

# The page position of a point (x, y) of the contour's axes.
PIXEL = """([x, y]) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const box = gd.querySelector('.nsewdrag').getBoundingClientRect();
  return [box.left + gd._fullLayout.xaxis.d2p(x), box.top + gd._fullLayout.yaxis.d2p(y)];
}"""


def state(page, labels=DEFAULT_LABELS):
    return page.evaluate(STATE, labels)


def button(page, text):
    return plots(page).nth(0).locator(".updatemenu-button").filter(has_text=text)


def test_play_advances_the_paths_while_the_map_stays(server, page):
    open_page(page, server.url + "/optimisers", plots=2)
    full = state(page)
    assert full["map"] == 1 and full["frames"] > 20
    assert full["moving"] == sorted(DEFAULT_LABELS + ["current step"])  # frames move only the paths
    assert min(full["lengths"]) > 100 and full["step"] == full["frames"] - 1
    screenshot(page, "optimisers_default")

    button(page, "Play").click()
    time.sleep(0.5)
    early = state(page)
    time.sleep(0.7)
    later = state(page)
    screenshot(page, "optimisers_playing")
    assert early["lengths"][0] < later["lengths"][0] < full["lengths"][0], (early, later)  # from the start, growing
    assert early["step"] < later["step"]
    assert early["map"] == later["map"] == 1  # the contour map is still drawn mid-animation

    page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot')[0]._fullLayout.sliders[0].active"
                           f" === {full['step']}", timeout=30_000)  # played to the end
    assert state(page)["lengths"] == full["lengths"]

    rail = plots(page).nth(0).locator(".slider-rail-rect").bounding_box()
    page.mouse.click(rail["x"] + 0.3 * rail["width"], rail["y"] + rail["height"] / 2)
    time.sleep(0.5)
    moved = state(page)
    assert 0 < moved["step"] < full["step"]
    assert 1 < moved["lengths"][0] < full["lengths"][0] and moved["map"] == 1
    assert errors_shown(page) == []
    assert page.console_errors == []

    button(page, "Play").click()
    time.sleep(0.5)
    button(page, "Pause").click()
    time.sleep(0.2)
    paused = state(page)
    time.sleep(0.5)
    assert state(page)["step"] == paused["step"] < full["step"]
    # plotly.js rejects the interrupted Play's promise with no reason and its button does not catch it.
    assert set(page.console_errors) <= {"undefined"}


def test_click_on_the_map_sets_the_start(server, page):
    open_page(page, server.url + "/optimisers?opt=adam", plots=2)
    x, y = page.evaluate(PIXEL, [1.6, -0.6])  # a point of the click grid, away from the path
    page.mouse.move(x, y)
    page.mouse.click(x, y)
    settle(page)
    page.wait_for_function("location.search.includes('sx=1.6')", timeout=30_000)
    assert "sy=-0.6" in page.url
    settle(page)
    assert state(page, ["Adam"])["start"] == pytest.approx([1.6, -0.6], abs=1e-6)
    assert errors_shown(page) == []
    assert page.console_errors == []


def test_deep_link_on_fresh_server(fresh_server, page):
    """The first visitor of a fresh server opens a deep link and gets that race and the normal menu."""
    open_page(page, fresh_server.url + "/optimisers?opt=adam,lbfgs&fn=himmelblau&steps=120&swarm=1&details=1&3d=1",
              plots=4)
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "himmelblau · press ▶ Play" in main and "2 optimisers × 120 steps computed in" in main and "Swarm" in main
    chosen = page.locator(".st-key-optim_opt").inner_text()
    assert "Adam" in chosen and "L-BFGS" in chosen and "Nesterov" not in chosen
    assert {"Adam", "L-BFGS"} <= set(state(page, ["Adam", "L-BFGS"])["names"])
    nav = sidebar_nav(page)
    assert nav[0] == "Home" and "Optimisers" in nav and "app" not in nav, nav
    assert errors_shown(page) == []
    screenshot(page, "optimisers_deep_link")
    swarm = plots(page).nth(3)  # the map, the 3D paths, the loss curves, then the swarm (Adam's panel alone)
    assert swarm.locator(".heatmaplayer image").count() == 1  # the starts as cells that tile the panel
    swarm.scroll_into_view_if_needed()
    screenshot(page, "optimisers_swarm")
