"""Loss Landscape Explorer's compute package: losses, problems, grids, optimisers, networks.

    import landscape as ls
    surf = ls.grid.evaluate(ls.problems.benchmark("rosenbrock"), n=201)
"""
from landscape import data, grid, losses, problems
from landscape.types import InputError, Objective, Surface, Trajectory

__all__ = ["data", "grid", "losses", "problems", "InputError", "Objective", "Surface", "Trajectory"]
