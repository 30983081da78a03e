"""Exports (issue 14, item 4): the numbers behind each figure read back equal to the compute output; the
standalone figure and the whole-lesson HTML files open from file:// in headless Chromium with every network
request blocked and draw their charts; the race GIF has one frame per drawn step and its last frame's path
heads sit at the race's end points; text from a lesson is printed, never run."""
from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from landscape import export, lessons
from landscape.figures import export as fx
from landscape.figures.steps import BUILDERS, labelled, step_figure
from landscape.figures.trajectories import PATH_COLORS
from landscape.lessons import links
from landscape.lessons.compute import Memo
from landscape.types import Surface, Trajectory

MEMO = Memo(entries=128)
SMALL_NET = {"n": "100", "widths": "4", "epochs": "10"}


def inputs(page: str, **query) -> dict:
    return links.check(page, query).inputs


# ---- CSV and NPZ round trips -----------------------------------------------------------------------

def test_a_surface_reads_back_equal():
    surf = MEMO.get("surface", inputs("loss_surface"))
    back = export.surface_from_npz(export.surface_npz(surf.surface))
    for a in ("x", "y", "z"):
        assert np.array_equal(getattr(back, a), getattr(surf.surface, a))
    assert (back.x_label, back.y_label, back.method) == (surf.surface.x_label, surf.surface.y_label,
                                                         surf.surface.method)


def test_several_surfaces_read_back_equal_in_order():
    parts = MEMO.get("surface", inputs("loss_surface", family="regression", l2="1")).parts
    back = export.surfaces_from_npz(export.surfaces_npz(parts))
    assert list(back) == list(parts)
    for name in parts:
        assert np.array_equal(back[name].z, parts[name].z) and np.array_equal(back[name].x, parts[name].x)


def test_trajectories_read_back_equal_point_by_point():
    race = MEMO.get("race", inputs("optimisers", fn="quadratic", opt="gd,adam", gd_lr="0.21"))
    paths = labelled(race)
    back = export.trajectories_from_csv(export.trajectories_csv(paths))
    assert list(back) == list(paths)
    for label, path in paths.items():
        points, losses = back[label]
        assert np.array_equal(points, path.points) and np.array_equal(losses, path.losses)
    assert len(back["gradient descent"][1]) == race.paths["gd"].diverged_at  # a diverged path stops there


def test_the_leaderboard_reads_back_equal():
    race = MEMO.get("race", inputs("optimisers"))
    rows = race.leaderboard()
    table = export.read_csv(export.rows_csv(rows))
    assert list(table["optimiser"]) == [r["optimiser"] for r in rows]
    assert np.array_equal(table["final loss"], [r["final loss"] for r in rows])
    assert [None if math.isnan(v) else int(v) for v in table["steps to tol"]] == [r["steps to tol"] for r in rows]


def test_curves_and_points_read_back_equal():
    sweep = MEMO.get("degrees", inputs("overfitting")).sweep
    table = export.read_csv(export.figure_data("overfitting", "degrees", inputs("overfitting"), MEMO)
                            .content.decode())
    assert np.array_equal(table["degree"], sweep.degrees) and np.array_equal(table["val_mse"], sweep.val)
    assert table["regime"] == list(sweep.labels)
    step = MEMO.get("outliers", inputs("outliers"))
    p = step.points
    points = export.read_csv(export.figure_data("outliers", "scatter", inputs("outliers"), MEMO).content.decode())
    assert np.array_equal(points["x"], p.x) and np.array_equal(points["y"], p.y)
    assert np.array_equal(points["outlier"] == 1, p.outlier)
    w, b = step.fits.contaminated[step.keys.index("huber")]
    assert np.array_equal(points["fit_huber"], w * p.x + b)


def test_a_neural_plane_reads_back_with_its_axes_and_directions():
    view = inputs("neural_landscape", **SMALL_NET, res="11")
    plane = MEMO.get("plane", view)
    data = export.load_npz(export.figure_data("neural_landscape", "view", view, MEMO).content)
    assert np.array_equal(data["train/z"], plane.train.z) and np.array_equal(data["val/x"], plane.val.x)
    assert np.array_equal(data["directions"], plane.directions) and np.array_equal(data["centre"], plane.centre)


def test_every_figure_of_every_page_has_its_numbers():
    views = {"loss_surface": inputs("loss_surface", family="regression", l2="1"),
             "optimisers": inputs("optimisers", map="1", steps="50"),
             "neural_landscape": inputs("neural_landscape", **SMALL_NET, view="curvature")}
    for page, figures in BUILDERS.items():
        view = views.get(page) or inputs(page)
        for figure in figures:
            out = export.figure_data(page, figure, view, MEMO)
            assert out.content, (page, figure)
            if out.filename.endswith(".csv"):
                table = export.read_csv(out.content.decode())
                assert len(table) >= 2 and all(len(v) == len(next(iter(table.values()))) for v in table.values())
            else:
                assert export.load_npz(out.content)


def test_text_cells_cannot_become_spreadsheet_formulas_and_numbers_stay_exact():
    assert export.cell("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")" and export.cell("@SUM(A1)") == "'@SUM(A1)"
    assert export.cell(-1.5) == "-1.5" and export.cell(0.1 + 0.2) == repr(0.1 + 0.2)
    assert export.cell(None) == "" and export.cell(float("nan")) == "" and export.cell(True) == "1"


# ---- the race as a GIF ----------------------------------------------------------------------------------

def _colour(k: int) -> tuple[int, int, int]:
    c = PATH_COLORS[k % len(PATH_COLORS)].lstrip("#")
    return tuple(int(c[i:i + 2], 16) for i in (0, 2, 4))


def _check_gif(race, data: bytes) -> None:
    paths = labelled(race)
    layout = fx.gif_layout(race.surface, paths)
    gif = Image.open(io.BytesIO(data))
    length = max(len(p.points) for p in paths.values())
    assert gif.n_frames == len(layout.steps) == min(length, fx.GIF_MAX_FRAMES)
    assert layout.steps[-1] == length - 1
    gif.seek(gif.n_frames - 1)
    last = gif.convert("RGB")
    ends = [np.array(layout.pixel(p.points[-1])) for p in paths.values()]
    for k, (path, end) in enumerate(zip(paths.values(), ends)):
        covered = any(np.abs(ends[j] - end).max() <= fx.HEAD_RADIUS + 1 for j in range(k + 1, len(ends)))
        x, y = (int(round(v)) for v in end)
        if covered or not (0 <= x < layout.width and 0 <= y < layout.height):
            continue
        assert last.getpixel((x, y)) == _colour(k), (k, (x, y))


def test_the_race_gif_has_a_frame_per_step_and_ends_where_the_race_ends():
    race = MEMO.get("race", inputs("optimisers"))
    data = fx.step_gif(inputs("optimisers"), MEMO)
    assert data[:6] == b"GIF89a"
    _check_gif(race, data)


def test_a_diverged_race_gif_stops_with_the_longest_path():
    view = inputs("optimisers", fn="quadratic", opt="gd,momentum", gd_lr="0.21", momentum_lr="0.1")
    race = MEMO.get("race", view)
    assert race.paths["gd"].diverged_at is not None
    _check_gif(race, fx.step_gif(view, MEMO))


def test_a_long_race_gif_samples_its_steps():
    surf = Surface(np.linspace(-1, 1, 21), np.linspace(-1, 1, 21), np.zeros((21, 21)), "x", "y", "plain", 0.0)
    t = np.linspace(0, 1, 1001)
    path = Trajectory(np.stack([np.cos(6 * t) * t, np.sin(6 * t) * t], -1), 1 - t, "gd", {})
    data = fx.race_gif(surf, {"spiral": path})
    gif = Image.open(io.BytesIO(data))
    assert gif.n_frames == fx.GIF_MAX_FRAMES
    gif.seek(gif.n_frames - 1)
    x, y = (int(round(v)) for v in fx.gif_layout(surf, {"spiral": path}).pixel(path.points[-1]))
    assert gif.convert("RGB").getpixel((x, y)) == _colour(0)


# ---- HTML offline in Chromium ---------------------------------------------------------------------------

def test_a_standalone_figure_stays_under_the_size_limit_and_keeps_its_last_frame():
    fig = step_figure("optimisers", "race", inputs("optimisers"), MEMO)
    page = fx.figure_html(fig, "race")
    assert len(page.encode()) <= fx.MAX_HTML_BYTES and "<title>race</title>" in page
    thin = fx.thin_frames(fig, 10)
    assert len(thin.frames) == 10 and thin.frames[-1].name == fig.frames[-1].name
    assert [s.args[0][0] for s in thin.layout.sliders[0].steps] == [f.name for f in thin.frames]


@pytest.mark.parametrize("page_name, figure, query", [
    *[(p, spec.figures[0], {}) for p, spec in links.PAGES.items()],
    ("loss_surface", "surface", {"res": "301"}), ("classification", "boundary", {"n": "1000"}),
])
def test_every_default_figure_fits_in_a_standalone_file(page_name, figure, query):
    fig = step_figure(page_name, figure, inputs(page_name, **query), MEMO)
    page = fx.figure_html(fig, figure)
    assert len(page.encode()) <= fx.MAX_HTML_BYTES
    light = fx.coarser(fig)
    if light is not None:  # grids are halved only down to MIN_GRID points a side
        assert all(min(np.shape(t.z)) >= fx.MIN_GRID for t in light.data if getattr(t, "z", None) is not None
                   and np.ndim(t.z) == 2)


def _open_offline(browser, path) -> tuple[object, list[str], list[str]]:
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    blocked, errors = [], []
    context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
                  else (blocked.append(route.request.url), route.abort()))
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    return page, blocked, errors


def _drawn(page, count: int) -> None:
    script = "[...document.querySelectorAll('.js-plotly-plot')].filter(p => p.querySelector('.main-svg')).length"
    page.wait_for_function(f"{script} >= {count}", timeout=60_000)


@pytest.mark.browser
@pytest.mark.parametrize("page_name, figure, query", [
    ("optimisers", "race", {}), ("loss_surface", "surface", {}), ("outliers", "scatter", {}),
    ("distributions", "divergences", {}),
])
def test_a_standalone_figure_opens_offline_and_draws(browser, tmp_path, page_name, figure, query):
    html_file = tmp_path / f"{page_name}-{figure}.html"
    html_file.write_text(fx.figure_html(step_figure(page_name, figure, inputs(page_name, **query), MEMO), figure))
    page, blocked, errors = _open_offline(browser, html_file)
    try:
        _drawn(page, 1)
        assert page.locator(".js-plotly-plot").count() == 1
        if figure == "surface":
            page.wait_for_selector(".gl-container canvas", timeout=30_000)
        assert blocked == [] and errors == [], (blocked, errors)
    finally:
        page.context.close()


@pytest.mark.browser
def test_a_whole_lesson_opens_offline_and_every_step_draws_when_revealed(browser, tmp_path):
    lesson = lessons.get("learning-rate-limit")
    html_file = tmp_path / "lesson.html"
    html_file.write_text(fx.lesson_html(lesson, MEMO))
    page, blocked, errors = _open_offline(browser, html_file)
    try:
        assert page.locator("section.step").count() == len(lesson.steps)
        for k, step in enumerate(lesson.steps):
            section = page.locator(f"#step-{k + 1}")
            assert step.question in section.inner_text()
            section.locator("summary").click()
            reveal = section.locator(".reveal").inner_text()
            assert reveal == lessons.reveal(step, MEMO)
            if step.answer is not None:
                assert step.choices[step.answer] in section.locator(".answer").inner_text()
        _drawn(page, len(lesson.steps))
        assert blocked == [] and errors == [], (blocked, errors)
    finally:
        page.context.close()


@pytest.mark.browser
def test_script_in_a_lesson_is_printed_never_run(browser, tmp_path):
    hostile = "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">"
    step = lessons.make_step("distributions", {"sep": "2"}, hostile, hostile + " {forward_mu:.2f}",
                             "choice", [hostile, "b"], hostile)
    lesson = lessons.Lesson("hostile", hostile, hostile, (step,))
    html_file = tmp_path / "hostile.html"
    html_file.write_text(fx.lesson_html(lesson, MEMO))
    assert hostile not in html_file.read_text()
    page, blocked, errors = _open_offline(browser, html_file)
    try:
        page.locator("summary").click()
        _drawn(page, 1)
        assert page.evaluate("window.__pwned") is None
        assert page.locator("h1").inner_text() == hostile
        assert page.locator(".question").inner_text() == hostile
        assert page.locator(".reveal").inner_text().startswith(hostile + " ")
        assert page.locator("img").count() == 0 and page.locator("script").count() >= 2
        assert blocked == [] and errors == [], (blocked, errors)
    finally:
        page.context.close()
