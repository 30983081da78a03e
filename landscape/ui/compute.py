"""Cached compute calls at the UI boundary: plain-value keys in, plain values out, bounded caches."""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from landscape import budget, data, grid, losses, minimum, problems
from landscape.figures import Marker
from landscape.types import DTYPE, InputError, Objective, Surface

CACHE = dict(max_entries=64, ttl=3600, show_spinner=False)


def build_objective(spec_json: str, csv: bytes | None = None) -> Objective:
    """The objective a page's problem picker describes (``spec_json``), with uploaded points if any."""
    spec = json.loads(spec_json)
    if csv is not None:
        spec["xy"] = uploaded_points(csv)
    return problems.from_spec(spec)


def uploaded_points(csv: bytes) -> tuple[np.ndarray, np.ndarray]:
    """An uploaded CSV's points ``(x, y)`` under the point limit in force: parsed once per content
    (and limit), so a rerun with the same upload does not read it again; a refusal is remembered too."""
    result = _parse_upload(csv, budget.current().points)
    if isinstance(result, str):
        raise InputError(result)
    return result


@st.cache_data(**CACHE)
def _parse_upload(csv: bytes, limit: int) -> tuple[np.ndarray, np.ndarray] | str:
    """``data.load_csv``'s points, or its message (st.cache_data does not keep exceptions)."""
    try:
        return data.load_csv(csv, max_rows=limit)
    except InputError as err:
        return str(err)


@dataclass(frozen=True)
class SurfaceView:
    """What the Loss Surface page draws, as plain arrays (picklable, so it can be cached)."""

    surface: Surface
    parts: dict[str, Surface]  # data loss, penalty, total when there is a penalty
    markers: tuple[Marker, ...]
    part_markers: dict[str, tuple[Marker, ...]]
    arrows: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None
    title: str
    log_scale: bool
    penalised: tuple[np.ndarray, np.ndarray] | None = None  # exact minimisers (w, b) without and with the penalty
    mesh: Surface | None = None  # what the 3D surface draws: at most MESH_3D points a side (``mesh_3d``)
    points: tuple[np.ndarray, np.ndarray] | None = None  # the data of a regression or classification, else None

    @property
    def mesh_markers(self) -> tuple[Marker, ...]:
        """The markers of the 3D surface: the known minima only (the grid minimum depends on the resolution,
        and is marked on the map)."""
        return tuple(m for m in self.markers if m.label != "grid minimum")


MESH_3D = 81  # points a side of the 3D surface drawn: finer is invisible there, and costs every change a redraw


def mesh_3d(obj: Objective, surf: Surface, x_range, y_range, n: int) -> Surface:
    """The surface the 3D chart draws: ``surf`` itself up to MESH_3D points a side, else its own MESH_3D grid
    over the same ranges, the same for every finer resolution, so that a change of resolution leaves the 3D
    chart byte-identical and the browser does not draw it again (a WebGL chart takes a machine without a GPU
    about a second)."""
    return surf if n <= MESH_3D else grid.evaluate(obj, x_range, y_range, MESH_3D)


def problem_points(spec_json: str, csv: bytes | None) -> tuple[np.ndarray, np.ndarray] | None:
    """The points a regression or classification surface is built from (None for a test function)."""
    spec = json.loads(spec_json)
    if spec["family"] == "benchmark":
        return None
    if csv is not None:
        return uploaded_points(csv)
    return data.make(str(spec["dataset"]), **dict(spec.get("data_params", {})))


def loss_at(obj: Objective, point) -> float:
    """The objective's value at one point ``(x, y)``."""
    with torch.no_grad():
        return float(obj(torch.as_tensor(point, dtype=DTYPE)))


def _grid_marker(surf: Surface) -> Marker:
    return Marker(*surf.minimum, label="grid minimum", symbol="circle-open")


@st.cache_data(**CACHE)
def surface_view(spec_json: str, csv: bytes | None, x_range, y_range, n: int, arrows: bool) -> SurfaceView:
    obj = build_objective(spec_json, csv)
    surf = grid.evaluate(obj, x_range, y_range, n)
    true = tuple(Marker(x, y, loss_at(obj, (x, y)), "true minimum", "x") for x, y in true_minima(obj))
    parts, part_markers = {}, {}
    if obj.penalty is not None:
        for name, part in (("data loss", "data"), ("penalty", "penalty"), ("total", "total")):
            parts[name] = surf if part == "total" else grid.evaluate(obj.part(part), x_range, y_range, n)
            part_markers[name] = (_grid_marker(parts[name]),)
    penalised = None
    if obj.penalty is not None and obj.linear is not None:
        m = obj.linear
        plain = problems.linear_regression(m.x.numpy(), m.y.numpy(), m.loss)  # the same data loss, no penalty
        penalised = (minimum.minimize(plain), minimum.minimize(obj))
    field = None
    if arrows:
        xs, ys = (torch.linspace(float(a[0]), float(a[-1]), 17, dtype=DTYPE) for a in (surf.x, surf.y))
        g = grid.gradients(obj, xs, ys).numpy()  # (17, 17, 2)
        gx, gy = np.meshgrid(xs.numpy(), ys.numpy())
        field = (gx, gy, g[..., 0], g[..., 1])
    return SurfaceView(surf, parts, (_grid_marker(surf),) + true, part_markers, field, obj.title, obj.log_scale,
                       penalised, mesh_3d(obj, surf, x_range, y_range, n), problem_points(spec_json, csv))


BETWEEN = 1e-6  # relative tolerance of "between the data loss's minimum and w = 0"


def penalty_sentence(view: SurfaceView) -> str:
    """What the penalty did to the minimiser's slope w, from the exact minimisers: "between the data loss's
    minimum and w = 0" only when it is.  For a convex loss it always is (the penalty is convex, even and grows
    with |w|), nearer to 0 the larger the penalty; a custom loss need not be convex."""
    general = ("The penalty grows with |w| and leaves b alone. For a convex data loss the total's minimum lies "
               "between the data loss's minimum and the axis w = 0, nearer to w = 0 the larger λ is.")
    if view.penalised is None:
        return general
    (w0, _), (w1, _) = view.penalised
    here = f"Here it moves the best slope from w = {w0:.4g} (data loss alone) to w = {w1:.4g} (total)"
    if w1 == 0.0 or (w0 * w1 > 0 and abs(w1) <= abs(w0) * (1 + BETWEEN)):
        return f"{general} {here}{': all the way to 0' if w1 == 0.0 else ''}."
    return f"{general} {here}, which is not between them: this loss is not convex."


def true_minima(obj: Objective) -> tuple[tuple[float, float], ...]:
    """Known minimisers: from the literature for test functions, computed exactly for linear regression."""
    if obj.linear is not None:
        return (tuple(float(v) for v in minimum.minimize(obj)),)
    return obj.minima


MODELS = {
    "regression": (r"\hat y = w\,x + b,\quad L(w, b) = \frac1N\sum_i \ell(y_i - \hat y_i)",
                   "Each point of the surface is one line through the data; its height is the mean loss of that "
                   "line's residuals r = y - ŷ."),
    "classification": (r"s_i = w_1 x_{i1} + w_2 x_{i2},\quad L(w) = \frac1N\sum_i \ell(s_i, y_i)",
                       "Each point of the surface is one decision line through the origin; its height is the mean "
                       "loss of the scores s it gives the labelled points."),
}


def describe(spec_json: str) -> dict[str, str]:
    """LaTeX formula and a short explanation for a problem spec, from the registries."""
    spec = json.loads(spec_json)
    if spec["family"] == "benchmark":
        bench = problems.BENCHMARKS[spec["name"]]
        return {"formula": bench.formula, "text": bench.description}
    model_formula, model_text = MODELS[spec["family"]]
    kind = "regression" if spec["family"] == "regression" else "binary"
    loss = (losses.custom(spec["formula"], kind=kind) if spec["loss"] == "custom"
            else losses.get(spec["loss"], **spec.get("loss_params", {})))
    text = f"{model_text}\n\n**{loss.describe()}**: {loss.spec.description} Use it when {loss.spec.use_when}."
    if spec.get("l1") or spec.get("l2"):
        text += f"\n\nPenalty: {spec.get('l1', 0):g}·|w| + {spec.get('l2', 0):g}·w² is added to the data loss."
    return {"formula": model_formula + r",\qquad \ell = " + loss.spec.formula, "text": text}
