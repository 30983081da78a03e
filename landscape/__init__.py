"""Loss Landscape Explorer's compute package: losses, problems, grids, optimisers, networks.

    import landscape as ls
    surf = ls.grid.evaluate(ls.problems.benchmark("rosenbrock"), n=201)
    traj = ls.optim.run(ls.problems.benchmark("rosenbrock"), "adam", start=(-1.5, 2.0), lr=0.05, steps=500)

Importing it keeps freed blocks of up to 32 MiB for reuse (``landscape.runtime``): torch temporaries
of that size otherwise cost a page fault per 4 KiB each time they are made.
"""
from landscape import (budget, capacity, checks, classify, curvature, curves, data, divergence, expr, fit, grammar,
                       grid, influence, losses, minimum, nn, optim, optimizers, problems, runtime, slices)
from landscape.types import InputError, Objective, Surface, Trajectory

runtime.keep_freed_memory()

__all__ = ["budget", "capacity", "checks", "classify", "curvature", "curves", "data", "divergence", "expr", "fit",
           "grammar", "grid", "influence", "losses", "minimum", "nn", "optim", "optimizers", "problems", "runtime",
           "slices", "InputError", "Objective", "Surface", "Trajectory"]
