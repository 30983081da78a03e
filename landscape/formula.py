"""A parsed formula compiled: each allowed node of the tree becomes a torch closure and its LaTeX.

``landscape.expr`` checks the text and parses it (``ast.parse``, which runs nothing); this module walks
the tree once, refusing every node the grammar (``landscape.grammar``) does not allow, and returns a
``Compiled``: a closure over torch operations, ``env -> tensor``, and the formula typeset in LaTeX.
Constants become float64 tensors, so no arithmetic on a person's numbers happens in Python (a number as
an exponent goes to ``torch.pow`` as a float, for its scalar kernels).
"""
from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field, replace
from typing import Callable, Mapping

import torch

from landscape.grammar import (ATOM, BINARY, COMPARISONS, CONSTANTS, Closure, Env, FUNCTIONS, GREEK, MAX_EXPONENT,
                               MAX_LITERAL, OPERATOR_HINTS, Operator, REFUSED, UNARY, VARIABLES, Variable)
from landscape.types import DTYPE, InputError

# ---- compiling the tree: each allowed node becomes a closure and its LaTeX -------------------------

@dataclass
class Scope:
    """What a formula may refer to, and which parameters it did."""

    variable: Variable
    params: Mapping[str, float]
    text: str
    used: set[str] = field(default_factory=set)  # the names compiled: the variable and parameters

    def allowed(self) -> str:
        v = self.variable
        params = f", your parameters {', '.join(self.params)}" if self.params else ""
        functions = ", ".join(f.signature(n) for n, f in FUNCTIONS.items())
        return (f"A formula may use numbers, the {v.meaning}{params}, the constants pi and e, + - * / ** "
                f"and parentheses, the functions {functions}, and comparisons (< <= > >= == !=) only as the "
                f"condition of where, e.g. where({v.name} > 0, {v.name}**2, 0).")

    def refuse(self, node: ast.AST, what: str, allowed: bool = True) -> InputError:
        source = ast.get_source_segment(self.text, node) or self.text
        # the source as a code span: shown verbatim, also where the message is rendered as Markdown
        return InputError(f"`{source}`: {what}." + (f" {self.allowed()}" if allowed else ""))


@dataclass(frozen=True)
class Compiled:
    fn: Closure
    tex: str
    precedence: int = ATOM

    def slot(self, needed: int) -> str:
        """The LaTeX, in parentheses when this binds less tightly than its slot needs."""
        return self.tex if self.precedence >= needed else rf"\left({self.tex}\right)"


def compile_node(node: ast.AST, scope: Scope) -> Compiled:
    compiler = _COMPILERS.get(type(node))
    if compiler is None:
        raise scope.refuse(node, REFUSED.get(type(node), f"{type(node).__name__} expressions are not allowed"))
    return compiler(node, scope)


def _constant(node: ast.Constant, scope: Scope) -> Compiled:
    value = node.value
    if type(value) not in (int, float):  # bool, None, complex, str, bytes, ...
        raise scope.refuse(node, f"only plain numbers are allowed as constants, not {type(value).__name__}")
    if not abs(value) <= MAX_LITERAL:  # also refuses inf and nan; compares huge ints without converting
        raise scope.refuse(node, f"numbers are limited to ±{MAX_LITERAL:g}", allowed=False)
    return _literal(float(value), _number_tex(float(value)))


def _literal(value: float, tex: str) -> Compiled:
    t = torch.tensor(value, dtype=DTYPE)
    return Compiled(lambda env: t, tex)


def _number_tex(value: float) -> str:
    mantissa, _, exponent = f"{value:g}".partition("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}" if exponent else mantissa


def _name(node: ast.Name, scope: Scope) -> Compiled:
    name, v = node.id, scope.variable
    if name == v.name or name in scope.params:
        scope.used.add(name)
        return Compiled(lambda env: env[name], _name_tex(name))
    if name in CONSTANTS:
        return _literal(*CONSTANTS[name])
    if name in FUNCTIONS:
        raise scope.refuse(node, f"{name} is a function: call it, e.g. {name}({v.name})", allowed=False)
    other = next((o for o in VARIABLES.values() if o.name == name), None)
    if other is not None:
        raise scope.refuse(node, f"{name} is the {other.meaning} of another kind of loss; this one is written "
                                 f"in the {v.meaning}", allowed=False)
    raise scope.refuse(node, f"unknown name {name!r}")


def _name_tex(name: str) -> str:
    if name in GREEK:
        return "\\" + name
    return name if len(name) == 1 else r"\mathrm{" + name.replace("_", r"\_") + "}"


def _binop(node: ast.BinOp, scope: Scope) -> Compiled:
    op = BINARY.get(type(node.op))
    if op is None:
        raise scope.refuse(node, "this operator is not allowed; use + - * / **" + OPERATOR_HINTS.get(type(node.op), ""))
    if isinstance(node.op, ast.Pow):
        _check_power(node.right, scope)
    left, right = compile_node(node.left, scope), compile_node(node.right, scope)
    if isinstance(node.op, ast.Pow) and not mentions(node.right, scope.variable):
        _check_exponent(right.fn(env(scope.params, scope.variable, torch.zeros((), dtype=DTYPE))), scope, node)
    applied = _apply(op, [left, right])
    exponent = number_exponent(node)
    if exponent is None:
        return applied
    base = left.fn
    return replace(applied, fn=lambda env: torch.pow(base(env), exponent))


def number_exponent(node: ast.AST) -> float | None:
    """The exponent of a power by a written number (``r**2``), else None.  It goes to torch as a Python float:
    torch.pow then takes its scalar kernels (r*r for 2, as landscape.expr's cost counts it), 3-5x quicker than
    a power by a 0-d tensor."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and isinstance(node.right, ast.Constant):
        return float(node.right.value)
    return None


def _unaryop(node: ast.UnaryOp, scope: Scope) -> Compiled:
    op = UNARY.get(type(node.op))
    if op is None:
        raise scope.refuse(node, "only - and + may stand before a term" + OPERATOR_HINTS.get(type(node.op), ""))
    return _apply(op, [compile_node(node.operand, scope)])


def _apply(op: Operator, operands: list[Compiled]) -> Compiled:
    fns = [c.fn for c in operands]
    tex = op.latex % {str(i): c.slot(need) for i, (c, need) in enumerate(zip(operands, op.operands))}
    return Compiled(lambda env: op.fn(*(f(env) for f in fns)), tex, op.precedence)


def _check_power(exponent: ast.AST, scope: Scope) -> None:
    """No power inside an exponent (9**9**9): refused before anything is computed."""
    if any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Pow) for n in ast.walk(exponent)):
        raise scope.refuse(exponent, "a power inside an exponent (like 9**9**9) is not allowed; "
                                     "an exponent is a number, a parameter or a simple expression", allowed=False)


def _check_exponent(value: torch.Tensor, scope: Scope, node: ast.AST) -> None:
    """A constant exponent (numbers and parameters only) must be finite and at most MAX_EXPONENT in size."""
    if not bool(value.abs() <= MAX_EXPONENT):
        raise scope.refuse(node, f"the exponent is {float(value):g}; constant exponents are limited to "
                                 f"±{MAX_EXPONENT:g}", allowed=False)


def mentions(node: ast.AST, variable: Variable) -> bool:
    return any(isinstance(n, ast.Name) and n.id == variable.name for n in ast.walk(node))


def _call(node: ast.Call, scope: Scope) -> Compiled:
    name = node.func.id if isinstance(node.func, ast.Name) else None
    function = FUNCTIONS.get(name)  # type: ignore[arg-type]
    if function is None:
        raise scope.refuse(node, f"{'calling ' + repr(name) if name else 'this call'} is not allowed")
    if node.keywords:
        raise scope.refuse(node, f"keyword arguments are not allowed; pass arguments in order: "
                                 f"{function.signature(name)}", allowed=False)
    if len(node.args) != len(function.args):
        raise scope.refuse(node, f"{name} takes {len(function.args)} argument{'s' * (len(function.args) > 1)}: "
                                 f"{function.signature(name)}", allowed=False)
    args = [(_test if i == 0 and function.test_first else compile_node)(a, scope) for i, a in enumerate(node.args)]
    fns = [a.fn for a in args]
    tex = function.latex % {str(i): a.tex for i, a in enumerate(args)}
    return Compiled(lambda env: function.fn(*(f(env) for f in fns)), tex)


def _test(node: ast.AST, scope: Scope) -> Compiled:
    """A comparison, possibly chained (``-1 < r <= 1``), as a boolean tensor: where's condition."""
    if not isinstance(node, ast.Compare):
        raise scope.refuse(node, "the condition of where must be a comparison, e.g. where(r > 0, r, 0)")
    terms = [compile_node(t, scope) for t in (node.left, *node.comparators)]
    links = []
    for op in node.ops:
        if type(op) not in COMPARISONS:
            raise scope.refuse(node, "only the comparisons < <= > >= == != are allowed")
        links.append(COMPARISONS[type(op)])
    tex = terms[0].tex + "".join(f" {sym} {t.tex}" for (_, sym), t in zip(links, terms[1:]))

    def fn(env: Env) -> torch.Tensor:
        values = [t.fn(env) for t in terms]
        return functools.reduce(torch.logical_and, (cmp(a, b) for (cmp, _), a, b in zip(links, values, values[1:])))

    return Compiled(fn, tex)


_COMPILERS: dict[type, Callable[[ast.AST, Scope], Compiled]] = {
    ast.Constant: _constant, ast.Name: _name, ast.BinOp: _binop, ast.UnaryOp: _unaryop, ast.Call: _call,
}



def env(params: Mapping[str, float], variable: Variable, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """The values of the names a formula may use: the parameters as float64 tensors, and the variable."""
    return {**{n: torch.as_tensor(v, dtype=DTYPE) for n, v in params.items()}, variable.name: x}
