"""The Outlier page's glue: its controls, the points a person edits, and the cached compute.

The data is a line with noise (or an uploaded CSV), with ``count`` points pushed ``size`` noise
standard deviations up by ``data.add_outliers``, then the person's edits: points added, moved or
removed by clicking on the scatter or in the table.  The edits live in the URL as one compact
``pts`` parameter (``Edits``), so a copied link reopens the same points::

    pts=2.5:40,7=:31.2:1,-12      add (2.5, 40); point 7 gets y = 31.2 and is an outlier; remove point 12

Everything a person gives is checked here or in ``landscape.fit`` / ``landscape.data``, which raise
InputError with the message the page shows.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Mapping

import numpy as np
import streamlit as st
import torch

from landscape import budget, data, fit, grid, losses, problems
from landscape.figures import Marker
from landscape.figures.outliers import Line
from landscape.losses import Loss
from landscape.types import DTYPE, InputError, Surface
from landscape.ui.compute import CACHE, loss_at, uploaded_points
from landscape.ui.page import run_or_stop, warm_up
from landscape.ui.pickers import param_sliders
from landscape.ui.state import UrlState

SOURCES = {"line": "line with noise", "csv": "upload a CSV"}
POSITIONS = {"high": "at the high-x end (leverage)", "random": "anywhere in x"}
CLICKS = {"add": "adds a point", "move": "moves a point", "remove": "removes a point"}
MAX_EDITS = 1_000  # items of ``pts``
MAX_EDITS_TEXT = 40_000  # characters of ``pts`` in a link
SURFACE_LOSSES = ("mse", "mae", "huber")  # the loss surfaces drawn side by side
SURFACE_RESOLUTION = 101
SWEEP_STEPS = 50  # outlier sizes of the influence curve
PSI_POINTS = 401
DIGITS = 4  # significant digits kept of a clicked position
S = fit.DEFAULT_SCENARIO


# ---- the person's edits: a compact, validated URL value ---------------------------------------------------

def _num(v: float) -> str:
    text = repr(float(v))
    return text[:-2] if text.endswith(".0") else text


def _parse_num(text: str, what: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise InputError(f"{what}: {text!r} is not a number") from None
    if not (math.isfinite(v) and abs(v) <= 1e6):
        raise InputError(f"{what}: {text} is not a finite number within ±1e6")
    return v


def _parse_index(text: str, what: str) -> int:
    """A generated point's number: below the point limit in force (``budget.current().points``)."""
    limit = budget.current().points
    if not text.isdigit() or len(text) > len(str(limit)) or int(text) >= limit:
        raise InputError(f"{what}: {text!r} is not a point number from 0 to {limit - 1:,}")
    return int(text)


def _parse_flag(text: str, what: str) -> bool:
    if text not in ("0", "1"):
        raise InputError(f"{what}: the outlier flag must be 1 or 0, got {text!r}")
    return text == "1"


@dataclass(frozen=True)
class Edits:
    """Points added (x, y, outlier), changes to the generated points (index -> x, y, outlier; None
    keeps the generated value) and generated points removed.  ``str(edits)`` is the URL form."""

    added: tuple[tuple[float, float, bool], ...] = ()
    changed: tuple[tuple[int, float | None, float | None, bool | None], ...] = ()  # sorted by index
    removed: tuple[int, ...] = ()  # sorted

    @classmethod
    def parse(cls, text: str) -> "Edits":
        """Items separated by commas: ``x:y[:flag]`` adds a point (an outlier unless flag is 0),
        ``i=[x]:[y]:[flag]`` changes generated point i (empty fields stay), ``-i`` removes it."""
        if len(text) > MAX_EDITS_TEXT:
            raise InputError(f"{len(text):,} characters; the limit is {MAX_EDITS_TEXT:,}")
        items = [item for item in text.split(",") if item]
        if len(items) > MAX_EDITS:
            raise InputError(f"{len(items):,} edits; the limit is {MAX_EDITS:,}")
        added, changed, removed = [], {}, set()
        for n, item in enumerate(items, 1):
            what = f"edit {n} ({item[:30]!r})"
            if "=" in item:
                index, _, rest = item.partition("=")
                fields = rest.split(":")
                if len(fields) != 3:
                    raise InputError(f"{what}: a change is i=x:y:flag (empty fields stay as generated)")
                x, y, flag = fields
                changed[_parse_index(index, what)] = (_parse_num(x, what) if x else None,
                                                      _parse_num(y, what) if y else None,
                                                      _parse_flag(flag, what) if flag else None)
            elif ":" in item:
                fields = item.split(":")
                if len(fields) not in (2, 3):
                    raise InputError(f"{what}: an added point is x:y or x:y:flag")
                added.append((_parse_num(fields[0], what), _parse_num(fields[1], what),
                              _parse_flag(fields[2], what) if len(fields) == 3 else True))
            elif item.startswith("-"):
                removed.add(_parse_index(item[1:], what))
            else:
                raise InputError(f"{what}: expected x:y (add), i=x:y:flag (change) or -i (remove)")
        return cls(tuple(added), _sorted(changed), tuple(sorted(removed)))

    def __str__(self) -> str:
        def opt(v, fmt):
            return "" if v is None else fmt(v)

        items = [f"{_num(x)}:{_num(y)}" + ("" if flag else ":0") for x, y, flag in self.added]
        items += [f"{i}={opt(x, _num)}:{opt(y, _num)}:{opt(flag, lambda f: '1' if f else '0')}"
                  for i, x, y, flag in self.changed]
        items += [f"-{i}" for i in self.removed]
        return ",".join(items)

    def apply(self, x: np.ndarray, y: np.ndarray, outlier: np.ndarray) -> tuple[np.ndarray, ...]:
        """``(x, y, outlier, origin, ignored)`` after the edits.  ``origin`` is the generated point's
        index, or ``-(k + 1)`` for the k-th added point; ``ignored`` counts edits of points that do not exist."""
        x, y, outlier = x.copy(), y.copy(), outlier.copy()
        n = len(x)
        for i, cx, cy, flag in self.changed:
            if i < n:
                x[i] = x[i] if cx is None else cx
                y[i] = y[i] if cy is None else cy
                outlier[i] = outlier[i] if flag is None else flag
        keep = np.ones(n, dtype=bool)
        keep[[i for i in self.removed if i < n]] = False
        added = np.array(self.added, dtype=np.float64).reshape(-1, 3)
        ignored = sum(i >= n for i, *_ in self.changed) + sum(i >= n for i in self.removed)
        return (np.concatenate([x[keep], added[:, 0]]), np.concatenate([y[keep], added[:, 1]]),
                np.concatenate([outlier[keep], added[:, 2] > 0]),
                np.concatenate([np.flatnonzero(keep), -1 - np.arange(len(added))]), int(ignored))

    # ---- operations on one point, by its origin ---------------------------------------------------

    def add(self, x: float, y: float, outlier: bool = True) -> "Edits":
        return replace(self, added=self.added + ((float(x), float(y), bool(outlier)),))

    def edit(self, origin: int, x: float | None = None, y: float | None = None,
             outlier: bool | None = None) -> "Edits":
        """Set any of x, y, outlier of one point (None: leave it)."""
        if origin < 0:
            k = -1 - origin
            old = self.added[k]
            new = tuple(o if v is None else type(o)(v) for o, v in zip(old, (x, y, outlier)))
            return replace(self, added=self.added[:k] + (new,) + self.added[k + 1:])
        changed = {i: rest for i, *rest in self.changed}
        old = changed.get(origin, (None, None, None))
        changed[origin] = tuple(o if v is None else v for o, v in zip(old, (x, y, outlier)))
        return replace(self, changed=_sorted(changed))

    def remove(self, origins) -> "Edits":
        """Remove points by origin (several at once: indices of added points shift after a removal)."""
        origins = set(origins)
        added = tuple(p for k, p in enumerate(self.added) if -1 - k not in origins)
        changed = {i: rest for i, *rest in self.changed if i not in origins}
        removed = tuple(sorted(set(self.removed) | {o for o in origins if o >= 0}))
        return Edits(added, _sorted(changed), removed)


def _sorted(changed: Mapping[int, tuple]) -> tuple:
    return tuple((i, *changed[i]) for i in sorted(changed))


# ---- controls ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Choice:
    """What the person chose, as plain values (cache keys)."""

    spec_json: str  # the generated data: source, n, seed, slope, noise, count, size, position
    csv: bytes | None
    losses_json: str  # loss parameters (delta, tau) and the custom formula ("" for none)
    pts: str  # the edits, canonical (str(Edits))
    click: str  # what a click on the scatter does


def _edits_key(url: UrlState) -> str:
    return url.key("pts")


def _pick_key(url: UrlState) -> str:
    return url.key("pick")


def edits(url: UrlState) -> Edits:
    return Edits.parse(st.session_state.get(_edits_key(url), ""))


def _store(url: UrlState, new: Edits) -> None:
    st.session_state[_edits_key(url)] = str(new)


def _keep_added(url: UrlState) -> None:
    """The generated points changed: edits of them by number no longer mean the same points."""
    _store(url, Edits(added=edits(url).added))
    st.session_state[_pick_key(url)] = None


def reset_edits(url: UrlState) -> None:
    _store(url, Edits())
    st.session_state[_pick_key(url)] = None


def data_picker(url: UrlState, container=st.sidebar) -> tuple[str, bytes | None]:
    """The data and its outliers; returns ``(spec_json, csv_bytes)``.  Defaults: ``fit.DEFAULT_SCENARIO``."""
    changed = partial(_keep_added, url)
    source = url.radio("Data", "data", list(SOURCES), container=container, format_func=SOURCES.get,
                       horizontal=True, on_change=changed)
    spec: dict[str, object] = {"source": source}
    csv = None
    if source == "csv":
        upload = container.file_uploader("CSV with columns x, y", type=["csv", "txt"], key=url.key("csv"),
                                         on_change=changed)
        csv = None if upload is None else upload.getvalue()
    else:
        spec |= {"n": url.slider("Points", "n", 10, 2_000, S.n, container=container, on_change=changed),
                 "seed": url.number("Seed", "seed", 0, 10_000, S.seed, container=container, on_change=changed),
                 "slope": url.slider("True slope", "slope", -5.0, 5.0, S.slope, 0.1, container=container),
                 "noise": url.slider("Noise σ", "noise", 0.1, 10.0, S.noise, 0.1, container=container)}
    container.markdown("**Outliers**")
    spec |= {"count": url.slider("How many", "count", 0, 50, S.count, container=container),
             "size": url.slider("Size, in noise σ", "size", -30.0, 30.0, S.size, 0.5, container=container),
             "position": url.radio("Where", "pos", list(POSITIONS), container=container,
                                   format_func=POSITIONS.get)}
    return json.dumps(spec, sort_keys=True), csv


def losses_picker(url: UrlState, container=st.sidebar) -> str:
    """Parameters of the built-in regression losses, from the registry, and an optional formula."""
    params = {}
    for name in losses.names("regression"):
        params |= param_sliders(url, losses.spec(name).params, container)
    formula = url.text("Your own loss in r (optional)", "formula", "", container=container,
                       placeholder="e.g. abs(r)**1.5", help="Fitted and drawn next to the built-in losses; "
                       "e.g. abs(r)**1.5, log(1 + r**2), where(abs(r) < 2, r**2, 4)")
    return json.dumps({"params": params, "formula": formula.strip()}, sort_keys=True)


def choose(url: UrlState, container=st.sidebar) -> Choice:
    """Every control of the page, in the sidebar; the edits come from the URL on a first visit."""
    url.value("pts", "", lambda raw: str(Edits.parse(raw)))
    st.session_state.setdefault(_pick_key(url), None)
    spec_json, csv = data_picker(url, container)
    container.markdown("**Losses**")
    losses_json = losses_picker(url, container)
    container.markdown("**Your points**")
    click = url.radio("A click on the scatter", "click", list(CLICKS), container=container,
                      format_func=CLICKS.get, horizontal=True, on_change=partial(_unpick, url))
    current = edits(url)
    n = len(current.added) + len(current.changed) + len(current.removed)
    container.button(f"Undo all my edits ({n})", on_click=reset_edits, args=(url,), disabled=not n,
                     key=url.key("reset"))
    if json.loads(spec_json)["source"] == "csv" and csv is None:  # after every control: see _wait_for_upload
        _wait_for_upload()
    return Choice(spec_json, csv, losses_json, st.session_state[_edits_key(url)], click)


def _wait_for_upload() -> None:
    """Stop until a CSV is chosen.  Only after every control exists: a slider first drawn in a later
    run than the one that stopped was seen drawn at its minimum (its value was right) after an upload."""
    st.info("Choose a CSV file in the sidebar: two numeric columns, x and y (a header row is optional).")
    st.stop()


def _unpick(url: UrlState) -> None:
    st.session_state[_pick_key(url)] = None


def picked(url: UrlState) -> int | None:
    """The origin of the point picked to be moved, if any."""
    return st.session_state.get(_pick_key(url))


def picked_row(url: UrlState, p: "Points") -> int | None:
    """The row of the point picked to be moved, if it is still there."""
    rows = np.flatnonzero(p.origin == picked(url)) if picked(url) is not None else ()
    return int(rows[0]) if len(rows) else None


# ---- clicks on the scatter and edits in the table ----------------------------------------------------

def _round(v: float) -> float:
    return float(f"{float(v):.{DIGITS}g}")


def after_click(current: Edits, origin: tuple[int, ...], mode: str, point: Mapping, pick: int | None):
    """``(edits, picked)`` after a click on the scatter at ``point`` (Plotly's selected point).

    Data points carry their row as ``customdata``; the invisible click grid carries none.  add: a
    point (an outlier) where the click was; remove: the clicked point; move: a click on a point
    picks it, the next click elsewhere puts it there (as an outlier).
    """
    row = point.get("customdata")
    row = int(row[0] if isinstance(row, (list, tuple)) else row) if row is not None else None
    x, y = _round(point["x"]), _round(point["y"])
    if mode == "add":
        return current.add(x, y), None
    if mode == "remove" and row is not None:
        return current.remove([origin[row]]), None
    if mode == "move" and row is not None:
        return current, origin[row]
    if mode == "move" and pick is not None:
        return current.edit(pick, x, y, True), None
    return current, pick


def after_table(current: Edits, origin: tuple[int, ...], delta: Mapping) -> Edits:
    """The edits after a change in the table (Streamlit's edited, added and deleted rows).
    Rows added without both x and y wait until they have them.  Checked like a link."""
    for row, values in delta.get("edited_rows", {}).items():
        current = current.edit(origin[int(row)], **{k: values.get(k) for k in ("x", "y", "outlier")})
    for values in delta.get("added_rows", []):
        if values.get("x") is not None and values.get("y") is not None:
            current = current.add(values["x"], values["y"], values.get("outlier") is not False)
    current = current.remove([origin[int(row)] for row in delta.get("deleted_rows", [])])
    return Edits.parse(str(current))


def _click(url: UrlState, chart_key: str, mode: str, origin: tuple[int, ...]) -> None:
    points = st.session_state[chart_key]["selection"]["points"]
    if points:
        new, pick = after_click(edits(url), origin, mode, points[0], picked(url))
        _store(url, new)
        st.session_state[_pick_key(url)] = pick


def on_click(url: UrlState, chart_key: str, mode: str, origin: np.ndarray):
    """The scatter's ``on_select`` callback (see ``after_click``)."""
    return partial(_click, url, chart_key, mode, tuple(int(o) for o in origin))


def _table_edit(url: UrlState, table_key: str, origin: tuple[int, ...]) -> None:
    try:
        _store(url, after_table(edits(url), origin, st.session_state[table_key]))
    except InputError as err:
        st.session_state[url.key("table_problem")] = str(err)
    st.session_state[url.key("table_version")] = st.session_state.get(url.key("table_version"), 0) + 1


def on_table_change(url: UrlState, key: str, origin: np.ndarray):
    """The table's ``on_change`` callback (see ``after_table``)."""
    return partial(_table_edit, url, key, tuple(int(o) for o in origin))


def table_key(url: UrlState) -> str:
    """A new key after every applied edit, so the editor starts again from the edited points."""
    return url.key(f"table_{st.session_state.get(url.key('table_version'), 0)}")


def table_problem(url: UrlState) -> str | None:
    """Why the last table edit was refused (once)."""
    return st.session_state.pop(url.key("table_problem"), None)


def points_table(url: UrlState, p: "Points", container=st) -> None:
    """The points as an editable table: change x, y or the outlier flag, add rows, delete rows."""
    key = table_key(url)
    container.data_editor(
        p.table(), key=key, num_rows="dynamic", hide_index=False, height=320,
        on_change=on_table_change(url, key, p.origin),
        column_config={"x": st.column_config.NumberColumn("x", required=True, format="%.4g"),
                       "y": st.column_config.NumberColumn("y", required=True, format="%.4g"),
                       "outlier": st.column_config.CheckboxColumn("outlier", default=True,
                                                                  help="left out of the clean fit")})


# ---- compute ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Points:
    """The points on the page: generated (or uploaded), outliers added, then the person's edits."""

    x: np.ndarray  # (N,)
    y: np.ndarray  # (N,)
    outlier: np.ndarray  # (N,) bool
    origin: np.ndarray  # (N,) generated point's index, or -(k + 1) for the k-th added point
    noise: float  # the noise standard deviation that outlier sizes are measured in
    noise_source: str  # "set" or "estimated"
    size: float | None  # the generated outliers' size in noise standard deviations; None without them
    ignored: int  # edits of points that do not exist (fewer points than when they were made)

    def table(self) -> dict[str, np.ndarray]:
        return {"x": self.x, "y": self.y, "outlier": self.outlier}


def _generated(spec: dict, csv: bytes | None) -> tuple[np.ndarray, np.ndarray, float, str]:
    """The clean data and its noise scale: a line with noise, or a CSV (noise estimated robustly)."""
    if spec["source"] == "csv":
        if csv is None:
            raise InputError("choose a CSV file of two numeric columns, x and y")
        x, y = uploaded_points(csv)  # parsed once per upload
        return x, y, fit.noise_scale(x, y), "estimated"
    limit = budget.current().points
    if not 2 <= int(spec["n"]) <= limit:
        raise InputError(f"number of points must be between 2 and {limit:,}, got {spec['n']}")
    x, y = data.line(n=int(spec["n"]), slope=float(spec["slope"]), intercept=S.intercept,
                     noise=float(spec["noise"]), seed=int(spec["seed"]))
    return x, y, float(spec["noise"]), "set"


@st.cache_data(**CACHE)
def points(spec_json: str, csv: bytes | None, pts: str) -> Points:
    """The generated (or uploaded) points, ``count`` of them pushed up by ``data.add_outliers``, then
    the edits ``pts``.  A line's intercept is the documented scenario's."""
    spec = json.loads(spec_json)
    x, y, noise, source = _generated(spec, csv)
    x, y, flags = data.add_outliers(x, y, int(spec["count"]), float(spec["size"]), noise=noise,
                                    leverage=spec["position"] == "high", seed=int(spec.get("seed", S.seed)))
    x, y, flags, origin, ignored = Edits.parse(pts).apply(x, y, flags)
    x, y = data.check_xy(x, y)  # within the point limit in force, as an upload
    size = float(spec["size"]) if int(spec["count"]) else None
    return Points(x, y, flags, origin, noise, source, size, ignored)


FORMULA_LABEL = 24  # characters of a formula shown as its loss's name


@dataclass(frozen=True)
class LossSet:
    keys: tuple[str, ...]  # registry names, "custom" for the formula: what colours the curves
    items: tuple[Loss, ...]
    labels: tuple[str, ...]  # legend names: the loss with its parameters, or the formula


def loss_set(losses_json: str) -> LossSet:
    """Every built-in regression loss with the chosen parameters, then the formula if there is one."""
    chosen = json.loads(losses_json)
    items = [losses.bind(spec, {p.name: chosen["params"][p.name] for p in spec.params if p.name in chosen["params"]})
             for spec in map(losses.spec, losses.names("regression"))]
    keys, labels = list(losses.names("regression")), [item.describe() for item in items]
    if chosen["formula"]:
        items.append(losses.custom(chosen["formula"]))
        keys.append("custom")
        text = chosen["formula"]
        labels.append(text if len(text) <= FORMULA_LABEL else text[:FORMULA_LABEL - 1] + "…")
    return LossSet(tuple(keys), tuple(items), tuple(labels))


@st.cache_data(**CACHE)
def check_losses(losses_json: str) -> str | None:
    """None, or why the formula was refused."""
    try:
        loss_set(losses_json)
    except InputError as err:
        return str(err)
    return None


def without_formula(losses_json: str) -> str:
    return json.dumps(json.loads(losses_json) | {"formula": ""}, sort_keys=True)


@dataclass(frozen=True)
class OutlierView:
    """What the Outlier page draws, as plain arrays (picklable, so it can be cached)."""

    points: Points
    keys: tuple[str, ...]  # (L,)
    labels: tuple[str, ...]  # (L,)
    clean: np.ndarray  # (L, 2): each loss's fit without the outliers
    contaminated: np.ndarray  # (L, 2): with them
    shares: np.ndarray  # (L, N): each point's share of each loss at that loss's line
    sweep_sizes: np.ndarray  # (S,)
    sweep_slopes: np.ndarray  # (L, S)
    r: np.ndarray  # (R,) residuals
    psi: np.ndarray  # (L, R)
    surfaces: dict[str, Surface]  # MSE, MAE, Huber on one (w, b) grid
    markers: dict[str, tuple[Marker, ...]]  # clean and contaminated minimiser of each surface
    size: float  # where the outliers are now on the sweep's axis (noise σ)
    psi_limit: float  # the psi plot's y range: enough for the bounded losses
    outlier_residual: float  # the outliers' typical distance from the clean MSE line
    pull: np.ndarray  # (L,): psi at that distance / psi at 1 noise σ
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def shift(self) -> np.ndarray:
        return self.contaminated - self.clean

    @property
    def outlier_share(self) -> np.ndarray:
        """(L,): the share of each loss carried by the outliers."""
        return self.shares[:, self.points.outlier].sum(-1)


class NoFit(InputError):
    """A loss (a person's formula) that has no best line on the points."""


NO_FIT = ("has no best line on these points: it decreases without bound, or the line found is not a "
          "minimum; a loss should grow as the residual grows in size, e.g. abs(r)**1.5")
PROBE_STEP = 1e-3  # relative step of the check that a fitted line is a local minimum


def _check_fitted(lines: np.ndarray, labels: tuple[str, ...]) -> None:
    """Every fitted (w, b) is finite and not absurdly large."""
    bad = [label for label, row in zip(labels, lines.reshape(len(labels), -1)) if not np.isfinite(row).all()
           or np.abs(row).max() > 1e9]
    if bad:
        raise NoFit(f"{', '.join(bad)} {NO_FIT}")


def _check_minimum(x: np.ndarray, y: np.ndarray, chosen: LossSet, thetas: np.ndarray) -> None:
    """No small step in w or b lowers a loss below its fitted line (a concave formula's Newton
    step can stop on a maximum)."""
    steps = PROBE_STEP * np.array([[1, 0], [-1, 0], [0, 1], [0, -1]], dtype=np.float64)
    for item, label, theta in zip(chosen.items, chosen.labels, thetas):
        obj = problems.linear_regression(x, y, item)
        trial = torch.as_tensor(np.vstack([theta, theta + steps * (1.0 + np.abs(theta))]), dtype=DTYPE)
        with torch.no_grad():
            values = obj(trial)
        if bool((values[1:] < values[0] - 1e-9 * (1.0 + values[0].abs())).any()):
            raise NoFit(f"{label} {NO_FIT}")


def _sweep_sizes(size: float) -> np.ndarray:
    """From 0 (or the current size, if below) to 20 noise σ (or the current size, if above)."""
    return np.linspace(min(0.0, size), max(fit.SWEEP_SIZES[-1], size), SWEEP_STEPS)


def _window(values: np.ndarray, least: float) -> tuple[float, float]:
    """A range around ``values`` with room: the spread again on each side, at least ``least``."""
    low, high = float(values.min()), float(values.max())
    half = max(high - low, least)
    return low - half, high + half


def _surfaces(x, y, items: tuple[Loss, ...], clean: np.ndarray, dirty: np.ndarray):
    """The surfaces of SURFACE_LOSSES on one (w, b) grid around their clean and contaminated minimisers."""
    both = np.concatenate([clean, dirty])
    w_range = _window(both[:, 0], 0.5 + 0.1 * np.abs(both[:, 0]).max())
    b_range = _window(both[:, 1], 0.5 + 0.1 * np.abs(both[:, 1]).max())
    surfaces, markers = {}, {}
    for item, c, d in zip(items, clean, dirty):
        obj = problems.linear_regression(x, y, item)
        surf = grid.evaluate(obj, w_range, b_range, SURFACE_RESOLUTION)
        z = [loss_at(obj, p) for p in (c, d)]
        label = item.describe()
        surfaces[label] = surf
        markers[label] = (Marker(*c, z[0], "minimum without the outliers", "circle-open", "#ffb000"),
                          Marker(*d, z[1], "minimum with them", "x", "#ff2d20"))
    return surfaces, markers


def _outlier_residual(p: Points, line: np.ndarray) -> float:
    """The outliers' median signed residual from ``line`` (w, b); 0 without outliers."""
    if not p.outlier.any():
        return 0.0
    return float(np.median(p.y[p.outlier] - line[0] * p.x[p.outlier] - line[1]))


def _pull(items: tuple[Loss, ...], residual: float, noise: float) -> np.ndarray:
    """``|psi(residual)| / |psi(noise)|`` per loss: an outlier's pull in ordinary points (0 if psi(noise) is 0)."""
    at = np.abs(fit.psi([residual, noise], items))
    return np.where(at[:, 1] > 0, at[:, 0] / np.where(at[:, 1] > 0, at[:, 1], 1.0), 0.0)


def _largest_delta(items: tuple[Loss, ...]) -> float:
    """The largest Huber-like ``delta`` among the losses (1 if none has one)."""
    return max((v for item in items for k, v in item.params.items() if k == "delta"), default=1.0)


def _psi_limit(items: tuple[Loss, ...]) -> float:
    return max(2.5, 1.4 * _largest_delta(items))


def _psi_range(noise: float, items: tuple[Loss, ...]) -> np.ndarray:
    """Residuals of the bulk of the data: 3 noise σ (and at least 3 delta), so that Huber's clipping
    shows; outliers further out are named on the figure, and quoted in the explanation."""
    reach = max(3.0 * noise, 3.0 * _largest_delta(items))
    return np.linspace(-reach, reach, PSI_POINTS)


@st.cache_data(**CACHE)
def outlier_view(spec_json: str, csv: bytes | None, pts: str, losses_json: str) -> OutlierView:
    """Every loss fitted with and without the outliers, the three surfaces, shares, sweep and psi."""
    warm_up().join()
    start = time.perf_counter()
    p = points(spec_json, csv, pts)
    chosen = loss_set(losses_json)
    clock = {}

    def timed(name, fn, *args, **kwargs):
        t = time.perf_counter()
        result = fn(*args, **kwargs)
        clock[name] = time.perf_counter() - t
        return result

    fits = timed("fits", fit.outlier_fits, p.x, p.y, p.outlier, chosen.items)
    _check_fitted(np.concatenate([fits.clean, fits.contaminated], 1), chosen.labels)
    _check_minimum(p.x, p.y, chosen, fits.contaminated)
    residual = _outlier_residual(p, fits.clean[chosen.keys.index("mse")])
    size = p.size if p.size is not None else round(residual / p.noise, 1)
    sweep = timed("sweep", fit.outlier_sweep, p.x, p.y, p.outlier, _sweep_sizes(size), size, p.noise,
                  chosen.items)
    _check_fitted(sweep.slopes, chosen.labels)
    shares = timed("shares", fit.loss_shares, p.x, p.y, fits.contaminated, chosen.items)
    r = _psi_range(p.noise, chosen.items)
    psi = timed("psi", fit.psi, r, chosen.items)
    on_surface = [chosen.keys.index(name) for name in SURFACE_LOSSES]
    surfaces, markers = timed("surfaces", _surfaces, p.x, p.y, tuple(chosen.items[i] for i in on_surface),
                              fits.clean[on_surface], fits.contaminated[on_surface])
    return OutlierView(p, chosen.keys, chosen.labels, fits.clean, fits.contaminated, shares, sweep.sizes,
                       sweep.slopes, r, psi, surfaces, markers, size, _psi_limit(chosen.items), abs(residual),
                       _pull(chosen.items, abs(residual), p.noise), time.perf_counter() - start, clock)


def lines(view: OutlierView) -> tuple[list[Line], Line]:
    """Every loss's fitted line, and the clean MSE fit (the ghost)."""
    fitted = [Line(key, label, *theta) for key, label, theta in zip(view.keys, view.labels, view.contaminated)]
    return fitted, Line("ghost", "fit without the outliers", *view.clean[view.keys.index("mse")])


# ---- words --------------------------------------------------------------------------------------------

def summary(view: OutlierView) -> dict[str, list]:
    """The numbers behind the explanation, one row per loss, for a table."""
    return {"loss": list(view.labels),
            "slope": [f"{v:.2f}" for v in view.contaminated[:, 0]],
            "shift": [f"{v:+.2f}" for v in view.shift[:, 0]],
            "outliers' share": [f"{100 * v:.0f} %" for v in view.outlier_share],
            "pull": [f"{v:.3g}×" for v in view.pull]}


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def explain(view: OutlierView) -> str:
    """One paragraph that quotes the numbers on the page."""
    k = int(view.points.outlier.sum())
    if k == 0:
        return ("No point is marked as an outlier, so there is no clean fit to compare with. Add outliers in the "
                "sidebar, click on the scatter, or tick points in the table to see which losses follow them.")
    at = {key: i for i, key in enumerate(view.keys)}
    mse, huber, mae = at["mse"], at["huber"], at["mae"]
    others = _and([f"{view.labels[i]}'s by {view.shift[i, 0]:+.2f}" for key, i in at.items() if key != "mse"])
    but = "but" if np.abs(view.shift[:, 0]).argmax() == mse else "and"
    sigma = view.points.noise
    return (
        f"The {k} outlier{'s' if k > 1 else ''} moved the MSE slope by **{view.shift[mse, 0]:+.2f}** "
        f"(from {view.clean[mse, 0]:.2f} to {view.contaminated[mse, 0]:.2f}), {but} {others}. "
        f"At MSE's line the outliers carry **{100 * view.outlier_share[mse]:.0f} %** of the total loss, at "
        f"{view.labels[huber]}'s {100 * view.outlier_share[huber]:.0f} % and at MAE's "
        f"{100 * view.outlier_share[mae]:.0f} %. Why: each point pulls on the line with the force ψ(r), the slope "
        f"of the loss at its residual r (bottom right). The outliers sit about {view.outlier_residual:.3g} "
        f"({view.outlier_residual / sigma:.1f} σ) from the clean line, where MSE's ψ = 2r is "
        f"**{view.pull[mse]:.3g} times** as large as for an ordinary point 1 σ away (the pull column). Huber's ψ "
        f"stops at δ and MAE's is ±1 whatever r: under them an outlier pulls only {view.pull[huber]:.3g}× and "
        f"{view.pull[mae]:.3g}× as hard as an ordinary point. Under MSE, the further an outlier goes, the "
        f"harder it pulls, and the slope keeps moving (the influence curve, bottom left); under Huber and MAE "
        f"it levels off."
    )


def caption(view: OutlierView, click: str) -> str:
    """What was computed, how fast, and what a click does."""
    p = view.points
    noise = f"noise σ = {p.noise:.3g}" + (" (estimated from the data)" if p.noise_source == "estimated" else "")
    how = {"add": "click anywhere to add a point (an outlier)", "remove": "click a point to remove it",
           "move": "click a point, then click where it should go"}[click]
    return (f"{len(p.x)} points, {int(p.outlier.sum())} outliers · {noise} · {len(view.keys)} losses fitted with and "
            f"without the outliers, {len(view.surfaces)} surfaces {SURFACE_RESOLUTION}×{SURFACE_RESOLUTION} and "
            f"{len(view.sweep_sizes)} outlier sizes: computed in {view.seconds * 1000:.0f} ms · {how}")


def compute(choice: Choice) -> "OutlierView":
    """The page's one compute call.  A formula that is refused, or has no best line on these points,
    is left out with a message; any other bad input stops the page with its message."""
    losses_json = choice.losses_json
    problem = check_losses(losses_json)
    if problem is None and json.loads(losses_json)["formula"]:
        try:
            return outlier_view(choice.spec_json, choice.csv, choice.pts, losses_json)
        except NoFit as err:
            problem = str(err)
    if problem:
        st.error(f"Your loss is left out: {problem}", icon="⚠️")
    return run_or_stop(outlier_view, choice.spec_json, choice.csv, choice.pts, without_formula(losses_json))
