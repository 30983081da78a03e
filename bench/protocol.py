"""A small client of Streamlit's websocket protocol (Streamlit 1.67), for load benchmarks and for tests
that send what a browser would not.

It speaks to a running ``streamlit run`` on the loopback interface only, as a browser tab does::

    with Session("http://127.0.0.1:8501") as s:
        run = s.open("loss_surface", "family=regression")     # connect, first run of that page
        seed = run.widget("Seed")                             # id, type, label, current value
        run = s.set_widget(seed, 7)                           # one interaction: one script run
        run.warnings(), run.exceptions(), run.seconds

How a browser talks to the server, and what this client does the same way:

- The XSRF cookie ``_streamlit_xsrf`` comes with any HTTP answer of the server (the front end first
  asks ``/_stcore/health``); the page sends it back as a cookie and as the second websocket subprotocol
  (``["streamlit", <cookie value or "PLACEHOLDER_AUTH_TOKEN">]``, see ``getSessionTokens`` in the
  front end and ``_parse_subprotocols`` in ``streamlit/web/server/starlette/starlette_websocket.py``).
- Nothing runs until the client sends ``BackMsg.rerun_script`` with a ``ClientState``: ``page_name`` is
  the URL path without the leading slash, ``query_string`` the query without ``?``.  A run ends with
  ``ForwardMsg.script_finished`` (``FINISHED_EARLY_FOR_RERUN`` is followed by another run).
- With ``st.navigation`` the page's hash arrives in the ``navigation`` message (not ``new_session``);
  later reruns name the page by that hash.  The server rewrites the URL through ``page_info_changed``;
  the next rerun sends that query string back.
- The client lists no cached message hashes, so the server sends every message whole.
- A re-rendered widget does not carry its value.  The client keeps every widget's value as the front
  end does (the default when first seen, the server's value when it sends ``set_value``, the client's
  own changes) and sends back only the widgets it has changed, which the server merges with the
  values it holds.

Every wait is bounded by ``timeout`` seconds; a run that does not finish in time raises ``TimeoutError``.
"""
from __future__ import annotations

import contextlib
import http.cookies
import ipaddress
import socket
import time
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

XSRF_COOKIE = "_streamlit_xsrf"
PLACEHOLDER_TOKEN = "PLACEHOLDER_AUTH_TOKEN"  # what the front end sends when it has no XSRF cookie
WIDGET_TYPES = frozenset({"button", "checkbox", "color_picker", "date_input", "download_button", "multiselect",
                          "number_input", "radio", "selectbox", "slider", "text_area", "text_input", "time_input"})
ALERT_FORMATS = {Alert.ERROR: "error", Alert.WARNING: "warning", Alert.INFO: "info", Alert.SUCCESS: "success"}


@dataclass(frozen=True)
class Widget:
    """A widget as the last run drew it, with the value the client holds for it."""

    id: str
    type: str  # the Element field: "number_input", "slider", "selectbox", ...
    label: str
    value: Any
    form_id: str
    proto: Any  # the widget's own message (NumberInput, Slider, ...)


@dataclass
class Run:
    """The messages of one interaction: from the ``rerun_script`` sent to the last ``script_finished``."""

    messages: list[ForwardMsg] = field(default_factory=list)
    elements: dict[tuple[int, ...], Element] = field(default_factory=dict)  # delta path -> element
    statuses: list[int] = field(default_factory=list)  # every script_finished status, in order
    widgets: list[Widget] = field(default_factory=list)  # the widgets drawn, with the client's values
    seconds: float = 0.0

    @property
    def finished(self) -> bool:
        """True when the last run ended other than early for another run."""
        return bool(self.statuses) and self.statuses[-1] != ForwardMsg.FINISHED_EARLY_FOR_RERUN

    def widget(self, label: str, type: str | None = None) -> Widget:
        """The one widget of this run with this label (and type); KeyError if none or several."""
        found = [w for w in self.widgets if w.label == label and (type is None or w.type == type)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} widgets labelled {label!r}; have {[w.label for w in self.widgets]}")
        return found[0]

    def alerts(self, kind: str | None = None) -> list[str]:
        """The bodies of st.error / st.warning / st.info / st.success (``kind`` one of those words)."""
        return [e.alert.body for e in self.elements.values() if e.WhichOneof("type") == "alert"
                and (kind is None or ALERT_FORMATS.get(e.alert.format) == kind)]

    def warnings(self) -> list[str]:
        return self.alerts("warning")

    def errors(self) -> list[str]:
        return self.alerts("error")

    def exceptions(self) -> list[str]:
        """Exception elements (an uncaught error in the script or in Streamlit), as ``type: message``."""
        return [f"{e.exception.type}: {e.exception.message}" for e in self.elements.values()
                if e.WhichOneof("type") == "exception"]


class Session:
    """One browser tab: a websocket session with the server at ``base_url`` (loopback only)."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname or not _is_loopback(parts.hostname):
            raise ValueError(f"{base_url}: only http:// on the loopback interface")
        self.base_url = base_url.rstrip("/")
        self.origin = f"{parts.scheme}://{parts.netloc}"  # the Origin header a page served from there sends
        self.ws_url = f"ws://{parts.netloc}{parts.path.rstrip('/')}/_stcore/stream"
        self.timeout = timeout
        self.ws: ClientConnection | None = None
        self._stack = contextlib.ExitStack()
        self.session_id = ""
        self.page_name = ""
        self.page_script_hash = ""
        self.query = ""
        self.values: dict[str, Any] = {}            # widget id -> value, as the front end holds it
        self.changed: dict[str, WidgetState] = {}   # widget ids this client changed -> what it sends
        self.last: Run | None = None
        self.page_widgets: list[Widget] = []        # the widgets of the last run that drew any

    # ---- connection ----------------------------------------------------------------------------

    def connect(self) -> None:
        token = self._xsrf_cookie()
        headers = {"Origin": self.origin}
        if token:
            headers["Cookie"] = f"{XSRF_COOKIE}={token}"
        self._stack = contextlib.ExitStack()  # websockets >= 17.1 wants connect() used as a context manager
        self.ws = self._stack.enter_context(connect(
            self.ws_url, subprotocols=["streamlit", token or PLACEHOLDER_TOKEN], additional_headers=headers,
            open_timeout=self.timeout, close_timeout=2, max_size=64 * 2**20))

    def _xsrf_cookie(self) -> str | None:
        """The XSRF cookie the server sets on its health answer (None when XSRF protection is off)."""
        with urllib.request.urlopen(self.base_url + "/_stcore/health", timeout=self.timeout) as r:
            for header in r.headers.get_all("Set-Cookie") or []:
                jar = http.cookies.SimpleCookie()
                jar.load(header)
                if XSRF_COOKIE in jar:
                    return jar[XSRF_COOKIE].value
        return None

    def close(self) -> None:
        if self.ws is not None:
            self._stack.close()
            self.ws = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- interactions --------------------------------------------------------------------------

    def open(self, page: str = "", query: str = "") -> Run:
        """Connect (if needed) and run ``page`` (URL path, e.g. ``"/loss_surface"``) with ``query``."""
        if self.ws is None:
            self.connect()
        self.page_name = page.strip("/")
        self.page_script_hash = ""
        self.query = query.lstrip("?")
        self.values.clear()
        self.page_widgets = []
        self.changed.clear()
        return self.rerun()

    def rerun(self, widgets: Mapping[str, Any] | None = None, triggers: Iterable[str] = ()) -> Run:
        """One interaction: send the changed widgets (``{id: value or WidgetState}``) and every earlier
        change, fire ``triggers`` (button ids, once), and collect the messages until the run ends."""
        for wid, value in (widgets or {}).items():
            state = value if isinstance(value, WidgetState) else self._encode(wid, value)
            state.id = wid
            self.changed[wid] = state
            if not isinstance(value, WidgetState):
                self.values[wid] = value
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = self.page_name
        cs.page_script_hash = self.page_script_hash
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-GB"
        cs.context_info.url = f"{self.base_url}/{self.page_name}" + (f"?{self.query}" if self.query else "")
        cs.widget_states.widgets.extend(self.changed.values())
        for wid in triggers:
            cs.widget_states.widgets.add(id=wid, trigger_value=True)
        return self._send_and_collect(msg)

    def set_widget(self, widget: Widget | str, value: Any) -> Run:
        """Change one widget (a ``Widget`` or its label) as a person would, and run."""
        w = widget if isinstance(widget, Widget) else self.widget(widget)
        return self.rerun({w.id: value})

    def set_raw(self, widget: Widget | str, **field_value: Any) -> Run:
        """Send a widget state built by hand, e.g. ``set_raw(w, double_value=float("inf"))``: what a
        browser would never send."""
        w = widget if isinstance(widget, Widget) else self.widget(widget)
        (name, value), = field_value.items()
        state = WidgetState(id=w.id)
        if name.endswith("_array_value"):
            getattr(state, name).data.extend(value)
        else:
            setattr(state, name, value)
        return self.rerun({w.id: state})

    def click(self, button: Widget | str) -> Run:
        """Press a button (or a form's submit button)."""
        w = button if isinstance(button, Widget) else self.widget(button, "button")
        return self.rerun(triggers=[w.id])

    # ---- what the last run drew ----------------------------------------------------------------

    def widgets(self) -> list[Widget]:
        """The widgets of the last run that drew any (a run that failed before its first widget draws none)."""
        return self.last_run().widgets or self.page_widgets

    def widget(self, label: str, type: str | None = None) -> Widget:
        """The one widget with this label (and type) in ``widgets()``; KeyError if none or several."""
        found = [w for w in self.widgets() if w.label == label and (type is None or w.type == type)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} widgets labelled {label!r}; have {[w.label for w in self.widgets()]}")
        return found[0]

    def last_run(self) -> Run:
        if self.last is None:
            raise RuntimeError("no run yet: call open() first")
        return self.last

    # ---- internals -----------------------------------------------------------------------------

    def _send_and_collect(self, msg: BackMsg) -> Run:
        if self.ws is None:
            raise RuntimeError("not connected: call open() first")
        run = Run()
        start = time.monotonic()
        deadline = start + self.timeout
        self.ws.send(msg.SerializeToString())
        while not run.finished:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {self.timeout:g} s "
                                   f"({len(run.messages)} messages received)")
            try:
                data = self.ws.recv(timeout=left)
            except TimeoutError:
                continue
            except ConnectionClosed as err:
                raise ConnectionError(f"the server closed the session: {err}") from None
            fm = ForwardMsg()
            fm.ParseFromString(data)
            run.messages.append(fm)
            self._handle(fm, run)
        run.seconds = time.monotonic() - start
        run.widgets = self._widgets(run)
        if run.widgets:
            self.page_widgets = run.widgets
            drawn = {w.id for w in run.widgets}
            for wid in [w for w in self.changed if w not in drawn]:  # the front end forgets unmounted widgets
                del self.changed[wid]
        self.last = run
        return run

    def _handle(self, fm: ForwardMsg, run: Run) -> None:
        kind = fm.WhichOneof("type")
        if kind == "new_session":
            self.session_id = fm.new_session.initialize.session_id or self.session_id
            run.elements.clear()  # a new run (after FINISHED_EARLY_FOR_RERUN) redraws the page
        elif kind == "navigation":
            self.page_script_hash = fm.navigation.page_script_hash
            page = next((p for p in fm.navigation.app_pages
                         if p.page_script_hash == self.page_script_hash), None)
            if page is not None:
                self.page_name = page.url_pathname
        elif kind == "page_info_changed":
            self.query = fm.page_info_changed.query_string
        elif kind == "script_finished":
            run.statuses.append(fm.script_finished)
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            run.elements[tuple(fm.metadata.delta_path)] = fm.delta.new_element

    def _widgets(self, run: Run) -> list[Widget]:
        out = []
        for element in run.elements.values():
            kind = element.WhichOneof("type")
            if kind not in WIDGET_TYPES:
                continue
            proto = getattr(element, kind)
            if not proto.id:
                continue
            if getattr(proto, "set_value", False):  # the server sets the value: the front end adopts it
                self.values[proto.id] = _value(kind, proto, use_value=True)
                self.changed.pop(proto.id, None)
            elif proto.id not in self.values:
                self.values[proto.id] = _value(kind, proto, use_value=False)
            out.append(Widget(proto.id, kind, proto.label, self.values[proto.id], proto.form_id, proto))
        return out

    def _encode(self, wid: str, value: Any) -> WidgetState:
        """The WidgetState the front end sends for ``value`` in widget ``wid`` (a widget of the last run)."""
        w = next((w for w in self.widgets() if w.id == wid), None)
        if w is None:
            raise KeyError(f"widget {wid} is not on the page")
        state = WidgetState(id=wid)
        if w.type == "number_input":
            if w.proto.data_type == NumberInput.INT:
                state.int_value = int(value)
            else:
                state.double_value = float(value)
        elif w.type == "slider":
            values = list(value) if isinstance(value, (list, tuple)) else [value]
            state.double_array_value.data.extend(float(v) for v in values)
        elif w.type == "checkbox":
            state.bool_value = bool(value)
        elif w.type in ("selectbox", "radio", "text_input", "text_area", "color_picker"):
            state.string_value = str(value)
        elif w.type == "multiselect":
            state.string_array_value.data.extend(str(v) for v in value)
        else:
            raise NotImplementedError(f"setting a {w.type} is not supported; use set_raw")
        return state


def _value(kind: str, proto: Any, use_value: bool) -> Any:
    """A widget's value from its message: the server's ``value`` when it sets one, else the default."""
    if kind == "number_input":
        v = proto.value if use_value else (proto.default if proto.HasField("default") else None)
        return int(v) if v is not None and proto.data_type == NumberInput.INT else v
    if kind == "slider":
        v = list(proto.value if use_value else proto.default)
        if proto.data_type == Slider.INT:
            v = [int(x) for x in v]
        return v[0] if len(v) == 1 else tuple(v)
    if kind in ("selectbox", "radio"):
        if use_value and proto.HasField("raw_value"):
            return proto.raw_value
        return proto.options[proto.default] if proto.HasField("default") else None
    if kind == "multiselect":
        if use_value:
            return list(proto.raw_values)
        return [proto.options[i] for i in proto.default]
    if kind in ("checkbox", "text_input", "text_area"):
        return proto.value if use_value else proto.default
    return None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return all(ipaddress.ip_address(a[4][0]).is_loopback
                   for a in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP))
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
