"""Classic two-parameter test functions (Rosenbrock, Himmelblau, ...): each with its view, its known minima and
its gradient in closed form, in the registry ``BENCHMARKS``; ``benchmark(name, **params)`` builds the objective.

The closed-form gradients are a fast path: a descent on a test function takes a few hundred gradients of one
point, where autograd's graph costs several times the arithmetic (``bench/trajectories.py``).  Each equals
autograd's (tests/test_problems.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from typing import Callable

import numpy as np
import torch

from landscape.checks import lookup
from landscape.types import InputError, Objective, Param


def _split(theta):
    return theta[..., 0], theta[..., 1]


def quadratic(theta, condition=10.0, angle=30.0):
    """``0.5 theta^T A theta``, A with eigenvalues 1 and ``condition``, rotated by ``angle`` degrees."""
    return 0.5 * (theta @ _hessian(theta, condition, angle) * theta).sum(-1)


def quadratic_gradient(theta, condition=10.0, angle=30.0):
    """``A theta`` (A is symmetric)."""
    return theta @ _hessian(theta, condition, angle)


def quadratic_hessian(condition=10.0, angle=30.0) -> np.ndarray:
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    rotation = np.array([[c, -s], [s, c]])
    return rotation @ np.diag([1.0, condition]) @ rotation.T


def _hessian(theta, condition, angle):
    return torch.as_tensor(quadratic_hessian(condition, angle), dtype=theta.dtype)


def rosenbrock(theta, a=1.0, b=100.0):
    x, y = _split(theta)
    return (a - x) ** 2 + b * (y - x**2) ** 2


def rosenbrock_gradient(theta, a=1.0, b=100.0):
    """``(-2 (a - x) - 4 b x (y - x^2),  2 b (y - x^2))``."""
    x, y = _split(theta)
    valley = y - x**2
    return torch.stack((-2.0 * (a - x) - 4.0 * b * x * valley, 2.0 * b * valley), -1)


def himmelblau(theta):
    x, y = _split(theta)
    return (x**2 + y - 11.0) ** 2 + (x + y**2 - 7.0) ** 2


def himmelblau_gradient(theta):
    """``(4 x u + 2 v,  2 u + 4 y v)`` with ``u = x^2 + y - 11``, ``v = x + y^2 - 7``."""
    x, y = _split(theta)
    u, v = x**2 + y - 11.0, x + y**2 - 7.0
    return torch.stack((4.0 * x * u + 2.0 * v, 2.0 * u + 4.0 * y * v), -1)


def beale(theta):
    x, y = _split(theta)
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def beale_gradient(theta):
    """``sum_k 2 t_k (y^k - 1, k x y^(k-1))`` with ``t_k = c_k - x + x y^k``, ``c = (1.5, 2.25, 2.625)``."""
    x, y = _split(theta)
    t1, t2, t3 = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    return torch.stack((2.0 * (t1 * (y - 1.0) + t2 * (y**2 - 1.0) + t3 * (y**3 - 1.0)),
                        2.0 * x * (t1 + 2.0 * t2 * y + 3.0 * t3 * y**2)), -1)


def saddle(theta):
    x, y = _split(theta)
    return x**2 - y**2


def saddle_gradient(theta):
    """``(2 x, -2 y)``."""
    return theta * torch.tensor([2.0, -2.0], dtype=theta.dtype)


def rastrigin(theta, A=10.0):
    return 2 * A + (theta**2 - A * torch.cos(2.0 * math.pi * theta)).sum(-1)


def rastrigin_gradient(theta, A=10.0):
    """``2 theta_i + 2 pi A sin(2 pi theta_i)``."""
    return 2.0 * theta + 2.0 * math.pi * A * torch.sin(2.0 * math.pi * theta)


def _radius(theta):
    """``r = sqrt(0.5 |theta|^2)``, with autograd's gradient 0 (not NaN) at ``r = 0``."""
    r2 = 0.5 * (theta**2).sum(-1)
    positive = r2 > 0
    return torch.where(positive, torch.sqrt(torch.where(positive, r2, 1.0)), 0.0)


def ackley(theta):
    r = _radius(theta)
    return (-20.0 * torch.exp(-0.2 * r) - torch.exp(0.5 * torch.cos(2.0 * math.pi * theta).sum(-1))
            + math.e + 20.0)


def ackley_gradient(theta):
    """``2 e^(-0.2 r) theta / r + pi sin(2 pi theta) e^(0.5 sum cos 2 pi theta)``, the first term 0 at ``r = 0``."""
    r = _radius(theta)[..., None]
    funnel = torch.where(r > 0, 2.0 * torch.exp(-0.2 * r) * theta / torch.where(r > 0, r, 1.0), 0.0)
    bumps = torch.exp(0.5 * torch.cos(2.0 * math.pi * theta).sum(-1))[..., None]
    return funnel + math.pi * torch.sin(2.0 * math.pi * theta) * bumps


@dataclass(frozen=True)
class BenchmarkSpec:
    name: str
    fn: Callable[..., torch.Tensor]
    view: tuple[tuple[float, float], tuple[float, float]]
    minima: Callable[..., tuple[tuple[float, float], ...]]  # of the bound parameters
    formula: str
    description: str
    params: tuple[Param, ...] = ()
    log_scale: bool = False
    hessian: Callable[..., np.ndarray] | None = None  # constant Hessian, for quadratics
    gradient: Callable[..., torch.Tensor] = field(kw_only=True)  # fn's gradient in closed form, same parameters


def _at(*points):
    return lambda **_: points


BENCHMARKS: dict[str, BenchmarkSpec] = {s.name: s for s in (
    BenchmarkSpec("quadratic", quadratic, ((-3.0, 3.0), (-3.0, 3.0)), _at((0.0, 0.0)),
                  r"\tfrac12\,\theta^\top A\,\theta,\ \ \mathrm{eig}(A) = \{1, \kappa\}",
                  "A bowl; its condition number (the ratio of its two curvatures) stretches it into a narrow valley "
                  "as it grows, and leaves it round at 1.",
                  (Param("condition", 10.0, 1.0, 100.0, "ratio of the largest to the smallest curvature"),
                   Param("angle", 30.0, 0.0, 90.0, "rotation of the valley, in degrees")),
                  hessian=quadratic_hessian, gradient=quadratic_gradient),
    BenchmarkSpec("rosenbrock", rosenbrock, ((-2.0, 2.0), (-1.0, 3.0)), lambda a, b: ((a, a * a),),
                  r"(a-x)^2 + b\,(y-x^2)^2", "A curved, flat-bottomed valley: easy to find, slow to follow.",
                  (Param("a", 1.0, 0.5, 2.0), Param("b", 100.0, 1.0, 200.0)), log_scale=True,
                  gradient=rosenbrock_gradient),
    BenchmarkSpec("himmelblau", himmelblau, ((-5.0, 5.0), (-5.0, 5.0)),
                  _at((3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                      (-3.779310253377747, -3.283185991286170), (3.584428340330492, -1.848126526964404)),
                  r"(x^2+y-11)^2 + (x+y^2-7)^2", "Four equally deep minima: where you start decides where you end.",
                  log_scale=True, gradient=himmelblau_gradient),
    BenchmarkSpec("beale", beale, ((-4.5, 4.5), (-4.5, 4.5)), _at((3.0, 0.5)),
                  r"(1.5-x+xy)^2 + (2.25-x+xy^2)^2 + (2.625-x+xy^3)^2",
                  "Flat plateaus and sharp ridges, with the minimum in a narrow arm.", log_scale=True,
                  gradient=beale_gradient),
    BenchmarkSpec("saddle", saddle, ((-2.0, 2.0), (-2.0, 2.0)), _at(),
                  r"x^2 - y^2", "A saddle point at the origin: a minimum along x, a maximum along y.",
                  gradient=saddle_gradient),
    BenchmarkSpec("rastrigin", rastrigin, ((-5.12, 5.12), (-5.12, 5.12)), _at((0.0, 0.0)),
                  r"2A + \sum_i \left(\theta_i^2 - A\cos 2\pi\theta_i\right)",
                  "A bowl with ripples of height A: from A of about 0.23 they make regularly spaced local minima, "
                  "more and deeper as A grows; at A = 0 it is the plain bowl.", (Param("A", 10.0, 0.0, 20.0),),
                  gradient=rastrigin_gradient),
    BenchmarkSpec("ackley", ackley, ((-5.0, 5.0), (-5.0, 5.0)), _at((0.0, 0.0)),
                  r"-20e^{-0.2\sqrt{\frac12(x^2+y^2)}} - e^{\frac12(\cos 2\pi x+\cos 2\pi y)} + e + 20",
                  "A nearly flat, bumpy plain with one deep funnel at the centre.", gradient=ackley_gradient),
)}


def benchmark(name: str, **params: float) -> Objective:
    """A classic test function with its default view and known minima: ``benchmark("rosenbrock")``."""
    spec = lookup(BENCHMARKS, name, "test function")
    known = {p.name: p for p in spec.params}
    if set(params) - set(known):
        raise InputError(f"{name} has no parameter {', '.join(sorted(set(params) - set(known)))}")
    bound = {n: p.check(params.get(n, p.default), name) for n, p in known.items()}
    meta = {"kind": "benchmark", "formula": spec.formula}
    if spec.hessian is not None:
        meta["hessian"] = spec.hessian(**bound)
    return Objective(lambda theta: spec.fn(theta, **bound), ("x", "y"), spec.view, name,
                     minima=spec.minima(**bound), log_scale=spec.log_scale, meta=meta,
                     gradient=partial(spec.gradient, **bound))
