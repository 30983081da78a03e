"""The first calls of a process that are slow once: the first torch.optim step imports torch._dynamo (about
2.4 s) and the first autograd calls of the exact fits cost most of a second.  ``warm()`` makes them on tiny
inputs; the app runs it once per server in the background (``landscape.ui.page.warm_up``).

On the class server (``LANDSCAPE_DASK`` set) it also connects to the Dask scheduler and imports the class
database's code: importing ``distributed`` takes about 3 s of a core and ``sqlalchemy`` about 1 s, mostly
holding the GIL, and made in the first student's run of a page they held up every session of the process."""
from __future__ import annotations

import numpy as np

from landscape import influence, jobs, optim, problems
from landscape.types import InputError


def warm() -> None:
    """One Adam step on a benchmark and a two-size outlier sweep of eight points; on the class server, the
    Dask client and the class database's module."""
    optim.run(problems.benchmark("quadratic"), "adam", steps=2)
    x = np.linspace(-1.0, 1.0, 8)
    influence.outlier_sweep(x, x**2, x > 0.5, [0.0, 1.0])
    if jobs.remote():
        import landscape.classroom  # noqa: F401
        try:
            jobs.client()
        except InputError:  # an unreachable scheduler: the page that needs it says so
            pass
