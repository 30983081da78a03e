"""The gallery's curves and read-outs against closed forms, finite differences and torch's own cross-entropy."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from landscape import curves, losses
from landscape.types import InputError

D = torch.float64


def gallery(kind, chosen, **kw):
    return curves.gallery(kind, chosen, **kw)


# ---- slopes: closed forms and finite differences -------------------------------------------------------

SLOPES = {  # loss -> (parameters, d loss / dx as a numpy function of x)
    "mse": ({}, lambda r: 2 * r),
    "mae": ({}, np.sign),
    "huber": ({"delta": 0.7}, lambda r: np.clip(r, -0.7, 0.7)),
    "log_cosh": ({}, np.tanh),
    "quantile": ({"tau": 0.8}, lambda r: np.where(r > 0, 0.8, -0.2)),
    "bce": ({"pos_weight": 3.0}, lambda m: -3.0 / (1 + np.exp(m))),
    "hinge": ({}, lambda m: np.where(m < 1, -1.0, 0.0)),
    "squared_hinge": ({}, lambda m: -2 * np.maximum(0, 1 - m)),
}


@pytest.mark.parametrize("name", list(SLOPES))
def test_value_and_slope_match_closed_forms(name):
    params, slope = SLOPES[name]
    kind = losses.spec(name).kind
    g = gallery(kind, {name: params}, span=5.0, at=0.3)
    (c,) = g.curves
    loss = losses.get(name, **params)
    x = torch.as_tensor(g.x)
    expected = (loss.of_residual(x) if kind == "regression" else loss.of_margin(x)).numpy()
    np.testing.assert_allclose(c.value, expected, rtol=1e-12, atol=1e-12)
    kinks = np.isclose(g.x, 0.0) | np.isclose(g.x, 1.0) | np.isclose(np.abs(g.x), 0.7)
    np.testing.assert_allclose(c.slope[~kinks], slope(g.x[~kinks]), rtol=1e-9, atol=1e-12)
    assert c.at_slope == pytest.approx(float(slope(np.array(0.3))), rel=1e-9)
    assert c.at_value == pytest.approx(float(loss.of_residual(torch.tensor(0.3, dtype=D)) if kind == "regression"
                                             else loss.of_margin(torch.tensor(0.3, dtype=D))), rel=1e-12)


@pytest.mark.parametrize("name", curves.choices("regression") + curves.choices("binary"))
def test_every_gallery_loss_slope_matches_finite_differences(name):
    g = gallery(losses.spec(name).kind, {name: {}}, span=4.0, at=-1.3)
    (c,) = g.curves
    h = g.x[1] - g.x[0]
    central = (c.value[2:] - c.value[:-2]) / (2 * h)  # (n - 2,)
    smooth = np.abs(c.slope[2:] - c.slope[:-2]) < 0.05  # away from kinks, where the slope jumps
    np.testing.assert_allclose(central[smooth], c.slope[1:-1][smooth], rtol=1e-3, atol=h)  # O(h) at a curvature jump


def test_margin_axis_draws_the_zero_one_reference_with_zero_slope():
    g = gallery("binary", {"hinge": {}}, at=-0.5)
    assert g.reference is not None and g.reference.name == "zero_one"
    np.testing.assert_array_equal(g.reference.value, (g.x <= 0).astype(float))
    assert not g.reference.slope.any() and g.reference.at_value == 1.0
    assert "zero_one" not in curves.choices("binary")
    assert [c.name for c in g.drawn] == ["zero_one", "hinge"]
    assert gallery("regression", {"mse": {}}).reference is None


def test_every_loss_on_the_margin_lies_on_or_above_the_zero_one_loss():
    """Hinge, squared hinge and BCE in bits are upper bounds of the error count (the point of a surrogate)."""
    g = gallery("binary", {"hinge": {}, "squared_hinge": {}, "bce": {}})
    for c in g.curves:
        scale = 1 / math.log(2) if c.name == "bce" else 1.0
        assert (c.value * scale >= g.reference.value - 1e-12).all(), c.name


MARGIN_CASES = [(name, {}) for name in curves.choices("binary")] + [
    ("bce", {"pos_weight": 0.3}), ("bce", {"pos_weight": 1.5}), ("focal", {"gamma": 0.0, "alpha": 1.0}),
    ("focal", {"gamma": 0.5, "alpha": 0.9})]


@pytest.mark.parametrize("name, params", MARGIN_CASES)
def test_where_each_margin_loss_lies_below_the_zero_one_loss_is_computed(name, params):
    """The intervals the page quotes hold every margin where the loss is below the 0-1 loss (checked on a grid
    250 times denser than the drawn one), and nothing else."""
    g = gallery("binary", {name: params}, span=4.0)
    (c,) = g.curves
    dense = torch.linspace(-4.0, 4.0, 200_001, dtype=D)
    loss = losses.get(name, **params)
    with torch.no_grad():
        under = (loss.of_margin(dense) < losses.get("zero_one").of_margin(dense)).numpy()
    inside = np.zeros_like(under)
    for a, b in c.below:
        assert a <= b
        inside |= (dense.numpy() >= a - 1e-9) & (dense.numpy() <= b + 1e-9)
    assert not (under & ~inside).any(), "a margin below the 0-1 loss is missing from the intervals"
    assert not inside.any() or under[inside].mean() > 0.999, "the intervals hold margins that are not below it"


def test_the_zero_one_bound_is_exactly_what_is_true():
    """Hinge and squared hinge bound the 0-1 loss everywhere; BCE in natural log does not (below it for
    m in (-ln(e - 1), 0]), in log base 2 it does; focal with alpha 0.25 lies far below."""
    g = gallery("binary", {"hinge": {}, "squared_hinge": {}, "bce": {}, "focal": {}})
    below = {c.name: c.below for c in g.curves}
    assert below["hinge"] == () and below["squared_hinge"] == ()
    ((a, b),) = below["bce"]
    assert a == pytest.approx(-math.log(math.e - 1), abs=1e-9) and b == pytest.approx(0.0, abs=1e-9)
    ((a, b),) = below["focal"]
    assert a == g.x[0] and b == pytest.approx(0.0, abs=1e-9)
    text = " ".join(curves.reference_sentences(g))
    assert "hinge and squared hinge lie on or above it" in text
    assert "binary cross-entropy(pos_weight=1) lies below the 0-1 loss for m from -0.54 to 0" in text
    assert "in log base 2 (divided by ln 2) it is 1 at m = 0" in text
    assert "focal(gamma=2, alpha=0.25) lies below the 0-1 loss" in text
    assert "every" not in text  # the old claim: every loss lies on or above it


@pytest.mark.parametrize("name, params", MARGIN_CASES)
def test_no_margin_loss_is_said_to_bound_the_zero_one_loss_unless_it_does(name, params):
    g = gallery("binary", {name: params})
    (c,) = g.curves
    text = " ".join(curves.reference_sentences(g))
    bounds = (c.value >= g.reference.value).all()
    assert ("lies on or above it" in text) == bool(bounds)
    assert ("lies below the 0-1 loss" in text) == (not bounds)
    in_bits = (c.value / math.log(2) >= g.reference.value - 1e-12).all()
    assert ("in log base 2" in text) == (name == "bce" and not bounds and bool(in_bits))


def test_every_loss_has_its_scale_near_zero_in_the_legend():
    """MSE is r^2 and Huber r^2/2 near 0: read off the curves (and held to the second derivative), said in the
    legend, and said in words when both are drawn."""
    g = gallery("regression", {name: {} for name in curves.choices("regression")})
    by_name = {c.name: c for c in g.curves}
    for name, c in by_name.items():
        if c.near_zero is not None:  # k = rho''(0) / 2, beside 0: autograd gives abs a slope 0 at 0
            r = torch.tensor([1e-4], dtype=D, requires_grad=True)
            (d1,) = torch.autograd.grad(losses.get(name).of_residual(r).sum(), r, create_graph=True)
            (d2,) = torch.autograd.grad(d1.sum(), r)
            assert c.near_zero == pytest.approx(float(d2) / 2, rel=1e-5), name
    assert (by_name["mse"].near_zero, by_name["mse"].exact_near_zero) == (1.0, True)
    assert by_name["huber"].near_zero == pytest.approx(0.5) and by_name["huber"].exact_near_zero
    assert by_name["log_cosh"].near_zero == pytest.approx(0.5, rel=1e-5) and not by_name["log_cosh"].exact_near_zero
    assert by_name["mae"].near_zero is None and by_name["quantile"].near_zero is None
    assert by_name["mse"].legend == "MSE" and by_name["huber"].legend == "Huber(delta=1) (= r²/2 near 0)"
    assert by_name["log_cosh"].legend == "log-cosh (≈ r²/2 near 0)"
    small = np.abs(g.x) <= 1.0  # Huber(delta=1) is exactly half of MSE there
    np.testing.assert_allclose(by_name["huber"].value[small], 0.5 * by_name["mse"].value[small], rtol=1e-12)
    text = curves.scale_sentence(g)
    assert "MSE is r², Huber(delta=1) is r²/2 and log-cosh is about r²/2" in text and "0.5×" in text
    assert curves.scale_sentence(gallery("regression", {"mse": {}, "mae": {}})) is None
    assert curves.scale_sentence(gallery("regression", {"huber": {}, "log_cosh": {}})) is None


def test_range_and_read_out():
    g = gallery("regression", {"mse": {}}, span=2.0, at=-7.0)
    assert g.x[0] == -7.0 and g.x[-1] == 7.0 and 0.0 in g.x  # the read-out point is always drawn
    assert g.curves[0].at_value == pytest.approx(49.0) and g.curves[0].at_slope == pytest.approx(-14.0)
    g = gallery("regression", {}, span=3.0, at=1.0)
    assert g.x[-1] == 3.0 and g.curves == ()


# ---- custom formulas --------------------------------------------------------------------------------------

def test_custom_formula_is_drawn_with_its_autograd_slope():
    g = gallery("regression", {"mse": {}}, formula="abs(r)**1.5", at=2.0)
    custom = g.curves[-1]
    assert custom.name == "custom" and custom.label == "your formula" and g.refused is None
    np.testing.assert_allclose(custom.value, np.abs(g.x) ** 1.5, rtol=1e-12)
    nonzero = g.x != 0
    x = g.x[nonzero]
    np.testing.assert_allclose(custom.slope[nonzero], 1.5 * np.sign(x) * np.abs(x) ** 0.5, rtol=1e-10)
    assert custom.at_slope == pytest.approx(1.5 * math.sqrt(2.0))
    assert "|" in custom.formula or "left" in custom.formula  # LaTeX of the formula


def test_log_cosh_typed_by_hand_equals_the_builtin():
    g = gallery("regression", {"log_cosh": {}}, formula="log(cosh(r))", span=5.0)
    builtin, typed = g.curves
    np.testing.assert_allclose(typed.value, builtin.value, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(typed.slope, builtin.slope, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("text, message", [
    ("().__class__", "attribute access"), ("__import__('os')", "quotes"), ("9**9**9", "power"),
    ("r" * 300, "characters"), ("log(m - 100)", "another kind"), ("r.real", "attribute access"),
])
def test_hostile_formula_is_refused_and_the_rest_still_draws(text, message):
    g = gallery("regression", {"mse": {}, "huber": {}}, formula=text)
    assert g.refused and message in g.refused, g.refused
    assert [c.name for c in g.curves] == ["mse", "huber"]


def test_formula_in_the_wrong_variable_is_refused_with_a_hint():
    g = gallery("binary", {"bce": {}}, formula="abs(r)")
    assert "m" in g.refused and [c.name for c in g.curves] == ["bce"]


@pytest.mark.parametrize("kind, chosen, kw, message", [
    ("regression", {"hinge": {}}, {}, "not a regression loss"),
    ("binary", {"zero_one": {}}, {}, "not a binary loss"),
    ("regression", {"nope": {}}, {}, "nope"),
    ("regression", {"huber": {"delta": -1}}, {}, "delta must be between"),
    ("regression", {"mse": {"delta": 1}}, {}, "no parameter"),
    ("multiclass", {}, {}, "kind of loss curve .multiclass.; choose one of regression, binary"),
    ("regression", {}, {"span": 0.0}, "span"),
    ("regression", {}, {"at": 11.0}, "at must be between"),
    ("regression", {}, {"at": float("nan")}, "at must be between"),
])
def test_bad_input_raises_input_error(kind, chosen, kw, message):
    with pytest.raises(InputError, match=message):
        gallery(kind, chosen, **kw)


# ---- confident and wrong -----------------------------------------------------------------------------------

@pytest.mark.parametrize("eps, classes", [(0.0, 2), (0.1, 3), (0.3, 10)])
def test_confidence_matches_torch_cross_entropy_and_the_brier_score(eps, classes):
    c = curves.confidence(eps, classes)
    p = torch.as_tensor(c.p)
    probs = torch.cat([p[:, None], ((1 - p) / (classes - 1))[:, None].expand(len(p), classes - 1)], 1)
    target = torch.zeros(len(p), dtype=torch.long)
    logits = torch.log(probs)
    np.testing.assert_allclose(c.cross_entropy, -np.log(c.p), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(c.smoothed, F.cross_entropy(logits, target, label_smoothing=eps, reduction="none"),
                               rtol=1e-10)
    onehot = F.one_hot(target, classes).to(D)
    np.testing.assert_allclose(c.squared_error, ((probs - onehot) ** 2).sum(1), rtol=1e-10)
    assert (c.squared_error <= c.squared_error_bound + 1e-12).all()
    assert c.at(0.01) == pytest.approx((math.log(100), 0.99**2 * classes / (classes - 1)))


@pytest.mark.parametrize("classes", range(2, 11))
def test_the_squared_error_bound_is_computed_and_reached(classes):
    """No prediction's squared error exceeds squared_error_max; a certain wrong class reaches it (2); the curve's
    even spread stops at C / (C - 1), which the page quotes as the curve's, not as the bound."""
    c = curves.confidence(0.0, classes)
    assert c.squared_error_max == pytest.approx(2.0)
    assert curves.brier(np.eye(classes)[-1], 0) == pytest.approx(c.squared_error_max)
    rng = np.random.default_rng(classes)
    for alpha in (0.05, 1.0, 20.0):
        probs = rng.dirichlet(np.full(classes, alpha), size=2000)
        worst = max(curves.brier(p, 0) for p in probs)
        assert worst <= c.squared_error_max + 1e-12
    assert c.squared_error_bound == pytest.approx(classes / (classes - 1))
    assert c.squared_error.max() <= c.squared_error_bound
    text = " ".join(c.sentences(0.01))
    assert f"can never exceed {c.squared_error_max:.2f}" in text
    if classes > 2:
        assert f"stops at {c.squared_error_bound:.2f}" in text and c.squared_error_bound < c.squared_error_max
    assert f"cross-entropy is **{math.log(100):.2f}**" in text


def test_label_smoothing_is_smallest_below_certainty():
    c = curves.confidence(0.2, 4)
    assert c.best_p == pytest.approx(1 - 0.2 + 0.05)
    assert c.p[np.argmin(c.smoothed)] == pytest.approx(c.best_p, abs=5e-3)
    assert np.argmin(curves.confidence(0.0, 4).smoothed) == len(c.p) - 1  # without smoothing: at certainty


@pytest.mark.parametrize("eps, classes, message", [(0.6, 3, "label_smoothing"), (0.1, 1, "classes"),
                                                   (0.1, 2.5, "whole number"), (0.1, 11, "classes")])
def test_confidence_bad_input(eps, classes, message):
    with pytest.raises(InputError, match=message):
        curves.confidence(eps, classes)
