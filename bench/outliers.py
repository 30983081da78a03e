"""The Outlier page's compute: the influence sweep (50 outlier sizes x 5 losses) batched vs fitted one
by one with scipy.optimize.minimize, and the default page's whole compute time (the page's own call,
``landscape.outliers.outlier_view``).

    python bench/outliers.py

The scipy baseline gets numpy objectives with analytic gradients (BFGS) for the smooth losses,
Nelder-Mead for the piecewise-linear MAE and quantile, and the least-squares start that the
batched solvers also use.  "loss gap" is how far above the exact minimum scipy's fits end.
"""
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.optimize
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import best_time, emit, table  # noqa: E402

from landscape import data, fit, influence, outliers, problems  # noqa: E402

THREADS = 1  # scipy is single-threaded; the app also pins torch's threads


def _rho(name: str, r: np.ndarray, delta: float = 1.0, tau: float = 0.5) -> tuple[np.ndarray, np.ndarray]:
    """(rho(r), rho'(r)) in numpy for the scipy baseline."""
    a = np.abs(r)
    forms = {
        "mse": lambda: (r * r, 2 * r),
        "mae": lambda: (a, np.sign(r)),
        "huber": lambda: (np.where(a <= delta, 0.5 * r * r, delta * (a - 0.5 * delta)), np.clip(r, -delta, delta)),
        "log_cosh": lambda: (a + np.log1p(np.exp(-2 * a)) - np.log(2.0), np.tanh(r)),
        "quantile": lambda: (np.maximum(tau * r, (tau - 1) * r), np.where(r > 0, tau, tau - 1)),
    }
    return forms[name]()


METHOD = {"mse": "BFGS", "huber": "BFGS", "log_cosh": "BFGS", "mae": "Nelder-Mead", "quantile": "Nelder-Mead"}


def scipy_fit(name: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    def value_and_grad(theta):
        rho, psi = _rho(name, y - theta[0] * x - theta[1])
        return rho.mean(), np.array([-(psi * x).mean(), -psi.mean()])

    start = np.polyfit(x, y, 1)
    if METHOD[name] == "BFGS":
        return scipy.optimize.minimize(value_and_grad, start, jac=True, method="BFGS", options={"gtol": 1e-10}).x
    return scipy.optimize.minimize(lambda t: value_and_grad(t)[0], start, method="Nelder-Mead",
                                   options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 10_000}).x


def clean_line(scenario: influence.Scenario) -> tuple[np.ndarray, np.ndarray]:
    return data.line(n=scenario.n, slope=scenario.slope, intercept=scenario.intercept, noise=scenario.noise,
                     seed=scenario.seed)


def sweep(scenario: influence.Scenario) -> influence.InfluenceSweep:
    return influence.influence_sweep(*clean_line(scenario), sizes=influence.SWEEP_SIZES, count=scenario.count,
                               leverage=scenario.leverage, noise=scenario.noise, seed=scenario.seed)


def sweep_with_scipy(scenario: influence.Scenario) -> np.ndarray:
    x, y = clean_line(scenario)
    _, _, flags = data.add_outliers(x, y, scenario.count, 0.0, leverage=scenario.leverage, seed=scenario.seed)
    return np.array([[scipy_fit(name, x, y + size * scenario.noise * flags)[0] for size in influence.SWEEP_SIZES]
                     for name in influence.SWEEP_LOSSES])  # (L, S) slopes


def page(scenario: influence.Scenario = influence.DEFAULT_SCENARIO) -> outliers.OutlierView:
    """Everything the Outliers page computes on a first visit: the page's own compute call."""
    return outliers.outlier_view(outliers.points(outliers.scenario_spec(scenario), None, ""),
                                 outliers.loss_set(outliers.scenario_losses(scenario)))


def loss_gap(slopes: np.ndarray, scenario: influence.Scenario, exact: influence.InfluenceSweep) -> float:
    """Largest excess of scipy's fits over the exact minimum, with scipy's slope and the best b for it."""
    x, y = clean_line(scenario)
    ys = y + np.outer(exact.sizes * scenario.noise, exact.is_outlier)
    gaps = []
    for name, row, best in zip(influence.SWEEP_LOSSES, slopes, np.stack([exact.slopes, exact.intercepts], -1)):
        for yy, w, (w0, b0) in zip(ys, row, best):
            objective = problems.linear_regression(x, yy, name)
            b = scipy.optimize.minimize_scalar(lambda b: float(objective(torch.tensor([w, b]))),
                                               bracket=(b0 - 1, b0 + 1)).x
            gaps.append(float(objective(torch.tensor([w, b]))) - float(objective(torch.tensor([w0, b0]))))
    return max(gaps)


def _sweep_rows(scenario: influence.Scenario, exact: influence.InfluenceSweep) -> tuple[np.ndarray, np.ndarray]:
    x, y = clean_line(scenario)
    return x, y + np.outer(exact.sizes * scenario.noise, exact.is_outlier)


def main():
    torch.set_num_threads(THREADS)
    scenario = influence.DEFAULT_SCENARIO
    if sys.argv[1:] == ["--cold"]:  # one page compute in a fresh process, imports included
        start = time.perf_counter()
        page()
        print(time.perf_counter() - start)
        return
    exact = sweep(scenario)
    start = time.perf_counter()
    slopes = sweep_with_scipy(scenario)
    one_by_one = time.perf_counter() - start
    batched = best_time(lambda: sweep(scenario), repeat=5)
    per_loss = {name: best_time(lambda: fit.fit_lines(*_sweep_rows(scenario, exact), name), repeat=5)
                for name in influence.SWEEP_LOSSES}
    warm = best_time(page, repeat=5)
    cold = float(subprocess.run([sys.executable, __file__, "--cold"], check=True, capture_output=True,
                                text=True).stdout.split()[-1])
    view = page(scenario)
    shifts = np.abs(view.shift[:, 0])
    results = {
        "sweep_sizes": len(influence.SWEEP_SIZES), "sweep_losses": len(influence.SWEEP_LOSSES), "n_points": scenario.n,
        "sweep_batched_s": batched, "sweep_scipy_one_by_one_s": one_by_one, "sweep_speedup": one_by_one / batched,
        "scipy_max_slope_diff": float(np.abs(slopes - exact.slopes).max()),
        "scipy_max_loss_gap": loss_gap(slopes, scenario, exact),
        **{f"batched_{name}_s": t for name, t in per_loss.items()},
        "page_compute_warm_s": warm, "page_compute_cold_process_s": cold,
        **{f"default_slope_shift_{name}": float(s) for name, s in zip(view.keys, shifts)},
        "torch_threads": torch.get_num_threads(),
    }
    print(f"Outlier page compute, default scenario (N = {scenario.n}, {scenario.count} outliers at the high-x end), "
          f"float64, torch threads = {torch.get_num_threads()}\n")
    table([("influence sweep: scipy.optimize.minimize one by one", f"{one_by_one:.3f}", "", ""),
           ("influence sweep: batched exact fits (influence.influence_sweep)", f"{batched:.4f}",
            f"{one_by_one / batched:.0f}x", ">= 10x"),
           *[(f"  of which {name}: {fit.solver(name).method}", f"{t:.4f}", "", "")
             for name, t in per_loss.items()],
           ("default page (MSE, MAE, Huber): outliers.outlier_view, fits, sweep, 3 surfaces, psi", f"{warm:.4f}",
            "", ""),
           ("default page, first call in a fresh process (imports included)", f"{cold:.3f}", "", "")],
          ("what", "seconds", "speed-up", "goal"))
    print(f"\nscipy vs exact: largest slope difference {results['scipy_max_slope_diff']:.1e}, "
          f"largest loss above the exact minimum {results['scipy_max_loss_gap']:.1e}")
    print("default scenario slope shift (clean -> contaminated), the page's losses: "
          + ", ".join(f"{label} {s:.3f}" for label, s in zip(view.labels, shifts)))
    emit(results)


if __name__ == "__main__":
    main()
