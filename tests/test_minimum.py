"""minimum.minimize, any objective: the exact path of a linear model, the known minima of benchmarks, a
stationary point of logistic regression, a refusal without a minimum, and the solvers' registry."""
from dataclasses import replace

import numpy as np
import pytest
from fit_data import gradient, heavy

from landscape import data, fit, influence, losses, minimum, problems
from landscape.types import InputError


# ---- minimize: any objective -----------------------------------------------------------------------------------

@pytest.mark.parametrize("loss", ["mse", "mae", "huber", losses.custom("log(1 + r**2)")], ids=str)
def test_minimize_takes_the_exact_path_of_a_linear_model(loss):
    x, y = heavy()
    obj = problems.linear_regression(x, y, loss, l1=0.1, l2=0.2)
    np.testing.assert_array_equal(minimum.minimize(obj), fit.fit_lines(x, y, loss, l1=0.1, l2=0.2)[0])
    np.testing.assert_array_equal(minimum.minimize(obj.part("data")), fit.fit_lines(x, y, loss)[0])


@pytest.mark.parametrize("name", ["quadratic", "rosenbrock", "himmelblau", "beale", "rastrigin", "ackley"])
def test_minimize_finds_a_known_minimum_of_a_benchmark(name):
    obj = problems.benchmark(name)
    theta = minimum.minimize(obj)
    assert min(np.abs(theta - np.array(m)).max() for m in obj.minima) < 1e-6


def test_minimize_logistic_regression_reaches_a_stationary_point():
    X, labels = data.blobs(n=200, seed=0)
    obj = problems.logistic_regression(X, labels)
    assert np.linalg.norm(gradient(obj, minimum.minimize(obj))) < 1e-8


def test_minimize_refuses_an_objective_without_a_minimum():
    with pytest.raises(InputError, match="no minimum"):
        minimum.minimize(problems.benchmark("saddle"))


def test_a_run_that_escapes_downhill_stops_there():
    """On the saddle, L-BFGS from a start off the x axis goes downhill along y for ever: each run stops at the
    first point beyond the search region (it took 626 evaluations to reach NaN, 1 s of CPU, before)."""
    saddle = problems.benchmark("saddle")
    calls = []
    counted = replace(saddle, data=lambda theta: calls.append(1) or saddle.data(theta))
    with pytest.raises(InputError, match="no minimum"):
        minimum.minimize(counted)
    assert len(calls) < 9 * 30  # nine starts, each stopped within a few line searches


def test_solvers_registry():
    assert fit.solver("mse").method == "closed form"
    assert fit.solver("mae") is fit.solver("quantile") and "exact" in fit.solver("mae").method
    assert fit.solver("huber") is fit.NEWTON and fit.solver(losses.custom("r**4")) is fit.NEWTON
    assert set(influence.SWEEP_LOSSES) == set(losses.names("regression"))
