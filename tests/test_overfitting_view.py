"""landscape.overfitting, the Overfitting page's view, called directly: the sweep, the curves and marks it
draws, the network's settings and training, and the sentences that read them."""
from __future__ import annotations

import json

import numpy as np
import pytest

from landscape import capacity, overfitting
from landscape.types import InputError


@pytest.fixture(scope="module")
def view():
    return overfitting.degree_view(30, 0.3, 0, 0.0)


def test_the_sweep_covers_every_degree_on_the_page_grid(view):
    assert list(view.sweep.degrees) == list(range(overfitting.SWEEP_DEGREE + 1))
    assert view.grid.shape == (capacity.GRID_POINTS,) and view.grid[0] == -capacity.X_SCALE
    np.testing.assert_array_equal(view.truth, capacity.truth(view.grid))


def test_fits_and_marks_name_the_drawn_degree_and_the_best(view):
    best = int(view.sweep.best)
    other = 0 if best else 1
    fits = overfitting.degree_fits(view, other)
    assert list(fits) == [f"degree {other} ({view.sweep.labels[other]})", f"degree {best}, the best on validation"]
    np.testing.assert_array_equal(fits[f"degree {other} ({view.sweep.labels[other]})"],
                                  capacity.predict(view.sweep.coefs[other], view.grid))
    assert len(overfitting.degree_fits(view, best)) == 1
    assert overfitting.degree_marks(view, other) == {f"best: {best}": best, f"drawn: {other}": other}
    assert overfitting.degree_marks(view, best) == {f"drawn: {best}, the best": best}


def test_the_readings_name_the_label_and_its_reason(view):
    assert overfitting.degree_reading(view, 0).startswith(f"**Degree 0: {view.sweep.labels[0]}**, because ")
    settings = overfitting.network_settings(30, 0.3, 0, 0.0, 4, 1, 20, 0.01)
    assert json.loads(settings) == dict(n=30, noise=0.3, seed=0, l2=0.0, width=4, layers=1, epochs=20, lr=0.01)
    curve = overfitting.train_network(settings)
    text = overfitting.epoch_reading(curve)
    assert text.startswith(f"**At the best epoch ({curve.epochs[curve.best]:.0f}): {curve.labels[curve.best]}**")
    assert f"**At the end ({curve.epochs[-1]:.0f}): {curve.labels[-1]}**" in text


def test_a_network_wider_than_allowed_is_refused():
    with pytest.raises(InputError, match="width"):
        overfitting.train_network(overfitting.network_settings(30, 0.3, 0, 0.0, 10**6, 1, 20, 0.01))
