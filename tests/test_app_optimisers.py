"""AppTest: the Optimisers page renders every optimiser, its extras and its bad input without a traceback."""
import json
import math
import re

import pytest
from apptest import floats, load, ok, spec

from landscape import optim, problems
from landscape.race import TOLERANCE

PAGE = "views/optimisers.py"
CONTOUR, CURVES = 0, 1  # by default; with the 3D surface switched on (3d=1): contour, surface, curves
SURFACE = 1
LABELS = {name: optim.spec(name).label for name in optim.names()}


def failed(at, text):
    """A clear message instead of a traceback."""
    assert not at.exception, at.exception
    assert any(text in e.value for e in at.error), [e.value for e in at.error]


def numbers(node):
    """Every number in a figure spec, typed arrays decoded."""
    if isinstance(node, dict):
        if "bdata" in node:
            yield from floats(node)
        else:
            for v in node.values():
                yield from numbers(v)
    elif isinstance(node, list):
        for v in node:
            yield from numbers(v)
    elif isinstance(node, float):
        yield node


def assert_finite(at):
    for chart in at.get("plotly_chart"):
        bad = [v for v in numbers(json.loads(chart.proto.spec)) if not math.isfinite(v)]
        assert not bad, bad[:5]


def leaderboard(at):
    return at.dataframe[0].value


def details(at) -> str:
    """The computation details under the race (shown with ``details=1``)."""
    return next(c.value for c in at.caption if "computed in" in c.value)


def compute_ms(at):
    return float(re.search(r"computed in (\d+) ms", details(at)).group(1))


def test_default_view():
    assert not any("computed in" in c.value for c in ok(load(PAGE)).caption)  # details are one switch away
    at = ok(load(PAGE, details="1"))
    assert len(at.get("plotly_chart")) == 2  # the map and the loss curves: no WebGL chart by default
    assert [c.key for c in at.get("plotly_chart")] == ["chart_contour", "chart_curves"]
    assert compute_ms(at) >= 0, details(at)  # the time is shown (how long is bench/trajectories.py's business)
    assert "5 optimisers × 300 steps" in details(at)
    board = leaderboard(at)
    assert list(board["optimiser"]) == ["Nesterov", "momentum", "Adam", "RMSprop", "gradient descent"]
    assert set(board["diverged"]) == {"no"}
    assert len(at.latex) == len(optim.DEFAULT_RACE) + 1  # each rule and the schedule
    assert_finite(at)


def test_animation_frames_move_only_the_paths():
    fig = spec(load(PAGE), CONTOUR)
    data, frames = fig["data"], fig["frames"]
    assert "contour" not in {t["type"] for t in data} and fig["layout"]["images"]  # the map is a layout image
    moving = {i for f in frames for i in f["traces"]}
    assert {data[i]["name"] for i in moving} == {LABELS[n] for n in optim.DEFAULT_RACE} | {"current step"}
    assert all(set(t) <= {"type", "x", "y", "marker"} for f in frames for t in f["data"])
    lengths = [len(floats(f["data"][0]["x"])) for f in frames]
    assert lengths == sorted(lengths) and lengths[0] == 1 and lengths[-1] > 100  # the path grows
    play, pause = fig["layout"]["updatemenus"][0]["buttons"]
    assert "Play" in play["label"] and "Pause" in pause["label"]
    assert len(fig["layout"]["sliders"][0]["steps"]) == len(frames)
    grid = next(t for t in data if t["name"] == "click to start here")
    assert grid["type"] == "scatter" and grid["marker"]["opacity"] == 0


def test_every_optimiser_selected():
    at = ok(load(PAGE, opt=",".join(optim.names())))
    assert len(leaderboard(at)) == len(optim.names())
    assert set(leaderboard(at)["optimiser"]) == set(LABELS.values())
    assert len(at.latex) == len(optim.names()) + 1
    names = {t.get("name") for t in spec(at, CONTOUR)["data"]}
    assert set(LABELS.values()) <= names
    assert_finite(at)


@pytest.mark.parametrize("name", optim.names())
def test_each_optimiser_and_its_settings(name):
    spec = optim.spec(name)
    at = ok(load(PAGE, opt=name, steps="60"))
    assert list(leaderboard(at)["optimiser"]) == [spec.label]
    keys = {w.key for w in at.number_input} | {w.key for w in at.slider}
    assert {f"optim_{name}_{p.name}" for p in spec.params} <= keys  # a control per hyper-parameter, page-prefixed


@pytest.mark.parametrize("schedule", optim.schedule_names())
def test_every_schedule(schedule):
    at = ok(load(PAGE, sched=schedule))
    assert any(optim.schedule_spec(schedule).label in m.value for m in at.markdown)


@pytest.mark.parametrize("name", list(problems.BENCHMARKS))
def test_every_test_function(name):
    at = ok(load(PAGE, fn=name))
    assert len(at.get("plotly_chart")) == 2 and at.caption[0].value.startswith(name)
    assert_finite(at)


@pytest.mark.parametrize("query", [
    {"family": "regression", "loss": "huber"},
    {"family": "regression", "mb": "1", "batch": "8", "opt": "gd,adam"},
    {"family": "classification"},
])
def test_data_problems(query):
    at = ok(load(PAGE, **query))
    assert "f* =" in at.caption[1].value  # a computed minimum gives the leaderboard its f*
    assert_finite(at)


def test_controls_change_the_view_and_the_url():
    at = ok(load(PAGE, details="1"))
    at.multiselect(key="optim_opt").set_value(["adam", "lbfgs"]).run()
    at.number_input(key="optim_adam_lr").set_value(0.2).run()
    at.number_input(key="optim_steps").set_value(120).run()
    at.selectbox(key="optim_sched").set_value("cosine").run()
    ok(at)
    assert "2 optimisers × 120 steps" in details(at)
    assert {k: at.query_params[k] for k in ("opt", "adam_lr", "steps", "sched")} == \
        {"opt": "adam,lbfgs", "adam_lr": "0.2", "steps": "120", "sched": "cosine"}


def test_a_new_tolerance_ranks_again_without_running_the_race_again(monkeypatch):
    at = ok(load(PAGE, steps="60"))
    races = []
    monkeypatch.setattr(optim, "race", lambda *a, real=optim.race, **k: races.append(a) or real(*a, **k))
    before = at.dataframe[0].value
    at.number_input(key="optim_tol").set_value(TOLERANCE.high).run()
    after = ok(at).dataframe[0].value
    assert races == []  # the race of this start and these settings is the one already computed
    assert at.query_params["tol"] == f"{TOLERANCE.high:g}"
    assert list(after["steps to tol"]) != list(before["steps to tol"])
    assert list(after["final loss"]) == list(before["final loss"])
    ok(at.number_input(key="optim_steps").set_value(61).run())
    assert len(races) == 1  # new settings: the race runs (once)


def test_a_new_setting_of_one_optimiser_runs_that_optimiser_alone(monkeypatch):
    """The race and the swarm remember each optimiser's path and panel: a new Adam learning rate runs Adam's
    race and Adam's swarm, and no other optimiser's."""
    at = ok(load(PAGE, steps="40", opt="gd,momentum,adam", swarm="1", swarm_n="10"))
    races, panels = [], []
    monkeypatch.setattr(optim, "race", lambda obj, entries, real=optim.race, **k: races.append(list(entries))
                        or real(obj, entries, **k))
    monkeypatch.setattr(optim, "swarms", lambda obj, entries, *a, real=optim.swarms: panels.extend(entries)
                        or real(obj, entries, *a))
    at.number_input(key="optim_adam_lr").set_value(0.02).run()
    ok(at)
    assert races == [["adam"]] and panels == ["adam"]
    assert at.query_params["adam_lr"] == "0.02" and len(at.get("plotly_chart")) == 3  # map, curves, swarm


def test_speed_changes_the_animation_not_the_3d_figure():
    at = ok(load(PAGE, **{"3d": "1"}))
    assert [c.key for c in at.get("plotly_chart")] == ["chart_contour", "chart_3d", "chart_curves"]
    before = [c.proto.spec for c in at.get("plotly_chart")]
    at.radio(key="optim_speed").set_value("fast").run()
    after = [c.proto.spec for c in ok(at).get("plotly_chart")]
    assert after[SURFACE] == before[SURFACE]  # byte-identical: the camera is kept (Streamlit issue 8882)
    assert after[CONTOUR] != before[CONTOUR]


def test_the_3d_surface_is_one_switch_away_and_in_the_link():
    at = ok(load(PAGE))
    at.checkbox(key="optim_3d").check().run()
    ok(at)
    assert at.query_params["3d"] == "1" and len(at.get("plotly_chart")) == 3
    assert any(t["type"] == "surface" for t in spec(at, SURFACE)["data"])
    assert_finite(at)


def test_another_problem_resets_the_start():
    at = ok(load(PAGE, sx="0.5", sy="0.5"))
    assert at.number_input(key="optim_sx").value == 0.5
    at.selectbox(key="optim_fn").set_value("himmelblau").run()
    ok(at)
    x, y = optim.default_start(problems.benchmark("himmelblau"))
    assert (at.number_input(key="optim_sx").value, at.number_input(key="optim_sy").value) == (x, y)


def test_swarm_and_lr_momentum_map_on_the_quadratic():
    at = ok(load(PAGE, fn="quadratic", swarm="1", map="1"))
    charts = at.get("plotly_chart")
    assert len(charts) == 4
    swarm, lr_map = spec(at, 2), spec(at, 3)
    cells = [t for t in swarm["data"] if t["type"] == "heatmap"]
    assert [(len(floats(t["x"])), len(floats(t["y"]))) for t in cells] == [(12, 12)] * len(optim.DEFAULT_RACE)
    limit = next(t for t in lr_map["data"] if t.get("name", "").startswith("stability limit"))
    x0 = floats(limit["x"])[0]
    assert x0 == pytest.approx(math.log10(2 / 10), abs=1e-6)  # 2 / lambda_max, eigenvalues 1 and 10
    assert any(t.get("name") == "diverged" for t in lr_map["data"])
    assert_finite(at)


def test_swarm_leaves_out_lbfgs_and_says_so():
    at = ok(load(PAGE, fn="himmelblau", swarm="1", swarm_n="10", opt="adam,lbfgs"))
    assert any("L-BFGS runs one start at a time" in c.value for c in at.caption)
    at = load(PAGE, fn="himmelblau", swarm="1", opt="lbfgs")
    failed(at, "the swarm needs an optimiser")
    assert len(at.get("plotly_chart")) == 2  # the race is still drawn


def test_clipping_and_minibatches_do_not_apply_to_lbfgs():
    at = ok(load(PAGE, family="regression", opt="adam,lbfgs", clip="1", clip_at="0.5", mb="1"))
    assert any("L-BFGS works on the full objective" in i.value for i in at.info)
    assert len(leaderboard(at)) == 2


# ---- bad input -----------------------------------------------------------------------------------------

def test_huge_learning_rate_diverges_cleanly():
    at = ok(load(PAGE, opt="gd,adam", gd_lr="1e6"))
    assert any("gradient descent diverged at step 1" in w.value for w in at.warning)
    board = leaderboard(at)
    assert board.set_index("optimiser").loc["gradient descent", "diverged"] == "at step 1"
    assert_finite(at)
    at = ok(load(PAGE, opt="gd", swarm="1", map="1", gd_lr="1e6"))
    assert_finite(at)


def test_huge_learning_rate_in_the_box():
    at = ok(load(PAGE, opt="momentum"))
    at.number_input(key="optim_momentum_lr").set_value(1e6).run()
    ok(at)
    assert any("momentum diverged at step" in w.value for w in at.warning)
    at.number_input(key="optim_momentum_lr").set_value(1e7).run()
    failed(at, "lr must be between 1e-08 and 1e+06")


@pytest.mark.parametrize("key,message", [("optim_gd_lr", "lr must be between"), ("optim_sx", None),
                                         ("optim_tol", "tol must be between")])
def test_nan_in_a_box(key, message):
    """A browser will not take NaN in a number box, and Streamlit turns one sent anyway into 0: the
    compute package then refuses it with a message, or (a start at 0) just runs."""
    at = ok(load(PAGE))
    at.number_input(key=key).set_value(float("nan")).run()
    if message:
        failed(at, message)
    else:
        ok(at)
        assert at.number_input(key=key).value == 0
    assert_finite(at)


@pytest.mark.parametrize("key,value,message", [
    ("optim_gd_lr", -1.0, "lr must be between"),
    ("optim_gd_lr", 0.0, "lr must be between"),
    ("optim_sx", 1000.0, "far outside the view"),
    ("optim_steps", 0, "steps must be a whole number from 1 to 5,000"),
    ("optim_steps", 99999, "steps must be a whole number from 1 to 5,000"),
    ("optim_tol", -1.0, "tol must be between"),
])
def test_bad_number_in_a_box_gets_a_message(key, value, message):
    at = ok(load(PAGE))
    at.number_input(key=key).set_value(value).run()
    failed(at, message)


def test_bad_batch_size_in_the_box():
    at = ok(load(PAGE, family="regression", mb="1"))
    at.number_input(key="optim_batch").set_value(5000).run()
    failed(at, "batch size must be a whole number from 1 to 200")


def test_repeated_optimiser_in_the_link_counts_once():
    assert list(leaderboard(ok(load(PAGE, opt="adam,adam,gd")))["optimiser"]) == ["Adam", "gradient descent"]


def test_no_optimiser_chosen():
    at = ok(load(PAGE))
    at.multiselect(key="optim_opt").set_value([]).run()
    failed(at, "choose at least one optimiser")


def test_start_outside_the_map_but_near_it():
    at = ok(load(PAGE, sx="3", sy="4"))
    assert any("lies outside the map" in i.value for i in at.info)
    assert_finite(at)


def test_far_start_in_the_link():
    failed(load(PAGE, sx="1000", sy="0"), "far outside the view")


@pytest.mark.parametrize("query,name", [
    ({"steps": "0"}, "steps"), ({"steps": "99999"}, "steps"), ({"steps": "nan"}, "steps"),
    ({"gd_lr": "nan"}, "gd_lr"), ({"gd_lr": "1e7"}, "gd_lr"), ({"sx": "nan"}, "sx"), ({"sy": "inf"}, "sy"),
    ({"opt": "gd,nope"}, "opt"), ({"opt": "adam,adam,nope"}, "opt"), ({"sched": "weekly"}, "sched"),
    ({"speed": "warp"}, "speed"),
    ({"swarm": "2"}, "swarm"), ({"swarm": "1", "swarm_n": "500"}, "swarm_n"), ({"tol": "-1"}, "tol"),
])
def test_bad_link_parameters_get_a_message_and_a_default(query, name):
    at = load(PAGE, **query)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(f"`{name}`" in w.value for w in at.warning), [w.value for w in at.warning]
    assert len(at.get("plotly_chart")) >= 2
    assert_finite(at)
