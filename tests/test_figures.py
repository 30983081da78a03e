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
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from figure_reading import assert_readable

from landscape import figures
from landscape.figures import style

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
def test_readable_merges_as_plotlys_own_update(name, look, monkeypatch):
    """``style.update`` (one merged dict per top-level property) leaves every figure as Plotly's ``update`` would."""
    with style.looking(look):
        fast = [json.loads(pio.to_json(fig, validate=False)) for fig in CASES[name]()]
        monkeypatch.setattr(style, "update", lambda obj, patch: obj.update(patch))
        plotly_own = [json.loads(pio.to_json(fig, validate=False)) for fig in CASES[name]()]
    assert fast == plotly_own


def test_an_animation_sends_its_frames_as_plotly_would_validate_them():
    """``Animated`` keeps its frames as plain dicts: what it sends equals what a plain go.Figure of the same
    figure (which validates every frame) sends, and reading ``frames`` gives the validated frames."""
    _, surf, minima, paths, _ = figure_inputs.himmelblau()
    fig = figures.animated_contour(surf, paths, markers=minima)
    sent = json.loads(pio.to_json(fig, validate=False))
    validated = go.Figure(fig)  # a copy reads fig.frames: Plotly validates them
    assert len(sent["frames"]) > 1 and sent == json.loads(pio.to_json(validated, validate=False))
    assert len(fig.frames) == len(validated.frames) > 1 and fig.frames[-1].name == validated.frames[-1].name
