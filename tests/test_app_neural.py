"""AppTest: the Neural landscape and Overfitting pages render, their controls work, bad input gets a message."""

import pytest
from streamlit.testing.v1 import AppTest
from apptest import charts, load, ok

from landscape.ui import neural

NEURAL, FIT = "views/neural_landscape.py", "views/overfitting.py"
SMALL = dict(n="200", widths="8", epochs="30")  # a quick network for the tests that are not about the default


def text(at) -> str:
    return " ".join(e.value for kind in ("markdown", "caption", "info", "warning", "error") for e in at.get(kind)
                    if isinstance(e.value, str))


def errors(at) -> str:
    return " ".join(e.value for e in at.error)


# ---- Neural landscape ---------------------------------------------------------------------------------

def test_widths_are_parsed_from_text():
    from landscape import nn
    from landscape.types import InputError

    assert nn.parse_widths("32, 32") == (32, 32) and nn.parse_widths(" 64 16 ") == (64, 16)
    for bad in ("", "0", "129", "1,2,3,4,5", "2.5", "wide", "1e2"):
        with pytest.raises(InputError):
            nn.parse_widths(bad)


def test_neural_default_trains_and_draws_the_random_plane():
    at = ok(load(NEURAL))
    assert len(charts(at)) == 3  # history, contour, 3D surface
    assert [m.label for m in at.metric][:2] == ["training loss", "validation loss"]
    assert "2-32-32-1 tanh network" in text(at) and "41×41 grid" in text(at)
    assert "What a slice can and cannot show" in [s.value for s in at.subheader]
    size = next(m.value for m in at.metric if m.label == "parameters")  # 1,185: not "thousands"
    assert f"This network has {size} weights and biases, so its loss is a surface over {size} dimensions" in text(at)
    assert "Trained in" not in text(at) and "computed in" not in text(at)  # computation details: one switch away
    at.checkbox(key="nn_details").check().run()
    assert "Trained in" in text(ok(at)) and "Grid computed in" in text(at) and at.query_params["details"] == "1"


@pytest.mark.parametrize("view, count, needle", [
    ("pca", 3, "Explained variance"), ("interpolation", 2, "points on the line"),
    ("curvature", 2, "Both networks trained"),
])
def test_neural_every_view(view, count, needle):
    at = ok(load(NEURAL, view=view, **SMALL))
    assert len(charts(at)) == count and needle in text(at)
    if view == "curvature":
        assert any("top eigenvalue" in m.label for m in at.metric) and len(at.dataframe) == 1


def test_neural_controls_change_the_view():
    at = ok(load(NEURAL, **SMALL))
    at.radio(key="nn_view").set_value("pca").run()
    ok(at)
    assert "Explained variance" in text(at)
    at.radio(key="nn_part").set_value("val").run()
    at.slider(key="nn_res").set_value(21).run()
    ok(at)
    assert "21×21 grid" in text(at) and at.query_params["view"] == "pca" and at.query_params["res"] == "21"
    at.text_input(key="nn_widths").set_value("6, 4")
    at.selectbox(key="nn_act").set_value("relu")
    at.button[0].click().run()  # Train
    ok(at)
    assert "2-6-4-1 relu network" in text(at) and at.query_params["widths"] == "6, 4"


@pytest.mark.parametrize("widget, value, message", [
    ("nn_widths", "500", "layer width must be a whole number from 1 to 128"),
    ("nn_widths", "8, 8, 8, 8, 8", "1 to 4 hidden-layer widths"),
    ("nn_widths", "wide", "whole number"),
    ("nn_n", 10, "number of points must be a whole number from"),
    ("nn_n", 10**6, "number of points must be a whole number from"),
    ("nn_epochs", 10**5, "epochs must be a whole number from"),
    ("nn_lr", 0.0, "learning rate must be between"),
    ("nn_batch", 1000, "batch size must be a whole number from"),
])
def test_neural_bad_widget_input_gets_a_message(widget, value, message):
    at = ok(load(NEURAL, **SMALL))
    element = at.text_input(key=widget) if widget == "nn_widths" else at.number_input(key=widget)
    element.set_value(value)
    at.button[0].click().run()
    assert not at.exception and message in errors(at), errors(at)


def test_neural_too_many_steps_and_too_large_a_slice_get_a_message():
    at = load(NEURAL, n="400", epochs="5000", batch="1")
    assert not at.exception and "steps; the limit is" in errors(at)
    at = load(NEURAL, n="5000", widths="128, 128, 128", epochs="1", batch="500", res="201")
    assert not at.exception and "this slice is too large" in errors(at)
    assert len(charts(at)) == 1  # the history is drawn, the slice refused


def test_neural_diverging_run_gets_a_message():
    at = load(NEURAL, opt="sgd", lr="1000000", **SMALL)
    assert not at.exception and "Training diverged at step" in errors(at) and "Lower the learning rate" in errors(at)
    assert len(charts(at)) == 1  # the history up to the last good record, no slices


@pytest.mark.parametrize("query, name", [
    ({"n": "99999"}, "n"), ({"n": "abc"}, "n"), ({"epochs": "0"}, "epochs"), ({"lr": "nan"}, "lr"),
    ({"act": "swish!"}, "act"), ({"data": "mnist"}, "data"), ({"noise": "5"}, "noise"), ({"res": "1000"}, "res"),
    ({"view": "nope"}, "view"), ({"span": "-1"}, "span"), ({"norm": "unit"}, "norm"), ({"widths": "x" * 300}, "widths"),
])
def test_neural_bad_link_parameters_get_a_message_and_a_default(query, name):
    at = load(NEURAL, **{**SMALL, **query})
    assert not at.exception and not at.error, errors(at)
    assert any(f"`{name}`" in w.value for w in at.warning), [w.value for w in at.warning]
    assert len(charts(at)) >= 2


def test_neural_link_with_bad_widths_text_gets_a_message():
    at = load(NEURAL, widths="0, 5")
    assert not at.exception and "layer width must be a whole number from" in errors(at)


# ---- progress and Stop ---------------------------------------------------------------------------------

def _progress_script():
    import streamlit as st

    from landscape.ui import progress

    seen = []
    value = progress.cached("test-key", lambda report: seen.append(report(0.5)) or 42, "Counting")
    st.write(f"value={value} calls={len(seen)}")


def test_a_stopped_computation_shows_a_message_until_run_again():
    from landscape.ui import progress

    progress.store().forget("test-key")
    at = AppTest.from_function(_progress_script, default_timeout=30)
    at.session_state[progress.STOPPED] = ("test-key", 0.37)
    at.run()
    assert not at.exception
    assert "Counting was stopped at 37%" in at.info[0].value and "value=None" in at.markdown[0].value
    at.button[0].click().run()  # Run again
    assert not at.exception and not at.info and "value=42 calls=1" in at.markdown[0].value
    at.run()
    assert "value=42 calls=0" in at.markdown[0].value  # from the store: not computed again


def _stale_stop_script():
    import streamlit as st

    from landscape.ui import progress

    st.button("Stop", key="stale", on_click=progress._stop, args=("test-key",))  # a Stop click that arrives late
    value = progress.cached("test-key", lambda report: 42, "Counting")
    st.write(f"value={value}")


def test_a_stop_arriving_after_the_computation_ended_stops_nothing():
    from landscape.ui import progress

    progress.store().forget("test-key")
    at = AppTest.from_function(_stale_stop_script, default_timeout=30).run()
    assert "value=42" in at.markdown[0].value and progress.RUNNING not in at.session_state
    progress.store().forget("test-key")
    at.button(key="stale").click().run()
    assert not at.info and "value=42" in at.markdown[0].value and progress.STOPPED not in at.session_state


def test_the_store_is_bounded_by_entries_and_bytes():
    import numpy as np

    from landscape.store import Store

    store = Store(max_entries=2, max_bytes=1000, ttl=3600)
    for k in "abc":
        store.put(k, np.zeros(10))
    assert len(store) == 2 and store.get("a") is None and store.get("c") is not None
    store.put("big", np.zeros(200))  # 1,600 bytes: alone over the limit, kept alone
    assert len(store) == 1 and store.get("big") is not None


# ---- Overfitting ----------------------------------------------------------------------------------------

def test_overfitting_default_draws_both_sweeps_with_labels():
    at = ok(load(FIT))
    assert len(charts(at)) == 4
    body = text(at)
    assert "Degree 12: overfit" in body and "At the best epoch" in body and "At the end" in body
    assert "ridge fits on 30 points" in body and "rained in" not in body  # computation details: one switch away
    at.checkbox(key="fit_details").check().run()
    body = text(ok(at))
    assert "Trained in" in body and "The 21 fits computed in" in body and at.query_params["details"] == "1"


@pytest.mark.parametrize("degree, label", [(1, "underfit"), (7, "good fit"), (20, "overfit")])
def test_overfitting_labels_follow_the_chosen_degree(degree, label):
    at = ok(load(FIT, epochs="100"))
    at.slider(key="fit_degree").set_value(degree).run()
    ok(at)
    assert f"Degree {degree}: {label}" in text(at) and at.query_params["degree"] == str(degree)


def test_overfitting_controls_change_the_curves():
    at = ok(load(FIT, epochs="100"))
    at.number_input(key="fit_l2").set_value(1.0).run()
    ok(at)
    assert "Degree 12: underfit" in text(at)  # penalised too hard
    at.number_input(key="fit_n").set_value(300).run()
    at.slider(key="fit_noise").set_value(0.1).run()
    at.slider(key="fit_width").set_value(8).run()
    ok(at)
    assert "ridge fits on 300 points" in text(at) and "1-8-8-1 tanh network" in text(at)


@pytest.mark.parametrize("widget, value, message", [
    ("fit_n", 2, "training points must be a whole number from"), ("fit_n", 10**5, "training points must be a whole number from"),
    ("fit_l2", 50.0, "L2 penalty λ must be between"), ("fit_epochs", 10**5, "epochs must be a whole number from"),
    ("fit_lr", 0.0, "learning rate must be between"),
])
def test_overfitting_bad_widget_input_gets_a_message(widget, value, message):
    at = ok(load(FIT, epochs="100"))
    at.number_input(key=widget).set_value(value).run()
    assert not at.exception and message in errors(at), errors(at)


def test_overfitting_network_too_large_gets_a_message():
    at = load(FIT, n="2000", width="128", layers="4", epochs="5000")
    assert not at.exception and "too large" in errors(at)
    assert len(charts(at)) == 2  # the polynomial sweep is still drawn


def test_overfitting_diverging_network_gets_a_message():
    at = load(FIT, lr="1000000", epochs="100")
    assert not at.exception and "Training diverged at step" in errors(at)


@pytest.mark.parametrize("query, name", [
    ({"n": "1"}, "n"), ({"n": "1e9"}, "n"), ({"noise": "5"}, "noise"), ({"l2": "-1"}, "l2"), ({"l2": "inf"}, "l2"),
    ({"degree": "99"}, "degree"), ({"width": "500"}, "width"), ({"layers": "9"}, "layers"),
    ({"epochs": "abc"}, "epochs"), ({"seed": "-4"}, "seed"),
])
def test_overfitting_bad_link_parameters_get_a_message_and_a_default(query, name):
    at = load(FIT, **{"epochs": "100", **query})
    assert not at.exception and not at.error, errors(at)
    assert any(f"`{name}`" in w.value for w in at.warning), [w.value for w in at.warning]
    assert len(charts(at)) == 4


def test_views_registry_matches_the_page():
    at = ok(load(NEURAL, **SMALL))
    assert list(at.radio(key="nn_view").options) == list(neural.VIEWS.values())


def test_figures_send_float32_arrays():
    import numpy as np

    from landscape import figures
    from landscape.types import Surface

    x = np.linspace(0, 1, 5)
    surf = Surface(x, x, np.add.outer(x, x) + 0.1, "a", "b", "test", 0.0)
    figs = [figures.train_val_curves(x, x + 1, x + 2, "x", marks={"m": 0.5}, labels=["underfit"] * 5, floor=1.5),
            *figures.plane_figures(surf, 0.1, True, np.c_[x, x], x + 0.1),
            figures.fitted_curves(x, x, x, x, x, x, {"fit": x})]
    for fig in figs:
        for trace in fig.data:
            for name in ("x", "y", "z"):
                value = getattr(trace, name, None)
                if value is not None and not (isinstance(value, tuple) and value == (None,)):
                    assert isinstance(value, np.ndarray) and value.dtype == np.float32, (trace.type, name)
