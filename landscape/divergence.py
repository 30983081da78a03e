"""Distribution and overlap losses as surfaces: fitting a Normal to two modes, and a segment to a mask.

**Fitting q = Normal(mu, sigma) to a two-mode p** (``share`` of the mass in the left mode)::

    p(x) = share N(x; -d/2, s^2) + (1 - share) N(x; d/2, s^2)
    forward KL(p || q) = int p log(p / q) dx      mass-covering: q stretches over both modes
    reverse KL(q || p) = int q log(q / p) dx      mode-seeking: q settles on one mode (a minimum per mode)
    JS(p, q) = 1/2 KL(p || m) + 1/2 KL(q || m),   m = (p + q) / 2, symmetric and at most log 2

The integrals use the trapezoid rule on X_POINTS points over [-X_LIMIT, X_LIMIT], with log densities
in closed form, so a density that underflows never turns into log 0.  They agree with adaptive
quadrature to about 1e-8 relative, 1e-5 at worst where p's modes are narrow and far apart (log p then
bends sharply between them).  The forward-KL minimiser is the
moment match ``mu = E_p[x]``, ``sigma^2 = Var_p[x]``.  Minima are found on the grid (every interior
grid point below its eight neighbours) and polished with L-BFGS on the same integral.

**A predicted segment against a ground-truth mask** on PIXELS cells of [0, 1].  The prediction at
``(position c, width w)`` has logits ``(w/2 - |x - c|) / softness``: positive inside the segment,
falling linearly with the distance outside it.  Soft Dice and IoU (registry, on ``sigmoid(logits)``)
only see the overlap ``sum p g``, which is next to zero when the segments are apart: a flat plateau
with no slope toward the truth.  BCE (registry, per cell, mean) grows with the distance and keeps a slope.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from landscape import grid, losses
from landscape.minimum import lbfgs
from landscape.types import DTYPE, InputError, Objective, Param, Surface
from landscape.words import and_list

SEPARATION = Param("separation", 4.0, 0.0, 8.0, "distance d between the two modes of p")
SHARE = Param("share", 0.6, 0.05, 0.95, "share of p's mass in the left mode")
WIDTH = Param("width", 0.6, 0.3, 2.0, "standard deviation s of each mode of p")
MU_RANGE = (-6.0, 6.0)
LOG_SIGMA_RANGE = (math.log(0.2), math.log(5.0))
X_LIMIT, X_POINTS = 48.0, 1201  # covers q out to 8 sigma from any mu; spacing 0.08 resolves sigma >= 0.2
RESOLUTION = 81
LOG_2PI = math.log(2.0 * math.pi)


# ---- densities and divergences ----------------------------------------------------------------------

def log_normal(x: torch.Tensor, mu, sigma) -> torch.Tensor:
    """``log N(x; mu, sigma^2)``, broadcasting."""
    return -0.5 * ((x - mu) / sigma) ** 2 - torch.log(torch.as_tensor(sigma, dtype=DTYPE)) - 0.5 * LOG_2PI


@dataclass(frozen=True)
class Bimodal:
    """``p = share N(-d/2, s^2) + (1 - share) N(d/2, s^2)``; share may be 0 or 1 (one Normal) in code."""

    separation: float = SEPARATION.default
    share: float = SHARE.default
    width: float = WIDTH.default

    def log_pdf(self, x: torch.Tensor) -> torch.Tensor:
        d, s = self.separation / 2.0, self.width
        with np.errstate(divide="ignore"):
            left, right = np.log(self.share), np.log1p(-self.share)  # -inf for an empty mode
        return torch.logaddexp(left + log_normal(x, -d, s), right + log_normal(x, d, s))

    @property
    def mean(self) -> float:
        return (1.0 - 2.0 * self.share) * self.separation / 2.0

    @property
    def std(self) -> float:
        return math.sqrt(self.width**2 + self.share * (1.0 - self.share) * self.separation**2)


def bimodal(separation: float, share: float, width: float) -> Bimodal:
    return Bimodal(SEPARATION.check(separation, "p"), SHARE.check(share, "p"), WIDTH.check(width, "p"))


def _forward(log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    return torch.exp(log_p) * (log_p - log_q)


def _reverse(log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    return torch.exp(log_q) * (log_q - log_p)


def _jensen_shannon(log_p: torch.Tensor, log_q: torch.Tensor) -> torch.Tensor:
    log_m = torch.logaddexp(log_p, log_q) - math.log(2.0)
    return 0.5 * (torch.exp(log_p) * (log_p - log_m) + torch.exp(log_q) * (log_q - log_m))


@dataclass(frozen=True)
class Divergence:
    label: str
    integrand: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (log p, log q) -> pointwise term
    formula: str  # LaTeX
    behaviour: str


DIVERGENCES: dict[str, Divergence] = {
    "forward": Divergence("forward KL(p‖q)", _forward, r"\mathrm{KL}(p\,\|\,q)=\int p\log\frac{p}{q}\,dx",
                          "mass-covering: wherever p has mass, a small q costs a lot, so q spreads over both modes"),
    "reverse": Divergence("reverse KL(q‖p)", _reverse, r"\mathrm{KL}(q\,\|\,p)=\int q\log\frac{q}{p}\,dx",
                          "mode-seeking: q is punished for mass where p has none, so when p's modes are apart q "
                          "hides inside one of them"),
    "js": Divergence("Jensen-Shannon", _jensen_shannon,
                     r"\mathrm{JS}=\tfrac12\mathrm{KL}(p\,\|\,m)+\tfrac12\mathrm{KL}(q\,\|\,m),\ m=\tfrac{p+q}{2}",
                     "symmetric and bounded by log 2: in between, and flat once q and p stop overlapping"),
}


def x_grid() -> tuple[torch.Tensor, torch.Tensor]:
    """The integration points ``(X_POINTS,)`` and their trapezoid weights."""
    x = torch.linspace(-X_LIMIT, X_LIMIT, X_POINTS, dtype=DTYPE)
    weights = torch.full_like(x, 2.0 * X_LIMIT / (X_POINTS - 1))
    weights[[0, -1]] *= 0.5
    return x, weights


def divergence(name: str, p: Bimodal, mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """A divergence between p and ``Normal(mu, sigma)`` for every element of ``mu``, ``sigma`` (same shape);
    differentiable in mu and sigma."""
    if name not in DIVERGENCES:
        raise InputError(f"unknown divergence {name!r}; choose one of {', '.join(DIVERGENCES)}")
    x, weights = x_grid()
    log_p = p.log_pdf(x)  # (X,)
    log_q = log_normal(x, mu[..., None], sigma[..., None])  # (..., X)
    return DIVERGENCES[name].integrand(log_p, log_q) @ weights


def divergence_objective(name: str, p: Bimodal) -> Objective:
    """``(mu, log sigma) -> divergence(p, Normal(mu, sigma))``, batched."""
    def data(theta):
        return divergence(name, p, theta[..., 0], torch.exp(theta[..., 1]))

    return Objective(data, ("mu", "log sigma"), (MU_RANGE, LOG_SIGMA_RANGE), DIVERGENCES[name].label,
                     meta={"kind": "distribution", "n_points": X_POINTS})


def grid_minima(surf: Surface, limit: int = 4) -> list[tuple[int, int]]:
    """Indices ``(i, j)`` of interior grid points below all eight neighbours, lowest first."""
    z = surf.z
    centre = z[1:-1, 1:-1]
    lower = np.ones_like(centre, dtype=bool)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lower &= centre < z[1 + di:z.shape[0] - 1 + di, 1 + dj:z.shape[1] - 1 + dj]
    found = [(i + 1, j + 1) for i, j in zip(*np.nonzero(lower))]
    return sorted(found, key=lambda ij: z[ij])[:limit]


@dataclass(frozen=True)
class Minimum:
    mu: float
    log_sigma: float
    value: float

    @property
    def sigma(self) -> float:
        return math.exp(self.log_sigma)


def polish(obj: Objective, start: tuple[float, float]) -> Minimum:
    """L-BFGS from a grid point to the minimum of the integral itself (the start if it would leave the view)."""
    start_t = torch.tensor(start, dtype=DTYPE)
    theta = lbfgs(obj, start_t, max_iter=200)
    inside = all(lo <= float(t) <= hi for t, (lo, hi) in zip(theta, obj.view))
    with torch.no_grad():
        theta = theta if inside and bool(torch.isfinite(theta).all()) else start_t
        return Minimum(float(theta[0]), float(theta[1]), float(obj(theta)))


def _minima(obj: Objective, surf: Surface) -> tuple[Minimum, ...]:
    """Polished local minima, distinct, lowest first; the grid minimum if no interior point qualifies."""
    starts = [(float(surf.x[j]), float(surf.y[i])) for i, j in grid_minima(surf)] or [surf.minimum[:2]]
    found: list[Minimum] = []
    for start in starts:
        m = polish(obj, start)
        if all(abs(m.mu - f.mu) + abs(m.log_sigma - f.log_sigma) > 1e-3 for f in found):
            found.append(m)
    return tuple(sorted(found, key=lambda m: m.value))


@dataclass(frozen=True)
class FitView:
    """The divergence surfaces over (mu, log sigma), their minima, and densities to draw."""

    p: Bimodal
    surfaces: dict[str, Surface]  # DIVERGENCES name -> surface
    minima: dict[str, tuple[Minimum, ...]]  # lowest first
    x: np.ndarray  # (nx,) for the density plot
    density_p: np.ndarray  # (nx,)
    density_q: dict[str, np.ndarray]  # the best q of each divergence, (nx,)

    def table(self) -> dict[str, list]:
        """Every minimum as columns: divergence, rank, mu, sigma, value."""
        rows = [(DIVERGENCES[name].label, "lowest" if k == 0 else "local", *(round(v, 4) + 0.0 for v in
                                                                              (m.mu, m.sigma, m.value)))
                for name, found in self.minima.items() for k, m in enumerate(found)]
        return dict(zip(("divergence", "minimum", "μ", "σ", "value"), map(list, zip(*rows))))


def fit_view(separation: float, share: float, width: float, resolution: int = RESOLUTION) -> FitView:
    p = bimodal(separation, share, width)
    surfaces, minima, density_q = {}, {}, {}
    x = torch.linspace(-8.0, 8.0, 401, dtype=DTYPE)
    for name in DIVERGENCES:
        obj = divergence_objective(name, p)
        surfaces[name] = grid.evaluate(obj, n=resolution)
        minima[name] = _minima(obj, surfaces[name])
        best = minima[name][0]
        density_q[name] = torch.exp(log_normal(x, best.mu, best.sigma)).numpy()
    return FitView(p, surfaces, minima, x.numpy(), torch.exp(p.log_pdf(x)).numpy(), density_q)


# ---- overlap: a predicted segment against a ground-truth mask ---------------------------------------------

PIXELS = 200
POSITION = Param("position", 0.6, 0.1, 0.9, "centre of the ground-truth segment")
EXTENT = Param("extent", 0.1, 0.02, 0.4, "width of the ground-truth segment")
SOFTNESS = Param("softness", 0.01, 0.002, 0.1, "how gradually the predicted segment's edges fade")
SMOOTH = losses.spec("dice").params[0]
SEGMENT_VIEW = ((0.0, 1.0), (0.01, 0.6))  # (position, width) of the prediction
FLAT = 0.01  # a grid point is flat when its slope is below this share of the surface's steepest slope


def cells() -> torch.Tensor:
    """Centres of the PIXELS cells of [0, 1]."""
    return (torch.arange(PIXELS, dtype=DTYPE) + 0.5) / PIXELS


def truth_mask(position: float, extent: float) -> torch.Tensor:
    """The ground truth ``(PIXELS,)``: 1 on the cells whose centre lies within the segment."""
    return ((cells() - position).abs() <= extent / 2.0).to(DTYPE)


def segment_logits(position: torch.Tensor, width: torch.Tensor, softness: float) -> torch.Tensor:
    """``(w/2 - |x - c|) / softness`` over the cells: ``(...,)`` -> ``(..., PIXELS)``."""
    return (width[..., None] / 2.0 - (cells() - position[..., None]).abs()) / softness


OVERLAP: dict[str, Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]] = {
    "soft Dice": lambda logits, mask, smooth: losses.get("dice", smooth=smooth)(torch.sigmoid(logits), mask),
    "soft IoU": lambda logits, mask, smooth: losses.get("iou", smooth=smooth)(torch.sigmoid(logits), mask),
    "BCE": lambda logits, mask, smooth: losses.get("bce")(logits, mask).mean(-1),
}


def overlap_objective(name: str, mask: torch.Tensor, softness: float, smooth: float) -> Objective:
    """``(position, width) -> loss(prediction, mask)``, batched."""
    loss = OVERLAP[name]

    def data(theta):
        return loss(segment_logits(theta[..., 0], theta[..., 1], softness), mask, smooth)

    return Objective(data, ("position", "width"), SEGMENT_VIEW, name, meta={"kind": "overlap", "n_points": PIXELS})


def flat_mask(surf: Surface) -> np.ndarray:
    """``(ny, nx)``: where the slope is below FLAT times the steepest slope of the surface."""
    gy, gx = np.gradient(surf.z, surf.y, surf.x)
    slope = np.hypot(gx, gy)
    return slope < FLAT * slope.max()


def flat_share(surf: Surface) -> float:
    """Share of the grid where the slope is below FLAT times the steepest slope of the surface."""
    return float(np.mean(flat_mask(surf)))


def coverage(mask: torch.Tensor, softness: float, x, y) -> np.ndarray:
    """``(ny, nx)``: the share of the truth's cells the prediction at each (position x, width y) covers,
    ``sum p g / sum g`` with ``p = sigmoid(logits)``."""
    xs, ys = torch.as_tensor(np.asarray(x), dtype=DTYPE), torch.as_tensor(np.asarray(y), dtype=DTYPE)
    position, width = torch.meshgrid(xs, ys, indexing="xy")  # (ny, nx) each
    with torch.no_grad():
        p = torch.sigmoid(segment_logits(position, width, softness))  # (ny, nx, PIXELS)
        return ((p * mask).sum(-1) / mask.sum()).numpy()


@dataclass(frozen=True)
class OverlapView:
    surfaces: dict[str, Surface]  # OVERLAP name -> surface over (position, width)
    flat: dict[str, float]  # share of the plane that is flat
    truth: tuple[float, float]  # (position, extent)
    cells: np.ndarray  # (PIXELS,)
    mask: np.ndarray  # (PIXELS,)
    positions: np.ndarray  # (n,) slice of every loss along the position at the true width
    slices: dict[str, np.ndarray]  # (n,) each
    covered: np.ndarray  # (ny, nx) share of the truth covered by the prediction (``coverage``)


def overlap_view(position: float, extent: float, softness: float, smooth: float,
                 resolution: int = RESOLUTION) -> OverlapView:
    position, extent = POSITION.check(position, "truth"), EXTENT.check(extent, "truth")
    softness, smooth = SOFTNESS.check(softness, "prediction"), SMOOTH.check(smooth, "Dice and IoU")
    mask = truth_mask(position, extent)
    positions = torch.linspace(*SEGMENT_VIEW[0], 401, dtype=DTYPE)
    surfaces, flat, slices = {}, {}, {}
    for name in OVERLAP:
        obj = overlap_objective(name, mask, softness, smooth)
        surfaces[name] = grid.evaluate(obj, n=resolution)
        flat[name] = flat_share(surfaces[name])
        with torch.no_grad():
            slices[name] = obj(torch.stack([positions, torch.full_like(positions, extent)], -1)).numpy()
    first = surfaces[next(iter(OVERLAP))]
    return OverlapView(surfaces, flat, (position, extent), cells().numpy(), mask.numpy(), positions.numpy(), slices,
                       coverage(mask, softness, first.x, first.y))


# ---- words: sentences built from a view's numbers, each claim's condition checked --------------------------

AGREE = 0.02  # minima within this (in mu and in sigma, relative to p's spread) are "the same q"
SPARSE = 0.1  # q's centre where p's density is below this share of its peak is "where p has almost no mass"
FLAT_CLAIM = 0.1  # Dice and IoU "lose the object" when at least this share of the plane is flat
MISSED = 0.05  # a prediction covering less than this share of the truth "misses" it


def fit_sentences(view: FitView) -> list[str]:
    """The paragraph under the divergence maps, from the minima found."""
    p = view.p
    forward, reverse = view.minima["forward"][0], view.minima["reverse"]
    best = {name: found[0] for name, found in view.minima.items()}
    moments = abs(forward.mu - p.mean) <= AGREE * p.std and abs(forward.sigma - p.std) <= AGREE * p.std
    out = [f"The forward KL's best q, μ = {forward.mu:z.2f} and σ = {forward.sigma:.2f}, "
           + (f"matches p's mean ({p.mean:z.2f}) and spread ({p.std:.2f}): it is the Normal with p's moments."
              if moments else f"is not quite p's mean ({p.mean:z.2f}) and spread ({p.std:.2f}) here.")]
    with torch.no_grad():
        grid = torch.linspace(-X_LIMIT, X_LIMIT, X_POINTS, dtype=DTYPE)
        peak = float(p.log_pdf(grid).max())
        at_centre = float(p.log_pdf(torch.tensor([forward.mu], dtype=DTYPE))[0])
    density = math.exp(at_centre - peak)
    if density < SPARSE:
        out.append(f"That puts q's centre where p's density is only {density:.1%} of its peak: q covers both "
                   "modes by sitting between them.")
    if len(reverse) >= 2:
        valleys = and_list([f"μ = {m.mu:z.2f}" for m in reverse])
        out.append(f"The reverse KL has {len(reverse)} valleys here ({valleys}), and which one gradient "
                   "descent finds depends on where it starts.")
    else:
        out.append(f"The reverse KL has a single valley here, at μ = {reverse[0].mu:z.2f}, "
                   f"σ = {reverse[0].sigma:.2f}.")
    if best["reverse"].sigma < p.std * (1 - AGREE):
        out.append(f"Variational inference minimises the reverse KL, which is why its approximations tend to be too "
                   f"narrow: here its best q has σ = {best['reverse'].sigma:.2f} against p's spread {p.std:.2f}.")
    same = all(abs(m.mu - forward.mu) <= AGREE * p.std and abs(m.sigma - forward.sigma) <= AGREE * p.std
               for m in best.values())
    out.append("Here all three agree on the best q." if same else
               "Move the modes together and all three agree: with one mode, p is a Normal and every divergence "
               "is 0 at q = p.")
    return out


def overlap_sentences(view: OverlapView) -> list[str]:
    """The paragraph under the overlap maps: flat shares, and where Dice and IoU lose the object only when the
    numbers show it (a flat share of at least FLAT_CLAIM whose predictions cover less than MISSED of the truth)."""
    shares = ", ".join(f"**{name}** {share:.0%}" for name, share in view.flat.items())
    out = [f"Flat share of the (position, width) plane, where the slope is under {FLAT:.0%} of the steepest: "
           f"{shares}."]
    lost, kept = [], []
    for name in (name for name in view.surfaces if name != "BCE"):
        where = flat_mask(view.surfaces[name]) & (view.covered < MISSED)  # flat, and the truth missed
        share = float(where.mean())
        if share >= FLAT_CLAIM:
            z = view.surfaces[name].z[where]
            lost.append(f"{name} is flat on {share:.0%} of the plane, between {z.min():.3g} and {z.max():.3g}")
        else:
            kept.append(f"{name} on only {share:.0%}")
    if lost:
        out.append(f"Where the prediction misses the truth (it covers less than {MISSED:.0%} of it), "
                   f"{'; '.join(lost)}. There, whatever the position and width, the slope is under {FLAT:.0%} of the "
                   "steepest, so gradient descent barely moves and cannot find the object.")
    if kept:
        out.append(f"Flat where the prediction misses the truth: {' and '.join(kept)} of the plane.")
    c, extent = view.truth
    outside = np.abs(view.positions - c) > extent / 2
    slope = np.gradient(view.slices["BCE"], view.positions)
    if view.flat["BCE"] < FLAT_CLAIM and bool(np.all(slope[outside] * (view.positions[outside] - c) > 0)):
        out.append("BCE still slopes toward the truth from every position of the slice below.")
    out.append("Dice and IoU shine once there is overlap, and with a small object where BCE is dominated by the "
               "many easy background cells; in practice they are often combined with BCE for exactly this reason.")
    return out
