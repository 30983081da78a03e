"""landscape.controls: which control a registry parameter gets and its step, read from every registry."""
from __future__ import annotations

import pytest

from landscape import controls, losses, optim
from landscape.types import Param


def test_short_linear_ranges_on_the_grid_get_sliders_and_the_rest_boxes():
    assert controls.fits_slider(Param("delta", 1.0, 0.1, 5.0))
    assert not controls.fits_slider(Param("lr", 0.01, 1e-6, 1.0))  # a log range
    assert not controls.fits_slider(Param("beta2", 0.999, 0.0, 1.0))  # off the 0.01 grid
    assert not controls.fits_slider(Param("c", 1.0, 0.0, 10.0))  # a long range
    assert controls.box_step(Param("lr", 0.003, 1e-6, 1.0)) == pytest.approx(0.001)
    assert controls.box_step(Param("wd", 0.0, 0.0, 1.0)) == controls.SLIDER_STEP
    assert controls.box_step(Param("n", 250.0, 1.0, 1e4)) == 100.0
    assert controls.slider_step(0.0, 5.0) == 0.01 and controls.slider_step(0.0, 5.5) == 0.1


@pytest.mark.parametrize("param", [p for n in losses.names() for p in losses.spec(n).params] +
                         [p for n in optim.names() for p in optim.spec(n).params], ids=lambda p: p.name)
def test_a_number_box_steps_by_the_defaults_leading_digit(param):
    step = controls.box_step(param)
    if param.default:
        assert step <= abs(param.default) * (1 + 1e-12) < 10 * step
    else:
        assert step == controls.SLIDER_STEP
