"""The grammar of a custom loss: its limits, the variable of each kind, and every function, constant,
operator and comparison a formula may use, each with its torch op, its LaTeX and its cost per element
(cheap-operation equivalents, ``landscape.budget``; measured on this project's machine).  Everything
not listed here is refused by ``landscape.expr`` with the message of REFUSED or OPERATOR_HINTS.

    expr := number | r (regression) | m (binary) | parameter | pi | e
          | expr + expr | expr - expr | expr * expr | expr / expr | expr ** expr | -expr | +expr
          | (expr) | function(expr, ...)            a function of FUNCTIONS, positional arguments
          | where(test, expr, expr)
    test := expr op expr [op expr ...]              op: < <= > >= == != (only inside where)
"""
from __future__ import annotations

import ast
import math
import operator
import re
from dataclasses import dataclass
from typing import Callable, Mapping

import torch
import torch.nn.functional as F

MAX_LENGTH = 200  # characters
MAX_NODES = 100  # expression nodes (numbers, names, operations, calls)
MAX_DEPTH = 30  # levels of nested expressions
MAX_LITERAL = 1e6  # largest number written in the formula
MAX_EXPONENT = 32.0  # largest constant exponent
MAX_PARAMS = 8
MAX_PARAM = 1e3  # parameter values lie in [-MAX_PARAM, MAX_PARAM]
PROBE = (-10.0, 10.0, 201)  # the loss must be finite (and not constant) at probe_points()
MAX_SINGULAR_POINTS = 10  # probe points where the slope may be undefined (cusps), not whole stretches

Env = Mapping[str, torch.Tensor]
Closure = Callable[[Env], torch.Tensor]


# ---- registries: the variable of each kind, functions, constants, operators --------------------

@dataclass(frozen=True)
class Variable:
    """The one variable a formula of a kind is written in, and how it comes from the loss's arguments
    (a regression loss takes the residual itself, a binary one ``(score, label)``)."""

    name: str
    meaning: str
    of: Callable[..., torch.Tensor]
    example: str


VARIABLES: dict[str, Variable] = {
    "regression": Variable("r", "residual r = target - pred", lambda r: r, "abs(r)**1.5"),
    "binary": Variable("m", "margin m = (2y - 1) * score", lambda score, label: (2.0 * label - 1.0) * score,
                       "softplus(-m)"),
}


@dataclass(frozen=True)
class Function:
    """A function a formula may call: the torch op, its argument names and a LaTeX template."""

    fn: Callable[..., torch.Tensor]
    args: tuple[str, ...]
    latex: str  # %-template over the rendered arguments %(0)s, %(1)s, ...
    test_first: bool = False  # the first argument is a comparison (where)
    ops: float = 1.0  # cost per element in cheap-operation equivalents (landscape.budget), measured

    def signature(self, name: str) -> str:
        return f"{name}({', '.join(self.args)})"


def _unary(fn: Callable[..., torch.Tensor], latex: str, ops: float = 1.0) -> Function:
    return Function(fn, ("x",), latex, ops=ops)


_MIN = Function(torch.minimum, ("a", "b"), r"\min\left(%(0)s,\ %(1)s\right)")
_MAX = Function(torch.maximum, ("a", "b"), r"\max\left(%(0)s,\ %(1)s\right)")
FUNCTIONS: dict[str, Function] = {
    "abs": _unary(torch.abs, r"\left|%(0)s\right|"),
    "sign": _unary(torch.sign, r"\operatorname{sign}\left(%(0)s\right)", 2),
    "sqrt": _unary(torch.sqrt, r"\sqrt{%(0)s}", 10),
    "square": _unary(torch.square, r"\left(%(0)s\right)^{2}"),
    "exp": _unary(torch.exp, r"\exp\left(%(0)s\right)", 8),
    "log": _unary(torch.log, r"\log\left(%(0)s\right)", 12),
    "log1p": _unary(torch.log1p, r"\log\left(1 + %(0)s\right)", 12),
    "tanh": _unary(torch.tanh, r"\tanh\left(%(0)s\right)", 25),
    "sigmoid": _unary(torch.sigmoid, r"\sigma\left(%(0)s\right)", 6),
    "softplus": _unary(F.softplus, r"\operatorname{softplus}\left(%(0)s\right)", 22),
    "relu": _unary(torch.relu, r"\max\left(0,\ %(0)s\right)"),
    "cosh": _unary(torch.cosh, r"\cosh\left(%(0)s\right)", 15),
    "sinh": _unary(torch.sinh, r"\sinh\left(%(0)s\right)", 15),
    "sin": _unary(torch.sin, r"\sin\left(%(0)s\right)", 16),
    "cos": _unary(torch.cos, r"\cos\left(%(0)s\right)", 15),
    "atan": _unary(torch.atan, r"\arctan\left(%(0)s\right)", 30),
    "erf": _unary(torch.erf, r"\operatorname{erf}\left(%(0)s\right)", 18),
    "minimum": _MIN, "min": _MIN,
    "maximum": _MAX, "max": _MAX,
    "clip": Function(torch.clamp, ("x", "low", "high"), r"\operatorname{clip}\left(%(0)s,\ %(1)s,\ %(2)s\right)"),
    "where": Function(torch.where, ("condition", "a", "b"),
                      r"\begin{cases} %(1)s & \text{if } %(0)s \\ %(2)s & \text{otherwise} \end{cases}",
                      test_first=True, ops=20),
}

CONSTANTS: dict[str, tuple[float, str]] = {"pi": (math.pi, r"\pi"), "e": (math.e, "e")}

ADD, MUL, NEG, POW, ATOM = range(1, 6)  # LaTeX precedence: an operand below its slot gets parentheses


@dataclass(frozen=True)
class Operator:
    """An arithmetic operator: the function, a LaTeX template, its precedence and its operands' slots."""

    fn: Callable[..., torch.Tensor]
    latex: str
    precedence: int
    operands: tuple[int, ...]  # the precedence each operand needs to go without parentheses
    ops: float = 1.0  # cost per element (landscape.budget)


BINARY: dict[type, Operator] = {
    ast.Add: Operator(operator.add, "%(0)s + %(1)s", ADD, (ADD, MUL)),
    ast.Sub: Operator(operator.sub, "%(0)s - %(1)s", ADD, (ADD, MUL)),
    ast.Mult: Operator(operator.mul, r"%(0)s \cdot %(1)s", MUL, (MUL, POW)),
    ast.Div: Operator(operator.truediv, r"\frac{%(0)s}{%(1)s}", ATOM, (0, 0), ops=2),
    ast.Pow: Operator(operator.pow, "{%(0)s}^{%(1)s}", POW, (ATOM, 0), ops=30),
}
SCALAR_POWERS: dict[float, float] = {2.0: 1.0, 3.0: 2.0}  # cost of r**2, r**3: torch.pow's r*r, r*r*r (formula.py)
UNARY: dict[type, Operator] = {
    ast.USub: Operator(operator.neg, "-%(0)s", NEG, (NEG,)),
    ast.UAdd: Operator(operator.pos, "+%(0)s", NEG, (NEG,)),
}
COMPARISON_OPS = 3.0  # cost per element of one comparison (landscape.budget)
COMPARISONS: dict[type, tuple[Callable[..., torch.Tensor], str]] = {
    ast.Lt: (torch.lt, "<"), ast.LtE: (torch.le, r"\le"), ast.Gt: (torch.gt, ">"),
    ast.GtE: (torch.ge, r"\ge"), ast.Eq: (torch.eq, "="), ast.NotEq: (torch.ne, r"\ne"),
}

# Constructs that are refused, in the person's words, with a hint where one helps.
REFUSED: dict[type, str] = {
    ast.Attribute: "attribute access (a.b) is not allowed; call a function from the table, e.g. abs(r)",
    ast.Subscript: "indexing with [ ] is not allowed",
    ast.Compare: "a comparison is only allowed as the condition of where, e.g. where(r > 0, r, 0)",
    ast.IfExp: "if/else is not allowed; write where(condition, a, b)",
    ast.BoolOp: "and/or are not allowed; chain comparisons instead, e.g. where(-1 < r < 1, a, b)",
    ast.Lambda: "lambda is not allowed", ast.NamedExpr: "assignment (:=) is not allowed",
    ast.Starred: "starred arguments (*x) are not allowed", ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed", ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed", ast.List: "lists are not allowed",
    ast.Tuple: "tuples (a, b) are not allowed", ast.Set: "sets are not allowed", ast.Dict: "dicts are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
}
OPERATOR_HINTS: dict[type, str] = {ast.BitXor: "; for a power write **, e.g. r**2",
                                   ast.Not: "; use where(condition, a, b)"}
REFUSED_CHARACTERS = {"'": "quotes (text is not part of a formula)", '"': "quotes (text is not part of a formula)",
                      "#": "comments (#)", "\\": "backslashes"}
GREEK = frozenset("alpha beta gamma delta epsilon zeta eta theta iota kappa mu nu xi rho sigma tau upsilon "
                   "phi chi psi omega".split())
PARAM_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,15}")
SPACES = str.maketrans("\t\n\r", "   ")
TOO_DEEP = (f"the formula is nested too deeply: keep it within {MAX_DEPTH} levels of parentheses, "
             "function calls and operations")
NUMBER_THEN_NAME = re.compile(r"(?<![\w.])(?>(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?)[A-Za-z_]")
