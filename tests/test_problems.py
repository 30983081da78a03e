"""Objectives: batched, differentiable, minima where the literature puts them, data terms as defined."""
import numpy as np
import pytest
import scipy.optimize
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import data, losses, problems
from landscape.problems import ProblemSpec
from landscape.types import InputError

D = torch.float64
KNOWN_MIN_VALUE = {"quadratic": 0.0, "rosenbrock": 0.0, "himmelblau": 0.0, "beale": 0.0, "rastrigin": 0.0,
                   "ackley": 0.0}


def _all_objectives():
    yield from (problems.benchmark(n) for n in problems.BENCHMARKS)
    x, y = data.line(n=60, seed=3)
    for name in losses.names("regression"):
        yield problems.linear_regression(x, y, loss=name, l1=0.3, l2=0.2)
    X, labels = data.blobs(n=80, seed=2)
    for name in losses.names("binary"):
        yield problems.logistic_regression(X, labels, loss=name)


@pytest.mark.parametrize("obj", list(_all_objectives()), ids=lambda o: o.title)
def test_objectives_are_batched_over_leading_dimensions(obj):
    theta = torch.randn(3, 4, 2, dtype=D, generator=torch.Generator().manual_seed(1))
    batched = obj(theta)
    assert batched.shape == (3, 4)
    one_by_one = torch.stack([torch.stack([obj(theta[i, j]) for j in range(4)]) for i in range(3)])
    torch.testing.assert_close(batched, one_by_one, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("obj", [o for o in _all_objectives() if "0-1" not in o.title], ids=lambda o: o.title)
def test_objectives_are_differentiable(obj):
    theta = (torch.randn(2, dtype=D, generator=torch.Generator().manual_seed(4)) * 0.7 + 0.123).requires_grad_(True)
    assert torch.autograd.gradcheck(obj, (theta,), eps=1e-7, atol=1e-5)


@pytest.mark.parametrize("name", list(KNOWN_MIN_VALUE))
def test_benchmark_minima_match_the_literature(name):
    obj = problems.benchmark(name)
    f = lambda p: float(obj(torch.as_tensor(p, dtype=D)))  # noqa: E731
    for point in obj.minima:
        assert f(point) == pytest.approx(KNOWN_MIN_VALUE[name], abs=1e-10)
        theta = torch.tensor(point, dtype=D, requires_grad=True)
        (g,) = torch.autograd.grad(obj(theta), theta)
        assert float(g.norm()) < 1e-5
        found = scipy.optimize.minimize(f, np.asarray(point) + 0.05, method="Nelder-Mead",
                                        options=dict(xatol=1e-10, fatol=1e-14, maxiter=20_000))
        np.testing.assert_allclose(found.x, point, atol=1e-5)


@given(st.sampled_from(list(problems.BENCHMARKS)), st.integers(0, 10_000))
@settings(max_examples=60, deadline=None)
def test_closed_form_gradients_equal_autograd(name, seed):
    """Each test function's gradient in closed form (what descents and arrows use) equals autograd's, batched,
    at random parameters and points in and beyond the view, and at the origin (Ackley's kink: 0 both ways)."""
    spec = problems.BENCHMARKS[name]
    rng = np.random.default_rng(seed)
    obj = problems.benchmark(name, **{p.name: rng.uniform(p.low, p.high) for p in spec.params})
    assert obj.gradient is not None
    (x0, x1), (y0, y1) = obj.view
    theta = torch.as_tensor(np.c_[rng.uniform(2 * x0, 2 * x1, 12), rng.uniform(2 * y0, 2 * y1, 12)]).reshape(3, 4, 2)
    theta[0, 0] = 0.0
    leaf = theta.clone().requires_grad_(True)
    (expected,) = torch.autograd.grad(obj(leaf).sum(), leaf)  # (3, 4, 2)
    closed = obj.gradient(theta)
    assert closed.shape == (3, 4, 2)
    torch.testing.assert_close(closed, expected, rtol=1e-12, atol=1e-12 * float(expected.abs().max()))


def test_himmelblau_has_its_four_minima_and_saddle_none():
    assert len(problems.benchmark("himmelblau").minima) == 4
    assert problems.benchmark("saddle").minima == ()
    assert problems.benchmark("rosenbrock", a=1.5).minima == ((1.5, 2.25),)


def test_quadratic_hessian_has_the_requested_condition_number():
    obj = problems.benchmark("quadratic", condition=25.0, angle=40.0)
    eig = np.linalg.eigvalsh(obj.meta["hessian"])
    np.testing.assert_allclose(eig, [1.0, 25.0])
    hessian = torch.autograd.functional.hessian(obj, torch.tensor([0.3, -0.2], dtype=D))
    np.testing.assert_allclose(hessian.numpy(), obj.meta["hessian"], atol=1e-12)


def test_linear_regression_is_the_mean_loss_plus_penalty():
    x, y = data.line(n=50, seed=5)
    obj = problems.linear_regression(x, y, loss=losses.get("huber", delta=0.8), l1=0.3, l2=0.7)
    w, b = 1.3, -0.4
    r = y - (w * x + b)
    huber = np.where(np.abs(r) <= 0.8, 0.5 * r**2, 0.8 * (np.abs(r) - 0.4))
    expected = huber.mean() + 0.3 * abs(w) + 0.7 * w**2
    assert float(obj(torch.tensor([w, b], dtype=D))) == pytest.approx(expected, rel=1e-13)
    assert float(obj.part("data")(torch.tensor([w, b], dtype=D))) == pytest.approx(huber.mean(), rel=1e-13)
    assert float(obj.part("penalty")(torch.tensor([w, b], dtype=D))) == pytest.approx(0.3 * 1.3 + 0.7 * 1.69)


def test_default_view_contains_the_least_squares_fit():
    x, y = data.line(n=100, slope=-4.0, intercept=7.0, seed=1)
    (w0, w1), (b0, b1) = problems.linear_regression(x, y).view
    w, b = np.polyfit(x, y, 1)
    assert w0 < w < w1 and b0 < b < b1


def test_logistic_regression_score_is_the_dot_product():
    X, labels = data.moons(n=40, seed=1)
    obj = problems.logistic_regression(X, labels, loss="hinge")
    theta = np.array([0.7, -1.1])
    expected = np.maximum(0, 1 - (2 * labels - 1) * (X @ theta)).mean()
    assert float(obj(torch.as_tensor(theta))) == pytest.approx(expected, rel=1e-13)


def test_subset_is_the_same_objective_on_fewer_rows():
    x, y = data.line(n=40, seed=2)
    obj = problems.linear_regression(x, y, loss="mae", l2=0.1)
    idx = torch.tensor([1, 5, 7])
    direct = problems.linear_regression(x[[1, 5, 7]], y[[1, 5, 7]], loss="mae", l2=0.1)
    theta = torch.tensor([0.5, 0.5], dtype=D)
    assert float(obj.subset(idx)(theta)) == pytest.approx(float(direct(theta)), rel=1e-14)


@given(st.sampled_from(list(problems.BENCHMARKS)), st.integers(0, 1000))
@settings(max_examples=30, deadline=None)
def test_benchmarks_are_finite_on_their_view(name, seed):
    obj = problems.benchmark(name)
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = obj.view
    theta = torch.as_tensor(np.c_[rng.uniform(x0, x1, 50), rng.uniform(y0, y1, 50)])
    assert torch.isfinite(obj(theta)).all()


def test_from_spec_builds_each_family():
    bench = problems.from_spec(ProblemSpec("benchmark", "quadratic", {"condition": 5}))
    assert bench.meta["hessian"].shape == (2, 2)
    reg = problems.from_spec(ProblemSpec("regression", "line", {"n": 30, "seed": 1}, "quantile", {"tau": 0.2}, l2=0.5))
    assert reg.linear.loss.params == {"tau": 0.2} and reg.linear.l2 == 0.5
    cls = problems.from_spec(ProblemSpec("classification", "circles", loss="focal"))
    assert cls.meta["kind"] == "classification"


@pytest.mark.parametrize("call,message", [
    (lambda: problems.benchmark("nope"), "unknown test function"),
    (lambda: problems.benchmark("quadratic", condition=0.5), "condition must be between"),
    (lambda: problems.benchmark("ackley", a=1), "has no parameter"),
    (lambda: problems.linear_regression([1, 2, 3], [1, 2, 3], loss="bce"), "needs a regression loss"),
    (lambda: problems.linear_regression([1, 1, 1], [1, 2, 3]), "all x values are equal"),
    (lambda: problems.linear_regression([1, 2], [1, 2], l2=-1), "l2 must be between"),
    (lambda: problems.logistic_regression(np.ones((3, 2)), [0, 1, 2]), "must be 0 or 1"),
    (lambda: problems.from_spec(ProblemSpec("nonsense")), "unknown problem family"),
    (lambda: problems.from_spec(ProblemSpec("classification", "line", loss="bce")), "shape"),
])
def test_bad_problems_are_refused(call, message):
    with pytest.raises(InputError, match=message):
        call()


# ---- the problem registry ----------------------------------------------------------------------------

def _default_spec(family: problems.Family, option: str) -> ProblemSpec:
    """What the picker gives for ``option`` with every other control at its default (first loss of its kind)."""
    loss = {}
    if family.loss_kind:
        name = losses.names(family.loss_kind)[0]
        loss = {"loss": name, "loss_params": {p.name: float(p.default) for p in losses.spec(name).params}}
    return ProblemSpec(family.name, option, {c.name: c.default for c in family.controls(option)}, **loss,
                       **{c.name: c.default for c in family.penalties})


def _options():
    return [(f, option) for f in problems.FAMILIES.values() for option in f.options()]


@pytest.mark.parametrize("family,option", _options(), ids=lambda v: getattr(v, "name", v))
def test_every_family_builds_and_describes_each_option_at_its_defaults(family, option):
    spec = _default_spec(family, option)
    obj = problems.from_spec(spec)
    theta = torch.zeros(3, 2, dtype=torch.float64)
    assert obj(theta).shape == (3,) and torch.isfinite(obj(theta)).all()
    words = problems.describe(spec)
    assert words["formula"] and words["text"]
    assert (problems.points(spec) is None) == (family.loss_kind is None) == (not family.model)
    assert family.title(option) and all(c.low <= c.default <= c.high for c in family.controls(option))


@pytest.mark.parametrize("family,option", _options(), ids=lambda v: getattr(v, "name", v))
def test_a_specs_defaults_round_trip_through_the_link(family, option):
    from landscape.lessons import links

    spec = _default_spec(family, option)
    link = {"family": family.name, family.pick: option} | {name: links.fmt_number(v) for name, v in spec.params}
    link |= {"loss": spec.loss} if spec.loss else {}
    link |= {name: links.fmt_number(v) for name, v in spec.loss_params}
    link |= {c.name: links.fmt_number(getattr(spec, c.name)) for c in family.penalties}
    for page in ("loss_surface", "optimisers"):
        parsed = links.parse(page, link)
        assert not parsed.problems and parsed.inputs["spec"] == spec
    first = family.default or family.options()[0]
    assert links.parse("loss_surface", {"family": family.name}).inputs["spec"] == _default_spec(family, first)


def test_a_spec_is_hashable_and_equal_specs_hash_equal():
    a = ProblemSpec("regression", "line", {"n": 30, "seed": 1}, "huber", {"delta": 1.0}, l2=0.5)
    b = ProblemSpec("regression", "line", (("seed", 1), ("n", 30)), "huber", (("delta", 1.0),), l2=0.5)
    assert a == b and hash(a) == hash(b) and {a: "cached"}[b] == "cached"
    assert a != ProblemSpec("regression", "line", {"n": 30, "seed": 2}, "huber", {"delta": 1.0}, l2=0.5)
    assert len({ProblemSpec("benchmark", name) for name in problems.BENCHMARKS}) == len(problems.BENCHMARKS)
    with pytest.raises(AttributeError):
        a.l2 = 1.0  # frozen
