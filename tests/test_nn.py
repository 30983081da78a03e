"""Oracles and properties of landscape.nn: directions, slices, PCA, seeded training, bad input."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch

from landscape import nn, slices
from landscape.types import InputError


@pytest.fixture(scope="module")
def run():
    return nn.train(nn.split("moons", n=200, seed=1), widths=(8, 8), epochs=40, seed=3)


def small_run(name: str, activation: str = "tanh") -> nn.Run:
    return nn.train(nn.split(name, n=120, seed=0), widths=(6, 5), activation=activation, epochs=5, seed=0)


# ---- directions ----------------------------------------------------------------------------------

def test_filter_directions_have_the_norm_of_their_weight_rows_and_zero_biases(run):
    d = slices.random_directions(run.spec, run.theta, k=2, seed=4, norm="filter")
    theta = torch.as_tensor(run.theta)
    for direction in torch.as_tensor(d):
        for (W, b), (dW, db) in zip(run.spec.unflatten(theta), run.spec.unflatten(direction)):
            np.testing.assert_allclose(dW.norm(dim=1), W.norm(dim=1), rtol=1e-12)
            assert (db == 0).all()


def test_layer_normalisation_and_bias_option(run):
    d = torch.as_tensor(slices.random_directions(run.spec, run.theta, k=1, seed=0, norm="layer", bias=True)[0])
    for (W, b), (dW, db) in zip(run.spec.unflatten(torch.as_tensor(run.theta)), run.spec.unflatten(d)):
        assert dW.norm().item() == pytest.approx(W.norm().item(), rel=1e-12)
        assert db.norm().item() == pytest.approx(b.norm().item(), rel=1e-12)
    raw = slices.random_directions(run.spec, run.theta, k=1, seed=0, norm="none", bias=True)[0]
    assert raw.std() == pytest.approx(1.0, abs=0.15)


def test_directions_are_seeded_and_orthogonalised_on_request(run):
    a = slices.random_directions(run.spec, run.theta, seed=7)
    np.testing.assert_array_equal(a, slices.random_directions(run.spec, run.theta, seed=7))
    assert not np.allclose(a, slices.random_directions(run.spec, run.theta, seed=8))
    o = slices.random_directions(run.spec, run.theta, k=3, seed=7, orthogonal=True)
    gram = o @ o.T
    assert np.abs(gram - np.diag(np.diag(gram))).max() < 1e-10 * np.diag(gram).max()
    np.testing.assert_allclose(np.linalg.norm(o, axis=1)[:2], np.linalg.norm(a, axis=1), rtol=1e-12)


# ---- slices --------------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype, rtol", [(torch.float32, 1e-5), (torch.float64, 1e-10)])
def test_plane_centre_equals_the_trained_loss(run, dtype, rtol):
    dirs = slices.random_directions(run.spec, run.theta, seed=1)
    p = slices.plane(run, dirs, resolution=5, dtype=dtype)
    assert p.train.z[2, 2] == pytest.approx(run.train_loss[-1], rel=rtol)
    assert p.val.z[2, 2] == pytest.approx(run.val_loss[-1], rel=rtol)
    assert p.train.z.shape == (5, 5) and np.isfinite(p.train.z).all()


@pytest.mark.parametrize("name", ["moons", "three_blobs", "sine"])
@pytest.mark.parametrize("activation", list(nn.ACTIVATIONS))
def test_batched_plane_equals_a_per_point_loop(name, activation):
    r = small_run(name, activation)
    dirs = slices.random_directions(r.spec, r.theta, seed=2, bias=True)
    planes = {m: slices.plane(r, dirs, (-2, 1.5), (-1, 2), resolution=7, method=m) for m in slices.METHODS}
    for method in ("batched", "vmap"):
        for part in ("train", "val"):
            a, b = getattr(planes[method], part).z, getattr(planes["loop"], part).z
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_plane_is_oriented_as_a_surface(run):
    dirs = slices.random_directions(run.spec, run.theta, seed=1)
    p = slices.plane(run, dirs, (-1, 1), (0, 2), resolution=5, dtype=torch.float64)
    x, y = p.train.x[3], p.train.y[1]  # z[i, j] = loss(theta + x_j d1 + y_i d2)
    point = slices.losses_at(run.spec, run.data, "train", run.theta + x * dirs[0] + y * dirs[1], dirs[:1], [[0.0]],
                         dtype=torch.float64)
    assert p.train.z[1, 3] == pytest.approx(point[0], rel=1e-12)


def test_interpolation_ends_at_the_recorded_losses(run):
    line = slices.interpolate(run, run.theta0, run.theta, alpha_range=(0, 1), resolution=3, dtype=torch.float64)
    np.testing.assert_allclose(line.train_loss[[0, 2]], run.train_loss[[0, -1]], rtol=1e-10)
    np.testing.assert_allclose(line.val_loss[[0, 2]], run.val_loss[[0, -1]], rtol=1e-10)
    wide = slices.interpolate(run, run.theta0, run.theta)
    assert wide.alphas[0] == -0.5 and wide.alphas[-1] == 1.5 and np.isfinite(wide.train_loss).all()


def test_pca_directions_are_orthonormal_and_the_path_projects_by_least_squares(run):
    p = slices.pca(run, k=2)
    np.testing.assert_allclose(p.directions @ p.directions.T, np.eye(2), atol=1e-12)
    M = run.path - run.theta  # (R, P)
    lstsq = np.linalg.lstsq(p.directions.T, M.T, rcond=None)[0].T  # (R, 2)
    np.testing.assert_allclose(p.coords, lstsq, atol=1e-10)
    assert np.abs(p.coords[-1]).max() < 1e-12 and (p.coords[0] >= 0).all()
    assert 0 < p.explained[1] <= p.explained[0] <= 1 and p.explained.sum() <= 1 + 1e-12
    (x0, x1), (y0, y1) = p.view()
    assert x0 < p.coords[:, 0].min() <= p.coords[:, 0].max() < x1 and y0 < 0 < y1


# ---- training -----------------------------------------------------------------------------------

def test_training_is_seeded():
    data = nn.split("circles", n=100, seed=0)
    a, b = (nn.train(data, widths=(5,), epochs=3, seed=5) for _ in range(2))
    np.testing.assert_array_equal(a.path, b.path)
    np.testing.assert_array_equal(a.batch_loss, b.batch_loss)
    assert not np.array_equal(a.path, nn.train(data, widths=(5,), epochs=3, seed=6).path)


def test_history_is_recorded_on_a_schedule(run):
    assert run.steps[0] == 0 and run.steps[-1] == 40 * run.steps_per_epoch == len(run.batch_loss)
    assert len(run.path) == len(run.train_loss) == len(run.val_metric) == len(run.steps)
    assert run.diverged_at is None and not run.cancelled
    assert run.train_loss[-1] < run.train_loss[0] and run.train_metric[-1] > 0.8
    assert run.metric_name == "accuracy" and run.epochs[-1] == 40


@pytest.mark.parametrize("optimizer", list(nn.OPTIMIZERS))
def test_divergence_is_flagged_without_nan(optimizer):
    r = nn.train(nn.split("sine", n=100), widths=(8,), optimizer=optimizer, lr=1e6, epochs=20)
    assert r.diverged_at is not None and r.diverged_at < 20 * r.steps_per_epoch
    for a in (r.path, r.train_loss, r.val_loss, r.train_metric, r.val_metric, r.batch_loss):
        assert np.isfinite(a).all()
    assert len(r.path) >= 1 and r.theta.shape == (r.spec.size,)


def test_progress_and_cancel():
    seen = []
    r = nn.train(nn.split("moons", n=100), widths=(4,), epochs=50, record_every=10,
                 on_progress=lambda f: seen.append(f) or len(seen) < 3)
    assert r.cancelled and r.diverged_at is None and len(seen) == 3
    assert seen == sorted(seen) and 0 < seen[-1] < 1
    assert r.steps[-1] == 30 and len(r.path) == 4


# ---- bad input ---------------------------------------------------------------------------------

BAD_TRAIN = [
    dict(widths=()), dict(widths=(0,)), dict(widths=(nn.MAX_WIDTH + 1,)), dict(widths=(4,) * (nn.MAX_DEPTH + 1)),
    dict(widths=("wide",)), dict(widths=(2.5,)), dict(widths=(True,)), dict(activation="swish!"),
    dict(optimizer="lbfgs"),
    dict(lr=0), dict(lr=float("nan")), dict(lr="fast"), dict(weight_decay=-1), dict(batch_size=0),
    dict(batch_size=10_000), dict(epochs=0), dict(epochs=nn.MAX_EPOCHS + 1), dict(epochs=3000, batch_size=1),
    dict(record_every=0), dict(seed=-1), dict(widths=(128,) * 4, epochs=5000, batch_size=150),
]


@pytest.mark.parametrize("kwargs", BAD_TRAIN, ids=[str(k) for k in BAD_TRAIN])
def test_bad_training_input_raises_input_error(kwargs):
    with pytest.raises(InputError):
        nn.train(nn.split("moons", n=200), **kwargs)


@pytest.mark.parametrize("kwargs", [dict(name="mnist"), dict(n=nn.MIN_POINTS - 1), dict(n=nn.MAX_POINTS + 1),
                                    dict(n="many"), dict(noise=-0.1), dict(noise=50), dict(name="blobs", noise=0.1),
                                    dict(val_share=0.9)])
def test_bad_data_input_raises_input_error(kwargs):
    with pytest.raises(InputError):
        nn.split(**{"name": "moons", **kwargs})


def test_bad_slice_input_raises_input_error(run):
    dirs = slices.random_directions(run.spec, run.theta)
    bad = [lambda: slices.plane(run, dirs, resolution=4), lambda: slices.plane(run, dirs, resolution=slices.MAX_RESOLUTION + 1),
           lambda: slices.plane(run, dirs, x_range=(1, -1)), lambda: slices.plane(run, dirs, y_range=(0, 1e3)),
           lambda: slices.plane(run, dirs[:1]), lambda: slices.plane(run, dirs * np.nan),
           lambda: slices.plane(run, dirs, method="magic"), lambda: slices.interpolate(run, run.theta0, run.theta[:-1]),
           lambda: slices.interpolate(run, run.theta0, run.theta, resolution=1),
           lambda: slices.random_directions(run.spec, run.theta, norm="unit"),
           lambda: slices.random_directions(run.spec, run.theta, k=0), lambda: slices.pca(run, k=0)]
    for call in bad:
        with pytest.raises(InputError):
            call()


def test_slices_that_would_take_too_long_are_refused():
    big = nn.train(nn.split("moons", n=nn.MAX_POINTS), widths=(128,) * 3, epochs=1, batch_size=500)
    dirs = slices.random_directions(big.spec, big.theta)
    with pytest.raises(InputError, match="too large"):
        slices.plane(big, dirs, resolution=slices.MAX_RESOLUTION)


def test_pca_of_a_path_that_does_not_move_is_refused():
    r = nn.train(nn.split("sine", n=100), widths=(4,), lr=1e6, optimizer="sgd", epochs=5)
    with pytest.raises(InputError, match="recorded points"):
        slices.pca(r)


def test_compute_modules_do_not_load_ui_libraries():
    code = "import sys, landscape.nn, landscape.curvature; print(sorted({'streamlit', 'plotly'} & set(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
