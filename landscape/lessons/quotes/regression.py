"""The quotes of the Loss surface and Outliers pages."""
from __future__ import annotations

from typing import Iterable

from landscape import losses, problems
from landscape.lessons.compute import Memo
from landscape.lessons.quotes.base import Group, NAN, Quote, num
from landscape.surface import loss_at


# ---- loss surface ---------------------------------------------------------------------------------

def _surface(step, inputs: dict, memo: Memo) -> dict:
    x, y, z = step.surface.minimum
    out = {"grid_x": x, "grid_y": y, "grid_loss": z, "resolution": int(inputs["n"]),
           "minima_count": len(step.minima)}
    if step.minima:
        bx, by = step.minima[0]
        out |= {"best_x": bx, "best_y": by, "best_loss": loss_at(step.objective, (bx, by))}
    if step.data_minimum is not None:
        dx, dy = step.data_minimum
        best = step.minima[0]
        out |= {"data_best_x": dx, "data_best_y": dy,
                "penalty_at_best": loss_at(step.objective.part("penalty"), best),
                "kept_x": best[0] / dx if dx else NAN}
    return out


def _surface_shown(inputs: dict) -> Iterable[str]:
    obj = problems.from_spec(inputs["spec"])  # a linear model's minima are exact; a test function's, known
    names = ["grid_x", "grid_y", "grid_loss", "resolution", "minima_count"]
    if obj.linear is not None or obj.minima:
        names += ["best_x", "best_y", "best_loss"]
    if obj.linear is not None:
        names += ["data_best_x", "data_best_y", "penalty_at_best", "kept_x"]
    return names


SURFACE = Group("loss_surface", "surface", (
    Quote("grid_x", "first parameter (w, w1 or x) of the lowest grid point"),
    Quote("grid_y", "second parameter (b, w2 or y) of the lowest grid point"),
    Quote("grid_loss", "the loss at the lowest grid point"),
    Quote("resolution", "grid points per side", True),
    Quote("minima_count", "known minimisers (exact for linear regression, from the literature for test functions)",
          True),
    Quote("best_x", "first parameter of the true minimiser"),
    Quote("best_y", "second parameter of the true minimiser"),
    Quote("best_loss", "the loss (data loss + penalty) at the true minimiser"),
    Quote("data_best_x", "slope w of the data loss's own minimiser (without the penalty)"),
    Quote("data_best_y", "intercept b of the data loss's own minimiser"),
    Quote("penalty_at_best", "the penalty's value at the true minimiser"),
    Quote("kept_x", "w of the minimiser as a share of the data loss's own w (1: the penalty changes nothing)"),
), _surface, _surface_shown)


# ---- outliers ---------------------------------------------------------------------------------------------

REGRESSION = tuple(losses.names("regression"))


def _outliers(step, inputs: dict, memo: Memo) -> dict:
    p = step.points
    out: dict[str, float | int] = {
        "outlier_residual": abs(step.residual), "outlier_sigmas": abs(step.residual) / p.noise,
        "slope_se": p.se, "leverage": p.leverage, "count": int(p.outlier.sum()), "points": len(p.x),
        "noise": p.noise, "size": num(p.size)}
    share = step.shares[:, p.outlier].sum(-1)
    for key in REGRESSION:
        i = step.keys.index(key)
        clean, dirty = step.fits.clean[i], step.fits.contaminated[i]
        out |= {f"{key}_slope": dirty[0], f"{key}_intercept": dirty[1], f"{key}_slope_clean": clean[0],
                f"{key}_intercept_clean": clean[1], f"{key}_slope_shift": dirty[0] - clean[0],
                f"{key}_intercept_shift": dirty[1] - clean[1], f"{key}_share": share[i], f"{key}_pull": step.pull[i]}
    return out


def _outlier_quotes() -> tuple[Quote, ...]:
    per_loss = []
    for key in REGRESSION:
        t = losses.spec(key).title
        per_loss += [Quote(f"{key}_slope", f"{t}'s fitted slope with the outliers"),
                     Quote(f"{key}_intercept", f"{t}'s fitted intercept with the outliers"),
                     Quote(f"{key}_slope_clean", f"{t}'s slope fitted without the outliers"),
                     Quote(f"{key}_intercept_clean", f"{t}'s intercept fitted without the outliers"),
                     Quote(f"{key}_slope_shift", f"how far the outliers moved {t}'s slope (signed)"),
                     Quote(f"{key}_intercept_shift", f"how far the outliers moved {t}'s intercept (signed)"),
                     Quote(f"{key}_share", f"the outliers' share of {t}'s total loss at its own line (0 to 1)"),
                     Quote(f"{key}_pull", f"psi at the outliers' distance / psi at 1 noise sigma, for {t}")]
    return (Quote("outlier_residual", "the outliers' typical distance from the clean MSE line"),
            Quote("outlier_sigmas", "that distance in noise standard deviations"),
            Quote("slope_se", "standard error of the clean least-squares slope"),
            Quote("leverage", "the outliers' mean leverage in units of an average point's"),
            Quote("count", "number of outliers", True), Quote("points", "number of points", True),
            Quote("noise", "noise standard deviation"), Quote("size", "the outliers' size, in noise sigma"),
            *per_loss)


OUTLIERS = Group("outliers", "outliers", _outlier_quotes(), _outliers)
