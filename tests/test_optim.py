"""Optimiser trajectories: each equals a plain torch.optim loop; batches equal single runs;
divergence is caught and reported; bad input is refused with InputError."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from landscape import data, optim, problems
from landscape.types import DTYPE, InputError, Objective

ROSENBROCK = problems.benchmark("rosenbrock")
REGRESSION = problems.linear_regression(*data.line(n=50, seed=0), loss="huber")
QUADRATIC = problems.benchmark("quadratic")  # eigenvalues 1 and 10: 2 / lambda_max = 0.2
PROBLEMS = {"rosenbrock": ROSENBROCK, "regression": REGRESSION}
STEPS = 40

# Our settings, and the torch optimiser with the arguments they must mean (written out here,
# independently of the registry, so a wrong name mapping or a wrong default fails).
CASES = {
    "gd": ({"lr": 1e-3}, torch.optim.SGD, {"lr": 1e-3}),
    "momentum": ({"lr": 1e-3, "momentum": 0.8}, torch.optim.SGD, {"lr": 1e-3, "momentum": 0.8}),
    "nesterov": ({"lr": 1e-3, "momentum": 0.8}, torch.optim.SGD, {"lr": 1e-3, "momentum": 0.8, "nesterov": True}),
    "adagrad": ({"lr": 0.3, "eps": 1e-9}, torch.optim.Adagrad, {"lr": 0.3, "eps": 1e-9}),
    "rmsprop": ({"lr": 0.01, "beta2": 0.95, "momentum": 0.5}, torch.optim.RMSprop,
                {"lr": 0.01, "alpha": 0.95, "momentum": 0.5}),
    "adam": ({"lr": 0.05, "beta1": 0.8, "beta2": 0.99}, torch.optim.Adam, {"lr": 0.05, "betas": (0.8, 0.99)}),
    "adamw": ({"lr": 0.05, "weight_decay": 0.1}, torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.1}),
    "nadam": ({"lr": 0.05, "weight_decay": 0.01}, torch.optim.NAdam, {"lr": 0.05, "weight_decay": 0.01}),
    "lbfgs": ({"lr": 1.0}, torch.optim.LBFGS,
              {"lr": 1.0, "max_iter": 1, "max_eval": 25, "line_search_fn": "strong_wolfe"}),
}
# Our schedule settings, and the torch scheduler they must mean.
SCHEDULES = {
    "constant": ({}, lambda opt, steps: None),
    "step": ({"step_size": 10, "gamma": 0.5}, lambda opt, steps: torch.optim.lr_scheduler.StepLR(opt, 10, 0.5)),
    "exponential": ({"gamma": 0.95}, lambda opt, steps: torch.optim.lr_scheduler.ExponentialLR(opt, 0.95)),
    "cosine": ({}, lambda opt, steps: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)),
}
ELEMENTWISE = [n for n in optim.names() if optim.spec(n).elementwise]


def torch_loop(obj, cls, kwargs, start, steps, schedule=None, clip=None, batches=None):
    """The textbook loop: zero_grad, loss, backward, (clip), step, schedule step; points (T+1, 2)."""
    theta = torch.tensor(start, dtype=DTYPE, requires_grad=True)
    opt = cls([theta], **kwargs)
    scheduler = (schedule or (lambda o, s: None))(opt, steps)
    points = [theta.detach().clone()]
    for _ in range(steps):
        batch = obj if batches is None else next(batches)

        def closure():
            opt.zero_grad()
            loss = batch(theta)
            loss.backward()
            if clip is not None:
                torch.nn.utils.clip_grad_norm_([theta], clip)
            return loss

        opt.step(closure)
        if scheduler is not None:
            scheduler.step()
        points.append(theta.detach().clone())
    return torch.stack(points).numpy()


def full_losses(obj, points):
    with torch.no_grad():
        return obj(torch.as_tensor(points, dtype=DTYPE)).numpy()


def assert_clean(traj):
    assert np.isfinite(traj.points).all() and np.isfinite(traj.losses).all()
    assert traj.points.shape == (len(traj.losses), 2)


# ---- registry -----------------------------------------------------------------------------------

def test_registry_lists_every_optimiser_with_shared_parameter_names():
    assert optim.names() == ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam", "lbfgs"]
    assert optim.schedule_names() == ["constant", "step", "exponential", "cosine"]
    shared = {"lr", "momentum", "beta1", "beta2", "eps", "weight_decay"}
    for name in optim.names():
        s = optim.spec(name)
        assert s.params[0].name == "lr" and {p.name for p in s.params} <= shared
        assert all(p.low <= p.default <= p.high for p in s.params) and s.rule and s.label
    schedule_params = {p.name for s in optim.SCHEDULES.values() for p in s.params}
    assert not schedule_params & shared  # both travel in run's **hparams
    assert optim.spec("sgd") is optim.spec("gd")


# ---- oracles: the same path as a plain torch.optim loop -----------------------------------------

@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("name", optim.names())
@pytest.mark.parametrize("schedule", ["constant", "cosine"])
def test_path_equals_plain_torch_loop(name, problem, schedule):
    obj, (ours, cls, kwargs), (sched_params, make) = PROBLEMS[problem], CASES[name], SCHEDULES[schedule]
    start = optim.default_start(obj)
    traj = optim.run(obj, name, start=start, steps=STEPS, schedule=schedule, **ours, **sched_params)
    expected = torch_loop(obj, cls, kwargs, start, STEPS, make)
    assert traj.diverged_at is None and traj.optimizer == name
    np.testing.assert_allclose(traj.points, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(traj.losses, full_losses(obj, expected), rtol=0, atol=1e-10)


@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("schedule", ["step", "exponential"])
def test_schedules_equal_torch_schedulers(problem, schedule):
    obj, (sched_params, make) = PROBLEMS[problem], SCHEDULES[schedule]
    traj = optim.run(obj, "adam", steps=STEPS, lr=0.05, schedule=schedule, **sched_params)
    expected = torch_loop(obj, torch.optim.Adam, {"lr": 0.05}, optim.default_start(obj), STEPS, make)
    np.testing.assert_allclose(traj.points, expected, rtol=0, atol=1e-10)
    assert traj.hparams["schedule"] == schedule and all(traj.hparams[k] == v for k, v in sched_params.items())


def test_clipping_equals_clip_grad_norm_and_bounds_each_step():
    traj = optim.run(ROSENBROCK, "gd", steps=STEPS, lr=0.01, clip=0.5)
    expected = torch_loop(ROSENBROCK, torch.optim.SGD, {"lr": 0.01}, optim.default_start(ROSENBROCK), STEPS,
                          clip=0.5)
    np.testing.assert_allclose(traj.points, expected, rtol=0, atol=1e-10)
    assert np.linalg.norm(np.diff(traj.points, axis=0), axis=1).max() <= 0.01 * 0.5 * (1 + 1e-12)
    unclipped = optim.run(ROSENBROCK, "gd", steps=STEPS, lr=0.01)
    assert unclipped.diverged_at is not None and traj.diverged_at is None


def test_minibatch_path_equals_loop_over_seeded_batches_and_records_the_full_loss():
    seed, size, n = 7, 10, REGRESSION.meta["n_points"]
    traj = optim.run(REGRESSION, "momentum", steps=STEPS, lr=0.05, batch_size=size, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    batches = iter(lambda: REGRESSION.subset(torch.randperm(n, generator=generator)[:size]), None)
    expected = torch_loop(REGRESSION, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9},
                          optim.default_start(REGRESSION), STEPS, batches=batches)
    np.testing.assert_allclose(traj.points, expected, rtol=0, atol=1e-10)
    np.testing.assert_allclose(traj.losses, full_losses(REGRESSION, traj.points), rtol=0, atol=1e-12)


def test_minibatches_are_seeded():
    def path(seed, batch_size=8):
        return optim.run(REGRESSION, "gd", steps=30, lr=0.1, batch_size=batch_size, seed=seed).points

    np.testing.assert_array_equal(path(3), path(3))
    assert np.abs(path(3) - path(4)).max() > 1e-3
    full = optim.run(REGRESSION, "gd", steps=30, lr=0.1).points
    np.testing.assert_allclose(path(3, batch_size=REGRESSION.meta["n_points"]), full, rtol=0, atol=1e-10)


# ---- many starts at once --------------------------------------------------------------------------

@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("name", optim.names())
def test_batched_starts_equal_single_runs(name, problem):
    obj = PROBLEMS[problem]
    starts = optim.start_grid(obj, 10)[::33]  # (4, 2) spread over the view
    ours = CASES[name][0]
    many = optim.run_many(obj, name, starts, steps=STEPS, **ours)
    assert len(many) == len(starts)
    for start, traj in zip(starts, many):
        single = optim.run(obj, name, start=start, steps=STEPS, **ours)
        assert traj.diverged_at == single.diverged_at
        np.testing.assert_allclose(traj.points, single.points, rtol=0, atol=1e-10)
        np.testing.assert_allclose(traj.losses, single.losses, rtol=0, atol=1e-10)


def test_a_diverging_row_does_not_poison_the_batch():
    starts = [(1.2, 1.4), (-2.0, -1.0), (0.5, 0.3)]  # the steep corner blows up at this lr
    many = optim.run_many(ROSENBROCK, "gd", starts, steps=100, lr=2e-3)
    assert many[1].diverged_at is not None and many[0].diverged_at is None and many[2].diverged_at is None
    for start, traj in zip(starts, many):
        single = optim.run(ROSENBROCK, "gd", start=start, steps=100, lr=2e-3)
        assert_clean(traj)
        assert traj.diverged_at == single.diverged_at
        np.testing.assert_allclose(traj.points, single.points, rtol=0, atol=1e-10)


@settings(max_examples=10, deadline=None)
@given(name=st.sampled_from(ELEMENTWISE), log_lr=st.floats(-4, 1), clip=st.none() | st.floats(0.01, 10),
       seed=st.integers(0, 10**6))
def test_any_batch_equals_its_single_runs_and_holds_no_nan(name, log_lr, clip, seed):
    starts = np.random.default_rng(seed).uniform([-2, -1], [2, 3], (3, 2))
    many = optim.run_many(ROSENBROCK, name, starts, steps=30, lr=10**log_lr, clip=clip)
    for start, traj in zip(starts, many):
        single = optim.run(ROSENBROCK, name, start=start, steps=30, lr=10**log_lr, clip=clip)
        assert_clean(traj)
        assert traj.diverged_at == single.diverged_at
        assert len(traj.points) == (31 if traj.diverged_at is None else traj.diverged_at)
        np.testing.assert_allclose(traj.points, single.points, rtol=0, atol=1e-10)


# ---- divergence and stability ---------------------------------------------------------------------

@pytest.mark.parametrize("momentum", [0.0, 0.5, 0.9])
def test_gd_on_a_quadratic_diverges_above_the_stability_limit_and_converges_below(momentum):
    limit = optim.stability_limit(QUADRATIC, momentum)
    assert limit == pytest.approx(2 * (1 + momentum) / 10.0)
    settings_ = {"momentum": momentum} if momentum else {}
    name = "momentum" if momentum else "gd"
    above = optim.run(QUADRATIC, name, steps=400, lr=1.1 * limit, **settings_)
    below = optim.run(QUADRATIC, name, steps=400, lr=0.9 * limit, **settings_)
    assert above.diverged_at is not None and len(above.points) == above.diverged_at
    assert below.diverged_at is None and below.losses[-1] < 1e-6 * below.losses[0]
    assert_clean(above)
    assert optim.stability_limit(ROSENBROCK) is None


@pytest.mark.parametrize("name", optim.names())
def test_a_huge_learning_rate_gives_a_clean_path(name):
    traj = optim.run(ROSENBROCK, name, steps=100, lr=1e6)
    assert_clean(traj)
    if optim.spec(name).elementwise:  # L-BFGS's line search tames any lr
        assert traj.diverged_at == 1 and len(traj.points) == 1


def test_a_path_stops_at_the_bound():
    traj = optim.run(QUADRATIC, "gd", steps=400, lr=0.25, bound=10.0)
    assert traj.diverged_at is not None
    assert np.abs(traj.points).max() <= 10.0
    assert np.abs(optim.run(QUADRATIC, "gd", steps=400, lr=0.25).points).max() > 10.0


def test_lr_momentum_map_equals_single_runs_and_marks_divergence_with_inf():
    lrs, momenta = [0.01, 0.1, 0.5, 1.0], [0.0, 0.5, 0.9]
    start = (2.0, -1.0)
    final = optim.lr_momentum_map(QUADRATIC, start, lrs, momenta, steps=100)
    assert final.shape == (3, 4) and not np.isnan(final).any()
    for i, mu in enumerate(momenta):
        for j, lr in enumerate(lrs):
            traj = optim.run(QUADRATIC, "momentum", start=start, steps=100, lr=lr, momentum=mu)
            assert np.isinf(final[i, j]) == (traj.diverged_at is not None)
            assert (lr > optim.stability_limit(QUADRATIC, mu)) == np.isinf(final[i, j])
            if traj.diverged_at is None:
                assert final[i, j] == pytest.approx(traj.losses[-1], rel=1e-8, abs=1e-300)


def test_lr_momentum_map_default_grid_on_rosenbrock():
    final = optim.lr_momentum_map(ROSENBROCK, steps=20)
    assert final.shape == (len(optim.MOMENTUM_GRID), len(optim.LR_GRID))
    assert np.isinf(final[:, -1]).all() and np.isfinite(final[:, 0]).all()


# ---- race and swarm -------------------------------------------------------------------------------

def test_race_runs_each_entry_like_run():
    """Entries share one gradient evaluation per step, yet each path equals its own run."""
    entries = {"gd": {}, "adam": {"lr": 0.1}, "slow adam": {"optimizer": "adam", "lr": 0.01, "schedule": "cosine"},
               "lbfgs": {}, "clipped momentum": {"optimizer": "momentum", "clip": 1.0, "lr": 0.01},
               "rmsprop": {"schedule": "step", "step_size": 5, "gamma": 0.5}}
    result = optim.race(ROSENBROCK, entries, start=(-1.0, 1.5), steps=40)
    assert result["clipped momentum"].diverged_at is None
    assert list(result) == list(entries)
    assert result["slow adam"].optimizer == "adam" and result["slow adam"].hparams["lr"] == 0.01
    for label, traj in result.items():
        settings_ = dict(entries[label])
        single = optim.run(ROSENBROCK, settings_.pop("optimizer", label), start=(-1.0, 1.5), steps=40, **settings_)
        np.testing.assert_allclose(traj.points, single.points, rtol=0, atol=1e-10)


def test_race_on_minibatches_equals_each_run():
    entries = {"gd": {"batch_size": 10, "seed": 1}, "momentum": {"batch_size": 10, "seed": 1, "lr": 0.01},
               "other batches": {"optimizer": "gd", "batch_size": 10, "seed": 2}, "adam": {}}
    result = optim.race(REGRESSION, entries, steps=30)
    for label, traj in result.items():
        settings_ = dict(entries[label])
        single = optim.run(REGRESSION, settings_.pop("optimizer", label), steps=30, **settings_)
        np.testing.assert_allclose(traj.points, single.points, rtol=0, atol=1e-10)
    assert np.abs(result["gd"].points - result["other batches"].points).max() > 1e-6


def test_swarm_finds_all_four_himmelblau_basins():
    obj = problems.benchmark("himmelblau")
    result = optim.swarm(obj, "adam", n=10, steps=300, lr=0.1)
    assert result.starts.shape == (100, 2) and len(result.trajectories) == 100
    assert set(result.basin) <= {-1, 0, 1, 2, 3} and {0, 1, 2, 3} <= set(result.basin)
    for end, basin in zip(result.ends, result.basin):
        if basin >= 0:
            assert np.linalg.norm(end - result.minima[basin]) <= result.radius
    np.testing.assert_array_equal(result.ends, [t.points[-1] for t in result.trajectories])


@pytest.mark.parametrize("obj,entries", [
    (ROSENBROCK, {"gd": {}, "momentum": {"lr": 0.001}, "adam": {"lr": 0.1, "schedule": "cosine"},
                  "rmsprop": {"clip": 1.0}, "nesterov": {"lr": 0.01}}),
    (REGRESSION, {"gd": {"batch_size": 10, "seed": 1}, "adam": {}, "momentum": {"batch_size": 10, "seed": 1}}),
    (ROSENBROCK, {"gd": {}, "lbfgs": {}}),
])
def test_swarms_stepping_together_equal_each_swarm(obj, entries):
    together = optim.swarms(obj, entries, n=10, steps=40)
    assert list(together) == list(entries)
    for name, hyper in entries.items():
        alone = optim.swarm(obj, name, n=10, steps=40, **hyper)
        np.testing.assert_array_equal(together[name].starts, alone.starts)
        np.testing.assert_allclose(together[name].ends, alone.ends, rtol=0, atol=1e-10)
        np.testing.assert_array_equal(together[name].basin, alone.basin)
        assert [t.diverged_at for t in together[name].trajectories] == [t.diverged_at for t in alone.trajectories]


def test_swarms_step_as_many_panels_at_once_as_the_points_limit_allows(monkeypatch):
    """40 x 40 starts for 300 steps: two panels fit one descent's points, so five optimisers take three descents,
    and one charge for all five, before the first descent, counts the memory of every path they keep."""
    from landscape import budget, descent
    descents, charged = [], []
    real_run, real_charge = descent.run_together, budget.charge
    monkeypatch.setattr(descent, "run_together", lambda obj, plans, starts: descents.append(len(plans))
                        or real_run(obj, plans, starts))
    monkeypatch.setattr(budget, "charge", lambda cost, *a: charged.append((len(descents), cost))
                        or real_charge(cost, *a))
    entries = {name: {} for name in optim.DEFAULT_RACE}
    assert 1600 * 301 * 2 <= optim.MAX_PATH_POINTS < 1600 * 301 * 3
    together = optim.swarms(ROSENBROCK, entries, n=40, steps=300)
    assert descents == [2, 2, 1] and len(together["adam"].basin) == 1600
    (before, cost), = charged
    assert before == 0 and cost.bytes >= 5 * 1600 * 301 * 24  # every point of every path, float64 x 3


# ---- bad input ------------------------------------------------------------------------------------

BAD_RUNS = [
    ({"name": "sgdx"}, "unknown optimiser"),
    ({"schedule": "linear"}, "unknown schedule"),
    ({"lr": float("nan")}, "lr"), ({"lr": 0}, "lr"), ({"lr": -0.1}, "lr"), ({"lr": "fast"}, "lr"),
    ({"lr": 1e7}, "lr"),
    ({"steps": 0}, "steps"), ({"steps": optim.MAX_STEPS + 1}, "steps"), ({"steps": 2.5}, "steps"),
    ({"steps": float("nan")}, "steps"), ({"steps": "many"}, "steps"),
    ({"start": (1e9, 0.0)}, "far outside"), ({"start": (float("nan"), 0.0)}, "finite"),
    ({"start": "here"}, "numbers"), ({"start": (1.0, 2.0, 3.0)}, "point"), ({"start": [(0, 0), (1, 1)]}, "one point"),
    ({"momentum": 0.9}, "no setting momentum"), ({"beta2": 1.0}, "beta2"), ({"beta1": -0.1}, "beta1"),
    ({"eps": 0.0}, "eps"), ({"weight_decay": float("inf")}, "weight_decay"),
    ({"schedule": "step", "step_size": 2.5}, "step_size"), ({"schedule": "exponential", "gamma": 2.0}, "gamma"),
    ({"clip": 0.0}, "clip"), ({"clip": float("nan")}, "clip"),
    ({"batch_size": 8}, "mini-batches"),
    ({"seed": -1}, "seed"), ({"bound": 0.0}, "bound"), ({"bound": 1.0, "start": (-1.5, 2.0)}, "bound"),
    ({"name": "lbfgs", "clip": 1.0}, "clipping"),
]


@pytest.mark.parametrize("kwargs,message", BAD_RUNS)
def test_bad_run_input_is_refused(kwargs, message):
    kwargs = {"name": "adam", **kwargs}
    with pytest.raises(InputError, match=message):
        optim.run(ROSENBROCK, **kwargs)


@pytest.mark.parametrize("kwargs,message", [({"batch_size": 0}, "batch size"), ({"batch_size": 51}, "batch size"),
                                            ({"batch_size": 2.5}, "batch size"),
                                            ({"name": "lbfgs", "batch_size": 10}, "mini-batches")])
def test_bad_minibatch_input_is_refused(kwargs, message):
    kwargs = {"name": "gd", **kwargs}
    with pytest.raises(InputError, match=message):
        optim.run(REGRESSION, **kwargs)


def test_bad_batch_race_map_and_swarm_input_is_refused():
    with pytest.raises(InputError, match="too many points"):
        optim.run_many(ROSENBROCK, "adam", optim.start_grid(ROSENBROCK, 40), steps=1000)
    with pytest.raises(InputError, match="start"):
        optim.run_many(ROSENBROCK, "adam", np.zeros((3, 3)))
    for entries in ({}, ["adam"], {"adam": {"steps": 10}}, {"adam": 0.1}, {"x": {}}):
        with pytest.raises(InputError):
            optim.race(ROSENBROCK, entries)
    for lrs, momenta in (([], [0.0]), ([float("nan")], [0.0]), ([0.1], [1.5]), (np.ones(101), [0.0])):
        with pytest.raises(InputError):
            optim.lr_momentum_map(ROSENBROCK, None, lrs, momenta)
    with pytest.raises(InputError, match="swarm grid size"):
        optim.swarm(ROSENBROCK, "adam", n=5)
    for entries in ({}, ["adam"], {"adam": {"steps": 10}}, {"x": {}}):
        with pytest.raises(InputError):
            optim.swarms(ROSENBROCK, entries)
    with pytest.raises(InputError, match="too many points"):  # one panel over the limit: as swarm refuses it
        optim.swarms(ROSENBROCK, {"adam": {}, "gd": {}}, n=40, steps=1000)
    with pytest.raises(InputError, match="not finite at the start"):
        optim.run(Objective(lambda t: torch.log(t[..., 0]), ("x", "y"), ((-1.0, 1.0), (-1.0, 1.0)), "log x"),
                  "gd", start=(-0.5, 0.0))
    with pytest.raises(InputError, match="no gradient"):
        optim.run(problems.logistic_regression(*data.make("blobs"), loss="zero_one"), "gd")


def test_a_remembered_race_runs_only_the_paths_it_has_not_run_before():
    """``race.raced`` with a store: a new setting of one optimiser runs that optimiser alone, and every path
    equals the one a fresh race gives."""
    from landscape import race
    from landscape.store import Store
    store, ran = Store(64, 2**24, 3600), []

    def run(obj, entries, **kw):
        ran.append(list(entries))
        return optim.race(obj, entries, **kw)
    first = {"gd": {"lr": 1e-3}, "momentum": {}, "adam": {"lr": 0.05}}
    race.raced(ROSENBROCK, first, (-1.5, 2.0), 50, (store, "rosenbrock"), run)
    second = {**first, "adam": {"lr": 0.01}}
    again = race.raced(ROSENBROCK, second, (-1.5, 2.0), 50, (store, "rosenbrock"), run)
    assert ran == [["gd", "momentum", "adam"], ["adam"]] and list(again) == list(second)
    fresh = optim.race(ROSENBROCK, second, start=(-1.5, 2.0), steps=50)
    for label, path in again.items():
        np.testing.assert_array_equal(path.points, fresh[label].points)
        np.testing.assert_array_equal(path.losses, fresh[label].losses)
    race.raced(ROSENBROCK, second, (-1.5, 2.0), 51, (store, "rosenbrock"), run)  # other steps: every path again
    race.raced(ROSENBROCK, second, (-1.5, 2.0), 50, (store, "himmelblau"), run)  # another problem: again
    assert ran[2:] == [["gd", "momentum", "adam"]] * 2
