"""AppTest: the Loss functions, Classification and Distributions pages render, their controls work and reach
the URL, and bad input (a link, a formula, a choice) gets a message, never an exception."""
import json

import pytest
from streamlit.testing.v1 import AppTest
from apptest import ROOT, charts, load, ok

from landscape import classify, curves, data, losses

GALLERY, CLASSIFY, DIST = "views/loss_functions.py", "views/classification.py", "views/distributions.py"
CHARTS = {GALLERY: 2, CLASSIFY: 5, DIST: 4}


def names(at, index):
    """Trace names of one chart."""
    return [t.get("name") for t in json.loads(charts(at)[index].proto.spec)["data"] if t.get("name")]


def warned(at, name):
    return any(f"`{name}`" in w.value for w in at.warning)


@pytest.mark.parametrize("page", [GALLERY, CLASSIFY, DIST])
def test_page_renders_from_the_frame(page):
    at = ok(AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run())
    ok(at.switch_page(page).run())
    assert len(charts(at)) == CHARTS[page]


# ---- loss functions --------------------------------------------------------------------------------------

def test_gallery_default_curves_readout_and_explanations():
    at = ok(load(GALLERY))
    assert len(charts(at)) == 2
    assert {"MSE", "MAE", "Huber(delta=1) (= r²/2 near 0)"} <= set(names(at, 0))  # the scale said in the legend
    table = at.dataframe[0].value
    assert list(table["loss"]) == ["MSE", "MAE", "Huber(delta=1)"]
    assert table.iloc[0, 1] == pytest.approx(2.25) and table.iloc[0, 2] == pytest.approx(3.0)  # r = 1.5
    assert len(at.latex) == 3 and any("Use it when" in m.value for m in at.markdown)


@pytest.mark.parametrize("kind", list(curves.AXES))
def test_every_gallery_loss_with_its_parameter_sliders(kind):
    axis = curves.AXES[kind]
    at = ok(load(GALLERY, kind=kind, **{f"show_{axis.variable}": ",".join(curves.choices(kind))}))
    sliders = {s.key for s in at.sidebar.slider}
    for name in curves.choices(kind):
        assert {f"gallery_{p.name}" for p in losses.spec(name).params} <= sliders
    assert len(at.latex) == len(curves.choices(kind))
    if axis.reference:
        assert losses.spec(axis.reference).title in names(at, 0)


def test_gallery_controls_reach_the_figure_and_the_url():
    at = ok(load(GALLERY))
    at.multiselect(key="gallery_show_r").set_value(["huber", "quantile"]).run()
    at.slider(key="gallery_delta").set_value(0.3).run()
    at.slider(key="gallery_tau").set_value(0.9).run()
    at.slider(key="gallery_at").set_value(-2.0).run()
    ok(at)
    assert {"Huber(delta=0.3) (= r²/2 near 0)", "quantile(tau=0.9)"} <= set(names(at, 0))
    assert at.query_params["show_r"] == ["huber,quantile"] or at.query_params["show_r"] == "huber,quantile"
    assert at.dataframe[0].value.iloc[1, 1] == pytest.approx(0.1 * 2.0)  # quantile: (tau - 1) r at r = -2
    at.radio(key="gallery_kind").set_value("binary").run()
    ok(at)
    assert "0-1" in names(at, 0) and "hinge" in names(at, 0)
    at.slider(key="gallery_label_smoothing").set_value(0.2).run()
    at.slider(key="gallery_classes").set_value(5).run()
    ok(at)
    assert any("with label smoothing" in n for n in names(at, 1))


def test_custom_formula_is_drawn_and_a_hostile_one_gets_a_message():
    at = ok(load(GALLERY))
    at.text_input(key="gallery_formula_r").input("where(abs(r) < 1, r**2/2, abs(r) - 1/2)").run()
    ok(at)
    assert "your formula (= r²/2 near 0)" in names(at, 0)  # Huber typed by hand: its scale near 0 in the legend
    assert "formula_r" in at.query_params
    for hostile, message in (("().__class__", "attribute access"), ("__import__('os')", "quotes"),
                             ("9**9**9", "power"), ("lambda: r", "lambda")):
        at.text_input(key="gallery_formula_r").input(hostile).run()
        assert not at.exception
        assert any(message in e.value for e in at.error), (hostile, [e.value for e in at.error])
        assert len(charts(at)) == 2 and "MSE" in names(at, 0)
        assert not any(n.startswith("your formula") for n in names(at, 0))


def test_custom_formula_from_a_link():
    at = ok(load(GALLERY, kind="binary", formula_m="softplus(-m)**2"))
    assert "your formula" in names(at, 0)
    at = load(GALLERY, formula_r="open(r)")
    assert not at.exception and any("calling 'open'" in e.value for e in at.error)
    assert len(charts(at)) == 2


@pytest.mark.parametrize("query, name", [
    ({"kind": "xyz"}, "kind"), ({"show_r": "mse,bogus"}, "show_r"), ({"delta": "-1", "show_r": "huber"}, "delta"),
    ({"at": "99"}, "at"), ({"span": "abc"}, "span"), ({"formula_r": "r" * 201}, "formula_r"),
    ({"classes": "2.5"}, "classes"), ({"label_smoothing": "nan"}, "label_smoothing"),
])
def test_gallery_bad_links_get_a_warning_and_a_default(query, name):
    at = load(GALLERY, **query)
    assert not at.exception and not at.error
    assert warned(at, name), [w.value for w in at.warning]
    assert len(charts(at)) == 2


# ---- classification -----------------------------------------------------------------------------------------

def test_classification_default_and_metrics():
    at = ok(load(CLASSIFY))
    assert len(charts(at)) == 5
    assert [m.label for m in at.metric] == ["Precision", "Recall", "Accuracy"]
    assert "false-negative weight 1" in at.caption[0].value
    assert {"boundary of the minimiser", "boundary at weight 1"} <= set(names(at, 1))


@pytest.mark.parametrize("dataset", data.names("binary"))
@pytest.mark.parametrize("loss", classify.BINARY_LOSSES)
def test_every_data_set_and_loss(dataset, loss):
    at = ok(load(CLASSIFY, data=dataset, loss=loss, n="100"))
    assert len(charts(at)) == 5


def test_false_negative_weight_moves_the_metrics_and_the_url():
    at = ok(load(CLASSIFY, data="imbalanced"))
    before = [m.value for m in at.metric]
    at.slider(key="classify_pos_weight").set_value(10.0).run()
    ok(at)
    after = [m.value for m in at.metric]
    assert after != before and "vs weight 1" in at.metric[1].proto.delta
    assert at.query_params["pos_weight"] in ("10", ["10"])
    assert "false-negative weight 10" in at.caption[0].value


def test_classification_controls():
    at = ok(load(CLASSIFY))
    at.selectbox(key="classify_loss").set_value("focal").run()
    at.slider(key="classify_gamma").set_value(3.0).run()
    at.radio(key="classify_surf").set_value("3D").run()
    ok(at)
    assert "focal(gamma=3, alpha=0.25)" in at.caption[0].value
    assert json.loads(charts(at)[0].proto.spec)["data"][0]["type"] == "surface"
    at.selectbox(key="classify_px").set_value("bC").run()
    at.slider(key="classify_T").set_value(2.5).run()
    at.slider(key="classify_dx").set_value(1.0).run()
    ok(at)
    assert "temperature 2.5" in at.caption[1].value
    assert {"class A", "class B", "class C"} <= set(names(at, 4))


def test_same_softmax_parameter_twice_gets_a_message_and_the_rest_draws():
    at = load(CLASSIFY, px="wA1", py="wA1")
    assert not at.exception
    assert any("two different parameters" in e.value for e in at.error)
    assert len(charts(at)) == 3  # the two-class section still draws


@pytest.mark.parametrize("query, name", [
    ({"data": "nope"}, "data"), ({"data": "three_blobs"}, "data"), ({"loss": "zero_one"}, "loss"),
    ({"pos_weight": "0"}, "pos_weight"), ({"pos_weight": "inf"}, "pos_weight"), ({"n": "5"}, "n"),
    ({"seed": "-1"}, "seed"), ({"T": "99"}, "T"), ({"px": "w"}, "px"), ({"dx": "7"}, "dx"), ({"surf": "4D"}, "surf"),
])
def test_classification_bad_links_get_a_warning_and_a_default(query, name):
    at = load(CLASSIFY, **query)
    assert not at.exception and not at.error
    assert warned(at, name), [w.value for w in at.warning]
    assert len(charts(at)) == 5


# ---- distributions --------------------------------------------------------------------------------------------

def test_distributions_default():
    at = ok(load(DIST))
    assert len(charts(at)) == 4
    table = at.dataframe[0].value
    assert set(table["divergence"]) == {"forward KL(p‖q)", "reverse KL(q‖p)", "Jensen-Shannon"}
    assert (table["divergence"] == "reverse KL(q‖p)").sum() >= 2  # a minimum per mode
    assert len(at.latex) == 3
    assert any("soft Dice" in m.value and "%" in m.value for m in at.markdown)


def test_distribution_controls_reach_the_url():
    at = ok(load(DIST))
    at.slider(key="dist_sep").set_value(0.0).run()
    at.slider(key="dist_extent").set_value(0.3).run()
    at.slider(key="dist_smooth").set_value(5.0).run()
    ok(at)
    table = at.dataframe[0].value
    assert len(table) == 3  # one mode: one minimum each
    assert at.query_params["sep"] in ("0", ["0"]) and at.query_params["extent"] in ("0.3", ["0.3"])


@pytest.mark.parametrize("query, name", [({"sep": "99"}, "sep"), ({"share": "1"}, "share"), ({"width": "x"}, "width"),
                                         ({"pos": "-1"}, "pos"), ({"soft": "0"}, "soft"),
                                         ({"smooth": "nan"}, "smooth")])
def test_distribution_bad_links_get_a_warning_and_a_default(query, name):
    at = load(DIST, **query)
    assert not at.exception and not at.error
    assert warned(at, name), [w.value for w in at.warning]
    assert len(charts(at)) == 4
