"""descent.descend_full (one forward pass per step) against the plain loop (descend + step_together):
the same points, losses and ends, bit for bit (the fast loop looks for rows gone bad every ENDS_EVERY steps, so
it may record a few steps past the plain loop's stop, which every path is cut before); and a constant schedule's skipped steps change nothing."""
import dataclasses
import itertools
from functools import partial

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import descent, optim, problems


def optimizers_for(leaves, name, lr):
    return [optim.spec(name).cls([leaf], **optim.spec(name).torch_kwargs({"lr": lr})) for leaf in leaves]


def both_ways(obj, starts, name, lr, steps, bound, clip):
    """(plain, fast) records of the same descent."""
    out = []
    for fast in (False, True):
        leaves = [torch.tensor(s, dtype=torch.float64).requires_grad_(True) for s in starts]
        opts = optimizers_for(leaves, name, lr)
        shape = None if clip is None else partial(descent._clip_rows, max_norms=[clip] * len(leaves))
        if fast:
            out.append(descent.descend_full(obj, leaves, opts, [], shape, steps, bound))
        else:
            step = partial(descent.step_together, leaves=leaves, optimizers=opts, schedulers=[], shape=shape)
            out.append(descent.descend(obj, leaves, step, steps, bound, itertools.repeat(obj)))
    return out


def assert_same_descent(plain, fast):
    (points, losses, ends), (fast_points, fast_losses, fast_ends) = plain, fast
    assert torch.equal(ends, fast_ends)
    assert len(points) <= len(fast_points) < len(points) + descent.ENDS_EVERY
    for a, b in ((points, fast_points), (losses, fast_losses)):
        torch.testing.assert_close(a, b[:len(a)], rtol=0, atol=0, equal_nan=True)  # NaN where a row diverged


@settings(max_examples=25, deadline=None)
@given(x=st.floats(-2, 2), y=st.floats(-1, 3), lr=st.sampled_from([1e-4, 1e-3, 0.01, 0.1]),
       name=st.sampled_from(["gd", "momentum", "adam", "rmsprop"]), clip=st.sampled_from([None, 1.0]))
def test_descend_full_is_the_plain_loop(x, y, lr, name, clip):
    obj = problems.benchmark("rosenbrock")
    assert_same_descent(*both_ways(obj, [[[x, y]], [[y - 1, x]]], name, lr, 60, 1e3, clip))


def test_descend_full_ends_diverged_rows_as_the_plain_loop():
    obj = problems.benchmark("rosenbrock")
    plain, fast = both_ways(obj, [[[-1.5, 2.0], [0.5, 0.5]]], "gd", 0.01, 40, 1e3, None)
    assert (plain[2] <= 40).any()  # the large step diverges
    assert_same_descent(plain, fast)


def test_a_constant_schedule_races_as_no_schedule():
    obj = problems.benchmark("rosenbrock")
    raced = optim.race(obj, {"adam": {"lr": 0.05, "schedule": "constant"}}, start=(-1.5, 2.0), steps=50)["adam"]
    leaf = torch.tensor([[-1.5, 2.0]], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Adam([leaf], lr=0.05)
    for _ in range(50):
        opt.zero_grad()
        obj(leaf).sum().backward()
        opt.step()
    np.testing.assert_array_equal(raced.points[-1], leaf.detach().numpy()[0])


@settings(max_examples=10, deadline=None)
@given(lrs=st.lists(st.sampled_from([1e-4, 5e-4, 1e-3, 0.01]), min_size=3, max_size=3),
       schedule=st.sampled_from([{"schedule": "constant"}, {"schedule": "step", "step_size": 7, "gamma": 0.5}]))
def test_one_torch_optimiser_per_class_races_as_one_per_entry(lrs, schedule):
    """gd, momentum and Nesterov (and two Adams) share one optimiser of param groups: each path is its own run."""
    obj = problems.benchmark("rosenbrock")
    entries = {"gd": {"lr": lrs[0]}, "momentum": {"lr": lrs[1]}, "nesterov": {"lr": lrs[2]},
               "adam": {"lr": 0.05}, "slow adam": {"optimizer": "adam", "lr": 0.01}}
    entries = {label: {**settings_, **schedule} for label, settings_ in entries.items()}
    raced = optim.race(obj, entries, start=(-1.5, 2.0), steps=30)
    for label, traj in raced.items():
        settings_ = dict(entries[label])
        alone = optim.run(obj, settings_.pop("optimizer", label), start=(-1.5, 2.0), steps=30, **settings_)
        np.testing.assert_array_equal(traj.points, alone.points)
        np.testing.assert_array_equal(traj.losses, alone.losses)


def test_descend_full_stops_soon_after_every_row_went_bad():
    obj = problems.benchmark("rosenbrock")
    plain, fast = both_ways(obj, [[[-1.5, 2.0], [1.5, -1.0]]], "gd", 0.1, 200, 1e3, None)
    assert (plain[2] <= 200).all() and len(plain[0]) < 200  # both rows diverge, the plain loop stops at once
    assert_same_descent(plain, fast)


@pytest.mark.parametrize("name", list(problems.BENCHMARKS))
def test_a_closed_form_gradient_descends_as_autograd(name):
    """Every optimiser (L-BFGS, clipping and a schedule too) on a test function: the closed-form gradient gives
    the path autograd gives, and ends it at the same step (the two differ by rounding, which L-BFGS on Beale's
    plateau grows to 1e-7 in 60 steps)."""
    obj = problems.benchmark(name)
    entries = {n: {} for n in optim.names()} | {
        "clipped adam": {"optimizer": "adam", "lr": 0.3, "clip": 0.5},
        "cosine momentum": {"optimizer": "momentum", "schedule": "cosine"},
        "too fast": {"optimizer": "gd", "lr": 1e3}}
    closed = optim.race(obj, entries, steps=60)
    autograd = optim.race(dataclasses.replace(obj, gradient=None), entries, steps=60)
    assert closed["too fast"].diverged_at is not None
    for label, path in closed.items():
        assert path.diverged_at == autograd[label].diverged_at, label
        np.testing.assert_allclose(path.points, autograd[label].points, rtol=1e-6, atol=1e-9, err_msg=label)
