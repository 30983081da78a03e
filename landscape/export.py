"""The numbers behind a figure, as files: CSV for curves, points, trajectories and leaderboards; NPZ for
surfaces and planes with their axes.  No streamlit, no plotly.

    export.surface_npz(surf)                  # bytes: x (nx,), y (ny,), z (ny, nx), x_label, y_label, method
    export.surface_from_npz(data)             # the Surface again (seconds are not kept)
    export.trajectories_csv(paths)            # optimiser, step, x, y, loss: one row per point of every path
    export.table_csv({"degree": d, "train": t, "validation": v})
    export.figure_data(page, figure, inputs)  # Export(filename, mime, content) of a page's figure

Numbers are written with ``repr`` (shortest text that reads back to the same float64), so a CSV read
back equals the compute output exactly; a missing value (``None``, NaN) is an empty cell.  Text cells
that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, tab or carriage
return) are written with a leading apostrophe: a label typed by a person stays text.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np

from landscape import capacity, influence
from landscape.lessons import links
from landscape.lessons.compute import Memo
from landscape.outliers import psi_axis
from landscape.types import InputError, Surface, Trajectory

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Export:
    filename: str
    mime: str
    content: bytes


# ---- CSV ------------------------------------------------------------------------------------------

def cell(value: Any) -> str:
    """One CSV cell: a number exactly (repr), a missing value empty, text safe from spreadsheet formulas."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return repr(v) if math.isfinite(v) else ("" if math.isnan(v) else ("inf" if v > 0 else "-inf"))
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def table_csv(columns: Mapping[str, Sequence[Any]]) -> str:
    """Columns of equal length as CSV with a header row."""
    names = list(columns)
    lengths = {len(columns[n]) for n in names}
    if len(lengths) > 1:
        raise InputError(f"columns of different lengths: {sorted(lengths)}")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([cell(n) for n in names])
    for row in zip(*(columns[n] for n in names)):
        writer.writerow([cell(v) for v in row])
    return out.getvalue()


def rows_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """Records (e.g. a leaderboard) as CSV; the columns are the first record's keys."""
    if not rows:
        return ""
    return table_csv({k: [r.get(k) for r in rows] for k in rows[0]})


def read_csv(text: str) -> dict[str, np.ndarray | list[str]]:
    """A CSV of ``table_csv`` read back: numeric columns as float64 arrays (empty cells NaN), others as text."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader)
    cols: list[list[str]] = [[] for _ in header]
    for row in reader:
        for c, v in zip(cols, row):
            c.append(v)
    out: dict[str, np.ndarray | list[str]] = {}
    for name, values in zip(header, cols):
        try:
            out[name] = np.array([float(v) if v else math.nan for v in values], dtype=np.float64)
        except ValueError:
            out[name] = values
    return out


def trajectories_csv(paths: Mapping[str, Trajectory], names: Sequence[str] = ("x", "y")) -> str:
    """Every path, point by point: ``optimiser, step, <names...>, loss`` (a path stops where it diverged)."""
    columns: dict[str, list[Any]] = {"optimiser": [], "step": [], **{n: [] for n in names}, "loss": []}
    for label, path in paths.items():
        steps = len(path.losses)
        columns["optimiser"] += [label] * steps
        columns["step"] += list(range(steps))
        for k, n in enumerate(names):
            columns[n] += list(path.points[:, k])
        columns["loss"] += list(path.losses)
    return table_csv(columns)


def trajectories_from_csv(text: str, names: Sequence[str] = ("x", "y")) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{optimiser: (points (T+1, d), losses (T+1,))}`` from ``trajectories_csv``."""
    table = read_csv(text)
    labels = list(table["optimiser"])
    out = {}
    for label in dict.fromkeys(labels):
        pick = np.array([lab == label for lab in labels])
        out[label] = (np.stack([table[n][pick] for n in names], -1), table["loss"][pick])
    return out


# ---- NPZ ------------------------------------------------------------------------------------------

def _npz(arrays: Mapping[str, Any]) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **{k: np.asarray(v) for k, v in arrays.items()})
    return buf.getvalue()


def load_npz(data: bytes) -> dict[str, np.ndarray]:
    """Every array of an NPZ file (no pickled objects are read)."""
    with np.load(io.BytesIO(data), allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def _surface_arrays(surf: Surface, prefix: str = "") -> dict[str, Any]:
    return {f"{prefix}x": surf.x, f"{prefix}y": surf.y, f"{prefix}z": surf.z, f"{prefix}x_label": surf.x_label,
            f"{prefix}y_label": surf.y_label, f"{prefix}method": surf.method}


def surface_npz(surf: Surface) -> bytes:
    """``x (nx,)``, ``y (ny,)``, ``z (ny, nx)`` with ``z[i, j] = f(x[j], y[i])``, and the axis labels."""
    return _npz(_surface_arrays(surf))


def surfaces_npz(surfaces: Mapping[str, Surface]) -> bytes:
    """Several surfaces in one file, each under ``<k>/`` (``names`` lists their titles in order)."""
    arrays: dict[str, Any] = {"names": np.array(list(surfaces))}
    for k, surf in enumerate(surfaces.values()):
        arrays |= _surface_arrays(surf, f"{k}/")
    return _npz(arrays)


def surface_from_npz(data: bytes | Mapping[str, np.ndarray], prefix: str = "") -> Surface:
    a = load_npz(data) if isinstance(data, bytes) else data
    return Surface(a[f"{prefix}x"], a[f"{prefix}y"], a[f"{prefix}z"], str(a[f"{prefix}x_label"]),
                   str(a[f"{prefix}y_label"]), str(a[f"{prefix}method"]), 0.0)


def surfaces_from_npz(data: bytes) -> dict[str, Surface]:
    a = load_npz(data)
    return {str(name): surface_from_npz(a, f"{k}/") for k, name in enumerate(a["names"])}


def plane_npz(plane) -> bytes:
    """A neural-network slice (``slices.Plane``): the training and validation surfaces on one grid, the two
    directions ``(2, P)`` and the centre ``(P,)`` of the plane in weight space."""
    return _npz({**_surface_arrays(plane.train, "train/"), **_surface_arrays(plane.val, "val/"),
                 "directions": plane.directions, "centre": plane.centre})


# ---- the numbers behind each figure of a page --------------------------------------------------------

def _csv(name: str, text: str) -> Export:
    return Export(f"{name}.csv", "text/csv", text.encode("utf-8"))


def _npz_export(name: str, content: bytes) -> Export:
    return Export(f"{name}.npz", "application/octet-stream", content)


def _surface_data(inputs: dict, memo: Memo, figure: str) -> Export:
    step = memo.get("surface", inputs)
    if figure == "parts":
        return _npz_export("loss_surface_parts", surfaces_npz(step.parts))
    return _npz_export("loss_surface", surface_npz(step.surface))


def _outlier_data(inputs: dict, memo: Memo, figure: str) -> Export:
    step = memo.get("outliers", inputs)
    if figure == "surfaces":
        surfaces, _ = memo.get("outlier_surfaces", inputs)
        return _npz_export("outlier_surfaces", surfaces_npz(surfaces))
    if figure == "influence":
        sweep = memo.get("outlier_sweep", inputs)
        return _csv("influence", table_csv({"size_in_sigma": sweep.sizes,
                                            **{f"slope_{k}": row for k, row in zip(step.keys, sweep.slopes)}}))
    if figure == "psi":
        r, _ = psi_axis(step)
        psi = influence.psi(r, step.items)
        return _csv("psi", table_csv({"r": r, **{f"psi_{k}": row for k, row in zip(step.keys, psi)}}))
    p = step.points
    columns: dict[str, Any] = {"x": p.x, "y": p.y, "outlier": p.outlier}
    if figure == "shares":
        columns |= {f"share_{k}": row for k, row in zip(step.keys, step.shares)}
        return _csv("loss_shares", table_csv(columns))
    for k, (w, b) in zip(step.keys, step.fits.contaminated):
        columns[f"fit_{k}"] = w * p.x + b
    w, b = step.fits.clean[step.keys.index("mse")]
    columns["fit_without_outliers"] = w * p.x + b
    return _csv("outlier_points", table_csv(columns))


def _gallery_data(inputs: dict, memo: Memo, figure: str) -> Export:
    if figure == "confidence":
        c = memo.get("confidence", inputs)
        return _csv("confidence", table_csv({"p_true_class": c.p, "cross_entropy": c.cross_entropy,
                                             "label_smoothed": c.smoothed, "squared_error": c.squared_error}))
    g = memo.get("gallery", inputs)
    columns: dict[str, Any] = {g.variable: g.x}
    for c in g.drawn:
        columns |= {c.label: c.value, f"slope of {c.label}": c.slope}
    return _csv("loss_curves", table_csv(columns))


def _classification_data(inputs: dict, memo: Memo, figure: str) -> Export:
    if figure in ("softmax", "simplex"):
        v = memo.get("softmax", inputs)
        if figure == "softmax":
            return _npz_export("softmax_surface", surface_npz(v.surface))
        return _csv("softmax_predictions", table_csv({"x1": v.X[:, 0], "x2": v.X[:, 1], "label": v.y,
                                                      **{f"p_{c}": v.probabilities[:, k]
                                                         for k, c in enumerate(("A", "B", "C"))}}))
    v = memo.get("binary", inputs)
    if figure == "surface":
        return _npz_export("classification_surface", surface_npz(v.surface))
    if figure == "confusion":
        m = v.fit.metrics
        return _csv("confusion_matrix", table_csv({"true": [0, 0, 1, 1], "predicted": [0, 1, 0, 1],
                                                   "count": [m.tn, m.fp, m.fn, m.tp]}))
    score = v.X @ v.fit.theta[:2] + v.fit.theta[2]
    plain = v.X @ v.plain.theta[:2] + v.plain.theta[2]
    return _csv("classification_points", table_csv({"x1": v.X[:, 0], "x2": v.X[:, 1], "label": v.y, "score": score,
                                                    "score_at_weight_1": plain}))


def _distribution_data(inputs: dict, memo: Memo, figure: str) -> Export:
    if figure in ("divergences", "densities"):
        v = memo.get("fit", inputs)
        if figure == "divergences":
            return _npz_export("divergences", surfaces_npz(v.surfaces))
        q = {f"q_{k}": d for k, d in v.density_q.items()}
        return _csv("densities", table_csv({"x": v.x, "p": v.density_p, **q}))
    v = memo.get("overlap", inputs)
    if figure == "overlap":
        return _npz_export("overlap_surfaces", surfaces_npz(v.surfaces))
    return _csv("overlap_slices", table_csv({"position": v.positions, **v.slices}))


def _optimiser_data(inputs: dict, memo: Memo, figure: str) -> Export:
    if figure == "map":
        m = memo.get("lr_map", inputs)
        arrays = {"learning_rates": m.lrs, "momenta": m.momenta, "final_loss": m.final}
        if m.limit is not None:
            arrays["stability_limit"] = m.limit
        return _npz_export("lr_momentum_map", _npz(arrays))
    step = memo.get("race", inputs)
    if figure == "curves":
        return _csv("leaderboard", rows_csv(step.leaderboard()))
    paths = {step.labels[n]: p for n, p in step.paths.items()}
    return _csv("trajectories", trajectories_csv(paths, step.objective.names))


def _neural_data(inputs: dict, memo: Memo, figure: str) -> Export:
    run = memo.get("run", inputs)
    if figure == "history":
        return _csv("training_history", table_csv({"epoch": run.epochs, "step": run.steps,
                                                   "train_loss": run.train_loss, "val_loss": run.val_loss,
                                                   "train_metric": run.train_metric, "val_metric": run.val_metric}))
    view = inputs["view"]
    if view == "plane":
        return _npz_export("random_plane", plane_npz(memo.get("plane", inputs)))
    if view == "pca":
        step = memo.get("pca", inputs)
        return _npz_export("pca_plane", _npz({
            **_surface_arrays(step.plane.train, "train/"), **_surface_arrays(step.plane.val, "val/"),
            "directions": step.plane.directions, "centre": step.plane.centre, "path": step.coords,
            "path_train_loss": step.path_loss["train"], "path_val_loss": step.path_loss["val"],
            "explained": step.explained}))
    if view == "interpolation":
        line = memo.get("interpolation", inputs)
        return _csv("interpolation", table_csv({"alpha": line.alphas, "train_loss": line.train_loss,
                                                "val_loss": line.val_loss}))
    step = memo.get("sharpness", inputs)
    return _csv("sharpness", table_csv({"t": step.alphas, **{f"rise, {k}": v for k, v in step.rises.items()}}))


def _overfitting_data(inputs: dict, memo: Memo, figure: str) -> Export:
    view = memo.get("degrees", inputs)
    if figure == "degrees":
        s = view.sweep
        return _csv("degree_sweep", table_csv({"degree": s.degrees, "train_mse": s.train, "val_mse": s.val,
                                               "regime": s.labels}))
    if figure in ("epochs", "epoch_fits"):
        c = memo.get("epochs", inputs)
        if figure == "epochs":
            return _csv("epoch_curve", table_csv({"epoch": c.epochs, "train_mse": c.train, "val_mse": c.val,
                                                  "regime": c.labels}))
        return _csv("network_fits", table_csv({"x": c.grid, "truth": capacity.truth(c.grid),
                                               "best_epoch": c.fit_best, "end": c.fit_final}))
    s, d = view.sweep, int(inputs["degree"])
    fits = {f"degree_{d}": capacity.predict(s.coefs[d], view.grid),
            f"degree_{int(s.best)}_best": capacity.predict(s.coefs[s.best], view.grid)}
    return _csv("polynomial_fits", table_csv({"x": view.grid, "truth": view.truth, **fits}))


DATA = {"loss_surface": _surface_data, "outliers": _outlier_data, "loss_functions": _gallery_data,
        "classification": _classification_data, "distributions": _distribution_data,
        "optimisers": _optimiser_data, "neural_landscape": _neural_data, "overfitting": _overfitting_data}


def figure_data(page: str, figure: str | None, inputs: dict, memo: Memo | None = None) -> Export:
    """The numbers behind figure ``figure`` of a page's view (``links.parse(...).inputs``), as a file."""
    name = figure or links.page(page).figures[0]
    if name not in links.page(page).figures:
        raise InputError(f"the {links.page(page).title} page has no figure {name!r}")
    return DATA[page](inputs, memo or Memo(), name)
