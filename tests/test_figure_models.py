"""The model drawn for a point of a data problem's map (``landscape.figures.models``): one drawing per kind of
model in the registry, every data family has one, and each draws the data and the lines at the given weights."""
import numpy as np
import pytest
from apptest import floats

from landscape import grid, losses, problems
from landscape.figures import models

DATA_FAMILIES = [name for name, f in problems.FAMILIES.items() if f.model]


def test_every_family_with_a_model_has_a_drawing_and_the_others_none():
    assert DATA_FAMILIES
    for name, family in problems.FAMILIES.items():
        assert (models.drawing_of(name) is not None) == bool(family.model), name


def _surface(spec: problems.ProblemSpec):
    return grid.evaluate(problems.from_spec(spec), x_range=(-2, 2), y_range=(-2, 2), n=21)


@pytest.mark.parametrize("name", DATA_FAMILIES)
def test_the_click_grid_names_the_model_of_its_family(name):
    family = problems.FAMILIES[name]
    loss = losses.names(family.loss_kind)[0]
    trace = models.click_grid(_surface(problems.ProblemSpec(name, family.options()[0], {"n": 40, "seed": 1}, loss)),
                              name)
    assert trace.hovertemplate.startswith(models.drawing_of(name).hover + "<br>")
    assert floats(trace.x).size == 21 * 21


def test_a_test_function_has_no_model_in_its_hover():
    trace = models.click_grid(_surface(problems.ProblemSpec("benchmark", "himmelblau")), "benchmark")
    assert trace.hovertemplate.startswith("x = ")


def test_a_line_is_drawn_with_its_residuals_and_the_best_line():
    x, y = np.array([0.0, 1.0, 2.0]), np.array([1.0, 2.0, 4.0])
    fig = models.model_on_data((x, y), "regression", (1.5, 0.5), (1.0, 1.0), 0.1, ("w", "b"))
    names = [t.name for t in fig.data]
    assert names == ["data", "residuals", "the best line", "the picked line"]
    picked = fig.data[-1]
    np.testing.assert_allclose(floats(picked.y), 1.5 * floats(picked.x) + 0.5, rtol=1e-6)
    assert fig.layout.xaxis.title.text == "x" and fig.layout.title.text == "w = 1.5, b = 0.5: loss 0.1"


def test_a_boundary_goes_through_the_origin_and_the_points_keep_their_class():
    x = np.array([[0.0, 1.0], [1.0, 0.0], [-1.0, -1.0]])
    y = np.array([1.0, 0.0, 1.0])
    fig = models.model_on_data((x, y), "classification", (1.0, -2.0), None, 0.5, ("w1", "w2"))
    assert [t.name for t in fig.data] == ["class 0", "class 1", "the picked boundary"]
    line = fig.data[-1]
    np.testing.assert_allclose(1.0 * floats(line.x) - 2.0 * floats(line.y), 0.0, atol=1e-6)
    assert floats(fig.data[1].x).size == 2 and fig.layout.xaxis.title.text == "x₁"
