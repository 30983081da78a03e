"""The figure a lesson step shows: one of its page's figures, drawn from the page's compute.

``step_figure(page, figure, inputs, memo)`` builds the figure ``figure`` (a name of
``links.PAGES[page].figures``) of the view ``inputs`` (``links.parse(...).inputs``), with the builders
the pages use and the results of ``landscape.lessons.compute`` (shared through ``memo`` with the step's
quotes, so a figure and the numbers beside it come from one computation).  No streamlit here.
"""
from __future__ import annotations

from typing import Callable

import plotly.graph_objects as go

from landscape import influence, overfitting
from landscape.figures import classification, distributions, losses, neural, outliers, surface, sweeps, trajectories
from landscape.figures.surface import Marker
from landscape.lessons import links
from landscape.lessons.compute import Memo
from landscape.neural import final_loss
from landscape.outliers import psi_axis
from landscape.surface import loss_at
from landscape.types import InputError

Builder = Callable[[dict, Memo], go.Figure]


# ---- loss surface ---------------------------------------------------------------------------------

def _surface_markers(step) -> tuple[Marker, ...]:
    grid_min = Marker(*step.surface.minimum, label="grid minimum", symbol="circle-open")
    return (grid_min,) + tuple(Marker(x, y, loss_at(step.objective, (x, y)), "true minimum", "x")
                               for x, y in step.minima)


def _contour(inputs: dict, memo: Memo) -> go.Figure:
    step = memo.get("surface", inputs)
    return surface.contour(step.surface, step.log, _surface_markers(step))


def _surface_3d(inputs: dict, memo: Memo) -> go.Figure:
    step = memo.get("surface", inputs)
    return surface.surface_3d(step.surface, step.log, _surface_markers(step))


def _parts(inputs: dict, memo: Memo) -> go.Figure:
    step = memo.get("surface", inputs)
    if not step.parts:
        raise InputError("this view has no penalty, so no data loss / penalty / total maps")
    markers = {name: (Marker(*part.minimum, label="grid minimum", symbol="circle-open"),)
               for name, part in step.parts.items()}
    return surface.contour_row(step.parts, markers, step.log)


# ---- outliers ---------------------------------------------------------------------------------------------

def _scatter(inputs: dict, memo: Memo) -> go.Figure:
    step = memo.get("outliers", inputs)
    fitted, ghost = outliers.fitted_lines(step.keys, step.labels, step.fits.contaminated, step.fits.clean)
    return outliers.fit_scatter(step.points.x, step.points.y, step.points.outlier, fitted, ghost)


def _outlier_surfaces(inputs: dict, memo: Memo) -> go.Figure:
    return outliers.minimiser_shift(*memo.get("outlier_surfaces", inputs))


def _shares(inputs: dict, memo: Memo) -> go.Figure:
    step = memo.get("outliers", inputs)
    return outliers.outlier_shares(step.keys, step.labels, step.points.x, step.shares, step.points.outlier)


def _influence(inputs: dict, memo: Memo) -> go.Figure:
    step = memo.get("outliers", inputs)
    sweep = memo.get("outlier_sweep", inputs)
    return outliers.influence(step.keys, step.labels, sweep.sizes, sweep.slopes, step.size,
                              float(step.fits.clean[step.keys.index("mse"), 0]))


def _psi(inputs: dict, memo: Memo) -> go.Figure:
    step = memo.get("outliers", inputs)
    r, limit = psi_axis(step)
    return outliers.psi_curves(step.keys, step.labels, r, influence.psi(r, step.items), step.residual, limit)


# ---- the catalogue pages ---------------------------------------------------------------------------------

def _curves(inputs: dict, memo: Memo) -> go.Figure:
    return losses.gallery_curves(memo.get("gallery", inputs))


def _confidence(inputs: dict, memo: Memo) -> go.Figure:
    return losses.confidence_curve(memo.get("confidence", inputs))


def _boundary(inputs: dict, memo: Memo) -> go.Figure:
    return classification.decision_boundary(memo.get("binary", inputs))


def _binary_surface(inputs: dict, memo: Memo) -> go.Figure:
    return classification.binary_surface(memo.get("binary", inputs), inputs["style"])


def _confusion(inputs: dict, memo: Memo) -> go.Figure:
    return classification.confusion_matrix(memo.get("binary", inputs).fit.metrics)


def _softmax(inputs: dict, memo: Memo) -> go.Figure:
    return classification.softmax_surface(memo.get("softmax", inputs))


def _simplex(inputs: dict, memo: Memo) -> go.Figure:
    return classification.simplex(memo.get("softmax", inputs))


def _divergences(inputs: dict, memo: Memo) -> go.Figure:
    return distributions.divergence_surfaces(memo.get("fit", inputs))


def _densities(inputs: dict, memo: Memo) -> go.Figure:
    return distributions.densities(memo.get("fit", inputs))


def _overlap(inputs: dict, memo: Memo) -> go.Figure:
    return distributions.overlap_surfaces(memo.get("overlap", inputs))


def _slices(inputs: dict, memo: Memo) -> go.Figure:
    return distributions.segment_slices(memo.get("overlap", inputs))


# ---- optimisers ------------------------------------------------------------------------------------------

def labelled(step) -> dict:
    return {step.labels[name]: path for name, path in step.paths.items()}


def _race(inputs: dict, memo: Memo) -> go.Figure:
    step = memo.get("race", inputs)
    speed = {"slow": 150, "normal": 60, "fast": 20}[inputs["speed"]]
    return trajectories.animated_contour(step.surface, labelled(step), step.log, step.markers, speed,
                                         clickable=False)


def _paths(inputs: dict, memo: Memo) -> go.Figure:
    step = memo.get("race", inputs)
    return trajectories.paths_3d(step.surface, labelled(step), step.log, step.markers)


def _loss_curves(inputs: dict, memo: Memo) -> go.Figure:
    step = memo.get("race", inputs)
    return trajectories.loss_curves(labelled(step), step.floor)


def _lr_map(inputs: dict, memo: Memo) -> go.Figure:
    if not inputs["lr_map"]:
        raise InputError("this view does not draw the learning-rate x momentum map (map = 1 draws it)")
    m = memo.get("lr_map", inputs)
    floor = memo.get("race", inputs).floor
    return sweeps.lr_momentum(m.lrs, m.momenta, m.final, floor, m.limit)


# ---- neural landscape -------------------------------------------------------------------------------------

def _history(inputs: dict, memo: Memo) -> go.Figure:
    run = memo.get("run", inputs)
    return neural.train_val_curves(run.epochs, run.train_loss, run.val_loss, "epoch", height=280)


def _neural_view(inputs: dict, memo: Memo) -> go.Figure:
    view, run = inputs["view"], memo.get("run", inputs)
    if view == "plane":
        plane = memo.get("plane", inputs)
        return neural.plane_figures(getattr(plane, inputs["part"]), final_loss(run, inputs["part"]), inputs["log"])[0]
    if view == "pca":
        step = memo.get("pca", inputs)
        part = inputs["part"]
        return neural.plane_figures(getattr(step.plane, part), final_loss(run, part), inputs["log"], step.coords,
                                    step.path_loss[part])[0]
    if view == "interpolation":
        line = memo.get("interpolation", inputs)
        return neural.train_val_curves(line.alphas, line.train_loss, line.val_loss, "α:  θ(α) = (1 − α)·θ₀ + α·θ*",
                                       log_y=inputs["log"], marks={"initial θ₀": 0.0, "trained θ*": 1.0}, height=420)
    step = memo.get("sharpness", inputs)
    return neural.lines(step.alphas, step.rises, "t: distance along the top eigenvector u₁ of each minimum",
                        "rise of the training loss L(θ + t·u₁) − L(θ)")


# ---- overfitting ----------------------------------------------------------------------------------------

def _degrees(inputs: dict, memo: Memo) -> go.Figure:
    view = memo.get("degrees", inputs)
    s = view.sweep
    return neural.train_val_curves(s.degrees, s.train, s.val, "polynomial degree", "mean squared error",
                                   marks=overfitting.degree_marks(view, int(inputs["degree"])), labels=s.labels,
                                   floor=s.floor, height=420)


def _degree_fits(inputs: dict, memo: Memo) -> go.Figure:
    view, d = memo.get("degrees", inputs), int(inputs["degree"])
    sp = view.split
    return neural.fitted_curves(sp.X_train[:, 0], sp.y_train, sp.X_val[:, 0], sp.y_val, view.grid, view.truth,
                                overfitting.degree_fits(view, d))


def _epochs(inputs: dict, memo: Memo) -> go.Figure:
    c = memo.get("epochs", inputs)
    return neural.train_val_curves(c.epochs, c.train, c.val, "epoch", "mean squared error",
                                   marks={"best epoch (early stopping)": c.epochs[c.best]}, labels=c.labels,
                                   floor=c.floor, height=420)


def _epoch_fits(inputs: dict, memo: Memo) -> go.Figure:
    view, c = memo.get("degrees", inputs), memo.get("epochs", inputs)
    sp = view.split
    return neural.fitted_curves(sp.X_train[:, 0], sp.y_train, sp.X_val[:, 0], sp.y_val, c.grid, view.truth,
                                {"network at the best epoch": c.fit_best, "network at the end": c.fit_final})


BUILDERS: dict[str, dict[str, Builder]] = {
    "loss_surface": {"contour": _contour, "surface": _surface_3d, "parts": _parts},
    "outliers": {"scatter": _scatter, "surfaces": _outlier_surfaces, "shares": _shares, "influence": _influence,
                 "psi": _psi},
    "loss_functions": {"curves": _curves, "confidence": _confidence},
    "classification": {"boundary": _boundary, "surface": _binary_surface, "confusion": _confusion,
                       "softmax": _softmax, "simplex": _simplex},
    "distributions": {"divergences": _divergences, "densities": _densities, "overlap": _overlap, "slices": _slices},
    "optimisers": {"race": _race, "paths": _paths, "curves": _loss_curves, "map": _lr_map},
    "neural_landscape": {"history": _history, "view": _neural_view},
    "overfitting": {"degrees": _degrees, "degree_fits": _degree_fits, "epochs": _epochs, "epoch_fits": _epoch_fits},
}


def step_figure(page: str, figure: str | None, inputs: dict, memo: Memo | None = None) -> go.Figure:
    """Figure ``figure`` of page ``page`` (None: the page's first) for the view ``inputs``."""
    name = figure or links.page(page).figures[0]
    try:
        build = BUILDERS[page][name]
    except KeyError:
        raise InputError(f"the {links.page(page).title} page has no figure {name!r}; it draws "
                         f"{', '.join(links.page(page).figures)}") from None
    return build(inputs, memo or Memo())
