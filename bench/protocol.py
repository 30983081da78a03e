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
- The client keeps the large messages as the front end does and lists their hashes with every rerun, so the
  server sends an unchanged large element as a reference (``bench/message_cache.py``).
- The client keeps every widget's value as the front end does and sends back only the widgets it has
  changed (``bench/widget_states.py``); a run's messages, elements and alerts are a ``Run``
  (``bench/runs.py``).
- A file goes up as the front end's file uploader sends it (``Session.upload``, ``bench/uploads.py``).
- A browser does not wait for one run to finish before it sends the next change: ``send_rerun`` sends
  one and returns, ``collect`` gathers the messages until the last run of the session has finished
  (a run the server ended early for a newer one is followed by that one).  ``rerun`` is both.

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
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Self

from message_cache import MessageCache
from runs import Run
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from uploads import put_file, uploader_state
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from widget_states import WIDGET_TYPES, Widget, drawn_value, find, raw_state, state_for

XSRF_COOKIE = "_streamlit_xsrf"
PLACEHOLDER_TOKEN = "PLACEHOLDER_AUTH_TOKEN"  # what the front end sends when it has no XSRF cookie


class Session:
    """One browser tab: a websocket session with the server at ``base_url`` (loopback only)."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme != "http" or not parts.hostname or not is_loopback(parts.hostname):
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
        self.xsrf: str | None = None                # the XSRF cookie's value, also sent with uploads
        self.pending: Run | None = None             # a run sent with send_rerun and not yet collected
        self.cache = MessageCache()                 # large messages kept, as the front end keeps them

    # ---- connection ----------------------------------------------------------------------------

    def connect(self) -> None:
        self.cache = MessageCache()  # a new tab's
        token = self.xsrf = self._xsrf_cookie()
        headers = {"Origin": self.origin}
        if token:
            headers["Cookie"] = f"{XSRF_COOKIE}={token}"
        self._open_websocket(token, headers)

    def _open_websocket(self, token: str | None, headers: dict[str, str]) -> None:
        """The websocket as the page opens it: the XSRF ``token`` (or the front end's placeholder) as the second
        subprotocol, ``headers`` (Origin, cookies) with the upgrade request."""
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
        """Close the websocket, as a closed tab does (a run still going on is the server's to stop)."""
        if self.ws is not None:
            self._stack.close()
            self.ws = None
            self.pending = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- interactions --------------------------------------------------------------------------

    def open(self, page: str = "", query: str = "") -> Run:
        """Connect (if needed) and run ``page`` (URL path, e.g. ``"/loss_surface"``) with ``query``."""
        self.send_open(page, query)
        return self.collect()

    def send_open(self, page: str = "", query: str = "") -> None:
        """``open`` without waiting for the run (``collect()`` gathers it)."""
        if self.ws is None:
            self.connect()
        self.page_name = page.strip("/")
        self.page_script_hash = ""
        self.query = query.lstrip("?")
        self.values.clear()
        self.page_widgets = []
        self.changed.clear()
        self.send_rerun()

    def rerun(self, widgets: Mapping[str, Any] | None = None, triggers: Iterable[str] = ()) -> Run:
        """One interaction: send the changed widgets (``{id: value or WidgetState}``) and every earlier
        change, fire ``triggers`` (button ids, once), and collect the messages until the run ends."""
        self.send_rerun(widgets, triggers)
        return self.collect()

    def send_rerun(self, widgets: Mapping[str, Any] | None = None, triggers: Iterable[str] = ()) -> None:
        """Send one interaction as ``rerun`` does, without waiting for its run: a browser sends a newer
        change while the last one still runs.  ``collect()`` then gathers the messages of both."""
        for wid, value in (widgets or {}).items():
            state = value if isinstance(value, WidgetState) else self._encode(wid, value)
            state.id = wid
            self.changed[wid] = state
            if not isinstance(value, WidgetState):
                self.values[wid] = value
        msg = self._rerun_script()
        for wid in triggers:
            msg.rerun_script.widget_states.widgets.add(id=wid, trigger_value=True)
        self._send(msg)
        if self.pending is None:
            self.pending = Run()
            self.pending.seconds = time.monotonic()  # when the first interaction went out (until collected)

    def collect(self, timeout: float | None = None) -> Run:
        """The messages since the first interaction sent and not yet collected, until the session's last
        run finishes (a run ended early for a newer one is followed by that one); ``seconds`` counts from
        that first interaction.  Raises TimeoutError after ``timeout`` (default: the session's)."""
        run = self.pending
        if run is None:
            raise RuntimeError("nothing sent: call send_rerun() first")
        start = run.seconds
        deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
        while not run.finished:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no script_finished within {self.timeout if timeout is None else timeout:g} s "
                                   f"({len(run.messages)} messages received)")
            fm = self._receive(left)
            if fm is not None:
                run.messages.append(fm)
                self._handle(fm, run)
        self.pending = None
        run.seconds = time.monotonic() - start
        run.widgets = self._widgets(run)
        if run.widgets:
            self.page_widgets = run.widgets
            drawn = {w.id for w in run.widgets}
            for wid in [w for w in self.changed if w not in drawn]:  # the front end forgets unmounted widgets
                del self.changed[wid]
        self.last = run
        return run

    def set_widget(self, widget: Widget | str, value: Any) -> Run:
        """Change one widget (a ``Widget`` or its label) as a person would, and run."""
        w = widget if isinstance(widget, Widget) else self.widget(widget)
        return self.rerun({w.id: value})

    def set_raw(self, widget: Widget | str, **field_value: Any) -> Run:
        """Send a widget state built by hand, e.g. ``set_raw(w, double_value=float("inf"))``: what a
        browser would never send."""
        w = widget if isinstance(widget, Widget) else self.widget(widget)
        return self.rerun({w.id: raw_state(w.id, **field_value)})

    def click(self, button: Widget | str) -> Run:
        """Press a button (or a form's submit button)."""
        w = button if isinstance(button, Widget) else self.widget(button, "button")
        return self.rerun(triggers=[w.id])

    def upload(self, uploader: Widget | str, name: str, content: bytes, mime: str = "text/csv") -> Run:
        """Choose a file in a file uploader (a ``Widget`` or its label) as the browser does, and run."""
        self.send_upload(uploader, name, content, mime)
        return self.collect()

    def send_upload(self, uploader: Widget | str, name: str, content: bytes, mime: str = "text/csv") -> None:
        """``upload`` without waiting for the run; ``collect()`` times it from the start of the file's upload."""
        began = time.monotonic()
        w = uploader if isinstance(uploader, Widget) else self.widget(uploader, "file_uploader")
        self.send_rerun({w.id: self.upload_state(w, name, content, mime)})
        self.pending.seconds = began

    def upload_state(self, uploader: Widget, name: str, content: bytes, mime: str = "text/csv") -> WidgetState:
        """Send ``content`` to the server as the file ``name`` and return the uploader's state that names it
        (not yet sent: ``rerun({uploader.id: state})`` or ``send_rerun``)."""
        if self.ws is None or self.pending is not None:
            raise RuntimeError("upload between runs of a connected session")
        request = BackMsg()
        request.file_urls_request.request_id = uuid.uuid4().hex
        request.file_urls_request.session_id = self.session_id
        request.file_urls_request.file_names.append(name)
        self._send(request)
        deadline = time.monotonic() + self.timeout
        urls = None
        while urls is None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no file_urls_response within {self.timeout:g} s")
            fm = self._receive(left)
            if fm is not None and fm.WhichOneof("type") == "file_urls_response" \
                    and fm.file_urls_response.response_id == request.file_urls_request.request_id:
                if fm.file_urls_response.error_msg:
                    raise ConnectionError(f"the server refused the upload: {fm.file_urls_response.error_msg}")
                urls = fm.file_urls_response.file_urls[0]
        headers = {"Origin": self.origin}
        if self.xsrf:
            headers |= {"X-Xsrftoken": self.xsrf, "Cookie": f"{XSRF_COOKIE}={self.xsrf}"}
        put_file(self.base_url, urls.upload_url, name, content, mime, headers, self.timeout)
        return uploader_state(uploader.id, urls, name, len(content))

    # ---- what the last run drew ----------------------------------------------------------------

    def widgets(self) -> list[Widget]:
        """The widgets of the last run that drew any (a run that failed before its first widget draws none)."""
        return self.last_run().widgets or self.page_widgets

    def widget(self, label: str, type: str | None = None) -> Widget:
        """The one widget with this label (and type) in ``widgets()``; KeyError if none or several."""
        return find(self.widgets(), label, type)

    def widget_by_key(self, key: str) -> Widget:
        """The widget whose id the page's ``key`` ends (Streamlit's ids end in ``-<key>``): e.g. a chart."""
        found = [w for w in self.widgets() if w.id.endswith("-" + key)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} widgets with key {key!r}")
        return found[0]

    def last_run(self) -> Run:
        if self.last is None:
            raise RuntimeError("no run yet: call open() first")
        return self.last

    # ---- internals -----------------------------------------------------------------------------

    def _rerun_script(self) -> BackMsg:
        """A rerun request as the front end sends it: the page, the link, every widget this tab changed and the
        hashes of the large messages it keeps."""
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_name = self.page_name
        cs.page_script_hash = self.page_script_hash
        cs.context_info.timezone = "UTC"
        cs.context_info.locale = "en-GB"
        cs.context_info.url = f"{self.base_url}/{self.page_name}" + (f"?{self.query}" if self.query else "")
        cs.widget_states.widgets.extend(self.changed.values())
        cs.cached_message_hashes.extend(self.cache.hashes())
        return msg

    def _send(self, msg: BackMsg) -> None:
        if self.ws is None:
            raise RuntimeError("not connected: call open() first")
        try:
            self.ws.send(msg.SerializeToString())
        except ConnectionClosed as err:
            raise ConnectionError(f"the server closed the session: {err}") from None

    def _receive(self, timeout: float) -> ForwardMsg | None:
        """The next message, or None if none came within ``timeout`` seconds."""
        try:
            data = self.ws.recv(timeout=timeout)
        except TimeoutError:
            return None
        except ConnectionClosed as err:
            raise ConnectionError(f"the server closed the session: {err}") from None
        fm = ForwardMsg()
        fm.ParseFromString(data)
        return self.cache.received(fm, data)

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
            run.finished_at.append(time.monotonic())
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            run.elements[tuple(fm.metadata.delta_path)] = fm.delta.new_element

    def _widgets(self, run: Run) -> list[Widget]:
        out = []
        for element in run.elements.values():
            kind = element.WhichOneof("type")
            if kind not in WIDGET_TYPES:
                continue
            proto = getattr(element, kind)
            if not getattr(proto, "id", ""):  # a chart without on_select
                continue
            if getattr(proto, "set_value", False):  # the server sets the value: the front end adopts it
                self.values[proto.id] = drawn_value(kind, proto, use_value=True)
                self.changed.pop(proto.id, None)
            elif proto.id not in self.values:
                self.values[proto.id] = drawn_value(kind, proto, use_value=False)
            out.append(Widget(proto.id, kind, getattr(proto, "label", ""), self.values[proto.id], proto.form_id,
                              proto))
        return out

    def _encode(self, wid: str, value: Any) -> WidgetState:
        """The WidgetState the front end sends for ``value`` in widget ``wid`` (a widget of the last run)."""
        w = next((w for w in self.widgets() if w.id == wid), None)
        if w is None:
            raise KeyError(f"widget {wid} is not on the page")
        return state_for(w, value)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return all(ipaddress.ip_address(a[4][0]).is_loopback
                   for a in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP))
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
