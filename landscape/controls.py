"""Which control a registry parameter (``types.Param``) gets on a page, and its step: a slider for a short
linear range whose default lies on the slider's grid, else a number box stepping by the default's power of
ten.  ``landscape.ui.pickers`` draws them; ``problems.Control.of`` takes the same slider step."""
from __future__ import annotations

import math

from landscape.types import Param

SLIDER_STEP = 0.01  # a fine slider's step
COARSE_STEP = 0.1  # a slider's step over a range wider than SHORT_RANGE
SHORT_RANGE = 5.0


def slider_step(low: float, high: float) -> float:
    """A slider's step over ``[low, high]``: fine over a short range, coarse over a wider one."""
    return SLIDER_STEP if high - low <= SHORT_RANGE else COARSE_STEP


def fits_slider(p: Param) -> bool:
    """A short linear range whose default lies on the slider's 0.01 grid (not lr, eps, 0.999...)."""
    log_range = p.low > 0 and p.high / p.low >= 1e3
    on_grid = abs(p.default / SLIDER_STEP - round(p.default / SLIDER_STEP)) < 1e-9
    return p.high - p.low <= SHORT_RANGE and on_grid and not log_range


def box_step(p: Param) -> float:
    """A number box's step: the default's power of ten (0.001 for 0.003), SLIDER_STEP for a default of 0."""
    return 10.0 ** math.floor(math.log10(abs(p.default))) if p.default else SLIDER_STEP
