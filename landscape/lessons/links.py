"""Every page's link parameters, read as the page reads them: names, parsers, bounds and defaults.

A lesson step is a view of one page, given by that page's query parameters (``?loss=huber&n=101``).
This module walks the same controls, in the same order and under the same conditions as each page in
``views/`` does (a benchmark's parameters only for a benchmark, an optimiser's only when it races, ...),
and parses every value as ``landscape.ui.state.UrlState`` parses a link (``parse_number``, a choice
among the options, a comma-separated list, 1 / 0, a text of at most ``max_chars``).  The result:

* ``values``: every control's value, by link name (the default where the link gives none);
* ``inputs``: what the page's compute receives (a problem spec, race entries, training settings, ...);
* ``problems``: ``(name, message)`` for each value the page would refuse with a "Link parameter"
  warning, and, in a lesson (``strict``), for what a lesson cannot carry (an uploaded CSV, hand-edited
  points) or what the page's compute refuses at once (a formula, hidden-layer widths);
* ``unused``: link parameters this view does not read (a typo, or another problem's parameter).

No streamlit here.  ``tests/test_lesson_links.py`` holds the registry to the pages: an AppTest per page
with every parameter at a valid value other than its default gives no warning and sets every control to
the value parsed here, and out-of-bounds values get the page's warning.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Sequence

from landscape import capacity, classify, curves, data, divergence, losses, nn, optim, problems, slices
from landscape.influence import DEFAULT_SCENARIO
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


# ---- the parsers of a link, as UrlState has them ---------------------------------------------------

def parse_number(text: str, low: float, high: float, integer: bool = False) -> float | int:
    """A number from the URL, within [low, high] (``UrlState``'s ``parse_number``)."""
    try:
        value = float(text)
    except ValueError:
        raise InputError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise InputError(f"{text} is outside {low:g} to {high:g}")
    if integer:
        if value != int(value):
            raise InputError(f"{text} is not a whole number")
        return int(value)
    return value


def parse_choice(text: str, options: Sequence[str]) -> str:
    if text not in options:
        raise InputError(f"{text!r} is not one of {', '.join(options)}")
    return text


def parse_choices(text: str, options: Sequence[str]) -> list[str]:
    values = list(dict.fromkeys(v for v in text.split(",") if v))
    bad = [v for v in values if v not in options]
    if bad:
        raise InputError(f"{', '.join(bad)} not among {', '.join(options)}")
    return values


def parse_flag(text: str) -> bool:
    if text.lower() not in ("1", "0", "true", "false"):
        raise InputError(f"{text!r} is not 1 or 0")
    return text.lower() in ("1", "true")


def parse_text(text: str, max_chars: int) -> str:
    if len(text) > max_chars:
        raise InputError(f"longer than {max_chars} characters")
    return text


def fmt_number(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _is_int(*values: Any) -> bool:
    return all(isinstance(v, int) and not isinstance(v, bool) for v in values)


# ---- the reader: one page's controls, walked in the page's order -----------------------------------

@dataclass
class Reader:
    """Reads link parameters as one run of a page does; ``strict`` adds a lesson's own refusals."""

    raw: Mapping[str, str]
    strict: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def _take(self, name: str, default: Any, parse: Callable[[str], Any]) -> Any:
        value = default
        text = self.raw.get(name)
        if text is not None:
            try:
                value = parse(text)
            except InputError as err:
                self.problems.append((name, str(err)))
        self.values[name] = value
        return value

    def choice(self, name: str, options: Sequence[str], default: str | None = None) -> str:
        options = list(options)
        return self._take(name, options[0] if default is None else default, lambda t: parse_choice(t, options))

    def choices(self, name: str, options: Sequence[str], default: Sequence[str]) -> list[str]:
        options = list(options)
        return self._take(name, list(default), lambda t: parse_choices(t, options))

    def number(self, name: str, low: float, high: float, default: float, step: float | None = None) -> float | int:
        """A slider or a number box: the link value must lie in [low, high]; whole numbers when the page's
        bounds, default and step are all ``int`` (as ``UrlState`` decides)."""
        integer = _is_int(low, high, default) and (step is None or _is_int(step))
        return self._take(name, default, lambda t: parse_number(t, low, high, integer))

    def control(self, c: problems.Control) -> float | int:
        """A problem's number as ``ui.pickers`` draws it (a slider or a number box, the same link rule)."""
        return self.number(c.name, c.low, c.high, c.default, c.step)

    def param(self, p: Param, prefix: str = "") -> float:
        """A registry parameter as ``param_sliders`` / ``param_inputs`` draw it: float bounds and default."""
        return float(self.number(prefix + p.name, float(p.low), float(p.high), float(p.default)))

    def flag(self, name: str, default: bool = False) -> bool:
        return self._take(name, default, parse_flag)

    def text(self, name: str, default: str = "", max_chars: int = 200) -> str:
        return self._take(name, default, lambda t: parse_text(t, max_chars))

    def refuse(self, name: str, reason: str) -> None:
        """In a lesson only: a value the page takes but a lesson step cannot carry."""
        if self.strict:
            self.problems.append((name, reason))

    def check(self, name: str, fn: Callable[[], Any]) -> Any:
        """In a lesson only: run a check of the page's compute now, so that a step cannot fail when played."""
        if not self.strict:
            return None
        try:
            return fn()
        except InputError as err:
            self.problems.append((name, str(err)))
            return None


# ---- shared pickers (landscape.ui.pickers) ---------------------------------------------------------

def _loss_picker(r: Reader, kind: str) -> dict[str, object]:
    options = losses.names(kind) + ["custom"]
    name = r.choice("loss", options)
    if name == "custom":
        default = "abs(r)**1.5" if kind == "regression" else "softplus(-m)"
        formula = r.text("formula", default)
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

def _surface(r: Reader) -> dict[str, object]:
    spec = _problem_picker(r)
    obj = _objective(r, spec)
    if obj is None:
        return {"spec": spec}
    x_range, y_range, n = _view_picker(r, obj)
    scale = r.choice("scale", ["auto", "linear", "log"])
    arrows = r.flag("arrows")
    return {"spec": spec, "x_range": x_range, "y_range": y_range, "n": n, "scale": scale, "arrows": arrows}


def _outliers(r: Reader) -> dict[str, object]:
    if "pts" in r.raw:
        r.values["pts"] = r.raw["pts"]
        r.refuse("pts", "points edited by hand cannot be part of a lesson step yet; use the count, size and "
                        "position of the generated outliers")
    source = r.choice("data", OUTLIER_SOURCES)
    spec: dict[str, object] = {"source": source}
    if source == "csv":
        r.refuse("data", "a lesson step cannot carry an uploaded CSV; use the line with noise")
    else:
        s = DEFAULT_SCENARIO
        spec |= {"n": r.number("n", 10, 2_000, s.n), "seed": r.number("seed", 0, 10_000, s.seed),
                 "slope": r.number("slope", -5.0, 5.0, s.slope, 0.1),
                 "noise": r.number("noise", 0.1, 10.0, s.noise, 0.1)}
    s = DEFAULT_SCENARIO
    spec |= {"count": r.number("count", 0, 50, s.count), "size": r.number("size", -30.0, 30.0, s.size, 0.5),
             "position": r.choice("pos", OUTLIER_POSITIONS)}
    extra = r.choices("also", [n for n in losses.names("regression") if n not in s.losses], [])
    params = {}
    for name in losses.names("regression"):  # the page draws the parameters of the losses it fits
        if name in s.losses or name in extra:
            params |= {p.name: r.param(replace(p, default=s.delta) if p.name == "delta" else p)
                       for p in losses.spec(name).params}
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


def _gallery(r: Reader) -> dict[str, object]:
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


def _classification(r: Reader) -> dict[str, object]:
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


def _distributions(r: Reader) -> dict[str, object]:
    def slider(p: Param, name: str, step: float) -> float:
        return r.number(name, p.low, p.high, p.default, step)

    return {"separation": slider(divergence.SEPARATION, "sep", 0.1),
            "share": slider(divergence.SHARE, "share", 0.05),
            "width": slider(divergence.WIDTH, "width", 0.05),
            "position": slider(divergence.POSITION, "pos", 0.01),
            "extent": slider(divergence.EXTENT, "extent", 0.01),
            "softness": slider(divergence.SOFTNESS, "soft", 0.001),
            "smooth": r.number("smooth", 0.01, 10.0, divergence.SMOOTH.default, 0.01)}


def _optimisers(r: Reader) -> dict[str, object]:
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


def _neural(r: Reader) -> dict[str, object]:
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


def _overfitting(r: Reader) -> dict[str, object]:
    return dict(noise=r.number("noise", 0.0, 1.0, 0.3, 0.05),
                n=r.number("n", capacity.MIN_TRAIN, capacity.MAX_TRAIN, 30),
                seed=r.number("seed", 0, 10_000, 0),
                l2=r.number("l2", 0.0, capacity.MAX_L2, 0.0, 0.001),
                degree=r.number("degree", 0, SWEEP_DEGREE, 12),
                width=r.number("width", 1, nn.MAX_WIDTH, 64),
                layers=r.number("layers", 1, nn.MAX_DEPTH, 2),
                epochs=r.number("epochs", 1, nn.MAX_EPOCHS, 1000),
                lr=r.number("lr", 1e-6, 1e6, 0.01, 0.001))


# ---- the registry ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    path: str  # url_path in app.py: the page's address, and a lesson step's ``page``
    title: str  # as in the app's menu
    view: str  # the page's file
    state: str  # UrlState's page name: a control's session-state key is "<state>_<name>"
    walk: Callable[[Reader], dict[str, object]]
    figures: tuple[str, ...]  # what a step can show of the page; the first is the default


PAGES: dict[str, Page] = {p.path: p for p in (
    Page("loss_surface", "Loss surface", "views/loss_surface.py", "surface", _surface, ("contour", "surface", "parts")),
    Page("outliers", "Outliers", "views/outliers.py", "outliers", _outliers,
         ("scatter", "surfaces", "shares", "influence", "psi")),
    Page("loss_functions", "Loss functions", "views/loss_functions.py", "gallery", _gallery, ("curves", "confidence")),
    Page("classification", "Classification", "views/classification.py", "classify", _classification,
         ("boundary", "surface", "confusion", "softmax", "simplex")),
    Page("distributions", "Distributions and overlap", "views/distributions.py", "dist", _distributions,
         ("divergences", "densities", "overlap", "slices")),
    Page("optimisers", "Optimisers", "views/optimisers.py", "optim", _optimisers, ("race", "paths", "curves", "map")),
    Page("neural_landscape", "Neural landscape", "views/neural_landscape.py", "nn", _neural, ("history", "view")),
    Page("overfitting", "Overfitting", "views/overfitting.py", "fit", _overfitting,
         ("degrees", "degree_fits", "epochs", "epoch_fits")),
)}


def page(path: object) -> Page:
    try:
        return PAGES[path]  # type: ignore[index]
    except (KeyError, TypeError):
        raise InputError(f"unknown page {path!r}; a step shows one of {', '.join(PAGES)}") from None


def shown_figures(path: str, inputs: Mapping[str, Any]) -> tuple[str, ...]:
    """The figures of ``PAGES[path].figures`` that this view draws (some only with a setting)."""
    figures = page(path).figures
    if path == "loss_surface":
        spec = inputs.get("spec")
        penalised = spec is not None and bool(spec.l1 or spec.l2)
        return tuple(f for f in figures if f != "parts" or penalised)
    if path == "optimisers":
        return tuple(f for f in figures if f != "map" or inputs.get("lr_map"))
    return figures


@dataclass(frozen=True)
class Parsed:
    """A page's link, read: see the module docstring."""

    page: str
    values: dict[str, Any]
    inputs: dict[str, Any]
    problems: tuple[tuple[str, str], ...]
    unused: tuple[str, ...]

    def message(self) -> str | None:
        """Every problem, one clause each; None when the link is fine."""
        parts = [f"link parameter `{name}`: {text}" for name, text in self.problems]
        if self.unused:
            known = ", ".join(sorted(self.values))
            parts += [f"`{name}` is not a link parameter of the {PAGES[self.page].title} page with these settings "
                      f"(it reads {known})" for name in self.unused]
        return "; ".join(parts) or None


def parse(path: str, raw: Mapping[str, str], strict: bool = True) -> Parsed:
    """Read ``raw`` (query parameters, all text) as page ``path`` reads its link."""
    p = page(path)
    reader = Reader(dict(raw), strict)
    inputs = p.walk(reader)
    unused = tuple(name for name in raw if name not in reader.values)
    return Parsed(path, reader.values, inputs, tuple(reader.problems), unused)


def check(path: str, raw: Mapping[str, str]) -> Parsed:
    """``parse`` in a lesson, raising InputError when anything is refused or unread."""
    parsed = parse(path, raw, strict=True)
    message = parsed.message()
    if message:
        raise InputError(message)
    return parsed


def as_text(value: object) -> str:
    """A value written in a lesson file (text, number, true / false, a list) as the text of a link."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InputError(f"{value} is not a finite number")
        return repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return ",".join(value)
    raise InputError(f"a link parameter is text, a number, true / false or a list of texts, not {type(value).__name__}")
