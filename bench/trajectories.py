"""Optimiser trajectories, measured side by side in one run on Rosenbrock:

* 256 starts of Adam for 500 steps as one batched run vs 256 sequential runs (goal >= 50x),
  and the largest difference between the two;
* the default race (DEFAULT_RACE from the default start, 300 steps), with Rosenbrock's gradient in closed form (as
  the pages run it) vs through autograd, and the largest difference between the two;
* the default lr x momentum map (30 x 20 cells, 200 steps);
* a default swarm (12 x 12 starts on Himmelblau, 300 steps);
* the Optimisers page's swarm (the default race's five optimisers, 12 x 12 starts each, 300 steps) one
  optimiser after the other vs all stepping together (``optim.swarms``), and their largest difference.

Prints a table, then as its last line one JSON object with every figure.
"""
from __future__ import annotations

import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from landscape import optim, problems  # noqa: E402

THREADS = 1
STARTS, STEPS, RACE_STEPS, MAP_STEPS, SWARM_STEPS = 256, 500, 300, 200, 300  # STARTS: a square (a grid of them)


def seconds(fn, repeat: int = 1) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> dict[str, object]:
    torch.set_num_threads(THREADS)
    obj = problems.benchmark("rosenbrock")
    optim.run(obj, "adam", steps=5)  # the first torch.optim step imports torch._dynamo: keep it out of the timings
    starts = optim.start_grid(obj, math.isqrt(STARTS))  # (STARTS, 2)
    settings = dict(steps=STEPS, lr=0.05)

    batched_s, batched = seconds(lambda: optim.run_many(obj, "adam", starts, **settings), repeat=3)
    sequential_s, sequential = seconds(lambda: [optim.run(obj, "adam", start=s, **settings) for s in starts])
    diff = max(float(np.abs(a.points - b.points).max()) for a, b in zip(batched, sequential))
    race = {n: {} for n in optim.DEFAULT_RACE}
    race_s, closed = seconds(lambda: optim.race(obj, race, steps=RACE_STEPS), repeat=3)
    through_autograd = dataclasses.replace(obj, gradient=None)
    autograd_s, autograd = seconds(lambda: optim.race(through_autograd, race, steps=RACE_STEPS), repeat=3)
    race_diff = max(float(np.abs(closed[n].points - autograd[n].points).max()) for n in race)
    map_s, final = seconds(lambda: optim.lr_momentum_map(obj, steps=MAP_STEPS), repeat=3)
    himmelblau = problems.benchmark("himmelblau")
    swarm_s, _ = seconds(lambda: optim.swarm(himmelblau, "adam", n=12, steps=SWARM_STEPS, lr=0.1), repeat=3)
    panels = {name: {} for name in optim.DEFAULT_RACE}
    each_s, each = seconds(lambda: {name: optim.swarm(himmelblau, name, n=12, steps=SWARM_STEPS) for name in panels},
                           repeat=3)
    together_s, together = seconds(lambda: optim.swarms(himmelblau, panels, n=12, steps=SWARM_STEPS), repeat=3)
    panels_diff = max(float(np.abs(together[name].ends - each[name].ends).max()) for name in panels)
    return {
        "threads": THREADS, "starts": len(starts), "steps": STEPS,
        "batched_s": round(batched_s, 4), "sequential_s": round(sequential_s, 3),
        "batched_speedup": round(sequential_s / batched_s, 1), "batched_max_abs_diff": diff,
        "race_optimizers": list(optim.DEFAULT_RACE), "race_steps": RACE_STEPS, "race_s": round(race_s, 4),
        "race_autograd_s": round(autograd_s, 4), "race_closed_form_speedup": round(autograd_s / race_s, 2),
        "race_closed_form_max_abs_diff": race_diff,
        "map_cells": list(final.shape), "map_steps": MAP_STEPS, "map_s": round(map_s, 4),
        "map_diverged_cells": int(np.isinf(final).sum()),
        "swarm_starts": 144, "swarm_steps": SWARM_STEPS, "swarm_s": round(swarm_s, 4),
        "page_swarm_each_s": round(each_s, 4), "page_swarm_together_s": round(together_s, 4),
        "page_swarm_speedup": round(each_s / together_s, 2), "page_swarm_max_abs_diff": panels_diff,
    }


def table(r: dict[str, object]) -> str:
    rows = [
        (f"Adam, {r['starts']} starts x {r['steps']} steps, batched", f"{r['batched_s']:.3f} s"),
        (f"Adam, {r['starts']} starts x {r['steps']} steps, sequential", f"{r['sequential_s']:.2f} s"),
        ("  speed-up (goal >= 50x)", f"{r['batched_speedup']:.0f}x"),
        ("  largest |batched - sequential|", f"{r['batched_max_abs_diff']:.1e}"),
        (f"default race ({', '.join(r['race_optimizers'])}), {r['race_steps']} steps", f"{r['race_s']:.3f} s"),
        ("  the same race, gradients through autograd", f"{r['race_autograd_s']:.3f} s"),
        ("  speed-up of the closed-form gradient", f"{r['race_closed_form_speedup']:.1f}x"),
        ("  largest |closed form - autograd|", f"{r['race_closed_form_max_abs_diff']:.1e}"),
        (f"lr x momentum map {r['map_cells'][1]} x {r['map_cells'][0]}, {r['map_steps']} steps",
         f"{r['map_s']:.3f} s"),
        (f"swarm {r['swarm_starts']} starts, {r['swarm_steps']} steps", f"{r['swarm_s']:.3f} s"),
        (f"page swarm: {len(r['race_optimizers'])} optimisers x {r['swarm_starts']} starts, one after the other",
         f"{r['page_swarm_each_s']:.3f} s"),
        ("page swarm, all stepping together (optim.swarms)", f"{r['page_swarm_together_s']:.3f} s"),
        ("  speed-up", f"{r['page_swarm_speedup']:.1f}x"),
        ("  largest |together - one after the other|", f"{r['page_swarm_max_abs_diff']:.1e}"),
    ]
    width = max(len(a) for a, _ in rows)
    return "\n".join([f"trajectories on Rosenbrock, torch threads = {r['threads']}"]
                     + [f"  {a:<{width}}  {b:>10}" for a, b in rows])


if __name__ == "__main__":
    result = main()
    print(table(result))
    print(json.dumps(result))
