"""The compute benches in small: bench/grid.py on a 21x21 grid (its own is 201x201), under the bench's wider
budget, bench/trajectories.py on 16 starts, bench/ui_latency.py on one page, bench/worst_case.py on one page with
short probes, and the benches that take well under a minute whole; each prints its table, then one JSON line.
bench/load.py and bench/run_cost.py have theirs in test_load_smoke.py."""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import chromium_path

ROOT = Path(__file__).resolve().parent.parent


def test_the_grid_bench_measures_every_ratio():
    code = "import sys; sys.path.insert(0, 'bench'); import grid; grid.N_GRID = 21; grid.main()"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "MAE binned-sums vs plain batched" in out.stdout  # the table came before the JSON
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


TRAJECTORY_KEYS = {"threads", "starts", "steps", "batched_s", "sequential_s", "batched_speedup",
                   "batched_max_abs_diff", "race_optimizers", "race_steps", "race_s", "race_autograd_s",
                   "race_closed_form_speedup", "race_closed_form_max_abs_diff", "map_cells", "map_steps",
                   "map_s", "map_diverged_cells", "swarm_starts", "swarm_steps", "swarm_s", "page_swarm_each_s",
                   "page_swarm_together_s", "page_swarm_speedup", "page_swarm_max_abs_diff"}


def test_the_trajectories_bench_runs_batched_as_sequential():
    """bench/trajectories.py with 16 starts x 100 steps (its own: 256 x 500, a minute of sequential runs), run as
    its ``__main__`` does; batched and sequential runs are the same runs, so they must agree."""
    code = ("import json, sys; sys.path.insert(0, 'bench'); import trajectories as t; t.STARTS, t.STEPS = 16, 100; "
            "r = t.main(); print(t.table(r)); print(json.dumps(r))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Adam, 16 starts x 100 steps, sequential" in out.stdout  # the table came before the JSON
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(result) == TRAJECTORY_KEYS, set(result) ^ TRAJECTORY_KEYS
    assert result["starts"] == 16 and result["steps"] == 100
    numbers = [v for v in result.values() if isinstance(v, (int, float))] + result["map_cells"]
    assert all(math.isfinite(v) and v >= 0 for v in numbers)
    assert all(result[k] > 0 for k in TRAJECTORY_KEYS if k.endswith("_s") or k == "batched_speedup")
    assert result["race_closed_form_max_abs_diff"] < 1e-9  # the closed-form gradient races as autograd
    assert result["batched_max_abs_diff"] < 1e-10 and result["page_swarm_max_abs_diff"] < 1e-10
    assert result["race_optimizers"] and result["map_diverged_cells"] <= math.prod(result["map_cells"])


@pytest.mark.timeout(250)
def test_the_ui_latency_bench_times_a_key_press_on_one_page():
    """bench/ui_latency.py on the Outliers page with one timed key press (its own: 8 on every page), in the
    system Chromium the browser tests use (found first here, so a missing one fails with its own message)."""
    chromium_path()
    out = subprocess.run([sys.executable, "bench/ui_latency.py", "--runs", "1", "--pages", "outliers"], cwd=ROOT,
                         capture_output=True, text=True, timeout=240, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "Outliers  outlier count" in out.stdout  # the table came before the JSON
    result = json.loads(out.stdout.strip().splitlines()[-1])
    times = {f"outliers_{k}" for k in ("server_s", "shown_s", "browser_s", "shown_max_s")}
    assert set(result) == {"runs", "viewport", "config"} | times, set(result)
    assert result["runs"] == 1 and result["viewport"] == "1280x720" and result["config"] == []
    assert all(math.isfinite(result[k]) for k in times)  # browser_s = shown - server: its sign is not held
    assert 0 < result["outliers_server_s"] and 0 < result["outliers_shown_s"] <= result["outliers_shown_max_s"]


@pytest.mark.timeout(250)
def test_the_worst_case_bench_draws_a_page_at_its_limits_and_refuses_one_over():
    """bench/worst_case.py on the Loss surface page (its own: every page), whose one run charges several things
    (the surface, its parts, the exact fits, the arrows) that add up against one budget, two idle probes 0.2 s
    apart (its own: twelve, 1 s apart), against the real server it starts; the formulas at the limits are
    calibrated as in a full run."""
    out = subprocess.run([sys.executable, "bench/worst_case.py", "--pages", "loss_surface", "--timeout", "60",
                          "--probe-pause", "0.2", "--idle-probes", "2"], cwd=ROOT, capture_output=True, text=True,
                         timeout=240, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "loss_surface  worst    drawn" in out.stdout  # the table came before the JSON
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["bench"] == "worst_case" and result["probe_pause_s"] == 0.2
    assert all(math.isfinite(v["ratio"]) and v["ratio"] > 0 for v in result["calibration"].values() if "ratio" in v)
    assert set(result["idle_probe"]) == {"loss_functions", "distributions"}
    assert all(p["n"] == 2 for p in result["idle_probe"].values())
    assert set(result["pages"]) == {"loss_surface"}
    page = result["pages"]["loss_surface"]
    assert set(page) == {"worst", "refused"}
    assert page["worst"]["outcome"] == "drawn", page["worst"]["messages"]
    assert page["refused"]["outcome"] == "refused", page["refused"]["messages"]
    for request in page.values():
        assert request["tracebacks"] == 0 and "errors" not in request["probe"], request
        assert math.isfinite(request["seconds"]) and request["seconds"] > 0
        assert math.isfinite(request["rss_peak_growth_mb"]) and request["rss_peak_growth_mb"] >= 0
