"""The Outliers page's glue: its controls, the callbacks of the scatter and the table, the cached compute.

Everything computed lives outside: the choices as values (data, losses, the controls' bounds) in
``landscape.outlier_choice``, the points, the losses and the view in ``landscape.outliers``, the edits
(the link's ``pts``, and what a click or a table change does to them) in ``landscape.point_edits``, every
sentence and caption in ``landscape.outlier_words``.  Here: the controls (URL-bound, defaults from
``influence.DEFAULT_SCENARIO``), the edits and the picked point kept in the session, the callbacks, one-line
caches of the compute, and the formula left out with a message.
"""
from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from landscape import jobs, losses, outlier_choice
from landscape import outliers as core
from landscape.figures.outliers import Line, fitted_lines
from landscape.outlier_choice import LINE_CONTROLS, NEW_POINTS, OUTLIER_CONTROLS, Choice, LossChoice, OutlierData
from landscape.outliers import OutlierView, Points
from landscape.point_edits import Edits, after_click, after_table
from landscape.types import InputError
from landscape.ui import progress
from landscape.ui.compute import CACHE, uploaded_points
from landscape.ui.page import run_or_stop, warm_up
from landscape.ui.pickers import control, param_sliders
from landscape.ui.state import UrlState

SOURCES = {"line": "line with noise", "csv": "upload a CSV"}
POSITIONS = {"high": "at the high-x end (leverage)", "random": "anywhere in x"}
CLICKS = {"add": "adds a point", "move": "moves a point", "remove": "removes a point"}


# ---- controls ------------------------------------------------------------------------------------------

def edits(url: UrlState) -> Edits:
    return Edits.parse(st.session_state.get(url.key("pts"), ""))


def _store(url: UrlState, new: Edits) -> None:
    st.session_state[url.key("pts")] = str(new)


def _keep_added(url: UrlState) -> None:
    """The generated points changed: edits of them by number no longer mean the same points."""
    _store(url, Edits(added=edits(url).added))
    st.session_state[url.key("pick")] = None


def reset_edits(url: UrlState) -> None:
    _store(url, Edits())
    st.session_state[url.key("pick")] = None


def data_picker(url: UrlState, container=st.sidebar) -> tuple[OutlierData, bytes | None]:
    """The data and its outliers; returns ``(spec, csv_bytes)``.  Defaults: ``influence.DEFAULT_SCENARIO``."""
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
        spec |= {c.name: control(url, c, container, on_change=changed if c.name in NEW_POINTS else None)
                 for c in LINE_CONTROLS}
    container.markdown("**Outliers**")
    spec |= {c.name: control(url, c, container) for c in OUTLIER_CONTROLS}
    spec |= {"position": url.radio("Where", "pos", list(POSITIONS), container=container,
                                   format_func=POSITIONS.get)}
    return OutlierData(**spec), csv


def losses_picker(url: UrlState, container=st.sidebar) -> LossChoice:
    """The losses fitted (MSE, MAE and Huber always; the other built-in ones on request), their parameters
    (from the registry; Huber's delta starts on the scale of the noise) and an optional formula."""
    extra = url.multiselect("Also fit", "also", list(outlier_choice.EXTRA_LOSSES), [], container=container,
                            format_func=lambda name: losses.spec(name).title,
                            help="More built-in losses, drawn beside MSE, MAE and Huber")
    shown = outlier_choice.shown_losses(extra)
    params = {}
    for name in shown:
        params |= param_sliders(url, outlier_choice.loss_params(name), container)
    formula = url.text("Your own loss in r (optional)", "formula", "", container=container,
                       placeholder="e.g. abs(r)**1.5", help="Fitted and drawn next to the built-in losses; "
                       "e.g. abs(r)**1.5, log(1 + r**2), where(abs(r) < 2, r**2, 4)")
    return LossChoice(params, formula.strip(), shown)


def choose(url: UrlState, container=st.sidebar) -> Choice:
    """Every control of the page, in the sidebar; the edits come from the URL on a first visit."""
    url.value("pts", "", lambda raw: str(Edits.parse(raw)))
    st.session_state.setdefault(url.key("pick"), None)
    spec, csv = data_picker(url, container)
    container.markdown("**Losses**")
    chosen = losses_picker(url, container)
    container.markdown("**Your points**")
    click = url.radio("A click on the scatter", "click", list(CLICKS), container=container,
                      format_func=CLICKS.get, horizontal=True, on_change=partial(_unpick, url))
    n = edits(url).count
    container.button(f"Undo all my edits ({n})", on_click=reset_edits, args=(url,), disabled=not n,
                     key=url.key("reset"))
    if spec.source == "csv" and csv is None:  # after every control: see _wait_for_upload
        _wait_for_upload()
    return Choice(spec, csv, chosen, st.session_state[url.key("pts")], click)


def _wait_for_upload() -> None:
    """Stop until a CSV is chosen.  Only after every control exists: a slider first drawn in a later
    run than the one that stopped was seen drawn at its minimum (its value was right) after an upload."""
    st.info("Choose a CSV file in the sidebar: two numeric columns, x and y (a header row is optional).")
    st.stop()


def _unpick(url: UrlState) -> None:
    st.session_state[url.key("pick")] = None


def picked(url: UrlState) -> int | None:
    """The origin of the point picked to be moved, if any."""
    return st.session_state.get(url.key("pick"))


def picked_row(url: UrlState, p: Points) -> int | None:
    """The row of the point picked to be moved, if it is still there."""
    return p.row_of(picked(url))


# ---- clicks on the scatter and edits in the table (their edits: landscape.point_edits) ------------

def _click(url: UrlState, chart_key: str, mode: str, origin: tuple[int, ...]) -> None:
    points = st.session_state[chart_key]["selection"]["points"]
    if points:
        new, pick = after_click(edits(url), origin, mode, points[0], picked(url))
        _store(url, new)
        st.session_state[url.key("pick")] = pick


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


def points_table(url: UrlState, p: Points, container=st) -> None:
    """The points as an editable table: change x, y or the outlier flag, add rows, delete rows."""
    key = table_key(url)
    container.data_editor(
        p.table(), key=key, num_rows="dynamic", hide_index=False, height=320,
        on_change=on_table_change(url, key, p.origin),
        column_config={"x": st.column_config.NumberColumn("x", required=True, format="%.4g"),
                       "y": st.column_config.NumberColumn("y", required=True, format="%.4g"),
                       "outlier": st.column_config.CheckboxColumn("outlier", default=True,
                                                                  help="left out of the clean fit")})


# ---- the compute, cached ------------------------------------------------------------------------------

@st.cache_data(**CACHE)
def points(spec: OutlierData, csv: bytes | None, pts: str) -> Points:
    """``landscape.outliers.points`` of the chosen data; an upload is parsed once (``uploaded_points``)."""
    upload = uploaded_points(csv) if spec.source == "csv" and csv is not None else None
    return core.points(spec, upload, pts)


@st.cache_data(**CACHE)
def check_losses(chosen: LossChoice) -> str | None:
    return core.formula_problem(chosen)


def outlier_view(spec: OutlierData, csv: bytes | None, pts: str, chosen: LossChoice) -> OutlierView:
    """``landscape.outliers.outlier_view`` of the chosen points and losses.  On the class server a light job
    (``core.view_job``): its fits are hundreds of small torch calls, each of which gives up this process's GIL
    and queues behind every other student's run to take it back (a third of the app processes' busy samples
    at 30 students, py-spy); a worker runs them alone."""
    if not jobs.remote():
        return _outlier_view_here(spec, csv, pts, chosen)
    args = (points(spec, csv, pts), chosen)
    return progress.remote("outliers:" + jobs.identity(core.view_job, args, {}), "Fitting the lines",
                           core.view_job, *args, light=True)


@st.cache_data(**CACHE)
def _outlier_view_here(spec: OutlierData, csv: bytes | None, pts: str, chosen: LossChoice) -> OutlierView:
    """The view computed in this process (timed after the warm-up)."""
    warm_up().join()
    return core.view_job(points(spec, csv, pts), chosen)


def lines(view: OutlierView) -> tuple[list[Line], Line]:
    """Every loss's fitted line, and the clean MSE fit (the ghost)."""
    return fitted_lines(view.keys, view.labels, view.contaminated, view.clean)


def compute(choice: Choice) -> OutlierView:
    """The page's one compute call.  A formula that is refused, has no best line on these points or makes
    the request too large is left out with a message; any other bad input stops the page with its message."""
    problem = check_losses(choice.losses)
    if problem is None and choice.losses.formula:
        try:
            return outlier_view(choice.spec, choice.csv, choice.pts, choice.losses)
        except InputError as err:
            problem = str(err)
    if problem:
        st.error(f"Your loss is left out: {problem}", icon="⚠️")
    return run_or_stop(outlier_view, choice.spec, choice.csv, choice.pts, choice.losses.without_formula())
