"""Helpers shared by the AppTest modules: load a page with a query string, check it ran cleanly, read its
figures as the browser receives them."""
import base64
import json
import re
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent


def load(page: str, timeout: float = 120, state: dict | None = None, **query) -> AppTest:
    """Run ``page`` (a path from the project root) as if opened with ``?key=value&...``, with ``state`` in its
    session state first (e.g. a popover's key: open)."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=timeout)
    for k, v in query.items():
        at.query_params[k] = v
    for k, v in (state or {}).items():
        at.session_state[k] = v
    return at.run()


def ok(at: AppTest) -> AppTest:
    """No traceback, no error element, and no number in the page's words written as a negative zero."""
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    words = [e.value for kind in ("title", "subheader", "markdown", "caption", "info", "success", "warning")
             for e in at.get(kind)] + [f"{m.value} {m.delta}" for m in at.metric]
    shown = [w for w in words if negative_zeros(w)]
    assert not shown, shown
    return at


NUMBER = re.compile(r"(?<![\w.])[-−]\d[\d,]*(?:\.\d+)?(?![\d.eE])")


def negative_zeros(text: str) -> list[str]:
    """The numbers in ``text`` that are zero written with a minus sign ("-0.00": a rounding, read as a sign)."""
    return [n for n in NUMBER.findall(str(text)) if float(n.replace(",", "").replace("−", "-")) == 0]


def charts(at: AppTest):
    return at.get("plotly_chart")


def spec(at: AppTest, index: int) -> dict:
    """The Plotly figure of one chart, as the browser receives it."""
    return json.loads(charts(at)[index].proto.spec)


def floats(array) -> np.ndarray:
    """A figure's data array as float64: a typed array (``{"dtype", "bdata"}``, how numpy arrays are sent)
    decoded, a list as it is."""
    if isinstance(array, dict) and "bdata" in array:
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).astype(float)
    return np.asarray(array, dtype=float)
