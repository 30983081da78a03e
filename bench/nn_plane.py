"""A 51x51 loss plane of a 2-32-32-1 tanh MLP on N = 1,000 points: batched vs per-point loop.

FLOP convention: the matmuls of the forward pass only, 2 * (2*32 + 32*32 + 32*1) * N per grid
point (biases, activations and the loss are not counted), against a 2048^3 torch.mm of the
same dtype measured in the same run.  Every figure is the best of ROUNDS, methods interleaved.
Goals (issue 6): batched >= 4x the loop, and >= 30 % of the matmul's GFLOP/s.
Threads: torch's default, or LANDSCAPE_THREADS as in the app (1 is steadier on a busy CPU).
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import torch

from landscape import nn, slices

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import best_time  # noqa: E402

N, RES, ROUNDS = 1_000, 51, 3


def matmul(dtype: torch.dtype, n: int = 2048):
    """A large torch.mm and its FLOP count: the machine's practical peak."""
    a, b, c = (torch.randn(n, n, dtype=dtype) for _ in range(3))
    return (lambda: torch.mm(a, b, out=c)), 2 * n**3


def main() -> None:
    if os.environ.get("LANDSCAPE_THREADS"):
        torch.set_num_threads(int(os.environ["LANDSCAPE_THREADS"]))
    data = nn.split("moons", n=N + N // 4, val_share=0.2, seed=0)  # 1,000 training points
    run = nn.train(data, widths=(32, 32), activation="tanh", epochs=20, seed=0)
    dirs = slices.random_directions(run.spec, run.theta, seed=0)
    axis = np.linspace(-1.0, 1.0, RES)
    coeffs = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)  # (2601, 2)
    nn.ACTIVATIONS["tanh-direct"] = nn.Activation(torch.tanh, torch.tanh_)  # ablation: no sigmoid trick
    direct = nn.MLP(2, (32, 32), 1, "tanh-direct")
    flop = 2 * run.spec.macs * N * len(coeffs)

    cases = {  # label -> (spec, method, dtype)
        "per-point loop, float32": (run.spec, "loop", torch.float32),
        "vmap(forward), float32": (run.spec, "vmap", torch.float32),
        "batched, torch.tanh, float32": (direct, "batched", torch.float32),
        "batched, float32": (run.spec, "batched", torch.float32),
        "batched, float64": (run.spec, "batched", torch.float64),
    }
    call = {k: (lambda s=s, m=m, d=d: slices.losses_at(s, data, "train", run.theta, dirs, coeffs, m, d))
            for k, (s, m, d) in cases.items()}
    mm = {dtype: matmul(dtype) for dtype in (torch.float32, torch.float64)}
    z = {k: f() for k, f in call.items()}  # warm-up, and the values to compare
    seconds = {k: np.inf for k in [*cases, *mm]}
    for _ in range(ROUNDS):  # interleaved, so that a busy moment of the shared CPU hits every method
        for k, f in [*call.items(), *((d, f) for d, (f, _) in mm.items())]:
            seconds[k] = min(seconds[k], best_time(f, 1 if k in cases else 2))
    peak = {dtype: flops / seconds[dtype] / 1e9 for dtype, (_, flops) in mm.items()}

    loop = seconds["per-point loop, float32"]
    print(f"{RES}x{RES} plane, 2-32-32-1 tanh MLP, N = {N:,}, {torch.get_num_threads()} threads; "
          f"{flop / 1e9:.2f} GFLOP (matmuls); torch.mm 2048^3: {peak[torch.float32]:.1f} GFLOP/s float32, "
          f"{peak[torch.float64]:.1f} float64")
    print(f"{'method':32s} {'seconds':>8s} {'us/point':>9s} {'vs loop':>8s} {'GFLOP/s':>8s} {'of mm':>6s} "
          f"{'max |dz|':>9s}")
    rows = {}
    for k, (_, _, dtype) in cases.items():
        s = seconds[k]
        rows[k] = dict(seconds=s, us_per_point=s / len(coeffs) * 1e6, speedup_vs_loop=loop / s,
                       gflops=flop / s / 1e9, share_of_matmul=flop / s / 1e9 / peak[dtype],
                       max_abs_diff_vs_loop=float(np.abs(z[k] - z["per-point loop, float32"]).max()))
        r = rows[k]
        print(f"{k:32s} {s:8.3f} {r['us_per_point']:9.1f} {r['speedup_vs_loop']:7.1f}x {r['gflops']:8.1f} "
              f"{r['share_of_matmul']:6.1%} {r['max_abs_diff_vs_loop']:9.1e}")
    fast = rows["batched, float32"]
    print(f"goals: batched/loop {fast['speedup_vs_loop']:.1f}x (>= 4x), share of matmul "
          f"{fast['share_of_matmul']:.0%} (>= 30 %)")
    print(json.dumps(dict(resolution=RES, n_points=N, threads=torch.get_num_threads(), gflop=flop / 1e9,
                          matmul_gflops_float32=peak[torch.float32], matmul_gflops_float64=peak[torch.float64],
                          methods=rows, speedup=fast["speedup_vs_loop"], share_of_matmul=fast["share_of_matmul"])))


if __name__ == "__main__":
    main()
