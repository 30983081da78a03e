"""The Overfitting page's view: the polynomial-degree sweep with the curves it draws, a network trained over
epochs, and the sentences that read both.  The page (``landscape.ui.overfitting`` caches these), a lesson's
figures (``landscape.figures.steps``) and its quotes (``landscape.lessons.compute``) call the same functions.
Plain values in, plain values out; ``landscape.capacity`` checks them.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from landscape import capacity, nn
from landscape.checks import check_int

SWEEP_DEGREE = 20  # the capacity sweep covers degrees 0 .. this


@dataclass(frozen=True)
class DegreeView:
    split: nn.Split
    sweep: capacity.Sweep
    grid: np.ndarray  # (G,) x where curves are drawn
    truth: np.ndarray  # (G,) the noiseless curve


def degree_view(n: int, noise: float, seed: int, l2: float) -> DegreeView:
    """Polynomials of degree 0 .. SWEEP_DEGREE fitted with ridge ``l2`` to ``n`` noisy points."""
    split = capacity.curve_split(n, noise, seed)
    grid = np.linspace(-capacity.X_SCALE, capacity.X_SCALE, capacity.GRID_POINTS)
    return DegreeView(split, capacity.sweep_degrees(split, noise, SWEEP_DEGREE, l2), grid, capacity.truth(grid))


def degree_fits(view: DegreeView, degree: int) -> dict[str, np.ndarray]:
    """The chosen degree's fitted curve and the best degree's, labelled, on ``view.grid``."""
    sweep = view.sweep
    fits = {f"degree {degree} ({sweep.labels[degree]})": capacity.predict(sweep.coefs[degree], view.grid)}
    if sweep.best != degree:
        fits[f"degree {sweep.best}, the best on validation"] = capacity.predict(sweep.coefs[sweep.best], view.grid)
    return fits


def degree_marks(view: DegreeView, degree: int) -> dict[str, int]:
    """Dashed lines on the sweep: the best degree and the drawn one (one line when they coincide)."""
    best = int(view.sweep.best)
    if degree == best:
        return {f"drawn: {degree}, the best": degree}
    return {f"best: {best}": best, f"drawn: {degree}": degree}


def degree_reading(view: DegreeView, degree: int) -> str:
    """Why the chosen degree carries its label (Markdown)."""
    s = view.sweep
    reason = capacity.regime_reason(s.labels[degree], s.train[degree], s.val[degree], s.val[s.best], s.floor)
    return f"**Degree {degree}: {s.labels[degree]}**, because {reason}."


def network_settings(n: int, noise: float, seed: int, l2: float, width: int, layers: int, epochs: int,
                     lr: float) -> str:
    """The network's settings as one JSON text: the key of its cached curve and the argument of its job."""
    return json.dumps({"n": n, "noise": noise, "seed": seed, "l2": l2, "width": width, "layers": layers,
                       "epochs": epochs, "lr": lr}, sort_keys=True)


def train_network(settings: str, on_progress=None) -> capacity.EpochCurve:
    """The network ``settings`` (``network_settings``) describe, trained on the page's points."""
    s = json.loads(settings)
    split = capacity.curve_split(s["n"], s["noise"], s["seed"])
    widths = (check_int(s["width"], "width", 1, nn.MAX_WIDTH),) * check_int(s["layers"], "layers", 1, nn.MAX_DEPTH)
    return capacity.train_network(split, s["noise"], widths, s["epochs"], s["lr"], s["l2"], seed=s["seed"],
                                  on_progress=on_progress)


def epoch_reading(curve: capacity.EpochCurve) -> str:
    """The label at the best epoch and at the end, with the reasons (Markdown)."""
    best = curve.val[curve.best]
    parts = []
    for name, i in (("At the best epoch", curve.best), ("At the end", -1)):
        reason = capacity.regime_reason(curve.labels[i], curve.train[i], curve.val[i], best, curve.floor)
        parts.append(f"**{name} ({curve.epochs[i]:.0f}): {curve.labels[i]}**, because {reason}.")
    return " ".join(parts)
