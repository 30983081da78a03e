"""AppTest: the frame and the Loss Surface page render, their controls work, bad input gets a message."""
import json

import pytest
import torch
from streamlit.testing.v1 import AppTest
from apptest import ROOT, charts, floats, load, ok, spec

from landscape import data, lessons, losses, optim, problems

PAGE = "views/loss_surface.py"


def test_frame_and_home_render():
    at = ok(AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run())
    assert "Loss Landscape Explorer" in at.title[0].value
    home = at.markdown[0].value  # its lists are the registries'
    assert f"**Lessons**: {len(lessons.names())} lessons" in home
    assert "**Optimisers**: gradient descent, momentum, Nesterov, Adagrad, RMSprop, Adam, AdamW, NAdam and L-BFGS " \
           "racing" in home and all(optim.spec(name).label in home for name in optim.names())
    ok(at.switch_page("views/loss_surface.py").run())
    assert len(charts(at)) == 2


def test_default_view_draws_surface_and_contour():
    at = ok(load(PAGE))
    assert len(charts(at)) == 2
    assert "rosenbrock" in at.caption[0].value and "grid minimum" in at.caption[0].value
    assert at.latex
    assert not any("computed in" in c.value for c in at.caption)  # computation details are off by default
    colorbar = next(t for t in spec(at, 1)["data"] if t["type"] == "contour")["colorbar"]
    assert colorbar["title"]["text"] == "loss (log scale)"  # in words, with ticks labelled with the loss
    assert colorbar["ticktext"][:3] == ["0", "1", "10"]


def test_computation_details_are_one_switch_away_and_in_the_link():
    at = ok(load(PAGE, details="1"))
    line = next(c.value for c in at.caption if "computed in" in c.value)
    assert "101×101 grid computed in" in line and " ms by the " in line and "81×81" in line
    at.checkbox(key="surface_details").uncheck().run()
    ok(at)
    assert not any("computed in" in c.value for c in at.caption) and "details" not in at.query_params


def test_a_finer_resolution_leaves_the_3d_surface_as_it_was():
    """The 3D chart draws at most 81x81 points: a change of resolution above that sends it byte-identical, so
    the browser does not draw it again (a WebGL chart costs a machine without a GPU about a second)."""
    at = ok(load(PAGE))
    before, map_before = charts(at)[0].proto.spec, charts(at)[1].proto.spec
    at.slider(key="surface_res").set_value(102).run()
    ok(at)
    assert charts(at)[0].proto.spec == before
    assert charts(at)[1].proto.spec != map_before and at.query_params["res"] == "102"  # the map is finer
    at.slider(key="surface_res").set_value(41).run()
    ok(at)
    assert len(spec(at, 0)["data"][0]["x"]["bdata"]) < len(json.loads(before)["data"][0]["x"]["bdata"])  # 41 < 81


@pytest.mark.parametrize("name", list(problems.BENCHMARKS))
def test_every_test_function(name):
    at = ok(load(PAGE, fn=name))
    assert len(charts(at)) == 2 and name in at.caption[0].value


@pytest.mark.parametrize("loss", losses.names("regression"))
def test_every_regression_loss_with_penalty(loss):
    at = ok(load(PAGE, family="regression", loss=loss, l2="0.5", res="41", details="1"))
    assert len(charts(at)) == 4  # surface, contour, the line over the data, data / penalty / total
    assert any("41×41" in c.value for c in at.caption)


@pytest.mark.parametrize("loss", losses.names("binary"))
def test_every_classification_loss(loss):
    at = ok(load(PAGE, family="classification", loss=loss, res="31"))
    assert len(charts(at)) == 3
    assert "decision boundary" in at.caption[0].value


def test_the_data_is_drawn_with_the_line_of_the_minimum():
    at = ok(load(PAGE, family="regression"))
    assert len(charts(at)) == 3 and "each point of the map is one line" in at.caption[0].value
    model = spec(at, 2)
    x, y = data.make("line", n=200, seed=0)
    shown = next(t for t in model["data"] if t["name"] == "data")
    assert len(floats(shown["x"])) == len(x) and shown["x"]["dtype"] == "f4"
    names = [t["name"] for t in model["data"]]
    assert names == ["data", "residuals", "the best line", "the picked line"]
    grid = next(t for t in spec(at, 1)["data"] if t.get("name") == "click to draw its model")
    assert grid["marker"]["opacity"] == 0 and "the line ŷ =" in grid["hovertemplate"]


def test_a_picked_point_draws_its_line_and_quotes_its_loss():
    at = ok(load(PAGE, family="regression", loss="mae", at="1.5,0.5"))
    obj = problems.linear_regression(*data.make("line", n=200, seed=0), "mae")
    loss = float(obj(torch.tensor([1.5, 0.5], dtype=torch.float64)))
    assert spec(at, 2)["layout"]["title"]["text"] == f"w = 1.5, b = 0.5: loss {loss:.4g}"
    star = next(t for t in spec(at, 1)["data"] if t.get("name") == "the line drawn below")
    assert star["marker"]["symbol"] == "star"
    assert at.query_params["at"] == "1.5,0.5"
    at.selectbox(key="surface_data").set_value(data.names("regression")[1]).run()  # another problem: no pick
    ok(at)
    assert "at" not in at.query_params


def test_a_click_on_the_map_picks_its_point():
    from landscape.ui import surface

    class Url:
        def key(self, name):
            return f"surface_{name}"

    import streamlit as st
    st.session_state["surface_contour"] = {"selection": {"points": [{"x": 2.25, "y": -0.125}]}}
    surface._pick(Url(), "surface_contour")
    assert st.session_state["surface_at"] == "2.25,-0.125"


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
    assert len(charts(at)) == 3  # surface, map, the line over the data


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
    ({"family": "regression", "at": "1,2,3"}, "at"), ({"family": "regression", "at": "x,1"}, "at"),
    ({"family": "regression", "at": "1e9,0"}, "at"), ({"family": "regression", "at": "nan,0"}, "at"),
])
def test_bad_link_parameters_get_a_message_and_a_default(query, name):
    at = load(PAGE, **query)
    assert not at.exception and not at.error
    assert any(f"`{name}`" in w.value for w in at.warning), [w.value for w in at.warning]
    assert len(charts(at)) >= 2
