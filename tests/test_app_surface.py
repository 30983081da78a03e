"""AppTest: the frame and the Loss Surface page render, their controls work, bad input gets a message."""

import pytest
from streamlit.testing.v1 import AppTest
from apptest import ROOT, charts, load, ok

from landscape import losses, problems

PAGE = "views/loss_surface.py"


def test_frame_and_home_render():
    at = ok(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run())
    assert "Loss Landscape Explorer" in at.title[0].value
    ok(at.switch_page("views/loss_surface.py").run())
    assert len(charts(at)) == 2


def test_default_view_draws_surface_and_contour():
    at = ok(load(PAGE))
    assert len(charts(at)) == 2
    assert "rosenbrock" in at.caption[0].value and "grid minimum" in at.caption[0].value
    assert at.latex


@pytest.mark.parametrize("name", list(problems.BENCHMARKS))
def test_every_test_function(name):
    at = ok(load(PAGE, fn=name))
    assert len(charts(at)) == 2 and name in at.caption[0].value


@pytest.mark.parametrize("loss", losses.names("regression"))
def test_every_regression_loss_with_penalty(loss):
    at = ok(load(PAGE, family="regression", loss=loss, l2="0.5", res="41"))
    assert len(charts(at)) == 3  # surface, contour, data / penalty / total
    assert "41×41" in at.caption[0].value


@pytest.mark.parametrize("loss", losses.names("binary"))
def test_every_classification_loss(loss):
    at = ok(load(PAGE, family="classification", loss=loss, res="31"))
    assert len(charts(at)) == 2


def test_controls_change_the_view():
    at = ok(load(PAGE))
    at.radio(key="surface_family").set_value("regression").run()
    ok(at)
    at.selectbox(key="surface_loss").set_value("huber").run()
    at.slider(key="surface_delta").set_value(0.5).run()
    ok(at)
    assert "Huber(delta=0.5)" in at.caption[0].value
    assert at.query_params["loss"] == "huber" and at.query_params["delta"] == "0.5"
    at.checkbox(key="surface_arrows").check().run()
    at.radio(key="surface_scale").set_value("log").run()
    ok(at)
    assert len(charts(at)) == 2


def test_view_range_min_above_max_gets_a_message():
    at = ok(load(PAGE, zoom="1"))
    at.number_input(key="surface_x0").set_value(2.5).run()
    at.number_input(key="surface_x1").set_value(-1.0).run()
    assert not at.exception
    assert any("must be below the maximum" in e.value for e in at.error)
    at.number_input(key="surface_x1").set_value(3.0).run()
    ok(at)


@pytest.mark.parametrize("query,name", [
    ({"res": "5000"}, "res"), ({"res": "abc"}, "res"), ({"fn": "nope"}, "fn"), ({"family": "x"}, "family"),
    ({"b": "1e9"}, "b"), ({"b": "nan"}, "b"), ({"zoom": "maybe"}, "zoom"),
    ({"family": "regression", "loss": "huber", "delta": "-3"}, "delta"),
    ({"family": "regression", "l2": "inf"}, "l2"), ({"family": "regression", "n": "1"}, "n"),
])
def test_bad_link_parameters_get_a_message_and_a_default(query, name):
    at = load(PAGE, **query)
    assert not at.exception and not at.error
    assert any(f"`{name}`" in w.value for w in at.warning), [w.value for w in at.warning]
    assert len(charts(at)) >= 2
