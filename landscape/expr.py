"""Custom losses typed by a person: a formula in ``r`` or ``m``, parsed safely and compiled to torch.

    loss = parse_loss("abs(r)**p", params={"p": 1.5})   # same interface as losses.get(...)

The text is checked character by character, parsed with ``ast.parse(mode="eval")`` (parsing builds
a tree, it runs nothing), checked against an allow-list while it is compiled, by walking the tree,
into a closure over torch operations.  Nothing here calls eval, exec or compile on the text, and no
arithmetic on the person's numbers happens in Python: constants become float64 tensors, so no
input can make Python build a huge integer.  The grammar, its functions and limits are in
``landscape.grammar`` (anything else is refused), the compiling walk in ``landscape.formula``.

Limits: MAX_LENGTH characters of plain ASCII, MAX_NODES expression nodes, MAX_DEPTH levels of
nesting, literals up to MAX_LITERAL, no power inside an exponent and constant exponents up to
MAX_EXPONENT in size.  Then the loss is probed on PROBE: it must be a finite number at every
probe point and must not be the same number at all of them (a flat loss has nothing to minimise).
Its slope (by autograd) may be undefined at a few isolated points (cusps), not on a stretch: both
branches of ``where`` are computed, so ``where(r > 0, sqrt(r), 0)`` has no slope for r < 0 and is
refused.  Every refusal raises ``InputError`` with a message saying what is wrong and what is allowed.
"""
from __future__ import annotations

import ast
import keyword
import unicodedata
import warnings
from typing import Mapping

import torch

from landscape.checks import lookup
from landscape.formula import Compiled, Scope, compile_node, env, mentions, number_exponent
from landscape.grammar import (BINARY, COMPARISON_OPS, CONSTANTS, Closure, FUNCTIONS, MAX_DEPTH, MAX_LENGTH,
                               MAX_NODES, MAX_PARAM, MAX_PARAMS, MAX_SINGULAR_POINTS, NUMBER_THEN_NAME, PARAM_NAME,
                               PROBE, REFUSED_CHARACTERS, SCALAR_POWERS, SPACES, TOO_DEEP, UNARY, VARIABLES,
                               Variable)
from landscape.types import DTYPE, InputError, Loss, LossSpec, Param

# ---- the public entry point ----------------------------------------------------------------------

def parse_loss(expression: str, kind: str = "regression", params: Mapping[str, float] | None = None) -> Loss:
    """A loss typed by a person, e.g. ``parse_loss("abs(r)**p", params={"p": 1.5})``.

    ``kind`` "regression" writes the loss in the residual ``r = target - pred``; "binary" in the
    margin ``m = (2y - 1) * score``.  The result behaves like a built-in loss: ``loss(pred, target)``
    is a per-element tensor, differentiable by autograd.  Parameters the formula does not use are
    dropped.  Raises ``InputError`` for anything outside the grammar or the limits (module docstring).
    """
    variable = _variable(kind)
    text = _check_text(expression)
    values = _check_params(params or {})
    tree = _parse(text)
    _check_size(tree)
    scope = Scope(variable, values, text)
    compiled = compile_node(tree.body, scope)
    _check_uses_variable(scope)
    _probe(compiled.fn, scope)
    used = {name: v for name, v in values.items() if name in scope.used}
    return Loss(_spec(kind, tree, compiled, variable, used, *_cost(tree, variable)), used)


def probe_points() -> torch.Tensor:
    """The PROBE grid of residuals or margins, with 0 exactly on it (``linspace`` misses it by rounding)."""
    lo, hi, n = PROBE
    return lo + (hi - lo) * torch.arange(n, dtype=DTYPE) / (n - 1)


# ---- checks before and after parsing ---------------------------------------------------------------

def _variable(kind: object) -> Variable:
    return lookup(VARIABLES, kind, "kind of custom loss")


def _check_params(params: object) -> dict[str, float]:
    """Parameter names are short ASCII identifiers that shadow nothing; values finite and bounded."""
    if not isinstance(params, Mapping):
        raise InputError(f"parameters must be given as names and numbers, got {type(params).__name__}")
    if len(params) > MAX_PARAMS:
        raise InputError(f"a formula takes at most {MAX_PARAMS} parameters, got {len(params)}")
    reserved = {v.name for v in VARIABLES.values()} | set(FUNCTIONS) | set(CONSTANTS)
    for name in params:
        if not (isinstance(name, str) and PARAM_NAME.fullmatch(name)) or keyword.iskeyword(name):
            raise InputError(f"parameter name {name!r} is not allowed: use up to 16 plain letters, digits and _, "
                             "starting with a letter, and not a Python keyword (e.g. p, delta, tau2)")
        if name in reserved:
            raise InputError(f"parameter name {name!r} is taken by the variable, a function or a constant; "
                             "choose another name")
    return {name: Param(name, 0.0, -MAX_PARAM, MAX_PARAM).check(v, f"custom loss parameter {name}")
            for name, v in params.items()}


def _check_text(expression: object) -> str:
    """Length, then characters: plain printable ASCII only, so look-alike letters never reach the parser.

    Python's parser would quietly NFKC-normalise names (fullwidth ``ａｂｓ`` is ``abs`` to it); refusing
    every non-ASCII character first means what the person sees is exactly what is parsed.
    """
    if not isinstance(expression, str):
        raise InputError(f"the formula must be text, got {type(expression).__name__}")
    if len(expression) > MAX_LENGTH:
        raise InputError(f"the formula is {len(expression)} characters long; keep it within {MAX_LENGTH}")
    text = expression.strip()
    if not text:
        raise InputError("the formula is empty; type a loss, e.g. abs(r)**1.5 (regression) or softplus(-m) (binary)")
    depth = 0
    for i, ch in enumerate(text, 1):
        depth += (ch in "([{") - (ch in ")]}")
        if depth > MAX_DEPTH:
            raise InputError(TOO_DEEP)
        if not (ch.isascii() and (ch.isprintable() or ch in "\t\n\r")):
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            raise InputError(f"character {ch!r} ({name}) at position {i} is not allowed: type formulas in plain "
                             "ASCII letters, digits and + - * / ( ) , < > = (look-alike letters are refused)")
        if ch in REFUSED_CHARACTERS:
            raise InputError(f"{REFUSED_CHARACTERS[ch]} at position {i} are not allowed in a formula")
    juxtaposed = NUMBER_THEN_NAME.search(text)
    if juxtaposed:
        raise InputError(f"{juxtaposed.group()!r} at position {juxtaposed.start() + 1}: put * between a number and "
                         "a name, e.g. 2*r (numbers are plain decimals such as 3, 0.5 or 1e-3)")
    return text.translate(SPACES)  # a line break is a space, also outside parentheses


def _parse(text: str) -> ast.Expression:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", SyntaxWarning)  # e.g. "invalid decimal literal": a refusal, not a warning
            return ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise InputError(f"not a formula: {e.msg} {_where(text, e)}") from None
    except (RecursionError, MemoryError):  # Python's own parser limits, should MAX_LENGTH ever grow
        raise InputError(TOO_DEEP) from None


def _where(text: str, e: SyntaxError) -> str:
    """Where a syntax error is, in the person's text: ``at position i`` (1-based, counted over the whole
    text), or ``at the end, after ...`` when the formula stops too early.

    Python's ``offset`` counts within line ``lineno``, and is 0 (or past the line) when the parser ran
    out of input, e.g. for ``r**`` or ``r +``.
    """
    lines = text.split("\n")
    line = min(max(e.lineno or 1, 1), len(lines))
    position = sum(len(s) + 1 for s in lines[:line - 1]) + (e.offset or 0)  # 1-based, in the whole text
    if not (e.offset and e.offset >= 1 and text[position - 1:].strip()):
        return f"at the end: something is missing after {text.rstrip()[-20:]!r}"
    return f"at position {position}"


def _check_size(tree: ast.Expression) -> None:
    """Count expression nodes and measure nesting without recursion, before compiling recurses."""
    count, stack = 0, [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        count += isinstance(node, ast.expr)
        if count > MAX_NODES:
            raise InputError(f"the formula is too long: more than {MAX_NODES} numbers, names and operations")
        if depth > MAX_DEPTH:
            raise InputError(TOO_DEEP)
        stack.extend((c, depth + isinstance(c, ast.expr)) for c in ast.iter_child_nodes(node))


def _cost(tree: ast.Expression, variable: Variable) -> tuple[float, int]:
    """Cost per element of an allowed tree (cheap-operation equivalents, landscape.budget) and an upper
    bound on the tensors alive at once: the input and one per operation.  An operation on constants only
    (``2**0.5``) works on one number, not on every element: it costs nothing per element."""
    ops, operations = 0.0, 0
    for node in ast.walk(tree.body):
        if not mentions(node, variable):
            continue
        if isinstance(node, ast.Call):
            ops += FUNCTIONS[node.func.id].ops  # type: ignore[attr-defined]
        elif isinstance(node, ast.BinOp):
            exponent = number_exponent(node)
            ops += BINARY[type(node.op)].ops if exponent is None else SCALAR_POWERS.get(exponent, BINARY[ast.Pow].ops)
        elif isinstance(node, ast.UnaryOp):
            ops += UNARY[type(node.op)].ops
        elif isinstance(node, ast.Compare):
            ops += COMPARISON_OPS * len(node.ops)
        else:
            continue
        operations += 1
    return max(ops, 1.0), operations + 1


def _check_uses_variable(scope: Scope) -> None:
    v = scope.variable
    if v.name not in scope.used:
        raise InputError(f"the formula never uses {v.name}, the {v.meaning}; a loss must depend on it, "
                         f"e.g. {v.example}")


def _probe(fn: Closure, scope: Scope) -> None:
    """Refuse a loss that is not finite somewhere on the probe range or the same number everywhere on it,
    or whose slope is undefined on a stretch of it (isolated cusps such as sqrt(abs(r)) at 0 are fine)."""
    v = scope.variable
    x = probe_points().requires_grad_(True)
    y = torch.broadcast_to(fn(env(scope.params, v, x)), x.shape)
    span = f"{v.name} from {PROBE[0]:g} to {PROBE[1]:g}"
    value, points = y.detach(), x.detach()
    _check_finite("the loss", value, points, span, v)
    if bool(value.max() == value.min()):
        raise InputError(f"the loss is {float(value.max()):g} for every {span}: a flat loss has nothing to "
                         "minimise; make it depend on " + v.name)
    if y.requires_grad:  # a step (where with constant branches) has no slope to check
        (slope,) = torch.autograd.grad(y.sum(), x)
        _check_finite("the slope of the loss", slope, points, span, v, MAX_SINGULAR_POINTS)


def _check_finite(what: str, y: torch.Tensor, x: torch.Tensor, span: str, v: Variable, allowed: int = 0) -> None:
    bad = ~torch.isfinite(y)
    if int(bad.sum()) > allowed:
        i = int(bad.nonzero()[0, 0])
        raise InputError(f"{what} is not a finite number at {int(bad.sum())} of {len(x)} points with {span} "
                         f"(e.g. {float(y[i])} at {v.name} = {float(x[i]):g}); a loss must be defined for every "
                         f"{v.name}, in both branches of where(...) too: write e.g. log(1 + abs({v.name})) for "
                         f"log({v.name}), sqrt(abs({v.name})) for sqrt({v.name}), and keep exp() arguments moderate")


# ---- the Loss --------------------------------------------------------------------------------------


def _spec(kind: str, tree: ast.Expression, compiled: Compiled, variable: Variable,
          used: Mapping[str, float], ops: float, live: int) -> LossSpec:
    closure = compiled.fn

    def fn(*args: torch.Tensor, **values: float) -> torch.Tensor:
        x = variable.of(*args)
        y = closure(env(values, variable, x))
        # A formula that uses x only in where's condition is a step: its gradient is zero, not missing.
        return y + 0.0 * x if x.requires_grad and not y.requires_grad else y

    return LossSpec(
        "custom", kind, fn, compiled.tex, f"Your own formula in the {variable.meaning}: {ast.unparse(tree)}.",
        "you want to see how your own idea of what a mistake should cost shapes the landscape",
        tuple(Param(n, v, -MAX_PARAM, MAX_PARAM, "a parameter of your formula") for n, v in used.items()),
        label="custom", ops=ops, live=live)
