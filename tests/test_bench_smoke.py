"""bench/grid.py in small: the whole benchmark on a 21x21 grid (the bench's own is 201x201), run as a script
runs it, under the bench's wider budget; the table, then one JSON line with every ratio."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_grid_bench_measures_every_ratio():
    code = "import sys; sys.path.insert(0, 'bench'); import grid; grid.N_GRID = 21; grid.main()"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "sorted prefix sums vs plain batched" in out.stdout  # the table came before the JSON
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert {"plain_vs_loop_n1000_threads1", "mse_fast_vs_plain_n10000", "mae_fast_vs_plain_n100000",
            "huber_fast_vs_plain_n100000", "plain_peak_extra_mb_n100000"} <= set(result)
    assert all(v > 0 for v in result.values())


def test_the_grid_bench_budget_holds_its_full_size_plain_surface():
    """The 201x201 plain surface of 100,000 points is over a notebook call's limit (so the bench crashed when it
    ran under it) and within the bench's own."""
    sys.path.insert(0, str(ROOT / "bench"))
    import grid as bench_grid

    from landscape import budget, grid
    obj = bench_grid.regression(100_000, "huber")
    seconds = grid.cost(obj, bench_grid.N_GRID, "plain").seconds
    assert budget.NOTEBOOK.seconds < seconds < bench_grid.BENCH.seconds
