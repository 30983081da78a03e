"""Classifiers against independent oracles: scipy's weighted fits and LP, hand counts, torch's cross-entropy."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog, minimize

from landscape import classify, data, losses
from landscape.types import InputError

D = torch.float64


def weighted_bce_fit(X, y, pos_weight):
    """Direct fit with scipy: mean_i c_i BCE(w . x_i + b, y_i), written in numpy from the textbook formula."""
    c = np.where(y == 1, pos_weight, 1.0)

    def f(theta):
        s = X @ theta[:2] + theta[2]
        p = 1 / (1 + np.exp(-s))
        value = np.mean(c * (y * np.logaddexp(0, -s) + (1 - y) * np.logaddexp(0, s)))
        grad_s = c * (y * (p - 1) + (1 - y) * p) / len(y)
        return value, np.r_[X.T @ grad_s, grad_s.sum()]

    result = minimize(f, np.zeros(3), jac=True, method="BFGS", options={"gtol": 1e-11})
    return result.x, result.fun


def weighted_hinge_lp(X, y, pos_weight):
    """The weighted hinge fit as a linear programme: min mean c_i xi_i, xi_i >= 1 - t_i (w . x_i + b), xi >= 0."""
    n, t = len(y), 2 * y - 1
    cost = np.r_[0, 0, 0, np.where(y == 1, pos_weight, 1.0) / n]
    A = np.c_[-t[:, None] * X, -t, -np.eye(n)]
    result = linprog(cost, A_ub=A, b_ub=-np.ones(n), bounds=[(None, None)] * 3 + [(0, None)] * n, method="highs")
    return result.x[:3], result.fun


def mean_loss(X, y, loss, pos_weight, theta):
    c = classify.class_costs(torch.as_tensor(y), pos_weight)
    s = torch.as_tensor(X) @ torch.as_tensor(theta[:2]) + theta[2]
    return float((c * loss(s, torch.as_tensor(y))).mean())


def test_class_weight_on_bce_is_the_registry_pos_weight():
    gen = torch.Generator().manual_seed(1)
    s, y = torch.randn(300, generator=gen, dtype=D) * 3, (torch.rand(300, generator=gen) < 0.3).to(D)
    for w in (0.2, 1.0, 7.5):
        torch.testing.assert_close(classify.class_costs(y, w) * losses.get("bce")(s, y),
                                   losses.get("bce", pos_weight=w)(s, y), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("dataset", ["blobs", "moons", "circles", "imbalanced"])
@pytest.mark.parametrize("pos_weight", [0.3, 1.0, 5.0])
def test_pos_weight_minimiser_matches_a_direct_weighted_fit(dataset, pos_weight):
    X, y = data.make(dataset, n=200, seed=3)
    theta = classify.fit_binary(X, y, losses.get("bce"), pos_weight)
    expected, value = weighted_bce_fit(X, y, pos_weight)
    np.testing.assert_allclose(theta, expected, atol=1e-5)
    assert mean_loss(X, y, losses.get("bce"), pos_weight, theta) <= value + 1e-12


@pytest.mark.parametrize("dataset, pos_weight", [("blobs", 1.0), ("moons", 4.0), ("imbalanced", 8.0)])
def test_hinge_minimiser_reaches_the_linear_programme_optimum(dataset, pos_weight):
    X, y = data.make(dataset, n=150, seed=1)
    theta = classify.fit_binary(X, y, losses.get("hinge"), pos_weight)
    _, optimum = weighted_hinge_lp(X, y, pos_weight)
    assert mean_loss(X, y, losses.get("hinge"), pos_weight, theta) == pytest.approx(optimum, rel=1e-6, abs=1e-9)


@pytest.mark.parametrize("name", ["squared_hinge", "focal"])
def test_smooth_losses_reach_a_stationary_point_scipy_agrees_with(name):
    X, y = data.make("moons", n=200, seed=2)
    loss = losses.get(name)
    theta = classify.fit_binary(X, y, loss, 3.0)

    def f(t):
        return mean_loss(X, y, loss, 3.0, t)

    reference = minimize(f, np.zeros(3), method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-14,
                                                                         "maxiter": 20000}).fun
    assert f(theta) <= reference + 1e-9


def test_surface_minimum_is_the_weighted_minimiser():
    """The page's surface over (w1, w2) at b*: its lowest grid point is within a grid step of scipy's fit,
    and no grid point lies below the fit."""
    view = classify.binary_view("imbalanced", 200, 0, "bce", {}, 6.0)
    X, y = data.make("imbalanced", n=200, seed=0)
    expected, value = weighted_bce_fit(X, y, 6.0)
    np.testing.assert_allclose(view.fit.theta, expected, atol=1e-5)
    x, y_, z = view.surface.minimum
    step = view.surface.x[1] - view.surface.x[0]
    assert abs(x - expected[0]) <= step and abs(y_ - expected[1]) <= step
    assert view.surface.z.min() >= value - 1e-12
    assert view.heights[0] == pytest.approx(value, rel=1e-9)


def test_a_heavier_false_negative_moves_the_boundary_and_raises_recall():
    light = classify.binary_view("imbalanced", 200, 0, "bce", {}, 1.0)
    heavy = classify.binary_view("imbalanced", 200, 0, "bce", {}, 10.0)
    assert np.abs(heavy.fit.theta - light.fit.theta).max() > 0.5
    np.testing.assert_allclose(heavy.plain.theta, light.fit.theta)  # the weight-1 comparison
    assert heavy.fit.metrics.recall > light.fit.metrics.recall
    assert heavy.fit.metrics.fn < light.fit.metrics.fn and heavy.fit.metrics.fp > light.fit.metrics.fp
    assert "false-negative weight 10" in heavy.title and "pos_weight" not in heavy.title


def test_the_false_negative_weight_moves_the_bias_and_the_page_says_so():
    """Issue 11: at weight 10 on blobs the weights barely move ((1.25, 1.4) -> (1.24, 1.23)) while the bias goes
    from 0.18 to 2.45, which the (w1, w2) surface does not show; metric changes are percentage points."""
    view = classify.binary_view("blobs", 200, 0, "bce", {}, 10.0)
    np.testing.assert_allclose(view.plain.theta, [1.25, 1.40, 0.18], atol=0.01)
    np.testing.assert_allclose(view.fit.theta, [1.24, 1.23, 2.45], atol=0.01)
    text = " ".join(classify.weight_sentences(view))
    assert "moves mostly in its bias" in text and "the bias b from 0.179 to 2.45 (+2.28)" in text
    assert "does not show it" in text and "surface tilts" not in text
    assert "recall rises from 83.0% to 98.0% (+15.0 pp)" in text
    assert "precision falls from 83.8% to 59.8% (-24.1 pp)" in text
    assert classify.percentage_points(0.598, 0.838) == "-24.0 pp" and classify.percentage_points(0.5, 0.5) is None
    assert "plain fit" in classify.weight_sentences(classify.binary_view("blobs", 200, 0, "bce", {}, 1.0))[0]


@given(dataset=st.sampled_from(data.names("binary")), loss=st.sampled_from(classify.BINARY_LOSSES),
       n=st.integers(50, 200), seed=st.integers(0, 50),
       pos_weight=st.sampled_from([0.05, 0.2, 0.5, 0.8, 1.0, 1.5, 3.0, 10.0, 20.0]))
@settings(max_examples=40, deadline=None)
def test_no_sentence_about_the_false_negative_weight_is_shown_when_its_condition_is_false(dataset, loss, n, seed,
                                                                                          pos_weight):
    view = classify.binary_view(dataset, n, seed, loss, {}, pos_weight)
    text = " ".join(classify.weight_sentences(view))
    if pos_weight == 1.0:
        assert "plain fit" in text and "pp" not in text
        return
    fit, plain = view.fit, view.plain
    dw, db = np.hypot(*(fit.theta[:2] - plain.theta[:2])), abs(fit.theta[2] - plain.theta[2])
    assert ("mostly in its bias" in text) == (db > classify.MOSTLY * dw)
    assert ("mostly in its weights" in text) == (dw > classify.MOSTLY * db)
    before, now = plain.metrics.tp + plain.metrics.fp, fit.metrics.tp + fit.metrics.fp
    assert ("into the negative class" in text) == (now > before)
    assert ("into the positive class" in text) == (now < before)
    for name in ("recall", "precision"):
        a, b = getattr(plain.metrics, name), getattr(fit.metrics, name)
        assert (f"{name} rises" in text) == (a is not None and b is not None and b > a)
        assert (f"{name} falls" in text) == (a is not None and b is not None and b < a)
        if a is not None and b is not None and a != b:
            assert f"({100 * (b - a):+.1f} pp)" in text
    assert "%)" not in text.replace("pp)", "")  # a change is never printed in percent


def test_a_softmax_parameter_moves_every_dot_toward_or_away_from_its_corner():
    """"Moving a parameter of class c ... every dot slides toward or away from c's corner, not only the dots of c"."""
    fit = classify.softmax_view(0, ("bA", "wB1"), 1.0, 0.0)
    moved = classify.softmax_view(0, ("bA", "wB1"), 1.0, 0.0, (1.0, 0.0))
    assert (moved.probabilities[:, 0] > fit.probabilities[:, 0]).all()  # bias of A: every dot toward A
    turned = classify.softmax_view(0, ("bA", "wB1"), 1.0, 0.0, (0.0, 1.0))
    x1 = fit.X[:, 0]
    toward = turned.probabilities[:, 1] > fit.probabilities[:, 1]
    assert (toward == (x1 > 0))[np.abs(x1) > 1e-9].all()  # w_B1: toward B where x1 > 0, away where x1 < 0
    assert set(fit.y[toward]) == {0, 1, 2}  # dots of every class move


def test_metrics_against_a_hand_count():
    y = np.array([1, 1, 0, 0, 1, 0, 1])
    scores = np.array([2.0, -1.0, 0.5, -3.0, 0.0, 4.0, 0.1])  # predicted positive: score > 0
    m = classify.metrics(y, scores)
    # TP: items 0, 6; FN: items 1, 4 (a score of exactly 0 is negative); FP: items 2, 5; TN: item 3
    assert (m.tp, m.fn, m.fp, m.tn) == (2, 2, 2, 1)
    np.testing.assert_array_equal(m.matrix, [[1, 2], [2, 2]])
    assert m.precision == pytest.approx(2 / 4) and m.recall == pytest.approx(2 / 4)
    assert m.accuracy == pytest.approx(3 / 7)
    none_called = classify.metrics(y, -np.ones(7))
    assert none_called.precision is None and none_called.recall == 0.0
    assert classify.metrics(np.zeros(3), np.ones(3)).recall is None


def test_boundary_scores_are_the_fitted_line():
    view = classify.binary_view("moons", 120, 4, "squared_hinge", {}, 2.0)
    w1, w2, b = view.fit.theta
    i, j = 37, 101
    assert view.fit.scores[i, j] == pytest.approx(w1 * view.box_x[j] + w2 * view.box_y[i] + b)
    assert view.fit.metrics.matrix.sum() == 120


@pytest.mark.parametrize("args, message", [
    (("three_blobs", 200, 0, "bce", {}, 1.0), "two-class"),
    (("nope", 200, 0, "bce", {}, 1.0), "two-class"),
    (("blobs", 200, 0, "zero_one", {}, 1.0), "fits"),
    (("blobs", 200, 0, "mse", {}, 1.0), "fits"),
    (("blobs", 200, 0, "focal", {"gamma": 9.0}, 1.0), "gamma"),
    (("blobs", 200, 0, "bce", {}, 0.0), "false-negative weight"),
    (("blobs", 200, 0, "bce", {}, float("inf")), "false-negative weight"),
    (("blobs", 1, 0, "bce", {}, 1.0), "number of points"),
])
def test_binary_bad_input(args, message):
    with pytest.raises(InputError, match=message):
        classify.binary_view(*args)


def test_separable_data_is_recognised():
    X, y = data.make("blobs", n=60, separation=12.0, seed=0)
    bce, hinge = losses.get("bce"), losses.get("hinge")
    assert classify.runs_away(X, y, bce, 1.0, classify.fit_binary(X, y, bce))  # no finite minimum
    assert not classify.runs_away(X, y, hinge, 1.0, classify.fit_binary(X, y, hinge))  # zero loss, a flat floor
    X, y = data.make("blobs", n=200, seed=0)
    assert not classify.runs_away(X, y, bce, 1.0, classify.fit_binary(X, y, bce))
    assert classify.binary_view("blobs", 200, 0, "bce", {}, 1.0).note is None


# ---- three classes ----------------------------------------------------------------------------------------

def split(theta):
    t = torch.as_tensor(theta)
    return t[:6].reshape(3, 2), t[6:]


@pytest.mark.parametrize("temperature, eps", [(1.0, 0.0), (0.3, 0.0), (2.5, 0.2)])
def test_softmax_loss_matches_torch_cross_entropy(temperature, eps):
    X, y = data.make("three_blobs", seed=5, **classify.SOFTMAX_DATA)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    theta = torch.randn(4, 9, generator=torch.Generator().manual_seed(0), dtype=D)  # a batch of parameter vectors
    got = classify.softmax_loss(theta, Xt, yt, temperature, eps)  # (4,)
    for k in range(4):
        W, b = split(theta[k])
        expected = F.cross_entropy((Xt @ W.T + b) / temperature, yt, label_smoothing=eps)
        assert float(got[k]) == pytest.approx(float(expected), rel=1e-12)


def test_softmax_surface_matches_torch_cross_entropy_at_grid_points():
    X, y = data.make("three_blobs", seed=0, **classify.SOFTMAX_DATA)
    view = classify.softmax_view(0, ("wB2", "bC"), 1.7, 0.1, resolution=21)
    Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
    i, j = classify.SOFTMAX_PARAMS.index("wB2"), classify.SOFTMAX_PARAMS.index("bC")
    for a, b in ((0, 0), (3, 17), (20, 9)):
        theta = view.theta.copy()
        theta[i], theta[j] = view.surface.x[b], view.surface.y[a]
        W, bias = split(theta)
        expected = F.cross_entropy((Xt @ W.T + bias) / 1.7, yt, label_smoothing=0.1)
        assert view.surface.z[a, b] == pytest.approx(float(expected), rel=1e-11)


def test_softmax_fit_is_a_centred_stationary_point():
    X, y = data.make("three_blobs", seed=0, **classify.SOFTMAX_DATA)
    theta = torch.tensor(classify.fit_softmax(X, y), dtype=D, requires_grad=True)
    W, b = theta[:6].reshape(3, 2), theta[6:]
    F.cross_entropy(torch.as_tensor(X) @ W.T + b, torch.as_tensor(y)).backward()
    assert float(theta.grad.abs().max()) < 1e-7
    np.testing.assert_allclose(W.detach().sum(0), 0.0, atol=1e-9)
    assert abs(float(b.detach().sum())) < 1e-9


def test_softmax_view_predictions_temperature_and_offsets():
    cold = classify.softmax_view(0, ("wA1", "wB1"), 0.5, 0.0)
    hot = classify.softmax_view(0, ("wA1", "wB1"), 4.0, 0.0)
    np.testing.assert_allclose(cold.probabilities.sum(1), 1.0)
    entropy = [float(-(v.probabilities * np.log(v.probabilities)).sum(1).mean()) for v in (cold, hot)]
    assert entropy[1] > entropy[0]  # a higher temperature spreads the predictions toward the centre
    np.testing.assert_array_equal(cold.theta, hot.theta)  # the fit is at T = 1 either way
    moved = classify.softmax_view(0, ("wA1", "wB1"), 1.0, 0.0, offsets=(2.0, -1.5))
    np.testing.assert_allclose(moved.point - moved.theta, [2.0, 0, -1.5, 0, 0, 0, 0, 0, 0])
    assert moved.loss > moved.loss_at_fit
    x, y_, _ = moved.surface.minimum
    assert (x, y_) == pytest.approx((moved.theta[0], moved.theta[2]))  # the grid is centred on the fit


@pytest.mark.parametrize("pair, kw, message", [
    (("wA1", "wA1"), {}, "two different"), (("wA1", "wZ9"), {}, "not a parameter"),
    (("wA1", "bA"), {"temperature": 0.0}, "temperature"), (("wA1", "bA"), {"label_smoothing": 0.9}, "label_smoothing"),
    (("wA1", "bA"), {"offsets": (7.0, 0.0)}, "offset"),
])
def test_softmax_bad_input(pair, kw, message):
    args = {"temperature": 1.0, "label_smoothing": 0.0} | kw
    with pytest.raises(InputError, match=message):
        classify.softmax_view(0, pair, **args)
