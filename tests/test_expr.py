"""Custom losses (landscape.expr): oracles against built-in twins and closed forms, the grammar and its
LaTeX, parameters and kinds.  Hostile input and fuzzing: tests/test_expr_security.py."""
import ast
import math

import numpy as np
import pytest
import torch
from conftest import close

from landscape import expr, grammar, grid, losses, problems
from landscape.types import DTYPE, InputError

R = torch.linspace(-5.0, 5.0, 101, dtype=DTYPE)  # moderate: the built-in log-cosh is overflow-safe, cosh is not
gen = torch.Generator().manual_seed(0)
SCORE = torch.randn(400, generator=gen, dtype=DTYPE) * 4
LABEL = (torch.rand(400, generator=gen, dtype=DTYPE) < 0.5).to(DTYPE)


def value_and_grad(loss, pred, target):
    """The loss and its gradient with respect to the prediction (score), by autograd."""
    pred = pred.clone().requires_grad_(True)
    value = loss(pred, target)
    (grad,) = torch.autograd.grad(value.sum(), pred)
    return value.detach(), grad


def residual_value_and_grad(loss, r=R):
    """rho(r) and d rho / d r, with r = target - pred at pred = 0 (so d/dr = -d/dpred)."""
    value, grad = value_and_grad(loss, torch.zeros_like(r), r)
    return value, -grad


# ---- oracles: custom formulas against closed forms and their built-in twins -----------------------

@pytest.mark.parametrize("text, params", [("abs(r)**1.5", {}), ("abs(r)**p", {"p": 1.5})])
def test_power_of_abs_matches_closed_form(text, params):
    value, grad = residual_value_and_grad(losses.custom(text, **params))
    close(value, R.abs() ** 1.5)
    close(grad, 1.5 * R.abs() ** 0.5 * torch.sign(R))


@pytest.mark.parametrize("exponent", [2, 3, 2.5, -1])
def test_a_number_as_exponent_matches_a_power_by_a_tensor(exponent):
    """A constant exponent takes torch.pow's scalar kernels (r*r for 2): the same numbers, and the cost the
    grid estimate counts for it (landscape.grammar.SCALAR_POWERS)."""
    text = f"(1 + abs(r))**{exponent}"
    value, grad = residual_value_and_grad(losses.custom(text))
    p = torch.tensor(float(exponent), dtype=DTYPE)
    close(value, (1 + R.abs()) ** p)
    close(grad, p * (1 + R.abs()) ** (p - 1) * torch.sign(R))
    assert losses.custom(text).spec.ops == 1 + 1 + grammar.SCALAR_POWERS.get(exponent, grammar.BINARY[ast.Pow].ops)


def test_log_cosh_matches_builtin():
    custom, builtin = losses.custom("log(cosh(r))"), losses.get("log_cosh")
    for a, b in zip(residual_value_and_grad(custom), residual_value_and_grad(builtin)):
        close(a, b)
    close(residual_value_and_grad(custom)[1], torch.tanh(R))


@pytest.mark.parametrize("delta", [1.0, 0.3, 2.5])
def test_huber_typed_by_hand_matches_builtin(delta):
    custom = losses.custom("where(abs(r) <= d, 0.5*r**2, d*(abs(r) - 0.5*d))", d=delta)
    builtin = losses.get("huber", delta=delta)
    r = torch.cat([R, torch.tensor([delta, -delta], dtype=DTYPE)])  # the seam itself
    for a, b in zip(residual_value_and_grad(custom, r), residual_value_and_grad(builtin, r)):
        close(a, b)


def test_margin_losses_match_builtins_for_both_labels():
    """softplus(-m) is BCE and max(0, 1 - m) is the hinge loss, for labels 0 and 1 alike."""
    bce_value, bce_grad = value_and_grad(losses.get("bce"), SCORE, LABEL)
    value, grad = value_and_grad(losses.custom("softplus(-m)", kind="binary"), SCORE, LABEL)
    close(value, bce_value)
    close(grad, bce_grad)
    away = ((2 * LABEL - 1) * SCORE - 1).abs() > 1e-9  # the hinge's kink has no unique gradient
    hinge_value, hinge_grad = value_and_grad(losses.get("hinge"), SCORE, LABEL)
    value, grad = value_and_grad(losses.custom("max(0, 1 - m)", kind="binary"), SCORE, LABEL)
    close(value, hinge_value)
    close(grad[away], hinge_grad[away])


def test_a_step_has_a_zero_gradient_not_none():
    """where(m <= 0, 1, 0) is the 0-1 loss typed by hand; optimisers need a gradient (zero) to call backward."""
    value, grad = value_and_grad(losses.custom("where(m <= 0, 1, 0)", kind="binary"), SCORE, LABEL)
    close(value, losses.get("zero_one")(SCORE, LABEL))
    close(grad, torch.zeros_like(SCORE))


@pytest.mark.parametrize("text", ["sqrt(abs(r))", "abs(r)**0.5 + abs(r - 1)**0.5"])
def test_isolated_cusps_are_accepted(text):
    assert torch.isfinite(losses.custom(text).of_residual(expr.probe_points())).all()


def test_of_residual_and_of_margin_read_the_formula_back():
    close(losses.custom("r**2 + r").of_residual(R), R**2 + R)
    close(losses.custom("exp(-m)", kind="binary").of_margin(R), torch.exp(-R))


# ---- end to end: a custom loss on every path that takes a loss ---------------------------------------

def _line(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 2.0 * x + 1.0 + rng.normal(scale=0.5, size=n)
    y[:3] += 8.0  # outliers
    return x, y


@pytest.mark.parametrize("text, params, builtin", [
    ("r**2", {}, losses.get("mse")),
    ("abs(r)", {}, losses.get("mae")),
    ("where(abs(r) <= d, 0.5*r**2, d*(abs(r) - 0.5*d))", {"d": 1.0}, losses.get("huber", delta=1.0)),
    ("max(tau*r, (tau - 1)*r)", {"tau": 0.8}, losses.get("quantile", tau=0.8)),
])
def test_custom_surface_matches_builtin_fast_path(text, params, builtin):
    x, y = _line()
    custom = problems.linear_regression(x, y, loss=losses.custom(text, **params), l2=0.1)
    surf = grid.evaluate(custom, x_range=(-1, 5), y_range=(-2, 4), n=41)
    twin = grid.evaluate(problems.linear_regression(x, y, loss=builtin, l2=0.1), x_range=(-1, 5), y_range=(-2, 4), n=41)
    assert surf.method == "plain" and twin.method != "plain"
    np.testing.assert_allclose(surf.z, twin.z, rtol=1e-9, atol=1e-9)


def test_custom_surface_is_the_mean_loss_and_differentiable():
    x, y = _line()
    obj = problems.linear_regression(x, y, loss=losses.custom("abs(r)**1.5"))
    surf = grid.evaluate(obj, x_range=(-1, 5), y_range=(-2, 4), n=21)
    j, i = 7, 13
    expected = np.mean(np.abs(y - (surf.x[j] * x + surf.y[i])) ** 1.5)
    assert surf.z[i, j] == pytest.approx(expected, rel=1e-12)
    theta = torch.tensor([[0.5, -1.0], [2.0, 1.0]], dtype=DTYPE, requires_grad=True)
    (g,) = torch.autograd.grad(obj(theta).sum(), theta)
    assert torch.isfinite(g).all() and g.abs().sum() > 0


def test_custom_margin_loss_in_logistic_regression():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    y = (X @ [1.5, -1.0] + rng.normal(scale=0.7, size=80) > 0).astype(float)
    theta = torch.tensor(rng.normal(size=(5, 2)) * 2, dtype=DTYPE)
    custom = problems.logistic_regression(X, y, loss=losses.custom("softplus(-m)", kind="binary"))
    close(custom(theta), problems.logistic_regression(X, y, loss="bce")(theta))


def test_a_custom_loss_of_the_wrong_kind_is_refused_by_the_problem():
    x, y = _line()
    with pytest.raises(InputError, match="binary loss"):
        problems.linear_regression(x, y, loss=losses.custom("softplus(-m)", kind="binary"))


# ---- the Loss it returns -----------------------------------------------------------------------------

def test_loss_interface_and_parameters():
    loss = losses.custom("abs(r)**p + lam*r**2", p=1.5, lam=0.1, unused=3.0)
    assert (loss.name, loss.kind, loss.describe()) == ("custom", "regression", "custom(p=1.5, lam=0.1)")
    assert dict(loss.params) == {"p": 1.5, "lam": 0.1}  # parameters the formula does not use are dropped
    assert [p.name for p in loss.spec.params] == ["p", "lam"]
    assert "abs(r) ** p + lam * r ** 2" in loss.spec.description and loss.spec.use_when
    rebound = losses.bind(loss.spec, {"p": 2.0})  # the spec's Params work like a built-in's
    close(rebound.of_residual(R), R.abs() ** 2 + 0.1 * R**2)
    assert losses.custom("softplus(-m)", kind="binary").kind == "binary"


@pytest.mark.parametrize("text, latex", [
    ("abs(r)**1.5", r"{\left|r\right|}^{1.5}"),
    ("(r + 1)*(r - 1)", r"\left(r + 1\right) \cdot \left(r - 1\right)"),
    ("r - (r - 1)", r"r - \left(r - 1\right)"),
    ("-r**2 + (-r)**4", r"-{r}^{2} + {\left(-r\right)}^{4}"),
    ("r**2/(1 + delta*r**2)", r"\frac{{r}^{2}}{1 + \delta \cdot {r}^{2}}"),
    ("where(r > 0, tau*r, 1e-3*r) + 1e-6*r", r"\begin{cases} \tau \cdot r & \text{if } r > 0 \\ "
                                    r"0.001 \cdot r & \text{otherwise} \end{cases} + 1 \times 10^{-6} \cdot r"),
    ("sigmoid(r)*pi + my_w*r", r"\sigma\left(r\right) \cdot \pi + \mathrm{my\_w} \cdot r"),
])
def test_formula_is_rendered_as_latex(text, latex):
    assert expr.parse_loss(text, params={"delta": 1.0, "tau": 0.5, "my_w": 2.0}).spec.formula == latex


# ---- the grammar: every function, operator and comparison against a numpy twin ------------------------

GRAMMAR = {
    "abs": ("abs(r)", np.abs),
    "sign": ("sign(r)*r**2", lambda r: np.sign(r) * r**2),
    "sqrt": ("sqrt(abs(r))", lambda r: np.sqrt(np.abs(r))),
    "square": ("square(r)", np.square),
    "exp": ("exp(r/4)", lambda r: np.exp(r / 4)),
    "log": ("log(1 + r**2)", lambda r: np.log(1 + r**2)),
    "log1p": ("log1p(abs(r))", lambda r: np.log1p(np.abs(r))),
    "tanh": ("tanh(r)", np.tanh),
    "sigmoid": ("sigmoid(r)", lambda r: 1 / (1 + np.exp(-r))),
    "softplus": ("softplus(r)", lambda r: np.logaddexp(0, r)),
    "relu": ("relu(r)", lambda r: np.maximum(r, 0)),
    "cosh": ("cosh(r)", np.cosh),
    "sinh": ("sinh(r)", np.sinh),
    "sin": ("sin(r)", np.sin),
    "cos": ("cos(r)", np.cos),
    "atan": ("atan(r)", np.arctan),
    "erf": ("erf(r)", np.vectorize(math.erf)),
    "minimum": ("minimum(r, 1)", lambda r: np.minimum(r, 1)),
    "min": ("min(2, r*r)", lambda r: np.minimum(2, r * r)),
    "maximum": ("maximum(r, -1)", lambda r: np.maximum(r, -1)),
    "max": ("max(0, 1 - r)", lambda r: np.maximum(0, 1 - r)),
    "clip": ("clip(r, -1, 2)", lambda r: np.clip(r, -1, 2)),
    "where": ("where(r > 0, r, -2*r)", lambda r: np.where(r > 0, r, -2 * r)),
    "constants": ("pi*r + e", lambda r: np.pi * r + np.e),
    "arithmetic": ("+r*2 - r/3 + -(r**3)/7 + 2**(r/4) + (1 + r**2)**-0.5 + 1_000*r", lambda r: 2 * r - r / 3
                   - r**3 / 7 + 2 ** (r / 4) + (1 + r**2) ** -0.5 + 1000 * r),
    "chained": ("where(-1 < r <= 2, 1, 0) + r", lambda r: ((-1 < r) & (r <= 2)) + r),
    "<": ("where(r < 1, r, 0)", lambda r: np.where(r < 1, r, 0)),
    "<=": ("where(r <= 1, r, 0)", lambda r: np.where(r <= 1, r, 0)),
    ">=": ("where(r >= 1, r, 0)", lambda r: np.where(r >= 1, r, 0)),
    "==": ("where(r == 1, 5, r)", lambda r: np.where(r == 1, 5, r)),
    "!=": ("where(r != 1, r, 5)", lambda r: np.where(r != 1, r, 5)),
    "whitespace": ("  abs( r )\t*\n 2  ", lambda r: 2 * np.abs(r)),
}


@pytest.mark.parametrize("name", GRAMMAR)
def test_grammar_matches_numpy(name):
    text, twin = GRAMMAR[name]
    r = torch.linspace(-4, 4, 81, dtype=DTYPE)  # hits r == 1 exactly
    got = expr.parse_loss(text).of_residual(r).numpy()
    np.testing.assert_allclose(got, twin(r.numpy()), rtol=1e-12, atol=1e-12)


def test_every_function_in_the_table_is_covered():
    assert set(grammar.FUNCTIONS) <= set(GRAMMAR)


# ---- parameters and kinds --------------------------------------------------------------------------

@pytest.mark.parametrize("params, match", [
    ({"δ": 1.0}, "not allowed"), ({"1p": 1.0}, "not allowed"), ({"_p": 1.0}, "not allowed"),
    ({"p q": 1.0}, "not allowed"), ({"lambda": 1.0}, "keyword"), ({"abs": 1.0}, "taken"), ({"r": 1.0}, "taken"),
    ({"m": 1.0}, "taken"), ({"pi": 1.0}, "taken"), ({"p": float("nan")}, "between"), ({"p": float("inf")}, "between"),
    ({"p": 1e4}, "between"), ({"p": "x"}, "must be a number"), ({"p": None}, "must be a number"),
    ({f"p{i}": 1.0 for i in range(9)}, "at most"), ({"a" * 17: 1.0}, "not allowed"),
])
def test_bad_parameters_are_refused(params, match):
    with pytest.raises(InputError, match=match):
        expr.parse_loss("abs(r)", params=params)


@pytest.mark.parametrize("kind, text, match", [
    ("multiclass", "r**2", "kind of custom loss 'multiclass'; choose one of regression, binary"),
    (None, "r**2", "kind of custom loss"),
    ("binary", "softplus(-r)", "another kind"), ("regression", "softplus(-m)", "another kind"),
])
def test_kinds(kind, text, match):
    with pytest.raises(InputError, match=match):
        expr.parse_loss(text, kind=kind)


@pytest.mark.parametrize("text", [None, 3, b"r**2", ["r"]])
def test_non_text_is_refused(text):
    with pytest.raises(InputError, match="must be text"):
        expr.parse_loss(text)


def test_exponent_limit_applies_to_parameters_too():
    assert expr.parse_loss("abs(r)**p", params={"p": 32}).params == {"p": 32.0}
    with pytest.raises(InputError, match="exponent"):
        expr.parse_loss("abs(r)**p", params={"p": 33})
