"""The Outliers page's choices as values: the data and the losses a person picks, and the controls they are
picked with, shared by the page (``landscape.ui.outliers``) and a lesson's link (``lessons.page_links``).

    spec = outlier_choice.scenario_spec()       # OutlierData: source, line, outliers (influence.DEFAULT_SCENARIO)
    chosen = outlier_choice.scenario_losses()   # LossChoice: losses shown, their parameters, a formula
    Choice(spec, None, chosen, "", "add")       # everything the page's controls chose (with the edits, a click)

Both are frozen and hashable (``st.cache_data`` keys on them) and can be made of a mapping (``of``).  The
numbers are LINE_CONTROLS and OUTLIER_CONTROLS (bounds, defaults, labels); the losses offered are
``shown_losses`` (MSE, MAE, Huber and the EXTRA_LOSSES chosen) with ``loss_params`` (the page's starting
values).  The compute that reads them is ``landscape.outliers``.  No streamlit.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterable, Mapping

from landscape import influence, losses
from landscape.problems import Control
from landscape.types import Param

S = influence.DEFAULT_SCENARIO


@dataclass(frozen=True)
class OutlierData:
    """The points as the page's controls describe them; ``n``, ``seed``, ``slope`` and ``noise`` describe the
    line ("csv": the uploaded points instead).  Defaults: ``influence.DEFAULT_SCENARIO``."""

    source: str = "line"  # "line" or "csv"
    count: int = S.count  # outliers pushed up
    size: float = S.size  # their size, in noise standard deviations
    position: str = "high"  # "high" (at the high-x end: leverage) or "random"
    n: int = S.n
    seed: int = S.seed
    slope: float = S.slope
    noise: float = S.noise

    @classmethod
    def of(cls, spec: OutlierData | Mapping) -> OutlierData:
        """The spec itself, or one made of a mapping of its fields (a lesson's link)."""
        return spec if isinstance(spec, cls) else cls(**spec)


@dataclass(frozen=True)
class LossChoice:
    """The losses as the page's controls choose them: the built-in ones ``shown`` (None: every one; MSE,
    MAE and Huber always), their ``params`` (kept as sorted ``(name, value)`` pairs) and a ``formula``."""

    params: tuple[tuple[str, float], ...] = ()
    formula: str = ""
    shown: tuple[str, ...] | None = None

    def __post_init__(self):
        object.__setattr__(self, "params", tuple(sorted(dict(self.params).items())))
        if self.shown is not None:
            object.__setattr__(self, "shown", tuple(self.shown))

    @classmethod
    def of(cls, chosen: LossChoice | Mapping) -> LossChoice:
        """The choice itself, or one made of a mapping ``{"params": {...}, "formula": ..., "shown": [...]}``."""
        return chosen if isinstance(chosen, cls) else cls(**chosen)

    def without_formula(self) -> LossChoice:
        return replace(self, formula="")


@dataclass(frozen=True)
class Choice:
    """Everything the person chose on the page, as plain values (the cache keys of its compute)."""

    spec: OutlierData  # the generated data: source, n, seed, slope, noise, count, size, position
    csv: bytes | None  # the uploaded file, when the source is "csv"
    losses: LossChoice  # the losses shown, their parameters (delta, tau) and the custom formula ("" for none)
    pts: str  # the edits, canonical (str(point_edits.Edits))
    click: str  # what a click on the scatter does


def scenario_spec(scenario: influence.Scenario = S) -> OutlierData:
    """The data of a scenario as the page's controls describe it (the page's spec on a first visit)."""
    return OutlierData("line", scenario.count, scenario.size, "high" if scenario.leverage else "random",
                       scenario.n, scenario.seed, scenario.slope, scenario.noise)


def scenario_losses(scenario: influence.Scenario = S) -> LossChoice:
    """The losses of a scenario as the page's controls describe them (no formula)."""
    return LossChoice({"delta": scenario.delta}, "", tuple(scenario.losses))


LINE_CONTROLS = (Control("n", "Points", 10, 2_000, S.n), Control("seed", "Seed", 0, 10_000, S.seed, box=True),
                 Control("slope", "True slope", -5.0, 5.0, S.slope, 0.1),
                 Control("noise", "Noise σ", 0.1, 10.0, S.noise, 0.1))  # the generated line's (not a CSV's)
OUTLIER_CONTROLS = (Control("count", "How many", 0, 50, S.count),
                    Control("size", "Size, in noise σ", -30.0, 30.0, S.size, 0.5))
NEW_POINTS = ("n", "seed")  # controls that generate other points: edits of points by number lose their meaning
EXTRA_LOSSES = tuple(name for name in losses.names("regression") if name not in S.losses)  # one click away
PAGE_DEFAULTS = {"delta": S.delta}  # loss parameters the page starts elsewhere than the registry


def shown_losses(extra: Iterable[str]) -> tuple[str, ...]:
    """The built-in losses the page fits: the scenario's (MSE, MAE, Huber) and the ``extra`` ones, in the
    registry's order."""
    extra = set(extra)
    return tuple(name for name in losses.names("regression") if name in S.losses or name in extra)


def loss_params(name: str) -> tuple[Param, ...]:
    """A loss's parameters as the page offers them: the registry's, starting at PAGE_DEFAULTS where it has one
    (Huber's delta on the scale of the noise)."""
    return tuple(replace(p, default=PAGE_DEFAULTS.get(p.name, p.default)) for p in losses.spec(name).params)
