"""The numbers a lesson's reveal may quote: per page, named, computed live from the page's own compute.

A reveal is a template (``"MSE's slope moved by {mse_slope_shift:+.2f}"``); its placeholders name
quotes of the step's page.  Each page has groups of quotes, one group per compute result
(``compute.PARTS``), so that a reveal computes only what it quotes::

    quotes.names("outliers")                                  # every quote of the page, with what it is
    quotes.available("optimisers", inputs)                    # the ones this view shows
    quotes.compute("outliers", inputs, {"mse_slope_shift"})   # {"mse_slope_shift": 1.25}

Values are Python ``int`` or ``float``; one that the view leaves undefined (precision when nothing is
called positive, steps to reach a tolerance that is never reached, a second minimum that does not
exist) is ``nan``, and a reveal shows it as "n/a".

The registry (``GROUPS`` and the lookups) is here; the groups live by page in ``regression`` (Loss
surface, Outliers), ``classification`` (Loss functions, Classification, Distributions) and ``training``
(Optimisers, Neural landscape, Overfitting), a quote and a group in ``base``.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

import numpy as np

from landscape.lessons.compute import Memo
from landscape.lessons.quotes.base import NAN, Group, Quote
from landscape.lessons.quotes.classification import (BINARY, CONFIDENCE, FIT, GALLERY, GALLERY_LOSSES, OVERLAP,
                                                     OVERLAP_KEYS, PROBABILITIES, SOFTMAX)
from landscape.lessons.quotes.regression import OUTLIERS, REGRESSION, SURFACE
from landscape.lessons.quotes.training import (CURVATURE, DEGREES, EPOCHS, INTERPOLATION, LR_MAP, PCA, PLANE, RACE,
                                               RUN, SHARPNESS)
from landscape.types import InputError

__all__ = ["BINARY", "CONFIDENCE", "CURVATURE", "DEGREES", "EPOCHS", "FIT", "GALLERY", "GALLERY_LOSSES", "GROUPS",
           "Group", "INTERPOLATION", "LR_MAP", "NAN", "OUTLIERS", "OVERLAP", "OVERLAP_KEYS", "PCA", "PLANE",
           "PROBABILITIES", "Quote", "RACE", "REGRESSION", "RUN", "SHARPNESS", "SOFTMAX", "SURFACE", "available",
           "compute", "finite", "groups", "names"]

# ---- the registry --------------------------------------------------------------------------------------

GROUPS: tuple[Group, ...] = (SURFACE, OUTLIERS, GALLERY, CONFIDENCE, BINARY, SOFTMAX, FIT, OVERLAP, RACE, LR_MAP,
                             RUN, CURVATURE, SHARPNESS, PLANE, PCA, INTERPOLATION, DEGREES, EPOCHS)


def groups(page: str) -> tuple[Group, ...]:
    return tuple(g for g in GROUPS if g.page == page)


def names(page: str) -> dict[str, Quote]:
    """Every quote a reveal on ``page`` may name, with what it is."""
    return {q.name: q for g in groups(page) for q in g.quotes}


def available(page: str, inputs: dict) -> set[str]:
    """The quotes this view of the page shows (``inputs``: ``links.parse(...).inputs``)."""
    return set().union(*(g.available(inputs) for g in groups(page)))


def compute(page: str, inputs: dict, wanted: Iterable[str], memo: Memo | None = None) -> dict[str, float | int]:
    """The quotes ``wanted`` of this view, computed live; only the groups that hold them run."""
    wanted = set(wanted)
    memo = memo or Memo()
    out: dict[str, float | int] = {}
    for g in groups(page):
        mine = {q.name for q in g.quotes} & wanted
        if not mine:
            continue
        missing = mine - g.available(inputs)
        if missing:
            raise InputError(f"this view does not show {', '.join(sorted(missing))}")
        values = g.values(memo.get(g.part, inputs), inputs, memo)
        out |= {k: _plain(v) for k, v in values.items() if k in mine}
    unknown = wanted - set(out)
    if unknown:
        raise InputError(f"no quote {', '.join(sorted(unknown))} on this page")
    return out


def _plain(v: Any) -> float | int:
    """A Python int or float (numpy scalars converted); anything else is a bug of a quote."""
    if isinstance(v, (bool, np.bool_)):
        return int(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    return float(v) + 0.0  # + 0.0: no "-0.00" in a reveal


def finite(values: Mapping[str, float | int]) -> bool:
    return all(math.isfinite(v) for v in values.values())
