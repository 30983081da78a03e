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

from landscape import budget, data, grid, influence, losses, problems
from landscape.figures.outliers import Line
from landscape.losses import Loss
from landscape.types import InputError, Marker, Surface
from landscape.surface import loss_at
from landscape.ui.compute import CACHE, uploaded_points
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
S = influence.DEFAULT_SCENARIO


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
    """The data and its outliers; returns ``(spec_json, csv_bytes)``.  Defaults: ``influence.DEFAULT_SCENARIO``."""
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


EXTRA = tuple(name for name in losses.names("regression") if name not in S.losses)  # one click away
PAGE_DEFAULTS = {"delta": S.delta}  # loss parameters this page starts elsewhere than the registry


def losses_picker(url: UrlState, container=st.sidebar) -> str:
    """The losses fitted (MSE, MAE and Huber always; the other built-in ones on request), their parameters
    (from the registry; Huber's delta starts on the scale of the noise) and an optional formula."""
    extra = url.multiselect("Also fit", "also", list(EXTRA), [], container=container,
                            format_func=lambda name: losses.spec(name).title,
                            help="More built-in losses, drawn beside MSE, MAE and Huber")
    shown = [name for name in losses.names("regression") if name in S.losses or name in extra]
    params = {}
    for name in shown:
        params |= param_sliders(url, tuple(replace(p, default=PAGE_DEFAULTS.get(p.name, p.default))
                                           for p in losses.spec(name).params), container)
    formula = url.text("Your own loss in r (optional)", "formula", "", container=container,
                       placeholder="e.g. abs(r)**1.5", help="Fitted and drawn next to the built-in losses; "
                       "e.g. abs(r)**1.5, log(1 + r**2), where(abs(r) < 2, r**2, 4)")
    return json.dumps({"params": params, "formula": formula.strip(), "shown": shown}, sort_keys=True)


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
        return x, y, influence.noise_scale(x, y), "estimated"
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
    """The built-in regression losses ``shown`` (every one when the JSON names none; MSE, MAE and Huber
    always) with the chosen parameters, then the formula if there is one."""
    chosen = json.loads(losses_json)
    shown = set(chosen.get("shown", losses.names("regression"))) | set(S.losses)
    keys = [name for name in losses.names("regression") if name in shown]
    items = [losses.bind(spec, {p.name: chosen["params"][p.name] for p in spec.params if p.name in chosen["params"]})
             for spec in map(losses.spec, keys)]
    labels = [item.describe() for item in items]
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
    outlier_residual: float  # the outliers' median signed residual from the clean MSE line (its size: their distance)
    pull: np.ndarray  # (L,): psi at that distance / psi at 1 noise σ
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    params: tuple[dict[str, float], ...] = ()  # (L,) each loss's parameters, e.g. {"delta": 1.0}

    @property
    def shift(self) -> np.ndarray:
        return self.contaminated - self.clean

    @property
    def outlier_share(self) -> np.ndarray:
        """(L,): the share of each loss carried by the outliers."""
        return self.shares[:, self.points.outlier].sum(-1)


def _sweep_sizes(size: float) -> np.ndarray:
    """From 0 (or the current size, if below) to 20 noise σ (or the current size, if above)."""
    return np.linspace(min(0.0, size), max(influence.SWEEP_SIZES[-1], size), SWEEP_STEPS)


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
    """``|psi(residual)| / |psi(±noise)|`` per loss, the ordinary point on the outliers' side of the line (an
    asymmetric loss, quantile, pulls differently on each side): an outlier's pull in ordinary points (0 if
    psi there is 0)."""
    at = np.abs(influence.psi([residual, math.copysign(noise, residual)], items))
    return np.where(at[:, 1] > 0, at[:, 0] / np.where(at[:, 1] > 0, at[:, 1], 1.0), 0.0)


def _largest_delta(items: tuple[Loss, ...]) -> float:
    """The largest Huber-like ``delta`` among the losses (1 if none has one)."""
    return max((v for item in items for k, v in item.params.items() if k == "delta"), default=1.0)


def _psi_limit(items: tuple[Loss, ...]) -> float:
    return max(2.5, 1.4 * _largest_delta(items))


def _psi_range(noise: float, items: tuple[Loss, ...], outliers: float = 0.0) -> np.ndarray:
    """Residuals of the bulk of the data (3 noise σ, and at least 3 delta, so that Huber's clipping shows)
    and out beyond the outliers' residual ``outliers``: the chart shows how hard they pull where they are."""
    return influence.psi_range(noise, _largest_delta(items), outliers, PSI_POINTS)


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

    fits = timed("fits", influence.outlier_fits, p.x, p.y, p.outlier, chosen.items)
    influence.check_fitted(np.concatenate([fits.clean, fits.contaminated], 1), chosen.labels)
    influence.check_minimum(p.x, p.y, chosen.items, chosen.labels, fits.contaminated)
    residual = _outlier_residual(p, fits.clean[chosen.keys.index("mse")])
    size = p.size if p.size is not None else round(residual / p.noise, 1)
    sweep = timed("sweep", influence.outlier_sweep, p.x, p.y, p.outlier, _sweep_sizes(size), size, p.noise,
                  chosen.items)
    influence.check_fitted(sweep.slopes, chosen.labels)
    shares = timed("shares", influence.loss_shares, p.x, p.y, fits.contaminated, chosen.items)
    r = _psi_range(p.noise, chosen.items, residual)
    psi = timed("psi", influence.psi, r, chosen.items)
    on_surface = [chosen.keys.index(name) for name in SURFACE_LOSSES]
    surfaces, markers = timed("surfaces", _surfaces, p.x, p.y, tuple(chosen.items[i] for i in on_surface),
                              fits.clean[on_surface], fits.contaminated[on_surface])
    return OutlierView(p, chosen.keys, chosen.labels, fits.clean, fits.contaminated, shares, sweep.sizes,
                       sweep.slopes, r, psi, surfaces, markers, size, _psi_limit(chosen.items), residual,
                       _pull(chosen.items, residual, p.noise), time.perf_counter() - start, clock,
                       tuple(dict(item.params) for item in chosen.items))


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


HEADER = ("Each point pulls on a fitted line with the slope of the loss at its residual r, ψ(r): MSE's pull grows "
          "with the distance (2r), MAE's is the same at any distance (±1), and Huber's grows up to δ and stays "
          "there. What that does to these points, and when it is not enough, is below the scatter. "
          "Click on the scatter to add, move or remove points, or edit them in the table.")
# Every clause of the header is a property of the losses' formulas (tests/test_outlier_words.py holds them to psi).

ROBUST = ("mae", "huber")  # the bounded-pull losses the words compare with MSE (and draw as surfaces)
STAY = 1.0  # a slope shift within this many standard errors of the clean slope "stays with the bulk"
LEVER = 1.25  # outliers whose mean leverage is this many times an average point's sit "far from the middle of x"
LEVEL = 0.1  # a slope moving less than this many standard errors over the influence curve's far end "levels off"
TAIL = 0.75  # the far end of the influence curve: sizes beyond this share of the largest one, on its side


@dataclass(frozen=True)
class Reading:
    """The numbers the Outlier page's words are built from, all read off an ``OutlierView``."""

    count: int  # outliers
    n: int  # points
    at: dict[str, int]  # loss key -> row
    labels: tuple[str, ...]
    clean: np.ndarray  # (L,) slopes without the outliers
    shift: np.ndarray  # (L,) slope shifts
    share: np.ndarray  # (L,) the outliers' share of each loss at its own line
    distance: np.ndarray  # (L,) the outliers' mean |residual| at each loss's own line
    pull: np.ndarray  # (L,) psi at the outliers' residual / psi at 1 noise sigma
    residual: float  # the outliers' typical distance from the clean MSE line
    noise: float
    se: float  # standard error of the clean least-squares slope: noise / sqrt(sum (x - mean x)^2) over clean points
    leverage: float  # the outliers' mean leverage / an average point's (2 / n)
    tail: tuple[float, float]  # the influence curve's far end: from this size to that one (noise sigma)
    late: np.ndarray  # (L,) how far each slope moves over that far end
    delta: float | None  # Huber's delta

    def label(self, key: str) -> str:
        return self.labels[self.at[key]]


def reading(view: OutlierView) -> Reading:
    p = view.points
    flags = p.outlier
    xc = p.x[~flags]
    se = p.noise / float(np.sqrt(((xc - xc.mean()) ** 2).sum()))
    h = 1.0 / len(p.x) + (p.x - p.x.mean()) ** 2 / float(((p.x - p.x.mean()) ** 2).sum())  # leverage, mean 2/n
    leverage = float(h[flags].mean() / h.mean()) if flags.any() else 0.0
    sizes = view.sweep_sizes
    far = int(np.argmax(np.abs(sizes)))
    side = np.sign(sizes[far]) or 1.0
    inside = np.flatnonzero(side * sizes >= TAIL * abs(sizes[far]))
    start = int(inside[np.argmin(np.abs(sizes[inside]))])
    late = view.sweep_slopes[:, far] - view.sweep_slopes[:, start]
    at = {key: i for i, key in enumerate(view.keys)}
    lines = view.contaminated  # (L, 2)
    distance = np.abs(p.y[flags] - lines[:, :1] * p.x[flags] - lines[:, 1:]).mean(-1) if flags.any() else \
        np.zeros(len(lines))
    delta = view.params[at["huber"]].get("delta") if view.params else None
    return Reading(int(flags.sum()), len(p.x), at, view.labels, view.clean[:, 0], view.shift[:, 0],
                   view.outlier_share, distance, view.pull, abs(view.outlier_residual), p.noise, se, leverage,
                   (float(sizes[start]), float(sizes[far])), late, delta)


def _pct(v: float) -> str:
    return f"{100 * v:.0f} %"


def _stays(r: Reading, key: str) -> bool:
    return abs(r.shift[r.at[key]]) <= STAY * r.se


def moved_sentence(r: Reading) -> str:
    """How far each slope moved; "but" only when MSE's moved furthest."""
    mse = r.at["mse"]
    others = _and([f"{r.labels[i]}'s by {r.shift[i]:+.2f}" for key, i in r.at.items() if key != "mse"])
    but = "but" if np.abs(r.shift).argmax() == mse else "and"
    return (f"The {r.count} outlier{'s' if r.count > 1 else ''} moved the MSE slope by **{r.shift[mse]:+.2f}** "
            f"(from {r.clean[mse]:.2f} to {r.clean[mse] + r.shift[mse]:.2f}), {but} {others}.")


def bulk_sentence(r: Reading) -> str:
    """Whether MAE and Huber stayed with the bulk of the data: within STAY standard errors of the clean slope,
    or not, and then why not, leverage named only when the outliers' leverage is at least LEVER."""
    stayed = [k for k in ROBUST if _stays(r, k)]
    moved = [k for k in ROBUST if not _stays(r, k)]
    se = f"the clean slope's standard error, {r.se:.2g}"
    parts = []
    if stayed:
        parts.append(f"{_and([r.label(k) for k in stayed])} moved by no more than {se}: "
                     f"{'they stay' if len(stayed) > 1 else 'it stays'} with the bulk of the data.")
    if moved:
        text = (f"{'But ' if stayed else ''}{_and([r.label(k) for k in moved])} moved too, by "
                f"{_and([f'{r.shift[r.at[k]]:+.2f}' for k in moved])}, more than {se}: a capped pull limits how hard "
                "each outlier pulls, not how many pull together")
        if r.leverage >= LEVER:
            text += (f", nor where. These sit far from the middle of x (their mean leverage is {r.leverage:.2g}× an "
                     "average point's), where a pull turns the line most: leverage defeats robust losses")
        ahead = [k for k in moved if abs(r.shift[r.at[k]]) > abs(r.shift[r.at["mse"]])]
        if ahead:
            text += (f". {_and([r.label(k) for k in ahead])} moved even further than MSE "
                     f"({_and([f'{r.shift[r.at[k]]:+.2f}' for k in ahead])} against {r.shift[r.at['mse']]:+.2f})")
        parts.append(text + ".")
    return " ".join(parts)


def share_sentence(r: Reading) -> str:
    """The outliers' share of each loss.  That a large share is not a large pull is said only when a robust
    loss's share exceeds MSE's while its line moved less and left the outliers further away than MSE's did.
    (That MSE's move shrank the outliers' squared residuals and grew the others' holds by construction: the
    clean line minimises the others' sum, the contaminated one the total.)"""
    mse = r.at["mse"]
    text = (f"At MSE's line the outliers carry **{_pct(r.share[mse])}** of the total loss, at "
            f"{r.label('huber')}'s {_pct(r.share[r.at['huber']])} and at MAE's {_pct(r.share[r.at['mae']])}.")
    larger = [k for k in ROBUST if r.share[r.at[k]] > r.share[mse] and abs(r.shift[r.at[k]]) < abs(r.shift[mse])
              and r.distance[r.at[k]] > r.distance[mse]]
    if larger:
        names = _and([r.label(k) for k in larger])
        far = _and([f"{r.distance[r.at[k]]:.3g}" for k in larger])
        text += (f" A large share is not a large pull: MSE's line moved toward the outliers, which shrank their "
                 f"squared residuals and grew everyone else's, while {names} moved less, so there the outliers stay "
                 f"further away ({far} on average, against {r.distance[mse]:.3g} at MSE's line) and carry more of "
                 "the loss.")
    elif r.share[mse] >= r.share[[r.at[k] for k in ROBUST]].max() and r.residual > r.noise:
        text += " MSE's share is the largest: squaring weighs large residuals most."
    return text


def pull_sentence(r: Reading) -> str:
    """psi at the outliers' distance against psi at 1 noise sigma, per loss; "only" when it is less than MSE's,
    Huber's cap named only when the outliers lie beyond delta."""
    mse, huber, mae = r.at["mse"], r.at["huber"], r.at["mae"]
    text = (f"Why: each point pulls on the line with the force ψ(r), the slope of the loss at its residual r "
            f"(bottom right). The outliers sit about {r.residual:.3g} ({r.residual / r.noise:.1f} σ) from the clean "
            f"line, where MSE's ψ = 2r is **{r.pull[mse]:.3g} times** as large as for an ordinary point 1 σ away on "
            "the same side "
            "(the pull column).")
    capped = r.delta is not None and r.residual > r.delta
    weaker = [i for i in (huber, mae) if r.pull[i] < r.pull[mse]]
    if capped and weaker == [huber, mae]:
        text += (f" Huber's ψ stops at δ = {r.delta:g} and MAE's is ±1 whatever r: under them an outlier pulls "
                 f"only {r.pull[huber]:.3g}× and {r.pull[mae]:.3g}× as hard as an ordinary point.")
    else:
        text += (f" Under {r.labels[huber]} an outlier pulls {r.pull[huber]:.3g}× and under MAE {r.pull[mae]:.3g}× "
                 "as hard as an ordinary point")
        if r.delta is not None and not capped:
            text += f"; they lie within δ = {r.delta:g} of the line, where Huber's ψ = r has not reached its cap"
        text += "."
    return text


def influence_sentence(r: Reading) -> str:
    """The influence curve's far end: whose slope keeps moving and whose levels off (within LEVEL standard errors)."""
    a, b = r.tail
    span = f"between {a:.3g} σ and {b:.3g} σ"
    small = LEVEL * r.se
    mse = r.at["mse"]
    if abs(r.late[mse]) > small:
        text = (f"On the influence curve (bottom left) MSE's slope keeps moving as the outliers go further: by "
                f"{r.late[mse]:+.2f} {span}")
    else:
        text = f"On the influence curve (bottom left) even MSE's slope moves by only {r.late[mse]:+.3f} {span}"
    flat = [k for k in ROBUST if abs(r.late[r.at[k]]) <= small]
    steep = [k for k in ROBUST if k not in flat]
    if flat:
        text += (f"; {_and([r.label(k) + chr(39) + 's' for k in flat])} level{'' if len(flat) > 1 else 's'} off "
                 f"(less than {small:.2g} there)")
    if steep:
        text += (f"; {_and([r.label(k) + chr(39) + 's' for k in steep])} still move{'' if len(steep) > 1 else 's'} "
                 f"({_and([f'{r.late[r.at[k]]:+.2f}' for k in steep])}): the outliers' combined pull is not "
                 "capped, and there it is enough to carry the line with them")
    return text + "."


SENTENCES = (moved_sentence, bulk_sentence, share_sentence, pull_sentence, influence_sentence)


def sentences(view: OutlierView) -> list[str]:
    """The paragraph beside the scatter, sentence by sentence, each built from the view's numbers."""
    if int(view.points.outlier.sum()) == 0:
        return ["No point is marked as an outlier, so there is no clean fit to compare with. Add outliers in the "
                "sidebar, click on the scatter, or tick points in the table to see which losses follow them."]
    r = reading(view)
    return [sentence(r) for sentence in SENTENCES]


def explain(view: OutlierView) -> str:
    """One paragraph that quotes the numbers on the page; every claim in it is checked against them."""
    return " ".join(sentences(view))


def caption(view: OutlierView, click: str) -> str:
    """The points, their noise, and what a click does (what was computed: ``computation``)."""
    p = view.points
    noise = f"noise σ = {p.noise:.3g}" + (" (estimated from the data)" if p.noise_source == "estimated" else "")
    how = {"add": "click anywhere to add a point (an outlier)", "remove": "click a point to remove it",
           "move": "click a point, then click where it should go"}[click]
    return f"{len(p.x)} points, {int(p.outlier.sum())} outliers · {noise} · {how}"


def computation(view: OutlierView) -> str:
    """What was computed and how fast: the page's computation details."""
    return (f"{len(view.keys)} losses fitted with and without the outliers, {len(view.surfaces)} surfaces "
            f"{SURFACE_RESOLUTION}×{SURFACE_RESOLUTION} and {len(view.sweep_sizes)} outlier sizes: computed in "
            f"{view.seconds * 1000:.0f} ms")


def compute(choice: Choice) -> "OutlierView":
    """The page's one compute call.  A formula that is refused, has no best line on these points or makes
    the request too large is left out with a message; any other bad input stops the page with its message."""
    losses_json = choice.losses_json
    problem = check_losses(losses_json)
    if problem is None and json.loads(losses_json)["formula"]:
        try:
            return outlier_view(choice.spec_json, choice.csv, choice.pts, losses_json)
        except InputError as err:
            problem = str(err)
    if problem:
        st.error(f"Your loss is left out: {problem}", icon="⚠️")
    return run_or_stop(outlier_view, choice.spec_json, choice.csv, choice.pts, without_formula(losses_json))
