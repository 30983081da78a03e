"""The first calls of a process that are slow once: the first torch.optim step imports torch._dynamo (about
2.4 s) and the first autograd calls of the exact fits cost most of a second.  ``warm()`` makes them on tiny
inputs; the app runs it once per server in the background (``landscape.ui.page.warm_up``)."""
from __future__ import annotations

import numpy as np

from landscape import influence, optim, problems


def warm() -> None:
    """One Adam step on a benchmark and a two-size outlier sweep of eight points."""
    optim.run(problems.benchmark("quadratic"), "adam", steps=2)
    x = np.linspace(-1.0, 1.0, 8)
    influence.outlier_sweep(x, x**2, x > 0.5, [0.0, 1.0])
