"""Loss Landscape Explorer's compute package: losses, problems, grids, optimisers, networks.

    import landscape as ls
    surf = ls.grid.evaluate(ls.problems.benchmark("rosenbrock"), n=201)
    traj = ls.optim.run(ls.problems.benchmark("rosenbrock"), "adam", start=(-1.5, 2.0), lr=0.05, steps=500)
"""
from landscape import capacity, classify, curvature, curves, data, divergence, expr, fit, grid, losses, nn, optim, problems
from landscape.types import InputError, Objective, Surface, Trajectory

__all__ = ["capacity", "classify", "curvature", "curves", "data", "divergence", "expr", "fit", "grid", "losses", "nn", "optim", "problems", "InputError", "Objective", "Surface", "Trajectory"]
