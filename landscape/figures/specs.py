"""Figures as plain specs: ``{"data": [trace dicts], "layout": dict, "frames": [...]}`` in the normalised form
Plotly itself writes out (issue 13).

Plotly's graph objects validate every property they are given, one nested path at a time, which made building
figures half of an Outliers or Optimisers run on a new input.  So the hot builders write specs: ``subplots``,
``cell``, ``vline``/``hline`` and ``colorscale`` give Plotly's own layouts and values, ``merge`` updates a spec as
Plotly's ``update`` would, ``spec_of`` turns a figure into a spec and ``figure`` wraps a spec without validating
it again (``Animated`` keeps animation frames as plain dicts until they are read).  Within ``plain()`` a caller
that only keeps what a figure sends (``landscape.ui.charts``) gets ``Finished`` figures that hold their spec and
build no Plotly objects at all.  tests/test_figures.py holds every figure, in every look, equal to the copy Plotly
validates and to what it sends built within ``plain()``, and each helper equal to the Plotly call it stands for.
"""
from __future__ import annotations

import contextlib
import contextvars
import copy
import functools

import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64


def value_at(obj: dict, *path):
    """``obj[path[0]][path[1]]...``, or None where the path is not set."""
    for name in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(name)
    return obj


def _merged(base: dict, new: dict) -> dict:
    """``base`` updated by ``new`` as Plotly's ``update`` does: nested dicts merge, anything else replaces."""
    return base | {k: _merged(base.get(k) or {}, v) if isinstance(v, dict) else v for k, v in new.items()}


def merge(obj: dict, patch: dict) -> dict:
    """``obj`` (a spec or a part of one) updated in place by ``patch`` as Plotly's ``update`` would."""
    obj.update(_merged(obj, patch))
    return obj


@functools.cache
def has_property(trace_type: str, *path: str) -> bool:
    """Whether Plotly's ``trace_type`` has the property ``path`` (set or not), as ``name in trace`` says."""
    obj = go.Figure({"data": [{"type": trace_type}]}).data[0]
    for name in path:
        if name not in obj:
            return False
        obj = obj[name]
    return True


def spec_of(fig: go.Figure | dict) -> dict:
    """A figure as plain nested dicts: ``data`` (one dict a trace, with its ``type``), ``layout`` and, when
    animated, ``frames`` (numpy arrays kept as they are).  A dict is taken as such a spec already."""
    if isinstance(fig, dict):
        return fig
    if isinstance(fig, Finished):
        return fig.to_dict()
    frames = list(fig._raw_frames) if isinstance(fig, Animated) and fig._raw_frames else \
        [frame.to_plotly_json() for frame in fig.frames]
    return {"data": [trace.to_plotly_json() for trace in fig.data], "layout": fig.layout.to_plotly_json(),
            **({"frames": frames} if frames else {})}


_plain = contextvars.ContextVar("plain_figures", default=False)


@contextlib.contextmanager
def plain():
    """Within: ``figure(spec)`` is a ``Finished`` figure of the spec, for a caller that keeps only what the
    figure sends.  Wrapping a spec in a figure (Plotly still parses the layout's every property) and copying
    an animation's frames out of it again cost an Optimisers run 20 ms (issue 13)."""
    token = _plain.set(True)
    try:
        yield
    finally:
        _plain.reset(token)


class Finished(go.Figure):
    """A figure that only sends ``spec``: ``to_dict`` (what ``st.plotly_chart`` and ``to_json`` send) is the spec
    itself.  Draw it; reading or changing its ``data`` or ``layout`` (``add_trace``, ``update_layout``, ...) raises
    TypeError, so a builder that changes another's figure without ``editable`` fails instead of drawing less."""

    def __init__(self, spec: dict):  # not Plotly's: even an empty figure cost 0.43 ms, five of them an Outliers rerun
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def __reduce__(self):  # pickled (st.cache_data) and copied as its spec
        return Finished, (self._spec,)

    @property
    def data(self):
        raise TypeError(_SEALED)

    @property
    def layout(self):
        raise TypeError(_SEALED)

    def __getattr__(self, name: str):  # what Plotly's __init__ would have set (``add_trace`` reads ``_data``)
        if name.startswith("__"):
            raise AttributeError(name)  # copy, pickle and hasattr look for optional hooks
        raise TypeError(_SEALED)


_SEALED = "a Finished figure holds its spec only: draw it, or change specs.editable(figure)"


def _as_sent(spec: dict) -> dict:
    """``spec`` (in place) as a figure's ``to_dict`` writes it: numpy arrays of its traces and layout as base64
    typed arrays, and Plotly's default template in a layout that names none (frames go as they are)."""
    convert_to_base64(spec["data"])
    convert_to_base64(spec["layout"])
    if spec["layout"].get("template") is None and pio.templates.default is not None:
        spec["layout"]["template"] = copy.deepcopy(_default_template(pio.templates.default))
    return spec


@functools.lru_cache(maxsize=4)
def _default_template(name: str) -> dict:
    return go.Figure().layout.template.to_plotly_json()


def figure(spec: dict) -> go.Figure:
    """The figure of a spec, not validated again: its parts were validated as they were built, or are
    written as Plotly writes them (tests/test_figures.py holds every figure equal to its validated copy).
    Within ``plain()``, a ``Finished`` figure of it."""
    if _plain.get():
        return Finished(_as_sent(spec))
    fig = Animated(data=spec["data"], layout=spec["layout"], _validate=False)
    return fig.animate(spec["frames"]) if spec.get("frames") else fig


def editable(fig: go.Figure) -> go.Figure:
    """A builder's figure to change further with Plotly's methods (``add_trace``, ``add_vline``, ...): a
    ``Finished`` one (built within ``plain()``) as a figure of its spec, which those methods change."""
    if not isinstance(fig, Finished):
        return fig
    token = _plain.set(False)
    try:
        return figure(fig.to_dict())
    finally:
        _plain.reset(token)


def subplots(rows: int, cols: int, **options) -> dict:
    """The layout ``plotly.subplots.make_subplots(rows, cols, **options)`` makes (axes, domains, subplot titles),
    as a plain dict to build a spec on: Plotly's own, made once per distinct arguments (a make_subplots call
    costs a page 25 ms).  Options are hashable (tuples, not lists)."""
    return copy.deepcopy(_subplot_layout(rows, cols, tuple(sorted(options.items()))))


@functools.lru_cache(maxsize=64)
def _subplot_layout(rows: int, cols: int, options: tuple) -> dict:
    from plotly.subplots import make_subplots

    layout = make_subplots(rows=rows, cols=cols, **dict(options)).layout.to_plotly_json()
    layout.pop("template", None)
    return layout


def cell(row: int, col: int, cols: int) -> dict:
    """The axes of the subplot at (``row``, ``col``) of a grid ``cols`` wide, as a trace names them."""
    n = (row - 1) * cols + col
    suffix = "" if n == 1 else str(n)
    return {"xaxis": "x" + suffix, "yaxis": "y" + suffix}


def axis_key(ref: str) -> str:
    """The layout key of the axis a trace names: ``"x2"`` -> ``"xaxis2"``."""
    return ref[0] + "axis" + ref[1:]


def colorscale(name: str) -> list:
    """A named colour scale as Plotly writes it out: ``[[0.0, "#440154"], ...]``."""
    return copy.deepcopy(_colorscale(name))


@functools.cache
def _colorscale(name: str) -> list:
    return go.Contour(colorscale=name).to_plotly_json()["colorscale"]


# Where Plotly's ``add_vline`` / ``add_hline`` put a line's label, by ``annotation_position`` (those in use).
_VLINE_LABEL = {"top": dict(y=1, xanchor="center", yanchor="bottom"),
                "top left": dict(y=1, xanchor="right", yanchor="top"),
                "bottom left": dict(y=0, xanchor="right", yanchor="bottom")}
_HLINE_LABEL = {"bottom right": dict(x=1, xanchor="right", yanchor="top")}


def vline(layout: dict, x: float, line: dict, text: str, position: str) -> None:
    """Plotly's ``fig.add_vline(x, line=line, annotation_text=text, annotation_position=position)`` on a spec."""
    layout.setdefault("shapes", []).append(dict(type="line", x0=x, x1=x, xref="x", y0=0, y1=1, yref="y domain",
                                                line=line))
    layout.setdefault("annotations", []).append(dict(showarrow=False, text=text, x=x, xref="x", yref="y domain",
                                                     **_VLINE_LABEL[position]))


def hline(layout: dict, y: float, line: dict, text: str, position: str) -> None:
    """Plotly's ``fig.add_hline(y, line=line, annotation_text=text, annotation_position=position)`` on a spec."""
    layout.setdefault("shapes", []).append(dict(type="line", x0=0, x1=1, xref="x domain", y0=y, y1=y, yref="y",
                                                line=line))
    layout.setdefault("annotations", []).append(dict(showarrow=False, text=text, y=y, xref="x domain", yref="y",
                                                     **_HLINE_LABEL[position]))


class Animated(go.Figure):
    """A figure whose animation frames stay the plain dicts they were built as until they are read.

    Setting ``frames`` makes Plotly validate every property of every frame: half of the build of the Optimisers
    page's map (60 frames, issue 13), which the page only sends on.  ``to_dict`` (what ``st.plotly_chart``
    and ``to_json`` send) hands the dicts over as they are; reading ``frames`` validates them then.
    tests/test_figures.py holds the two equal."""

    _raw_frames: tuple[dict, ...] = ()

    def animate(self, frames: list[dict]) -> Animated:
        self._raw_frames = tuple(frames)
        return self

    @property
    def frames(self):
        if self._raw_frames:
            go.Figure.frames.fset(self, list(self._raw_frames))
            self._raw_frames = ()
        return go.Figure.frames.fget(self)

    @frames.setter
    def frames(self, new_frames):
        self._raw_frames = ()
        go.Figure.frames.fset(self, new_frames)

    def to_dict(self) -> dict:
        out = super().to_dict()
        if self._raw_frames:
            out["frames"] = copy.deepcopy(list(self._raw_frames))
        return out
