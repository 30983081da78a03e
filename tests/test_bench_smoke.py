"""The compute benches in small: bench/grid.py on a 21x21 grid (its own is 201x201), under the bench's wider
budget, and the benches that take well under a minute whole; each prints its table, then one JSON line.
bench/load.py and bench/run_cost.py have theirs in test_load_smoke.py."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.parametrize("bench, row", [("outliers", "default page"), ("nn_plane", "batched, float32"),
                                         ("exports", "optimisers: race as GIF")])
def test_a_short_bench_prints_its_table_then_its_json(bench, row):
    """The benches that take well under a minute, run whole as a person runs them."""
    out = subprocess.run([sys.executable, f"bench/{bench}.py"], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert row in out.stdout
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result and all(math.isfinite(v) and v >= 0 for v in result.values() if isinstance(v, float))
