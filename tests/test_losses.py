"""Every built-in loss against an independent oracle: torch.nn.functional or a closed form."""
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from conftest import close
from hypothesis import strategies as st

from landscape import losses
from landscape.types import InputError

D = torch.float64
gen = torch.Generator().manual_seed(0)
PRED, TARGET = torch.randn(500, generator=gen, dtype=D) * 3, torch.randn(500, generator=gen, dtype=D) * 3
SCORE = torch.randn(500, generator=gen, dtype=D) * 4
LABEL = (torch.rand(500, generator=gen, dtype=D) < 0.4).to(D)
floats = st.floats(-50, 50, allow_nan=False)


# ---- oracles ----------------------------------------------------------------------------------------

def test_mse_mae_huber_match_torch():
    close(losses.get("mse")(PRED, TARGET), F.mse_loss(PRED, TARGET, reduction="none"))
    close(losses.get("mae")(PRED, TARGET), F.l1_loss(PRED, TARGET, reduction="none"))
    for delta in (0.1, 1.0, 3.7):
        close(losses.get("huber", delta=delta)(PRED, TARGET), F.huber_loss(PRED, TARGET, reduction="none", delta=delta))


def test_log_cosh_and_quantile_closed_forms():
    r = TARGET - PRED
    close(losses.get("log_cosh")(PRED, TARGET), torch.log(torch.cosh(r)))
    big = torch.tensor([800.0, -1000.0], dtype=D)  # cosh overflows; the loss must not
    close(losses.get("log_cosh").of_residual(big), big.abs() - math.log(2))
    for tau in (0.1, 0.5, 0.9):
        close(losses.get("quantile", tau=tau)(PRED, TARGET), torch.where(r >= 0, tau * r, (tau - 1) * r))


@pytest.mark.parametrize("pos_weight", [0.2, 1.0, 5.0])
def test_bce_matches_torch_with_pos_weight(pos_weight):
    expected = F.binary_cross_entropy_with_logits(SCORE, LABEL, pos_weight=torch.tensor(pos_weight, dtype=D),
                                                  reduction="none")
    close(losses.get("bce", pos_weight=pos_weight)(SCORE, LABEL), expected)


def test_margin_losses_closed_forms():
    m = (2 * LABEL - 1) * SCORE
    close(losses.get("hinge")(SCORE, LABEL), torch.clamp(1 - m, min=0))
    close(losses.get("squared_hinge")(SCORE, LABEL), torch.clamp(1 - m, min=0) ** 2)
    close(losses.get("zero_one")(SCORE, LABEL), (m <= 0).to(D))


@pytest.mark.parametrize("gamma,alpha", [(0.0, 0.5), (2.0, 0.25), (4.5, 0.9)])
def test_focal_matches_its_definition(gamma, alpha):
    p = torch.sigmoid(SCORE)
    p_t = LABEL * p + (1 - LABEL) * (1 - p)
    alpha_t = LABEL * alpha + (1 - LABEL) * (1 - alpha)
    expected = -alpha_t * (1 - p_t) ** gamma * torch.log(p_t)  # torchvision's sigmoid_focal_loss
    close(losses.get("focal", gamma=gamma, alpha=alpha)(SCORE, LABEL), expected, 1e-10)
    if gamma == 0.0:  # focal with gamma 0, alpha 1/2 is half the cross-entropy
        close(losses.get("focal", gamma=0.0, alpha=0.5)(SCORE, LABEL),
              0.5 * F.binary_cross_entropy_with_logits(SCORE, LABEL, reduction="none"))


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.4])
def test_cross_entropy_matches_torch(smoothing):
    logits = torch.randn(64, 5, generator=gen, dtype=D) * 3
    labels = torch.randint(0, 5, (64,), generator=gen)
    expected = F.cross_entropy(logits, labels, reduction="none", label_smoothing=smoothing)
    close(losses.get("cross_entropy", label_smoothing=smoothing)(logits, labels), expected)


def test_kl_div_matches_torch_and_distributions():
    q = torch.softmax(torch.randn(32, 6, generator=gen, dtype=D), -1)
    p = torch.softmax(torch.randn(32, 6, generator=gen, dtype=D), -1)
    ours = losses.get("kl_div")(q, p)
    close(ours, F.kl_div(q.log(), p, reduction="none").sum(-1))
    close(ours, torch.distributions.kl_divergence(torch.distributions.Categorical(probs=p),
                                                  torch.distributions.Categorical(probs=q)))
    p0 = torch.tensor([0.5, 0.5, 0.0], dtype=D)  # 0 log 0 = 0
    assert torch.isfinite(losses.get("kl_div")(torch.tensor([0.2, 0.3, 0.5], dtype=D), p0))


def test_dice_and_iou_on_hand_computed_masks():
    truth = torch.tensor([0, 1, 1, 1, 0, 0], dtype=D)
    pred = torch.tensor([0, 0, 1, 1, 1, 0], dtype=D)  # overlap 2, |pred| 3, |truth| 3, union 4
    close(losses.get("dice", smooth=1e-6)(pred, truth), torch.tensor(1 - (4 + 1e-6) / (6 + 1e-6), dtype=D))
    close(losses.get("iou", smooth=1e-6)(pred, truth), torch.tensor(1 - (2 + 1e-6) / (4 + 1e-6), dtype=D))
    close(losses.get("dice", smooth=1e-6)(truth, truth), torch.tensor(0.0, dtype=D), 1e-9)
    assert float(losses.get("iou", smooth=1e-6)(1 - truth, truth)) == pytest.approx(1.0)


@pytest.mark.parametrize("name", losses.names("regression") + ["bce", "hinge", "squared_hinge", "focal"])
def test_gradients_match_finite_differences(name):
    loss = losses.get(name)
    x = (torch.linspace(-3, 3, 41, dtype=D) + 0.0123).requires_grad_(True)  # avoid kinks exactly at 0, ±1
    target = torch.full_like(x, 0.3) if loss.kind == "regression" else torch.ones_like(x)
    (grad,) = torch.autograd.grad(loss(x, target).sum(), x)
    h = 1e-6
    with torch.no_grad():
        numeric = (loss(x + h, target) - loss(x - h, target)) / (2 * h)
    kink = (x - 0.3).abs() < 1e-3 if loss.kind == "regression" else ((x - 1).abs() < 1e-3)
    torch.testing.assert_close(grad[~kink], numeric[~kink], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["cross_entropy", "kl_div", "dice", "iou"])
def test_vector_loss_gradients_match_gradcheck(name):
    inputs = {
        "cross_entropy": (torch.randn(4, 3, dtype=D, generator=gen, requires_grad=True), torch.tensor([0, 2, 1, 1])),
        "kl_div": (torch.softmax(torch.randn(4, 3, dtype=D, generator=gen), -1).requires_grad_(True),
                   torch.softmax(torch.randn(4, 3, dtype=D, generator=gen), -1)),
        "dice": (torch.rand(4, 8, dtype=D, generator=gen, requires_grad=True), (torch.rand(4, 8, generator=gen) > 0.5).to(D)),
        "iou": (torch.rand(4, 8, dtype=D, generator=gen, requires_grad=True), (torch.rand(4, 8, generator=gen) > 0.5).to(D)),
    }[name]
    loss = losses.get(name)
    assert torch.autograd.gradcheck(lambda a: loss(a, inputs[1]), (inputs[0],))


# ---- properties --------------------------------------------------------------------------------------

WITH_DERIVATIVES = [n for n in losses.names("regression") if losses.spec(n).derivatives is not None]


@given(st.sampled_from(WITH_DERIVATIVES), st.lists(floats.filter(bool), min_size=1, max_size=20), st.data())
@settings(deadline=None)
def test_closed_form_derivatives_equal_autograd(name, residuals, data):
    """rho' and rho'' in closed form (damped Newton's fast path) equal autograd's first and second derivatives."""
    spec = losses.spec(name)
    params = {p.name: data.draw(st.floats(p.low, p.high)) for p in spec.params}
    r = torch.tensor(residuals, dtype=D, requires_grad=True)
    (slope,) = torch.autograd.grad(spec.fn(r, **params).sum(), r, create_graph=True)
    (curvature,) = torch.autograd.grad(slope.sum(), r)
    closed_slope, closed_curvature = spec.derivatives(r.detach(), **params)
    torch.testing.assert_close(closed_slope, slope.detach(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(closed_curvature, curvature, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", WITH_DERIVATIVES)
def test_closed_form_curvature_at_zero_is_the_finite_difference(name):
    """At r = 0 autograd's rho'' is 0 (the derivative of |r|'s sign); the closed form gives the true curvature."""
    spec, h = losses.spec(name), 1e-4
    rho = lambda r: float(spec.fn(torch.tensor(r, dtype=D)))  # noqa: E731
    slope, curvature = spec.derivatives(torch.zeros(1, dtype=D))
    assert float(slope) == 0.0
    assert float(curvature) == pytest.approx((rho(h) - 2 * rho(0.0) + rho(-h)) / h**2, rel=1e-6)


@given(floats, floats)
def test_regression_losses_nonnegative_and_zero_at_zero(pred, target):
    p, t = torch.tensor(pred, dtype=D), torch.tensor(target, dtype=D)
    for name in losses.names("regression"):
        loss = losses.get(name)
        assert float(loss(p, t)) >= 0
        assert float(loss(t, t)) == 0


@given(st.floats(-30, 30, allow_nan=False))
def test_symmetric_losses_are_even(r):
    r = torch.tensor(r, dtype=D)
    for name in ("mse", "mae", "huber", "log_cosh"):
        loss = losses.get(name)
        assert float(loss.of_residual(r)) == pytest.approx(float(loss.of_residual(-r)), rel=1e-12, abs=1e-12)


@given(st.floats(-100, 100, allow_nan=False), st.floats(0.01, 10))
def test_huber_between_half_mse_and_mae_behaviour(r, delta):
    """Huber = r²/2 inside delta, never above r²/2, never above delta·|r|, and delta·|r| - delta²/2 outside."""
    r_t = torch.tensor(r, dtype=D)
    h = float(losses.get("huber", delta=delta).of_residual(r_t))
    assert h <= 0.5 * r * r + 1e-9
    assert h <= delta * abs(r) + 1e-9
    if abs(r) <= delta:
        assert h == pytest.approx(0.5 * r * r, rel=1e-12, abs=1e-15)
    else:
        assert h == pytest.approx(delta * abs(r) - 0.5 * delta**2, rel=1e-12)


@given(st.floats(-50, 50, allow_nan=False))
def test_log_cosh_between_its_asymptotes(r):
    v = float(losses.get("log_cosh").of_residual(torch.tensor(r, dtype=D)))
    assert max(0.0, abs(r) - math.log(2)) - 1e-12 <= v <= min(0.5 * r * r, abs(r)) + 1e-12


@given(st.floats(-20, 20, allow_nan=False), st.sampled_from([0.0, 1.0]))
def test_surrogates_bound_zero_one_from_above(score, label):
    """Hinge and (log2-scaled) cross-entropy are convex upper bounds of the 0-1 loss."""
    s, y = torch.tensor(score, dtype=D), torch.tensor(label, dtype=D)
    zero_one = float(losses.get("zero_one")(s, y))
    assert float(losses.get("hinge")(s, y)) >= zero_one
    assert float(losses.get("bce")(s, y)) / math.log(2) >= zero_one - 1e-12
    assert float(losses.get("focal")(s, y)) >= 0


@given(st.lists(st.floats(0.01, 1.0), min_size=2, max_size=8), st.data())
@settings(max_examples=50)
def test_kl_nonnegative_and_zero_iff_equal(weights, data):
    p = torch.tensor(weights, dtype=D)
    p = p / p.sum()
    other = torch.tensor(data.draw(st.lists(st.floats(0.01, 1.0), min_size=len(weights), max_size=len(weights))),
                         dtype=D)
    q = other / other.sum()
    kl = losses.get("kl_div")
    assert float(kl(q, p)) >= -1e-12
    assert abs(float(kl(p, p))) < 1e-12


# ---- registry and validation --------------------------------------------------------------------------

def test_registry_is_complete_and_described():
    expected = {"mse", "mae", "huber", "log_cosh", "quantile", "bce", "hinge", "squared_hinge", "focal",
                "cross_entropy", "kl_div", "dice", "iou", "zero_one"}
    assert expected <= set(losses.names())
    for name in losses.names():
        spec = losses.spec(name)
        assert spec.kind in losses.KINDS and spec.formula and spec.description and spec.use_when
        for p in spec.params:
            assert p.low <= p.default <= p.high


@pytest.mark.parametrize("call,message", [
    (lambda: losses.get("nope"), "unknown loss"),
    (lambda: losses.get("huber", delta=-1), "delta must be between"),
    (lambda: losses.get("huber", delta=float("nan")), "delta must be between"),
    (lambda: losses.get("quantile", tau=1.5), "tau must be between"),
    (lambda: losses.get("mse", delta=1), "has no parameter"),
    (lambda: losses.get("focal", gamma="x"), "must be a number"),
    (lambda: losses.resolve("bce", "regression"), "needs a regression loss"),
])
def test_bad_parameters_get_clear_messages(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_describe_names_parameters():
    assert losses.get("huber", delta=0.5).describe() == "Huber(delta=0.5)"
    assert losses.get("mse").describe() == "MSE"
    assert np.isclose(float(losses.get("mse").of_residual(torch.tensor(3.0, dtype=D))), 9.0)
