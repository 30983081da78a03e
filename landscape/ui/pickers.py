"""Controls shared by pages: problem, loss and parameter pickers, all bound to the URL.

Every picker reads its options and bounds from the registries, and returns plain values
(the problem picker: a hashable ``problems.ProblemSpec``) so the compute call below it can be cached.
"""
from __future__ import annotations

import streamlit as st

from landscape import grammar, losses, problems
from landscape.controls import SLIDER_STEP, box_step, fits_slider, slider_step
from landscape.losses import Param
from landscape.problems import UPLOAD, Control, ProblemSpec
from landscape.ui.state import UrlState


def param_sliders(url: UrlState, params: tuple[Param, ...], container=st, prefix: str = "",
                  step: float | None = None) -> dict[str, float]:
    """One slider per registry parameter, with the registry's bounds and default (``step``: the same for all)."""
    values = {}
    for p in params:
        values[p.name] = float(url.slider(p.name, prefix + p.name, float(p.low), float(p.high), float(p.default),
                                          step=step or slider_step(p.low, p.high), container=container,
                                          help=p.help or None))
    return values


def param_inputs(url: UrlState, params: tuple[Param, ...], container=st, prefix: str = "") -> dict[str, float]:
    """One control per registry parameter: a slider for a short linear range, else a number box.

    Number boxes are not clamped: what a person types goes to the compute package, whose
    ``Param.check`` explains a bad value.  Link values must lie within the registry's bounds.
    """
    values = {}
    for p in params:
        if fits_slider(p):
            values[p.name] = float(url.slider(p.name, prefix + p.name, float(p.low), float(p.high), float(p.default),
                                              step=SLIDER_STEP, container=container, help=p.help or None))
        else:
            values[p.name] = float(url.number(p.name, prefix + p.name, float(p.low), float(p.high), float(p.default),
                                              step=box_step(p), container=container, clamp=False, format="%g",
                                              help=p.help or None))
    return values


def point_picker(url: UrlState, names: tuple[str, str], default: tuple[float, float], owner: str,
                 keys: tuple[str, str] = ("sx", "sy"), container=st) -> tuple[float, float]:
    """A point (x, y) as two number boxes side by side, bound to the URL under ``keys``.

    Both go back to ``default`` when ``owner`` changes (e.g. another problem with another view);
    a link's values are kept on the first run.  Values are not clamped: the compute package checks them.
    """
    marker = url.key(keys[0] + "_owner")
    if st.session_state.get(marker, owner) != owner:
        for k, v in zip(keys, default):
            st.session_state[url.key(k)] = v
    st.session_state[marker] = owner
    columns = container.columns(2)
    return tuple(float(url.number(f"{name}", k, -1e6, 1e6, float(v), container=col, clamp=False, format="%g"))
                 for name, k, v, col in zip(names, keys, default, columns))  # type: ignore[return-value]


def loss_picker(url: UrlState, kind: str, container=st, default: str | None = None,
                custom: bool = True) -> dict[str, object]:
    """A loss of one kind and its parameters: ``{"loss": name, "loss_params": {...}[, "formula": text]}``."""
    options = losses.names(kind) + (["custom"] if custom else [])
    titles = {n: losses.spec(n).title for n in losses.names(kind)} | {"custom": "your own formula"}
    name = url.selectbox("Loss", "loss", options, default, container=container, format_func=titles.get)
    if name == "custom":
        variable = grammar.VARIABLES[kind]  # the formula's variable and its example, the start value
        formula = url.text(f"Formula in {variable.name}", "formula", variable.example, container=container,
                           help="e.g. abs(r)**1.5, log(cosh(r)), where(abs(r) < 1, r**2, abs(r))")
        return {"loss": "custom", "formula": formula, "loss_params": {}}
    return {"loss": name, "loss_params": param_sliders(url, losses.spec(name).params, container)}


def problem_picker(url: UrlState, container=st.sidebar) -> tuple[ProblemSpec, bytes | None]:
    """Pick a problem from ``problems.FAMILIES``; returns ``(spec, csv_bytes)`` for ``ui.compute``."""
    family = problems.family(url.radio("Problem", "family", list(problems.FAMILIES), container=container,
                                       format_func=lambda name: problems.FAMILIES[name].label, horizontal=True))
    options = family.options() + ([UPLOAD] if family.uploads else [])
    name = url.selectbox(family.pick_label, family.pick, options, family.default, container=container,
                         format_func=lambda n: n if n == UPLOAD else family.title(n))
    csv, numbers = None, {}
    if name == UPLOAD:
        csv, name = _upload(url, container), ""
    else:
        numbers = {c.name: control(url, c, container) for c in family.controls(name)}
    loss = loss_picker(url, family.loss_kind, container) if family.loss_kind else {}
    penalties = {c.name: control(url, c, container) for c in family.penalties}
    return ProblemSpec(family.name, name, numbers, **loss, **penalties), csv


def _upload(url: UrlState, container) -> bytes:
    """The bytes of an uploaded CSV; the page stops here until one is chosen."""
    upload = container.file_uploader("CSV with columns x, y", type=["csv", "txt"], key=f"{url.page}_csv")
    if upload is None:
        container.info("Choose a CSV file of two numeric columns, x and y (a header row is optional).")
        st.stop()
    return upload.getvalue()


def control(url: UrlState, c: Control, container, **kw) -> float:
    """A number of the compute's (``problems.Control``): a slider or a number box, bound to the URL."""
    draw = url.number if c.box else url.slider
    return draw(c.label, c.name, c.low, c.high, c.default, step=c.step, container=container, help=c.help or None,
                **kw)


def view_picker(url: UrlState, view, names, container=st.sidebar):
    """Resolution and, on request, a view range other than the problem's default."""
    n = url.slider("Resolution (points per side)", "res", 11, 301, 101, container=container)
    if not url.checkbox("Set the view range", "zoom", container=container):
        return None, None, n
    ranges = []
    for (lo, hi), name in zip(view, names):
        left, right = container.columns(2)
        ranges.append((url.number(f"{name} min", f"{name}0", -1e6, 1e6, round(float(lo), 3), container=left),
                       url.number(f"{name} max", f"{name}1", -1e6, 1e6, round(float(hi), 3), container=right)))
    return ranges[0], ranges[1], n
