"""What every figure builder of ``landscape.figures`` draws, from real compute output on small grids.

The builders are derived from ``landscape.figures.__all__`` (every exported function that returns a Plotly
object), so a new one fails ``test_every_builder_has_a_case`` until it gets a case in one of the case modules
(``tests/figure_cases_*.py``, by subject).  A case builds the inputs with the compute package, as the pages do
(``figure_inputs``), and checks the trace types, that the plotted arrays are the compute output (as the float32
the figures send), the markers at the minimisers and the axis titles (``figure_reading``).  Every figure also
keeps ``readable``'s promise: no text below ``style.MIN_TEXT`` px.
"""
from __future__ import annotations

import inspect
import json

import figure_cases_curves
import figure_cases_maps
import figure_cases_optimisers
import figure_cases_outliers
import figure_inputs
import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from figure_reading import assert_readable
from plotly.subplots import make_subplots

from landscape import figures
from landscape.figures import specs, style

RESTYLERS = {"readable"}  # takes a finished figure: every case's figures go through it
CASE_MODULES = (figure_cases_maps, figure_cases_curves, figure_cases_outliers, figure_cases_optimisers)


def builders() -> set[str]:
    """Exported functions that return a Plotly figure or trace (``go.Figure``, ``tuple[go.Figure, ...]``)."""
    return {name for name in figures.__all__ if inspect.isfunction(f := getattr(figures, name))
            and "go." in str(inspect.signature(f).return_annotation)} - RESTYLERS


def _cases() -> dict:
    """Every ``case_<builder>`` function of the case modules, by builder name (a name defined twice fails)."""
    found: dict = {}
    for module in CASE_MODULES:
        for name, case in vars(module).items():
            if name.startswith("case_"):
                assert name not in found, f"{name} is defined twice"
                found[name.removeprefix("case_")] = case
    return found


CASES = _cases()


def test_every_builder_has_a_case():
    assert builders() == set(CASES), "give every exported figure builder a case in tests/test_figures.py"


@pytest.mark.parametrize("name", sorted(CASES))
def test_builder_draws_the_compute_output(name):
    drawn = CASES[name]()
    assert drawn
    for fig in drawn:
        assert_readable(fig)


@pytest.mark.parametrize("look", style.LOOKS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_figure_sends_what_plotly_validates(name, look):
    """Figures are built as plain specs and wrapped without validation (``specs.figure``): each one, in every
    look, sends exactly what the copy Plotly validates property by property sends, so no property is misspelt
    and every value is written as Plotly writes it (a named colour scale as its stops, a picture as a data URI)."""
    with style.looking(look):
        for fig in CASES[name]():
            validated = go.Figure(specs.spec_of(fig))
            assert json.loads(pio.to_json(fig, validate=False)) == json.loads(pio.to_json(validated, validate=False))


@pytest.mark.parametrize("look", style.LOOKS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_every_figure_built_plain_sends_the_same(name, look, monkeypatch):
    """``ui.charts`` builds within ``specs.plain()`` (spec-built figures are never wrapped in Plotly objects): every
    builder call of the case, built again that way, sends the same JSON."""
    calls = []

    def recording(builder):
        def call(*args, **kwargs):
            out = builder(*args, **kwargs)
            calls.append((builder, args, kwargs, out))
            return out
        return call

    for builder in builders():
        monkeypatch.setattr(figures, builder, recording(getattr(figures, builder)))
    with style.looking(look):
        CASES[name]()
        assert calls
        for builder, args, kwargs, out in calls:
            with specs.plain():
                plain = builder(*args, **kwargs)
            for fig, plain_fig in zip(*(o if isinstance(o, tuple) else (o,) for o in (out, plain)), strict=True):
                assert _sent(plain_fig) == _sent(fig)


def _sent(fig: go.Figure) -> dict:
    return json.loads(pio.to_json(fig, validate=False))


def test_a_misspelt_property_fails_the_validated_copy():
    """The check above has teeth: a spec Plotly would refuse cannot be sent unnoticed."""
    sizes = np.arange(3.0)
    spec = specs.spec_of(figures.influence(["mse"], ["MSE"], sizes, sizes[None], now=1.0, clean_slope=0.5))
    spec["layout"]["xaxis"]["titel"] = "x"
    specs.figure(spec).to_dict()  # wrapped as it is
    with pytest.raises(ValueError, match="titel"):
        go.Figure(spec)


def test_an_animation_sends_its_frames_as_plotly_would_validate_them():
    """``Animated`` keeps its frames as plain dicts: what it sends equals what a plain go.Figure of the same
    figure (which validates every frame) sends, and reading ``frames`` gives the validated frames."""
    _, surf, minima, paths, _ = figure_inputs.himmelblau()
    fig = figures.animated_contour(surf, paths, markers=minima)
    sent = json.loads(pio.to_json(fig, validate=False))
    validated = go.Figure(fig)  # a copy reads fig.frames: Plotly validates them
    assert len(sent["frames"]) > 1 and sent == json.loads(pio.to_json(validated, validate=False))
    assert len(fig.frames) == len(validated.frames) > 1 and fig.frames[-1].name == validated.frames[-1].name


@pytest.mark.parametrize("position", sorted(specs._VLINE_LABEL))
def test_a_vertical_line_on_a_spec_is_plotlys_add_vline(position):
    line = dict(color="#444444", width=1.5, dash="dot")
    layout: dict = {}
    specs.vline(layout, 2.5, line, "now", position)
    plotly_own = go.Figure().add_vline(x=2.5, line=line, annotation_text="now", annotation_position=position)
    assert go.Figure(layout=layout).to_dict() == plotly_own.to_dict()


@pytest.mark.parametrize("position", sorted(specs._HLINE_LABEL))
def test_a_horizontal_line_on_a_spec_is_plotlys_add_hline(position):
    line = dict(color="red", width=2, dash="dash")
    layout: dict = {}
    specs.hline(layout, -0.5, line, "without", position)
    plotly_own = go.Figure().add_hline(y=-0.5, line=line, annotation_text="without", annotation_position=position)
    assert go.Figure(layout=layout).to_dict() == plotly_own.to_dict()


@pytest.mark.parametrize("rows, cols", [(1, 2), (1, 3), (2, 3)])
def test_subplots_on_a_spec_are_plotlys_make_subplots(rows, cols):
    """``specs.subplots`` is make_subplots' layout, and ``specs.cell`` names the axes its ``add_trace(row, col)`` sets."""
    titles = tuple(f"panel {i}" for i in range(rows * cols))
    layout = specs.subplots(rows, cols, subplot_titles=titles, horizontal_spacing=0.05)
    data = [dict(type="scatter", x=[r, c], **specs.cell(r, c, cols)) for r in range(1, rows + 1) for c in range(1, cols + 1)]
    plotly_own = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=0.05)
    for r in range(1, rows + 1):
        for c in range(1, cols + 1):
            plotly_own.add_trace(go.Scatter(x=[r, c]), r, c)
    assert go.Figure(dict(data=data, layout=layout)).to_dict() == plotly_own.to_dict()
    assert specs.axis_key(specs.cell(rows, cols, cols)["xaxis"]) in layout


def test_the_map_picture_is_drawn_once_per_surface():
    """``map_picture`` keeps the PNG of a surface it drew: an equal surface (another array) gets it from the cache,
    a surface changed in one height gets its own, and a caller's copy can be changed without touching the cache."""
    from dataclasses import replace

    from landscape.figures.trajectories import _picture, map_image, map_picture

    _, surf, _, _, _ = figure_inputs.himmelblau()
    _picture.cache_clear()
    first = map_picture(surf)
    again = map_picture(replace(surf, z=surf.z.copy()))
    assert again == first and _picture.cache_info().hits == 1
    assert first["source"] == _sent(go.Figure(layout=dict(images=[map_image(surf)])))["layout"]["images"][0]["source"]
    changed = surf.z.copy()
    changed[0, 0] += 1.0
    assert map_picture(replace(surf, z=changed))["source"] != first["source"]
    first["source"] = "changed"
    assert map_picture(surf)["source"] != "changed"


def test_a_finished_figure_cannot_be_changed_unnoticed():
    """Within ``plain()`` a builder's figure is its spec: changing it with Plotly's methods raises (it would draw
    nothing), and ``editable`` gives a figure those methods change."""
    _, surf, minima, _, _ = figure_inputs.himmelblau()
    with specs.plain():
        finished = figures.contour(surf, markers=minima)
        with pytest.raises(TypeError, match="editable"):
            finished.add_trace(go.Scatter(x=[0.0], y=[0.0]))
        with pytest.raises(TypeError, match="editable"):
            finished.update_layout(height=300)
        changed = specs.editable(finished).add_trace(go.Scatter(x=[0.0], y=[0.0], name="added"))
    assert _sent(changed)["data"][-1]["name"] == "added"
    assert _sent(changed)["data"][:-1] == _sent(finished)["data"]
