"""Divergences against scipy's numeric integrals and torch.distributions; Dice and IoU against hand counts."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
import torch
from apptest import negative_zeros
from scipy.integrate import quad
from scipy.stats import norm
from torch.distributions import Normal, kl_divergence

from landscape import divergence as dv
from landscape import losses
from landscape.figures.distributions import densities
from landscape.types import InputError

D = torch.float64


def mixture_logpdf(p: dv.Bimodal):
    d, s = p.separation / 2, p.width
    with np.errstate(divide="ignore"):
        left, right = np.log(p.share), np.log1p(-p.share)
    return lambda x: np.logaddexp(left + norm.logpdf(x, -d, s), right + norm.logpdf(x, d, s))


def quad_divergence(name, p, mu, sigma):
    """The integral by adaptive quadrature on log densities written with scipy.stats, split at the modes."""
    log_p, log_q = mixture_logpdf(p), (lambda x: norm.logpdf(x, mu, sigma))

    def integrand(x):
        a, b = log_p(x), log_q(x)
        m = np.logaddexp(a, b) - math.log(2)
        terms = {"forward": lambda: math.exp(a) * (a - b), "reverse": lambda: math.exp(b) * (b - a),
                 "js": lambda: 0.5 * (math.exp(a) * (a - m) + math.exp(b) * (b - m))}
        return terms[name]()

    lo, hi = min(-p.separation / 2 - 12 * p.width, mu - 12 * sigma), max(p.separation / 2 + 12 * p.width,
                                                                          mu + 12 * sigma)
    points = sorted({-p.separation / 2, p.separation / 2, mu})
    return quad(integrand, lo, hi, points=points, limit=400, epsabs=1e-12, epsrel=1e-10)[0]


CASES = [(dv.Bimodal(4.0, 0.6, 0.6), 0.0, 1.0), (dv.Bimodal(4.0, 0.6, 0.6), -2.0, 0.6),
         (dv.Bimodal(6.0, 0.3, 0.8), 2.5, 3.0), (dv.Bimodal(1.0, 0.5, 1.5), -5.0, 0.25),
         (dv.Bimodal(8.0, 0.9, 0.3), 4.0, 4.5)]


@pytest.mark.parametrize("name", list(dv.DIVERGENCES))
@pytest.mark.parametrize("p, mu, sigma", CASES)
def test_divergences_match_numeric_integrals(name, p, mu, sigma):
    got = float(dv.divergence(name, p, torch.tensor(mu, dtype=D), torch.tensor(sigma, dtype=D)))
    # rel 1e-5: the trapezoid rule meets a near-kink of log p between two narrow, distant modes (8 apart, width 0.3)
    assert got == pytest.approx(quad_divergence(name, p, mu, sigma), rel=1e-5, abs=1e-10)


@pytest.mark.parametrize("mu_p, s_p, mu, sigma", [(0.0, 1.0, 0.5, 2.0), (-2.0, 0.4, 3.0, 0.3), (1.0, 1.7, 1.0, 1.7)])
def test_normal_against_normal_matches_torch_distributions(mu_p, s_p, mu, sigma):
    p = dv.Bimodal(separation=-2.0 * mu_p, share=1.0, width=s_p)  # all mass in the left mode at mu_p
    q_mu, q_sigma = torch.tensor(mu, dtype=D), torch.tensor(sigma, dtype=D)
    P, Q = Normal(torch.tensor(mu_p, dtype=D), torch.tensor(s_p, dtype=D)), Normal(q_mu, q_sigma)
    assert float(dv.divergence("forward", p, q_mu, q_sigma)) == pytest.approx(float(kl_divergence(P, Q)), abs=1e-10)
    assert float(dv.divergence("reverse", p, q_mu, q_sigma)) == pytest.approx(float(kl_divergence(Q, P)), abs=1e-10)


def test_registry_kl_div_on_the_discretised_densities_agrees():
    p, mu, sigma = dv.Bimodal(3.0, 0.4, 0.7), 0.3, 1.4
    x, w = dv.x_grid()
    near = x.abs() < 15  # both densities are far above underflow here
    pp = (torch.exp(p.log_pdf(x)) * w)[near]
    qq = (torch.exp(dv.log_normal(x, mu, sigma)) * w)[near]
    registry = float(losses.get("kl_div")(qq, pp))
    assert registry == pytest.approx(float(dv.divergence("forward", p, torch.tensor(mu), torch.tensor(sigma))),
                                     rel=1e-6)


def test_gradients_flow_to_mu_and_sigma():
    p = dv.Bimodal()
    mu, sigma = torch.tensor(0.3, dtype=D, requires_grad=True), torch.tensor(1.2, dtype=D, requires_grad=True)
    dv.divergence("forward", p, mu, sigma).backward()
    # d/dmu KL(p||q) = (mu - E_p x) / sigma^2 ;  d/dsigma = 1/sigma - E_p (x - mu)^2 / sigma^3
    second = p.std**2 + (p.mean - 0.3) ** 2
    assert float(mu.grad) == pytest.approx((0.3 - p.mean) / 1.44, rel=1e-8)
    assert float(sigma.grad) == pytest.approx(1 / 1.2 - second / 1.2**3, rel=1e-8)


def test_forward_kl_covers_the_mass_and_reverse_kl_seeks_a_mode():
    view = dv.fit_view(4.0, 0.6, 0.6)
    p = view.p
    (forward,) = view.minima["forward"]
    assert forward.mu == pytest.approx(p.mean, abs=1e-6) and forward.sigma == pytest.approx(p.std, rel=1e-6)
    reverse = view.minima["reverse"]
    assert len(reverse) >= 2
    best, other = reverse[0], reverse[1]
    assert best.mu == pytest.approx(-2.0, abs=0.05) and best.sigma == pytest.approx(0.6, rel=0.05)  # heavier mode
    assert other.mu == pytest.approx(2.0, abs=0.05) and other.value > best.value
    assert best.value == pytest.approx(-math.log(0.6), abs=0.01)  # q = the left mode: KL = -log share
    for name, minima in view.minima.items():  # polished minima lie at or below the grid
        assert minima[0].value <= view.surfaces[name].z.min() + 1e-9


def test_jensen_shannon_is_bounded_and_one_mode_unifies_the_three():
    view = dv.fit_view(8.0, 0.5, 0.5)
    js = view.surfaces["js"].z
    assert js.min() >= -1e-12 and js.max() <= math.log(2) + 1e-9
    single = dv.fit_view(0.0, 0.5, 0.8)  # both modes at 0: p is one Normal, every divergence finds it
    for name, minima in single.minima.items():
        assert minima[0].mu == pytest.approx(0.0, abs=1e-4) and minima[0].sigma == pytest.approx(0.8, rel=1e-4)
        assert minima[0].value == pytest.approx(0.0, abs=1e-8)
    table = single.table()
    assert table["divergence"][0] == "forward KL(p‖q)" and len(table["μ"]) == len(table["value"])


def test_grid_minima_finds_every_interior_local_minimum():
    x = np.linspace(-3, 3, 61)
    z = np.minimum((x[None, :] + 1.5) ** 2 + x[:, None] ** 2, (x[None, :] - 1.5) ** 2 + x[:, None] ** 2 + 0.5)
    surf = dv.Surface(x, x, z, "x", "y", "test", 0.0)
    found = dv.grid_minima(surf)
    assert [(round(float(x[j]), 6), round(float(x[i]), 6)) for i, j in found] == [(-1.5, 0.0), (1.5, 0.0)]


@pytest.mark.parametrize("args, message", [((99.0, 0.5, 0.6), "separation"), ((4.0, 1.0, 0.6), "share"),
                                           ((4.0, 0.5, 0.0), "width"), ((float("nan"), 0.5, 0.6), "separation")])
def test_fit_bad_input(args, message):
    with pytest.raises(InputError, match=message):
        dv.fit_view(*args)


# ---- overlap ---------------------------------------------------------------------------------------------

def test_dice_and_iou_of_hard_masks_by_hand():
    prob = torch.tensor([[1, 1, 0, 0, 0], [1, 1, 1, 1, 0], [0, 0, 0, 0, 1]], dtype=D)
    mask = torch.tensor([0, 1, 1, 0, 0], dtype=D)
    # intersections 1, 2, 0; |p| = 2, 4, 1; |g| = 2
    dice = losses.get("dice", smooth=1e-6)(prob, mask)
    iou = losses.get("iou", smooth=1e-6)(prob, mask)
    np.testing.assert_allclose(dice, [1 - 2 * 1 / 4, 1 - 2 * 2 / 6, 1.0], atol=1e-6)
    np.testing.assert_allclose(iou, [1 - 1 / 3, 1 - 2 / 4, 1.0], atol=1e-6)


@pytest.mark.parametrize("truth, pred", [((0.5, 0.1), (0.55, 0.1)), ((0.3, 0.2), (0.3, 0.06)),
                                         ((0.7, 0.04), (0.2, 0.1))])
def test_segment_losses_match_hand_counts_with_hard_edges(truth, pred):
    cells = (np.arange(dv.PIXELS) + 0.5) / dv.PIXELS
    g = np.abs(cells - truth[0]) <= truth[1] / 2
    p = np.abs(cells - pred[0]) <= pred[1] / 2
    inter, union = np.sum(g & p), np.sum(g | p)
    mask = dv.truth_mask(*truth)
    np.testing.assert_array_equal(mask.numpy(), g)
    theta = torch.tensor(pred, dtype=D)
    value = {name: float(dv.overlap_objective(name, mask, softness=1e-6, smooth=1e-6)(theta)) for name in dv.OVERLAP}
    assert value["soft Dice"] == pytest.approx(1 - 2 * inter / (g.sum() + p.sum()), abs=1e-6)
    assert value["soft IoU"] == pytest.approx(1 - inter / union, abs=1e-6)
    # BCE with hard edges: a wrong cell costs about its distance to the edge over the softness
    assert value["BCE"] > 0 if (g != p).any() else value["BCE"] == pytest.approx(0, abs=1e-8)


def test_dice_is_flat_where_the_segments_do_not_overlap_and_bce_is_not():
    view = dv.overlap_view(0.7, 0.1, 0.01, 1.0)
    assert view.flat["soft Dice"] > 0.25 and view.flat["soft IoU"] > 0.25 and view.flat["BCE"] < 0.02
    mask = dv.truth_mask(0.7, 0.1)
    far = torch.tensor([0.2, 0.1], dtype=D, requires_grad=True)  # 0.4 away: no overlap at all
    toward = {}  # d loss / d position: the slope that would move the prediction toward the truth
    for name in dv.OVERLAP:
        (grad,) = torch.autograd.grad(dv.overlap_objective(name, mask, 0.01, 1.0)(far), far)
        toward[name] = float(grad[0])
    assert abs(toward["soft Dice"]) < 1e-6 and abs(toward["soft IoU"]) < 1e-6
    assert toward["BCE"] < -1.0  # BCE falls as the segment moves right, toward the truth
    for name, surf in view.surfaces.items():  # every loss is lowest near the truth
        x, y, _ = surf.minimum
        assert abs(x - 0.7) < 0.02 and abs(y - 0.1) < 0.03, name
    assert set(view.slices) == set(dv.OVERLAP) and len(view.positions) == len(view.slices["BCE"])


@pytest.mark.parametrize("args, message", [((0.0, 0.1, 0.01, 1.0), "position"), ((0.5, 0.9, 0.01, 1.0), "extent"),
                                           ((0.5, 0.1, 0.0, 1.0), "softness"), ((0.5, 0.1, 0.01, -1.0), "smooth")])
def test_overlap_bad_input(args, message):
    with pytest.raises(InputError, match=message):
        dv.overlap_view(*args)


# ---- the page's words against the numbers (issue 11) ----------------------------------------------------------

@pytest.mark.parametrize("separation, share, width", [(0.0, 0.6, 0.6), (2.0, 0.6, 0.6), (4.0, 0.6, 0.6),
                                                      (8.0, 0.95, 0.6), (3.0, 0.95, 1.0), (6.0, 0.5, 2.0)])
def test_no_sentence_about_the_fitted_normals_is_shown_when_its_condition_is_false(separation, share, width):
    view = dv.fit_view(separation, share, width)
    p, text = view.p, " ".join(dv.fit_sentences(view))
    forward, reverse = view.minima["forward"][0], view.minima["reverse"]
    assert forward.mu == pytest.approx(p.mean, abs=0.02 * p.std)  # the moment match, to the integration's accuracy
    assert forward.sigma == pytest.approx(p.std, rel=0.02)
    assert "matches p's mean" in text
    d, s = separation / 2, width
    density = lambda x: share * norm.pdf(x, -d, s) + (1 - share) * norm.pdf(x, d, s)  # noqa: E731
    xs = np.linspace(-30, 30, 600_001)
    ratio = density(forward.mu) / density(xs).max()
    assert ("q covers both modes by sitting between them" in text) == (ratio < dv.SPARSE)
    assert (f"has {len(reverse)} valleys here" in text) == (len(reverse) >= 2)
    assert ("a single valley" in text) == (len(reverse) == 1)
    narrow = view.minima["reverse"][0].sigma < p.std * (1 - dv.AGREE)
    assert ("too narrow" in text) == narrow
    best = [found[0] for found in view.minima.values()]
    agree = all(abs(m.mu - forward.mu) <= dv.AGREE * p.std and abs(m.sigma - forward.sigma) <= dv.AGREE * p.std
                for m in best)
    assert ("all three agree on the best q" in text) == agree
    if separation == 0.0:
        assert agree and "single valley" in text
    legend = " ".join(trace.name for trace in densities(view).data)
    assert negative_zeros(text) == [] and negative_zeros(legend) == []  # p's mean at d = 0 is -0.0 or -1e-17


def test_coverage_is_the_share_of_the_truth_under_the_prediction():
    mask = dv.truth_mask(0.6, 0.1)
    covered = dv.coverage(mask, 0.01, [0.6, 0.1, 0.6], [0.1, 0.1, 0.4])
    assert covered.shape == (3, 3)
    p = torch.sigmoid(dv.segment_logits(torch.tensor(0.6, dtype=D), torch.tensor(0.1, dtype=D), 0.01))
    assert covered[0, 0] == pytest.approx(float((p * mask).sum() / mask.sum()))
    assert covered[0, 1] < 1e-6 and covered[2, 0] > 0.99  # far away: nothing; wide and on it: everything


@given(position=st.floats(0.1, 0.9), extent=st.floats(0.02, 0.4), softness=st.floats(0.002, 0.1),
       smooth=st.sampled_from([1e-6, 0.01, 1.0, 10.0]))
@settings(max_examples=30, deadline=None)
def test_no_sentence_about_flat_overlap_losses_is_shown_when_its_condition_is_false(position, extent, softness,
                                                                                    smooth):
    view = dv.overlap_view(position, extent, softness, smooth)
    text = " ".join(dv.overlap_sentences(view))
    for name in ("soft Dice", "soft IoU"):
        surf = view.surfaces[name]
        gy, gx = np.gradient(surf.z, surf.y, surf.x)
        slope = np.hypot(gx, gy)
        missed = (slope < dv.FLAT * slope.max()) & (view.covered < dv.MISSED)
        lost = missed.mean() >= dv.FLAT_CLAIM
        assert (f"{name} is flat on {missed.mean():.0%} of the plane" in text) == lost
        assert (f"{name} on only {missed.mean():.0%}" in text) == (not lost)
        if lost:
            assert surf.z[missed].min() > 0.5  # "between ... and ...": Dice and IoU near their top where they miss
    c = position
    outside = np.abs(view.positions - c) > extent / 2
    slope = np.gradient(view.slices["BCE"], view.positions)
    toward = view.flat["BCE"] < dv.FLAT_CLAIM and np.all(slope[outside] * (view.positions[outside] - c) > 0)
    assert ("BCE still slopes toward the truth" in text) == bool(toward)
