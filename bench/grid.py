"""Grid evaluation on a 201x201 grid of linear-regression data: plain batched vs a per-point loop,
the exact fast paths vs plain batched, and the plain path's peak extra memory.

    python bench/grid.py
"""
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_time, emit, peak_extra_mb, table  # noqa: E402

from landscape import budget, data, grid, problems  # noqa: E402

N_GRID = 201
# The plain path is measured past the limits a request gets (a 201x201 Huber surface of 100,000 points is
# about 34 s of estimated work): the benchmark runs under its own, wider budget.
BENCH = budget.Budget(seconds=3600.0, bytes=8 << 30, points=1_000_000)


def regression(n: int, loss: str):
    x, y = data.line(n=n, seed=0)
    x, y, _ = data.add_outliers(x, y, n // 20, 10.0, seed=0)
    return problems.linear_regression(x, y, loss=loss)


def per_point_loop(obj):
    surf = grid.evaluate(obj, n=5)  # only for the view: the loop below does the real work
    xs = torch.linspace(*obj.view[0], N_GRID, dtype=torch.float64)
    ys = torch.linspace(*obj.view[1], N_GRID, dtype=torch.float64)
    with torch.no_grad():
        return [[float(obj(torch.stack([x, y]))) for x in xs] for y in ys], surf


def main():
    with budget.limits(BENCH):
        measure()


def measure():
    rows, results = [], {}

    obj = regression(1_000, "mae")
    loop = best_time(lambda: per_point_loop(obj), repeat=1)
    threads = torch.get_num_threads()
    for n_threads in sorted({1, threads}, reverse=True):  # the app serves on 1 thread by default
        torch.set_num_threads(n_threads)
        plain = best_time(lambda: grid.evaluate(obj, n=N_GRID, method="plain"), repeat=10)
        results[f"plain_vs_loop_n1000_threads{n_threads}"] = loop / plain
        rows.append((f"plain batched vs per-point loop, {n_threads} thread(s)", "MAE", "1,000", f"{loop:.3f}",
                     f"{plain:.4f}", f"{loop / plain:.0f}x", ">= 20x"))
    torch.set_num_threads(threads)

    obj = regression(10_000, "mse")
    plain = best_time(lambda: grid.evaluate(obj, n=N_GRID, method="plain"))
    fast = best_time(lambda: grid.evaluate(obj, n=N_GRID), repeat=20)
    results["mse_fast_vs_plain_n10000"] = plain / fast
    rows.append(("MSE statistics vs plain batched", "MSE", "10,000", f"{plain:.3f}", f"{fast:.5f}",
                 f"{plain / fast:.0f}x", ">= 100x"))

    for loss in ("mae", "huber"):
        obj = regression(100_000, loss)
        plain = best_time(lambda: grid.evaluate(obj, n=N_GRID, method="plain"), repeat=1)
        fast = best_time(lambda: grid.evaluate(obj, n=N_GRID))
        results[f"{loss}_fast_vs_plain_n100000"] = plain / fast
        rows.append((f"{loss.upper()} {grid.FAST_PATHS[loss][0]} vs plain batched", loss.upper(), "100,000",
                     f"{plain:.3f}", f"{fast:.4f}", f"{plain / fast:.1f}x", ">= 5x"))

    mb = peak_extra_mb(
        "import sys; sys.path.insert(0, '.')\nfrom landscape import budget, data, grid, problems\n"
        "obj = problems.linear_regression(*data.line(n=100_000), loss='huber')",
        f"with budget.limits(budget.{BENCH!r}): grid.evaluate(obj, n={N_GRID}, method='plain')")
    results["plain_peak_extra_mb_n100000"] = mb
    rows.append(("peak extra memory, plain batched", "Huber", "100,000", "", "", f"{mb:.0f} MB", "<= 256 MB"))

    print(f"Grid evaluation, {N_GRID}x{N_GRID} grid, float64, torch threads = {torch.get_num_threads()}\n")
    table(rows, ("comparison", "loss", "N", "slow (s)", "fast (s)", "ratio", "goal"))
    emit(results)


if __name__ == "__main__":
    main()
