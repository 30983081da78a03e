"""Each page's link walked as the page walks its controls (``views/``), with the page's bounds and defaults.

One function per page, ``Reader -> inputs`` (what the page's compute receives), plus the pickers that
several pages share (``landscape.ui.pickers``: a problem, its loss, the view).  A benchmark's parameters
are read only for a benchmark, an optimiser's only when it races, as on the page.
``landscape.lessons.links`` registers them as ``PAGES``.
"""
from __future__ import annotations

from landscape import (capacity, classify, curves, data, divergence, grammar, losses, nn, optim, outlier_choice,
                       problems, slices)
from landscape.lessons.link_reader import Reader
from landscape.problems import UPLOAD
from landscape.types import InputError, Objective, Param

SURFACE_STYLES = ("contour", "3D")  # landscape.figures.classification.SURFACE_STYLES
NEURAL_DATASETS = ("moons", "circles", "spirals", "sine")  # landscape.ui.neural.DATASETS
NEURAL_VIEWS = ("plane", "pca", "interpolation", "curvature")  # landscape.ui.neural.VIEWS
NEURAL_PARTS = ("train", "val")  # landscape.ui.neural.PARTS
SWEEP_DEGREE = 20  # landscape.ui.overfitting.SWEEP_DEGREE
RACE_STEPS = 300  # landscape.ui.optimisers.PAGE_STEPS
TOLERANCE = Param("tol", 0.05, 1e-12, 1e6,
                  "a path has converged once its loss is within this of the best known loss f*")
SPEEDS = ("slow", "normal", "fast")
SWARM_SIDE = (10, 40, 12)
OUTLIER_SOURCES = ("line", "csv")
OUTLIER_POSITIONS = ("high", "random")
OUTLIER_CLICKS = ("add", "move", "remove")
SLIDER_STEP = 0.01


# ---- shared pickers (landscape.ui.pickers) ---------------------------------------------------------

def _loss_picker(r: Reader, kind: str) -> dict[str, object]:
    options = losses.names(kind) + ["custom"]
    name = r.choice("loss", options)
    if name == "custom":
        formula = r.text("formula", grammar.VARIABLES[kind].example)
        return {"loss": "custom", "formula": formula, "loss_params": {}}
    return {"loss": name, "loss_params": {p.name: r.param(p) for p in losses.spec(name).params}}


def _problem_picker(r: Reader) -> problems.ProblemSpec:
    family = problems.FAMILIES[r.choice("family", list(problems.FAMILIES))]
    options = family.options() + ([UPLOAD] if family.uploads else [])
    name = r.choice(family.pick, options, family.default)
    if name == UPLOAD:
        r.refuse(family.pick, "a lesson step cannot carry an uploaded CSV; choose one of the built-in data sets")
        name = options[0]
    numbers = {c.name: r.control(c) for c in family.controls(name)}
    loss = _loss_picker(r, family.loss_kind) if family.loss_kind else {}
    penalties = {c.name: r.control(c) for c in family.penalties}
    return problems.ProblemSpec(family.name, name, numbers, **loss, **penalties)


def _objective(r: Reader, spec: problems.ProblemSpec) -> Objective | None:
    """The problem's objective, as the page builds it; a refusal is the formula's or the problem's."""
    try:
        return problems.from_spec(spec)
    except InputError as err:
        r.problems.append(("formula" if spec.loss == "custom" else "family", str(err)))
        return None


def _view_picker(r: Reader, obj: Objective) -> tuple[tuple | None, tuple | None, int]:
    n = r.number("res", 11, 301, 101)
    if not r.flag("zoom"):
        return None, None, n
    ranges = []
    for (lo, hi), name in zip(obj.view, obj.names):
        ranges.append((r.number(f"{name}0", -1e6, 1e6, round(float(lo), 3)),
                       r.number(f"{name}1", -1e6, 1e6, round(float(hi), 3))))
    return ranges[0], ranges[1], n


# ---- the pages ------------------------------------------------------------------------------------

def read_surface(r: Reader) -> dict[str, object]:
    spec = _problem_picker(r)
    obj = _objective(r, spec)
    if obj is None:
        return {"spec": spec}
    x_range, y_range, n = _view_picker(r, obj)
    scale = r.choice("scale", ["auto", "linear", "log"])
    arrows = r.flag("arrows")
    return {"spec": spec, "x_range": x_range, "y_range": y_range, "n": n, "scale": scale, "arrows": arrows}


def read_outliers(r: Reader) -> dict[str, object]:
    if "pts" in r.raw:
        r.values["pts"] = r.raw["pts"]
        r.refuse("pts", "points edited by hand cannot be part of a lesson step yet; use the count, size and "
                        "position of the generated outliers")
    source = r.choice("data", OUTLIER_SOURCES)
    spec: dict[str, object] = {"source": source}
    if source == "csv":
        r.refuse("data", "a lesson step cannot carry an uploaded CSV; use the line with noise")
    else:
        spec |= {c.name: r.control(c) for c in outlier_choice.LINE_CONTROLS}
    spec |= {c.name: r.control(c) for c in outlier_choice.OUTLIER_CONTROLS}
    spec |= {"position": r.choice("pos", OUTLIER_POSITIONS)}
    extra = r.choices("also", list(outlier_choice.EXTRA_LOSSES), [])
    params = {}
    for name in outlier_choice.shown_losses(extra):  # the page draws the parameters of the losses it fits
        params |= {p.name: r.param(p) for p in outlier_choice.loss_params(name)}
    formula = r.text("formula", "").strip()
    if formula:
        r.check("formula", lambda: losses.custom(formula))
    click = r.choice("click", OUTLIER_CLICKS)
    if source == "line":
        r.check("count", lambda: None if spec["count"] <= spec["n"] - 2 else _raise(
            f"outlier count must be a whole number between 0 and {spec['n'] - 2} (at least two points stay clean)"))
    return {"spec": spec, "params": params, "formula": formula, "click": click}


def _raise(message: str):
    raise InputError(message)


def read_gallery(r: Reader) -> dict[str, object]:
    kind = r.choice("kind", list(curves.AXES))
    axis = curves.AXES[kind]
    chosen = r.choices(f"show_{axis.variable}", curves.choices(kind), axis.defaults)
    params = {name: {p.name: float(r.number(p.name, float(p.low), float(p.high), float(p.default), SLIDER_STEP))
                     for p in losses.spec(name).params} for name in chosen}
    formula = r.text(f"formula_{axis.variable}", "")
    if formula.strip():
        r.check(f"formula_{axis.variable}", lambda: losses.custom(formula, kind=kind))
    span = r.number("span", curves.SPAN.low, curves.SPAN.high, curves.SPAN.default, 0.5)
    at = r.number("at", curves.AT.low, curves.AT.high, curves.AT.default, 0.1)
    smoothing = {p.name: float(r.number(p.name, float(p.low), float(p.high), float(p.default), SLIDER_STEP))
                 for p in losses.spec("cross_entropy").params}
    classes = r.number("classes", int(curves.CLASSES.low), int(curves.CLASSES.high), int(curves.CLASSES.default))
    return {"kind": kind, "chosen": params, "formula": formula, "span": span, "at": at,
            "label_smoothing": smoothing["label_smoothing"], "classes": classes}


def read_classification(r: Reader) -> dict[str, object]:
    dataset = r.choice("data", data.names("binary"), "blobs")
    n = r.number("n", 50, 1000, 200, 10)
    seed = r.number("seed", 0, 10_000, 0)
    loss = r.choice("loss", list(classify.BINARY_LOSSES))
    params = {p.name: float(r.number(p.name, float(p.low), float(p.high), float(p.default), SLIDER_STEP))
              for p in classify.tunable(loss)}
    style = r.choice("surf", SURFACE_STYLES)
    w = classify.POS_WEIGHT
    pos_weight = r.number("pos_weight", w.low, w.high, w.default, 0.05)
    px = r.choice("px", classify.SOFTMAX_PARAMS, "wA1")
    py = r.choice("py", classify.SOFTMAX_PARAMS, "wB1")
    t = classify.TEMPERATURE
    temperature = r.number("T", t.low, t.high, t.default, 0.05)
    smoothing = {p.name: float(r.number(p.name, float(p.low), float(p.high), float(p.default), SLIDER_STEP))
                 for p in losses.spec("cross_entropy").params}
    o = classify.OFFSET
    dx = r.number("dx", o.low, o.high, o.default, 0.1)
    dy = r.number("dy", o.low, o.high, o.default, 0.1)
    return {"dataset": dataset, "n": n, "seed": seed, "loss": loss, "params": params, "style": style,
            "pos_weight": pos_weight, "pair": (px, py), "temperature": temperature,
            "label_smoothing": smoothing["label_smoothing"], "offsets": (dx, dy)}


def read_distributions(r: Reader) -> dict[str, object]:
    def slider(p: Param, name: str, step: float) -> float:
        return r.number(name, p.low, p.high, p.default, step)

    return {"separation": slider(divergence.SEPARATION, "sep", 0.1),
            "share": slider(divergence.SHARE, "share", 0.05),
            "width": slider(divergence.WIDTH, "width", 0.05),
            "position": slider(divergence.POSITION, "pos", 0.01),
            "extent": slider(divergence.EXTENT, "extent", 0.01),
            "softness": slider(divergence.SOFTNESS, "soft", 0.001),
            "smooth": r.number("smooth", 0.01, 10.0, divergence.SMOOTH.default, 0.01)}


def read_optimisers(r: Reader) -> dict[str, object]:
    spec = _problem_picker(r)
    obj = _objective(r, spec)
    if obj is None:
        return {"spec": spec}
    names = r.choices("opt", optim.names(), optim.DEFAULT_RACE)
    hparams = {name: {p.name: r.param(p, prefix=f"{name}_") for p in optim.spec(name).params} for name in names}
    schedule = r.choice("sched", optim.schedule_names())
    schedule_params = {p.name: r.param(p, prefix=f"{schedule}_") for p in optim.schedule_spec(schedule).params}
    clip = None
    if r.flag("clip"):
        clip = r.number("clip_at", optim.CLIP.low, optim.CLIP.high, optim.CLIP.default)
    batch_size, seed = None, 0
    if obj.subset is not None and r.flag("mb"):
        n = int(obj.meta["n_points"])
        batch_size = r.number("batch", 1, n, min(16, n))
        seed = r.number("bseed", 0, 10_000, 0)
    entries = {}
    for name in names:
        settings = {**hparams[name], "schedule": schedule, **schedule_params}
        if optim.spec(name).elementwise:
            settings |= {"clip": clip, "batch_size": batch_size, "seed": seed}
        entries[name] = settings
    x, y = optim.default_start(obj)
    start = (float(r.number("sx", -1e6, 1e6, round(x, 3))), float(r.number("sy", -1e6, 1e6, round(y, 3))))
    steps = r.number("steps", 1, optim.MAX_STEPS, RACE_STEPS)
    tol = r.number("tol", TOLERANCE.low, TOLERANCE.high, TOLERANCE.default)
    speed = r.choice("speed", SPEEDS, "normal")
    swarm_n = None
    if r.flag("swarm"):
        low, high, default = SWARM_SIDE
        swarm_n = r.number("swarm_n", low, high, default)
    lr_map = r.flag("map")
    if not names:
        r.refuse("opt", "choose at least one optimiser")
    return {"spec": spec, "entries": entries, "schedule": schedule, "start": start, "steps": steps, "tol": tol,
            "speed": speed, "swarm_n": swarm_n, "lr_map": lr_map}


def read_neural(r: Reader) -> dict[str, object]:
    settings = dict(
        data=r.choice("data", NEURAL_DATASETS),
        n=r.number("n", nn.MIN_POINTS, nn.MAX_POINTS, 400),
        noise=r.number("noise", 0.0, 1.0, 0.15, 0.01),
        widths=r.text("widths", "32, 32", max_chars=40),
        activation=r.choice("act", list(nn.ACTIVATIONS)),
        optimizer=r.choice("opt", list(nn.OPTIMIZERS), "adam"),
        lr=r.number("lr", 1e-6, 1e6, 0.01, 0.001),
        batch=r.number("batch", 1, nn.MAX_POINTS, 32),
        epochs=r.number("epochs", 1, nn.MAX_EPOCHS, 100),
        wd=r.number("wd", 0.0, 10.0, 0.0, 0.0001),
        seed=r.number("seed", 0, 10_000, 0),
    )
    r.check("widths", lambda: nn.parse_widths(settings["widths"]))
    view = r.choice("view", NEURAL_VIEWS)
    shown: dict[str, object] = {}
    if view in ("plane", "pca"):
        shown["part"] = r.choice("part", NEURAL_PARTS)
        shown["res"] = r.number("res", 11, slices.MAX_RESOLUTION, 41)
        if view == "plane":
            shown["span"] = r.number("span", 0.1, 5.0, 1.0, 0.1)
            shown["norm"] = r.choice("norm", list(slices.NORMALISATIONS))
            shown["dseed"] = r.number("dseed", 0, 10_000, 0)
    if view != "curvature":
        shown["log"] = r.flag("log", True)
    return {"settings": settings, "view": view, **shown}


def read_overfitting(r: Reader) -> dict[str, object]:
    return dict(noise=r.number("noise", 0.0, 1.0, 0.3, 0.05),
                n=r.number("n", capacity.MIN_TRAIN, capacity.MAX_TRAIN, 30),
                seed=r.number("seed", 0, 10_000, 0),
                l2=r.number("l2", 0.0, capacity.MAX_L2, 0.0, 0.001),
                degree=r.number("degree", 0, SWEEP_DEGREE, 12),
                width=r.number("width", 1, nn.MAX_WIDTH, 64),
                layers=r.number("layers", 1, nn.MAX_DEPTH, 2),
                epochs=r.number("epochs", 1, nn.MAX_EPOCHS, 1000),
                lr=r.number("lr", 1e-6, 1e6, 0.01, 0.001))

