"""Every page on a projector's 1280x720 (issue 11), in headless Chromium: the main figure above the fold,
nothing clipped, no text under 14 px, Plotly's toolbar over no legend.  Screenshots of each page as it
opens go to tests/screenshots/projector_<page>.png (a person looks at them; the checks below are what a
test can see).

The pages are read from app.py, so a new page is checked without a change here.
"""
import ast

import pytest
from conftest import ROOT, SCREENSHOTS
from e2e import errors_shown, settle, wait_plots

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1280, "height": 720}
MIN_TEXT = 14  # px
EDGE = 3  # px inside a 3D scene's edge that must be blank
CHARTS = {"": 0, "class": 0, "lessons": 0, "outliers": 5, "loss_surface": 2, "neural_landscape": 3,
          "optimisers": 2, "loss_surface?family=regression": 3, "optimisers?3d=1": 3}  # charts to wait for (default: 1)
MORE = [("loss_surface?family=regression", "Loss surface with its data"),  # other layouts of a page
        ("optimisers?3d=1", "Optimisers with the 3D surface")]


def pages() -> list[tuple[str, str]]:
    """``(url path, title)`` of every st.Page in app.py ("" for the default page)."""
    out = []
    for node in ast.walk(ast.parse((ROOT / "app.py").read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page":
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            out.append(("" if kw.get("default") else kw.get("url_path", ""), kw["title"]))
    return out


# For every chart: its box, its toolbar's, its legend's and colour bars', the font size and box of every
# visible SVG text, and for a 3D chart the font sizes Plotly was given (WebGL text has no DOM).
CHARTS_JS = """() => [...document.querySelectorAll('[data-testid="stMain"] .js-plotly-plot')].map(gd => {
  const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
                     return r.width && r.height ? {x: r.left, y: r.top, w: r.width, h: r.height} : null; };
  const texts = [...gd.querySelectorAll('.main-svg text, .main-svg tspan')]
    .filter(t => { const s = getComputedStyle(t);  // what shows: not transparent (the step slider's hidden ticks)
                   return t.textContent.trim() && s.fillOpacity !== '0' && s.opacity !== '0'
                          && s.fill !== 'rgba(0, 0, 0, 0)' && !t.closest('.hoverlayer'); })
    .map(t => ({text: t.textContent.trim().slice(0, 40), size: parseFloat(getComputedStyle(t).fontSize), box: box(t)}));
  const scenes = Object.keys(gd._fullLayout).filter(k => /^scene\\d*$/.test(k)).map(k => gd._fullLayout[k]);
  const size = gd._fullLayout._size;  // WebGL draws a scene inside its domain of the plot area, and cuts it there
  const viewports = scenes.map(s => ({x: size.l + s.domain.x[0] * size.w, w: (s.domain.x[1] - s.domain.x[0]) * size.w,
                                      y: size.t + (1 - s.domain.y[1]) * size.h,
                                      h: (s.domain.y[1] - s.domain.y[0]) * size.h}));
  return {box: box(gd), modebar: box(gd.querySelector('.modebar')), legend: box(gd.querySelector('.legend')),
          colorbars: [...gd.querySelectorAll('.colorbar')].map(box).filter(Boolean), texts,
          webgl: gd.querySelector('.gl-container canvas') !== null, viewports,
          sceneFonts: scenes.flatMap(s => ['xaxis', 'yaxis', 'zaxis'].flatMap(a => [s[a].tickfont.size,
                                                                                   s[a].title.font.size]))};
})"""


def overlap(a, b) -> bool:
    return bool(a and b) and a["x"] < b["x"] + b["w"] and b["x"] < a["x"] + a["w"] \
        and a["y"] < b["y"] + b["h"] and b["y"] < a["y"] + a["h"]


def inside(inner, outer, slack: float = 1.0) -> bool:
    return (inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack
            and inner["x"] + inner["w"] <= outer["x"] + outer["w"] + slack
            and inner["y"] + inner["h"] <= outer["y"] + outer["h"] + slack)


def cut_edges(png: bytes, viewport: dict) -> list[str]:
    """The edges of a 3D scene's viewport (in a picture of its chart) where something is drawn right up to
    them: WebGL cuts a scene, its surface or its axis labels, at its viewport, so anything in the outermost
    pixels inside one was cut.  Left, right and bottom (the top is the toolbar's band)."""
    import io

    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.float64)
    x0, y0 = int(round(viewport["x"])), int(round(viewport["y"]))
    x1 = min(int(round(viewport["x"] + viewport["w"])), a.shape[1])
    y1 = min(int(round(viewport["y"] + viewport["h"])), a.shape[0])
    strips = {"left": a[y0:y1, x0:x0 + EDGE], "right": a[y0:y1, x1 - EDGE:x1], "bottom": a[y1 - EDGE:y1, x0:x1]}
    return [name for name, strip in strips.items() if (strip < 245).any()]


@pytest.fixture
def projector(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


@pytest.mark.parametrize("path,title", pages() + MORE, ids=lambda v: v or "home")
def test_page_on_a_projector(server, projector, path, title):
    page = projector
    page.goto(f"{server.url}/{path}")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=60_000)
    settle(page)
    wait_plots(page, CHARTS.get(path, 1), timeout=90)
    page.wait_for_timeout(500)
    SCREENSHOTS.mkdir(exist_ok=True)
    name = (path or "home").replace("?", "_").replace("=", "_")
    page.screenshot(path=str(SCREENSHOTS / f"projector_{name}.png"))
    assert errors_shown(page) == [] and page.console_errors == []
    assert page.locator('[data-testid="stMain"] h1').count() >= 1, title
    charts = page.evaluate(CHARTS_JS)
    if not CHARTS.get(path, 1):
        return
    main = page.locator('[data-testid="stMain"]').bounding_box()
    first = charts[0]["box"]
    row = [c for c in charts if abs(c["box"]["y"] - first["y"]) < 12]  # the main figure and its neighbours
    for chart in row:
        b = chart["box"]
        assert b["y"] >= 0 and b["y"] + b["h"] <= VIEWPORT["height"], (path, "below the fold", b)
        assert b["x"] >= main["x"] - 1 and b["x"] + b["w"] <= VIEWPORT["width"], (path, "off the side", b)
    plots = page.locator('[data-testid="stMain"] .js-plotly-plot')
    for i, chart in enumerate(charts):
        small = [(t["text"], t["size"]) for t in chart["texts"] if t["size"] < MIN_TEXT]
        assert not small, (path, i, "text under 14 px", small[:5])
        assert all(s >= MIN_TEXT for s in chart["sceneFonts"]), (path, i, chart["sceneFonts"])
        clipped = [t["text"] for t in chart["texts"] if t["box"] and not inside(t["box"], chart["box"])]
        assert not clipped, (path, i, "text outside its chart", clipped[:5])
        for part in [chart["legend"], *chart["colorbars"]]:
            assert not overlap(chart["modebar"], part), (path, i, "the toolbar covers", part)
            assert part is None or inside(part, chart["box"]), (path, i, "legend or colour bar cut", part)
        if chart["webgl"] and chart in row:
            plots.nth(i).scroll_into_view_if_needed()
            png = plots.nth(i).screenshot()
            for viewport in chart["viewports"]:
                cut = cut_edges(png, viewport)
                assert not cut, (path, i, "the 3D scene is cut at its edge", cut)
