"""The inputs at the app's limits that cost most (for ``bench/worst_case.py``): custom formulas at the
formula limits (200 characters, 100 nodes) made of the functions that cost most, and a CSV at the point limit
(sent as the browser's file uploader sends it).

Which formula: each candidate is timed here on a plain grid against the cost model's estimate, and the one
that runs longest per estimated second is taken (``calibrate``, ``worst_formula``); the Outliers page fits
its formula, so it gets the candidates that have a best line (``CONVEX``).
"""
from __future__ import annotations

import numpy as np
from charges import SERVER, largest
from common import best_time

from landscape import data, grid, losses, problems
from landscape.types import InputError

POINTS = SERVER.points  # the point limit of uploads and generated data in the app


def repeated(term: str, times: int, sep: str = "+") -> str:
    """``term`` ``times`` times, joined by ``sep``: a formula that grows one term at a time."""
    return sep.join([term] * times)


# Formulas at the limits: 200 characters, 100 nodes (a call is 3 nodes: the call, its name, r).
FORMULAS = {
    "tanh x25": repeated("tanh(r)", 25),  # 199 characters, 99 nodes
    "atan x25": repeated("atan(r)", 25),  # atan: the highest ops of landscape.expr.FUNCTIONS
    "erf x25": repeated("erf(r)", 25),
    "softplus x16": repeated("softplus(r)", 16),
    "cosh x25": repeated("cosh(r)", 25),
    "atan nested x29": "atan(" * 29 + "r" + ")" * 29,  # 30 levels is the nesting limit
    "atan(tanh) x14": repeated("atan(tanh(r))", 14),
}
CONVEX = {  # with a best line, so that the Outliers page fits and sweeps it
    "r*tanh(r) x16": repeated("r*tanh(r)", 16),
    "r*atan(r) x16": repeated("r*atan(r)", 16),
    "log(cosh(r)) x15": repeated("log(cosh(r))", 15),
    "softplus(r)+softplus(-r) x8": repeated("softplus(r)+softplus(-r)", 8),
}


def csv_bytes(n: int, seed: int = 0) -> bytes:
    """``n`` rows of ``x,y`` as a student's CSV (beyond the point limit, points of the same kind)."""
    x, y = data.line(n=n, seed=seed) if n <= POINTS else _line_beyond(n, seed)
    return ("x,y\n" + "".join(f"{a:.6g},{b:.6g}\n" for a, b in zip(x, y))).encode()


def _line_beyond(n: int, seed: int):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3, 3, n)
    return x, 2 * x + 1 + rng.normal(0, 1, n)


def upload_points(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The points the app reads from ``csv_bytes(n)``."""
    return data.load_csv(csv_bytes(n), max_rows=max(n, POINTS))


def calibrate(formulas: dict[str, str], x, y, target: float = 0.25, repeat: int = 3) -> dict[str, dict]:
    """Each formula on a plain grid of the uploaded points, sized to about ``target`` estimated seconds:
    measured seconds (best of ``repeat``, one torch thread, as the server) per estimated second."""
    out = {}
    for name, formula in formulas.items():
        try:
            obj = problems.linear_regression(x, y, losses.custom(formula))
        except InputError as err:
            out[name] = {"formula": formula, "refused": str(err)}
            continue
        out[name] = {"formula": formula, "chars": len(formula)} | _timed_on_grid(obj, target, repeat)
    return out


def _timed_on_grid(obj, target: float, repeat: int) -> dict[str, float]:
    """``obj`` on the plain grid whose estimate is about ``target`` seconds: its ops, estimated and measured
    seconds, and their ratio."""
    n = largest(grid.MIN_RESOLUTION, 301, lambda k: grid.cost(obj, k).seconds <= target) or grid.MIN_RESOLUTION
    est = grid.cost(obj, n).seconds
    seconds = best_time(lambda: grid.evaluate(obj, n=n, method="plain"), repeat)
    return {"ops": obj.ops, "estimate": est, "measured": seconds, "ratio": seconds / est}


def worst_formula(calibration: dict[str, dict]) -> str:
    ok = {k: v for k, v in calibration.items() if "ratio" in v}
    return max(ok, key=lambda k: ok[k]["ratio"])
