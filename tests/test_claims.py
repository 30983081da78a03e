"""What the pages and the registry say, held to the maths (issue 11): each test names the sentence it checks."""
import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from landscape import losses, optim, problems
from landscape.surface import penalty_sentence
from landscape.types import DTYPE

ROOT = Path(__file__).resolve().parent.parent
R = torch.linspace(-50.0, 50.0, 20_001, dtype=DTYPE)
M = torch.linspace(-20.0, 20.0, 40_001, dtype=DTYPE)


# ---- the loss registry ----------------------------------------------------------------------------------

@pytest.mark.parametrize("delta", [0.01, 0.5, 1.0, 3.0, 10.0])
def test_huber_caps_the_pull_of_an_outlier_at_delta_and_does_not_ignore_it(delta):
    """Huber's "use it when": no point pulls harder than delta; residuals beyond delta still count."""
    text = losses.spec("huber").use_when
    assert "ignore" not in text and "no point pulls harder than delta" in text and "still count" in text
    r = R.clone().requires_grad_(True)
    rho = losses.get("huber", delta=delta).of_residual(r)
    (psi,) = torch.autograd.grad(rho.sum(), r)
    assert psi.abs().max() <= delta + 1e-12  # capped at delta
    far = R.abs() > delta
    np.testing.assert_allclose(psi[far].abs(), delta, rtol=1e-12)  # and never zero: the pull stays delta
    assert (rho.detach()[far] > 0).all() and (torch.diff(rho.detach()[R > delta]) > 0).all()  # the loss keeps growing


def test_the_zero_one_reference_names_exactly_the_losses_that_bound_it():
    """0-1's "use it when": hinge, squared hinge and BCE in log base 2 lie on or above it; BCE in natural log
    dips below it for margins just under 0 (and focal is not claimed)."""
    text = losses.spec("zero_one").use_when
    assert "hinge, squared hinge and binary cross-entropy in log base 2 lie on or above it" in text
    assert "natural log" in text and "focal" not in text
    step = losses.get("zero_one").of_margin(M)
    for name, scale in (("hinge", 1.0), ("squared_hinge", 1.0), ("bce", 1 / math.log(2))):
        assert (losses.get(name).of_margin(M) * scale >= step - 1e-12).all(), name
    natural = losses.get("bce").of_margin(M)
    below = M[natural < step]
    assert below.min() == pytest.approx(-math.log(math.e - 1), abs=2e-3)
    assert float(below.max()) == pytest.approx(0, abs=1e-12)
    near = (M <= 0) & (M >= -4)
    assert (losses.get("focal").of_margin(M) < step)[near].all()  # alpha 0.25: far below it near 0


# ---- the Optimisers page ---------------------------------------------------------------------------------

def _optimiser_text() -> str:
    return (ROOT / "views" / "optimisers.py").read_text()


def _gradients(obj, points: np.ndarray) -> np.ndarray:
    theta = torch.as_tensor(points, dtype=DTYPE).requires_grad_(True)
    (g,) = torch.autograd.grad(obj(theta).sum(), theta)
    return g.numpy()


def test_adagrad_sums_all_past_squared_gradients_and_its_effective_rate_only_shrinks():
    """"Adagrad divides by the root of the sum of *all* past squared gradients, which only grows"."""
    assert "sum of *all* past squared" in re.sub(r"\s+", " ", _optimiser_text())
    obj = problems.benchmark("quadratic")
    lr, eps = 0.3, 1e-10
    traj = optim.run(obj, "adagrad", start=(-2.0, 1.5), lr=lr, eps=eps, steps=60)
    g = _gradients(obj, traj.points[:-1])
    total = np.cumsum(g**2, axis=0)  # s_t: every gradient since the start
    np.testing.assert_allclose(np.diff(traj.points, axis=0), -lr * g / (np.sqrt(total) + eps), rtol=1e-9, atol=1e-12)
    rate = lr / (np.sqrt(total) + eps)
    assert (np.diff(rate, axis=0) <= 0).all()


def test_rmsprop_keeps_a_moving_average_and_its_effective_rate_grows_again():
    """"RMSprop and Adam divide by the root of a *moving average* of the recent ones, which forgets"."""
    text = re.sub(r"\s+", " ", _optimiser_text())
    assert "*moving average* of the recent ones" in text and "recent gradient size" not in text
    obj = problems.benchmark("quadratic")
    lr, beta2, eps = 0.05, 0.9, 1e-8
    traj = optim.run(obj, "rmsprop", start=(-2.0, 1.5), lr=lr, beta2=beta2, eps=eps, momentum=0.0, steps=80)
    g = _gradients(obj, traj.points[:-1])
    v = np.zeros(2)
    rates = []
    for t, gt in enumerate(g):
        v = beta2 * v + (1 - beta2) * gt**2
        np.testing.assert_allclose(traj.points[t + 1] - traj.points[t], -lr * gt / (np.sqrt(v) + eps),
                                   rtol=1e-9, atol=1e-12)
        rates.append(lr / (np.sqrt(v) + eps))
    assert (np.diff(np.array(rates), axis=0) > 0).any()  # as the slope flattens the rate grows: it forgets


# ---- the Loss surface page ------------------------------------------------------------------------------------

def _penalised(loss: str, l1: float, l2: float, **extra):
    from landscape.ui import compute

    spec = problems.ProblemSpec("regression", "line", loss=loss, l1=l1, l2=l2, **extra)
    return compute.surface_view(spec, None, (-3.0, 3.0), (-3.0, 3.0), 21, False)


@pytest.mark.parametrize("loss", ["mse", "mae", "huber", "log_cosh", "quantile"])
def test_a_penalty_moves_a_convex_losss_minimum_toward_zero_the_more_the_larger_it_is(loss):
    """"For a convex data loss the total's minimum lies between the data loss's minimum and the axis w = 0, nearer
    to w = 0 the larger λ is" -- and "Here it moves ..." quotes the exact minimisers."""
    for kind in ("l1", "l2"):
        last = None
        for strength in (0.01, 0.1, 0.5, 2.0, 10.0):
            view = _penalised(loss, **{"l1": 0.0, "l2": 0.0, kind: strength})
            (w0, _), (w1, _) = view.penalised
            assert w1 == 0.0 or (w0 * w1 > 0 and abs(w1) <= abs(w0) * (1 + 1e-6)), (kind, strength, w0, w1)
            assert last is None or abs(w1) <= abs(last) * (1 + 1e-6) + 1e-9  # nearer to 0 the larger the penalty
            last = w1
            text = penalty_sentence(view)
            assert f"from w = {w0:.4g} (data loss alone) to w = {w1:.4g} (total)" in text and "not convex" not in text


def test_a_minimum_the_penalty_moves_away_from_zero_is_called_not_convex_and_nothing_else_is():
    from dataclasses import replace

    view = _penalised("mse", 0.0, 0.5)
    away = replace(view, penalised=(np.array([1.0, 0.0]), np.array([1.5, 0.0])))
    assert "which is not between them: this loss is not convex" in penalty_sentence(away)
    across = replace(view, penalised=(np.array([1.0, 0.0]), np.array([-0.2, 0.0])))
    assert "not convex" in penalty_sentence(across)
    assert "not convex" not in penalty_sentence(view)


# ---- test functions ---------------------------------------------------------------------------------------

def _local_minima(name: str, n: int = 1025, **params) -> int:
    obj = problems.benchmark(name, **params)
    (x0, x1), (y0, y1) = obj.view
    xs, ys = torch.linspace(x0, x1, n, dtype=DTYPE), torch.linspace(y0, y1, n, dtype=DTYPE)
    with torch.no_grad():
        z = obj(torch.stack(torch.meshgrid(ys, xs, indexing="ij")[::-1], -1)).numpy()
    centre = z[1:-1, 1:-1]
    lower = np.ones_like(centre, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lower &= centre < z[1 + di:n - 1 + di, 1 + dj:n - 1 + dj]
    return int(lower.sum())


def test_rastrigin_has_local_minima_from_a_of_about_0_23_and_is_a_plain_bowl_below():
    """"A bowl with ripples of height A: from A of about 0.23 they make regularly spaced local minima"."""
    assert "about 0.23" in problems.BENCHMARKS["rastrigin"].description
    assert _local_minima("rastrigin", A=0.0) == 1 and _local_minima("rastrigin", A=0.22) == 1
    assert _local_minima("rastrigin", A=0.25) > 1 and _local_minima("rastrigin", A=10.0) > 50


def test_a_quadratic_of_condition_1_is_round():
    """"... leaves it round at 1": both curvatures equal, whatever the angle."""
    assert "round at 1" in problems.BENCHMARKS["quadratic"].description
    hessian = problems.benchmark("quadratic", condition=1.0, angle=37.0).meta["hessian"]
    np.testing.assert_allclose(np.linalg.eigvalsh(np.asarray(hessian)), [1.0, 1.0], rtol=1e-12)


# ---- the Optimisers page's warnings ---------------------------------------------------------------------------

def test_a_path_that_leaves_a_loss_without_minimum_is_not_told_to_lower_its_learning_rate():
    """"Try a smaller learning rate" only where a minimum exists: on the saddle every downhill path leaves."""
    from landscape import race
    from landscape.ui import optimisers

    saddle = problems.ProblemSpec("benchmark", "saddle")
    assert optimisers.reference(saddle, None).value is None  # no lowest point: the page's floor is None
    for lr in (0.01, 0.1):
        path = optim.run(problems.benchmark("saddle"), "gd", start=(0.5, 0.5), lr=lr, steps=5000)
        assert path.diverged_at is not None  # however small the step, it leaves
        text = race.diverged_sentence("gradient descent", path, None)
        assert "no lowest point" in text and "smaller learning rate only delays it" in text
        assert "Try a smaller learning rate" not in text
    path = optim.run(problems.benchmark("quadratic"), "gd", start=(1.0, 1.0), lr=1.0, steps=200)
    assert path.diverged_at is not None  # lr above 2 / lambda_max = 0.2 on a quadratic with a minimum
    assert optim.run(problems.benchmark("quadratic"), "gd", start=(1.0, 1.0), lr=0.1, steps=200).diverged_at is None
    text = race.diverged_sentence("gradient descent", path, 0.0)
    assert text.endswith("Try a smaller learning rate.") and f"at step {path.diverged_at}:" in text


# ---- the Neural landscape page's sharpness comparison ---------------------------------------------------------

@pytest.mark.parametrize("steps, top", [((700, 7), (5.0, 2.0)), ((70, 35), (1.0, 3.0)), ((16, 16), (2.0, 2.0))])
def test_the_sharpness_reading_names_the_sharper_minimum_and_says_far_fewer_steps_only_when_so(steps, top):
    from landscape import neural_words
    from landscape.neural import SharpnessView

    view = SharpnessView((), np.zeros(3), {}, 1.0, ("batch 16", "batch 300"), steps, (0.1, 0.2), top)
    text = " ".join(neural_words.sharpness_sentences(view))
    assert ("far fewer steps" in text) == (steps[1] * neural_words.FEWER <= steps[0])
    if top[0] != top[1]:
        sharper = "batch 16" if top[0] > top[1] else "batch 300"
        assert f"the {sharper} minimum is the sharper" in text
    else:
        assert "is the sharper" not in text
