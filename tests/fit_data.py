"""Data and helpers shared by the fit tests (test_fit, test_minimum): data sets that stress exact fits, the
loss of a line and an objective's gradient."""
import numpy as np
import torch

from landscape import influence, problems

D = torch.float64


def heavy(n=80, seed=0):
    """A line with heavy-tailed (Student t, 2 degrees of freedom) noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    return x, 2.0 * x + 1.0 + rng.standard_t(2, n)


def integer_grid(n=60, seed=0):
    """Degenerate data: integer x and y, many points on one line (vertices shared by several points)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 6, n).astype(float)
    y = 3.0 * x - 1.0
    y[: n // 3] += rng.integers(-2, 3, n // 3)
    return x, y


DATA = {"scenario": lambda: influence.DEFAULT_SCENARIO.data()[:2], "heavy": heavy, "integer-grid": integer_grid,
        "two-points": lambda: (np.array([0.0, 1.0]), np.array([1.0, -2.0]))}


def value(x, y, loss, theta, l1=0.0, l2=0.0):
    """The penalised linear-regression loss at ``theta``."""
    return float(problems.linear_regression(x, y, loss, l1=l1, l2=l2)(torch.tensor(theta, dtype=D)))


def gradient(obj, theta):
    """The objective's gradient at ``theta``, by autograd."""
    t = torch.tensor(theta, dtype=D, requires_grad=True)
    obj(t).backward()
    return t.grad.numpy()
