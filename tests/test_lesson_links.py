"""The lessons' registry of link parameters (landscape/lessons/links.py) against the pages themselves.

For every page, in each of its configurations (a parameter is read only under some settings): a link with
every parameter the registry reads set to a valid value other than its default opens with no "Link
parameter" warning and every control holding the value the registry parsed; a link with every value bad
gets exactly the warnings, in the page's words, that the registry predicts.  Also: the registry's parsers
are UrlState's, its pages are app.py's, its mirrored constants are the glue's."""
from __future__ import annotations

import ast
import re

import pytest
from apptest import ROOT, load

from landscape.lessons import link_reader, links

# page -> configurations: every link parameter the registry reads there, at a valid value other than its default.
# Values a lesson cannot take stay out: an upload (data=csv, data=upload a CSV) and hand-edited points (pts).
CONFIGS = {
    "loss_surface": [
        dict(family="benchmark", fn="quadratic", condition="20", angle="45", res="51", zoom="1", x0="-2", x1="2",
             y0="-2.5", y1="2.5", scale="log", arrows="1"),
        dict(family="regression", data="sine", n="150", seed="3", loss="huber", delta="2", l1="0.5", l2="0.25",
             res="41", scale="linear"),
        dict(family="classification", data="moons", n="120", seed="2", loss="custom", formula="softplus(-2*m)",
             res="31", zoom="1", w10="-4", w11="4", w20="-3", w21="3"),
    ],
    "outliers": [
        dict(n="80", seed="4", slope="1.5", noise="2", count="8", size="12", pos="random", delta="2",
             also="quantile", tau="0.7", formula="abs(r)**1.5", click="remove"),
    ],
    "loss_functions": [
        dict(kind="regression", show_r="huber,quantile", delta="2", tau="0.3", formula_r="abs(r)**3", span="6", at="2",
             label_smoothing="0.2", classes="5"),
        dict(kind="binary", show_m="bce,focal", pos_weight="2", gamma="3", alpha="0.5", formula_m="softplus(-2*m)",
             span="5", at="-1"),
    ],
    "classification": [
        dict(data="moons", n="300", seed="5", loss="focal", gamma="1", alpha="0.4", surf="3D", pos_weight="3",
             px="wB2", py="bC", T="2", label_smoothing="0.1", dx="0.5", dy="-0.5"),
    ],
    "distributions": [dict(sep="3", share="0.5", width="0.8", pos="0.4", extent="0.2", soft="0.02", smooth="2")],
    "optimisers": [
        dict(family="benchmark", fn="quadratic", condition="5", angle="10", opt="gd,adam,lbfgs", gd_lr="0.01",
             gd_weight_decay="0.1",
             adam_lr="0.1", adam_beta1="0.8", adam_beta2="0.99", adam_eps="1e-6", adam_weight_decay="0.01",
             lbfgs_lr="0.5", sched="step", step_step_size="50", step_gamma="0.7", clip="1", clip_at="2", sx="1",
             sy="-1", steps="120", tol="0.01", speed="fast", swarm="1", swarm_n="10", map="1"),
        dict(family="regression", data="sine", n="100", seed="1", loss="mae", l1="0.1", l2="0.2",
             opt="momentum,rmsprop", momentum_lr="0.01", momentum_momentum="0.5", momentum_weight_decay="0.01",
             rmsprop_lr="0.02", rmsprop_beta2="0.9", rmsprop_eps="1e-6", rmsprop_momentum="0.1",
             rmsprop_weight_decay="0.01", sched="exponential", exponential_gamma="0.95", mb="1", batch="8",
             bseed="2", sx="0.5", sy="0.5", steps="50", speed="slow"),
    ],
    "neural_landscape": [
        dict(data="circles", n="200", noise="0.1", widths="8", act="relu", opt="sgd", lr="0.05", batch="16",
             epochs="20", wd="0.001", seed="1", view="pca", part="val", res="21", log="0"),
        dict(n="100", widths="4", epochs="10", view="plane", part="val", res="15", span="0.5", norm="layer",
             dseed="2", log="0"),
        dict(n="100", widths="4", epochs="10", view="interpolation", log="0"),
    ],
    "overfitting": [dict(noise="0.2", n="40", seed="2", l2="0.001", degree="8", width="16", layers="1",
                         epochs="200", lr="0.02")],
}
UNREACHABLE = {"outliers": {"data", "pts"}}  # their only other values need an upload
BRANCHES = {"family", "kind", "view"}  # choices of which parameters are read: their default is one of the branches


def cases():
    return [pytest.param(page, k, id=f"{page}-{k}") for page, configs in CONFIGS.items() for k in range(len(configs))]


def warnings(at) -> list[str]:
    return [w.value for w in at.warning if isinstance(w.value, str) and w.value.startswith("Link parameter")]


def same(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return float(a) == float(b)
    return list(a) == list(b) if isinstance(a, (list, tuple)) else a == b


@pytest.mark.parametrize("page, k", cases())
def test_every_parameter_at_a_valid_other_value_is_taken_as_the_registry_parses_it(page, k):
    query = CONFIGS[page][k]
    parsed = links.parse(page, query, strict=True)
    assert not parsed.problems and not parsed.unused, parsed.message()
    defaults = links.parse(page, {}, strict=False).values
    covered = {n for config in CONFIGS[page][:k] for n in config}  # set to other values by an earlier configuration
    for name in set(parsed.values) - UNREACHABLE.get(page, set()):
        assert name in query or name in covered, f"{name} is read by this configuration: give it a value"
        if name in query and name in defaults and name not in BRANCHES:
            assert not same(parsed.values[name], defaults[name]), f"{name} is at its default"
    p = links.PAGES[page]
    at = load(p.view, timeout=300, **query)
    assert not at.exception, at.exception
    assert not warnings(at), warnings(at)
    for name, value in parsed.values.items():
        key = f"{p.state}_{name}"
        if name in query:
            assert same(at.session_state[key], value), (name, at.session_state[key], value)


def bad(name: str) -> str:
    """A value the page must refuse, whatever the parameter is."""
    return "x" * 201 if name in ("formula", "formula_r", "formula_m") else "x" * 41 if name == "widths" else "1e300"


@pytest.mark.parametrize("page, k", cases())
def test_every_bad_value_gets_the_warning_the_registry_predicts(page, k):
    query = {name: bad(name) for name in CONFIGS[page][k]}
    for name in ("family", "fn", "kind", "view", "opt", "sched", "loss", "data", "show_r", "show_m"):  # keep the branch
        if name in CONFIGS[page][k]:
            query[name] = CONFIGS[page][k][name]
    parsed = links.parse(page, query, strict=False)
    expected = {name: text for name, text in parsed.problems}
    assert expected, "the bad values must be refused"
    p = links.PAGES[page]
    at = load(p.view, timeout=300, **query)
    assert not at.exception, at.exception
    shown = {}
    for w in warnings(at):
        match = re.match(r"Link parameter `([^`]+)`: (.*); using (.*)\.$", w, re.S)
        assert match, w
        shown[match.group(1)] = match.group(2)
    assert shown == expected


@pytest.mark.parametrize("text", ["1", "1.5", "-0", "1e3", "1_000", " 7 ", "nan", "inf", "-inf", "1e400", "0x10",
                                  "", "abc", "2.0000000001", "9007199254740993", "-5", "5.0"])
@pytest.mark.parametrize("low, high, integer", [(0, 10, True), (-1e6, 1e6, False), (1e-6, 1e6, False), (1, 5000, True)])
def test_the_number_parser_is_urlstates(text, low, high, integer):
    from landscape.types import InputError
    from landscape.ui.state import parse_number

    def run(fn):
        try:
            return ("ok", fn(text, low, high, integer))
        except InputError as err:
            return ("refused", str(err))

    assert run(links.parse_number) == run(parse_number)


@pytest.mark.parametrize("text, expected", [("", ""), ("1.5,0.5", "1.5,0.5"), (" 2 ,-0.125", "2,-0.125"),
                                            ("0.1234567,1e6", "0.123457,1e+06"), ("-1e6,0", "-1e+06,0")])
def test_a_point_in_a_link_is_read_as_canonical_text(text, expected):
    assert link_reader.parse_point(text) == expected
    assert link_reader.point_of(expected) == (tuple(float(v) for v in expected.split(",")) if expected else None)


@pytest.mark.parametrize("text, says", [("1,2,3", "two numbers"), ("x,1", "two numbers"), ("1", "two numbers"),
                                        ("1e9,0", "within ±1e+06"), ("nan,0", "finite"), ("0,inf", "finite")])
def test_a_bad_point_in_a_link_is_refused_with_its_reason(text, says):
    from landscape.types import InputError

    with pytest.raises(InputError, match=re.escape(says)):
        link_reader.parse_point(text)


PLAYERS = {"lessons", "class"}  # pages that play lessons (Lessons, Live class), not views a lesson step can show


def test_the_pages_are_app_pys_pages():
    tree = ast.parse((ROOT / "app.py").read_text())
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page":
            kw = {k.arg: k.value.value for k in node.keywords if isinstance(k.value, ast.Constant)}
            if "url_path" in kw and kw["url_path"] not in PLAYERS:
                found[kw["url_path"]] = (node.args[0].value, kw["title"])
    assert found == {p.path: (p.view, p.title) for p in links.PAGES.values()}
    for p in links.PAGES.values():
        assert f'UrlState("{p.state}")' in (ROOT / p.view).read_text()


def test_the_constants_mirrored_from_the_glue_are_the_glues():
    from landscape import influence
    from landscape.figures import classification
    from landscape.ui import neural, optimisers, outliers, overfitting, pickers

    assert links.SURFACE_STYLES == tuple(classification.SURFACE_STYLES)
    assert links.NEURAL_DATASETS == neural.DATASETS
    assert links.NEURAL_VIEWS == tuple(neural.VIEWS) and links.NEURAL_PARTS == tuple(neural.PARTS)
    assert links.SWEEP_DEGREE == overfitting.SWEEP_DEGREE and links.RACE_STEPS == optimisers.PAGE_STEPS
    assert links.TOLERANCE == optimisers.TOLERANCE and links.SPEEDS == tuple(optimisers.SPEEDS)
    assert links.SWARM_SIDE == optimisers.SWARM_SIDE and links.UPLOAD == pickers.UPLOAD
    assert links.OUTLIER_SOURCES == tuple(outliers.SOURCES) and links.OUTLIER_POSITIONS == tuple(outliers.POSITIONS)
    assert links.OUTLIER_CLICKS == tuple(outliers.CLICKS) and influence.DEFAULT_SCENARIO.count == 5


def test_a_lesson_refuses_what_a_link_only_warns_about_and_says_what_is_unread():
    parsed = links.parse("optimisers", {"fn": "rosenbrock", "condition": "20", "steps": "0"})
    assert parsed.problems == (("steps", "0 is outside 1 to 5000"),) and parsed.unused == ("condition",)
    assert "`condition` is not a link parameter of the Optimisers page with these settings" in parsed.message()
    assert links.parse("outliers", {"pts": "1:2"}, strict=False).problems == ()
    assert links.parse("outliers", {"pts": "1:2"}, strict=True).problems[0][0] == "pts"
