"""A browser tab that stays open: ``st.fragment(run_every=...)`` driven as the front end drives it (issue 15).

``protocol.Session`` runs one interaction at a time.  A page with a periodic check needs more: the server sends
``ForwardMsg.auto_rerun`` (interval, fragment id) during a run, and the *browser* then sends
``BackMsg.rerun_script`` with that ``fragment_id`` and ``is_auto_rerun`` every interval (a ``setInterval`` in
Streamlit 1.67's ``App.handleAutoRerun``, whether or not a run is going on), with every widget state it holds;
``stop_auto_rerun`` cancels a timer, and a full run of the page (a ``new_session`` whose run names no fragment)
cancels them all before the run sets them again.  ``LiveTab`` does the same::

    tab = LiveTab(url)
    tab.start("class", "code=7KQ2M9XD")          # connect and run the page
    tab.pump(5)                                   # 5 s of messages and periodic checks
    tab.elements_of_last_run()                    # what the last full run drew
    tab.reconnect()                               # after a lost connection, as the front end does

Every message is timestamped on arrival (``on_element`` / ``on_finished`` hooks for the caller); a lost
connection is reconnected (``reconnect``): a new websocket, the same page and query string (the link), and every
widget state the tab holds, so the server sees the same person with the same answers.  The tab keeps the
cookies the server sets, as a browser does (a proxy's sticky cookie brings it back to its app process).
"""
from __future__ import annotations

import http.cookies
import time
import urllib.request

from protocol import XSRF_COOKIE, Session
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.exceptions import WebSocketException


class LiveTab(Session):
    """One open tab: messages handled as they come, periodic fragment reruns sent on time."""

    def __init__(self, base_url: str, timeout: float = 30.0):
        super().__init__(base_url, timeout)
        self.timers: dict[str, list[float]] = {}  # fragment id -> [interval, next time due]
        self.elements: dict[tuple[int, ...], Element] = {}  # the elements of the run going on (or last)
        self.finished_elements: dict[tuple[int, ...], Element] = {}  # those of the last full run that finished
        self.full_run = True  # whether the run going on is a full run (not a fragment's)
        self.auto_reruns_sent = 0
        self.upstream = ""  # the app behind a proxy that answered the websocket (X-Upstream)
        self.reconnects = 0
        self.cookies: dict[str, str] = {}  # what the server set, sent back with every request


    # ---- connection ----------------------------------------------------------------------------------

    def connect(self) -> None:
        token = self.xsrf = self._xsrf_cookie()
        self._open_websocket(token, {"Origin": self.origin, **self._cookie_header()})
        self.upstream = self.ws.response.headers.get("X-Upstream", "")

    def _xsrf_cookie(self) -> str | None:
        """The front end's first request (``/_stcore/health``) with the cookies held; keeps what it sets."""
        request = urllib.request.Request(self.base_url + "/_stcore/health", headers=self._cookie_header())
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            for header in answer.headers.get_all("Set-Cookie") or []:
                jar = http.cookies.SimpleCookie()
                jar.load(header)
                self.cookies.update({name: morsel.value for name, morsel in jar.items()})
        return self.cookies.get(XSRF_COOKIE)

    def _cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    def start(self, page: str, query: str = "") -> None:
        """Open ``page`` with ``query`` (connect, first run); messages come with ``pump``."""
        self.send_open(page, query)
        self.pending = None  # runs are followed by pump, not collected

    def reconnect(self, within: float = 60.0) -> None:
        """A new websocket after a lost one, then a run of the same link with every widget state held (what the
        front end sends when it reconnects); retried until ``within`` seconds are over (ConnectionError then)."""
        self.close()
        deadline, wait = time.monotonic() + within, 0.2
        while True:
            try:
                self.connect()
                break
            except (OSError, WebSocketException, TimeoutError) as err:
                if time.monotonic() + wait > deadline:
                    raise ConnectionError(f"could not reconnect within {within:g} s: {err}") from None
                time.sleep(wait)
                wait = min(wait * 2, 2.0)
        self.reconnects += 1
        self.timers.clear()
        self.send_rerun()
        self.pending = None

    # ---- what a browser sends --------------------------------------------------------------------------

    def send_auto_rerun(self, fragment_id: str) -> None:
        """What the front end's timer sends for ``st.fragment(run_every=...)``: that fragment alone, with every
        widget state held."""
        msg = self._rerun_script()
        msg.rerun_script.fragment_id, msg.rerun_script.is_auto_rerun = fragment_id, True
        self._send(msg)
        self.auto_reruns_sent += 1

    def set_state(self, state: WidgetState) -> None:
        """Change one widget (its state built by the caller) and run the page, without waiting."""
        self.send_rerun({state.id: state})
        self.pending = None

    def press(self, widget_id: str) -> None:
        """Press a button, without waiting for the run."""
        self.send_rerun(triggers=[widget_id])
        self.pending = None

    # ---- what comes back ----------------------------------------------------------------------------

    def pump(self, seconds: float) -> None:
        """Handle messages and send the periodic reruns that fall due, for ``seconds``.  ConnectionError when the
        server closes the websocket."""
        end = time.monotonic() + seconds
        while True:
            now = time.monotonic()
            for fragment_id, timer in list(self.timers.items()):
                if timer[1] <= now:
                    timer[1] += timer[0] * max(1, int((now - timer[1]) // timer[0]) + 1)
                    self.send_auto_rerun(fragment_id)
            if now >= end:
                return
            due = min([end, *(t[1] for t in self.timers.values())])
            fm = self._receive(max(0.0, due - now))
            if fm is not None:
                self.handle(fm, time.monotonic())

    def handle(self, fm: ForwardMsg, at: float) -> None:
        kind = fm.WhichOneof("type")
        if kind == "new_session":
            self.full_run = not fm.metadata.run.fragment_ids
            if self.full_run:
                self.timers.clear()  # the front end's cleanupAutoReruns: the run sets them again
                self.elements = {}
        elif kind == "auto_rerun":
            timer = self.timers.get(fm.auto_rerun.fragment_id)
            if timer is None or timer[0] != fm.auto_rerun.interval:
                self.timers[fm.auto_rerun.fragment_id] = [fm.auto_rerun.interval, at + fm.auto_rerun.interval]
        elif kind == "stop_auto_rerun":
            for fragment_id in fm.stop_auto_rerun.fragment_ids:
                self.timers.pop(fragment_id, None)
        elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            path = tuple(fm.metadata.delta_path)
            self.elements[path] = fm.delta.new_element
            self.on_element(fm.delta.new_element, at)
        elif kind == "script_finished":
            full = not fm.metadata.run.fragment_ids
            if full and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                self.finished_elements = dict(self.elements)
                self._forget_unmounted()
            self.on_finished(full, at)
        if kind in ("navigation", "page_info_changed"):
            self._handle(fm, None)  # the page's hash and the link the server wrote

    def _forget_unmounted(self) -> None:
        """The front end drops the state of widgets the last full run did not draw."""
        drawn = {getattr(e, e.WhichOneof("type")).id for e in self.finished_elements.values()
                 if e.WhichOneof("type") and hasattr(getattr(e, e.WhichOneof("type")), "id")}
        for wid in [w for w in self.changed if w not in drawn]:
            del self.changed[wid]

    def on_element(self, element: Element, at: float) -> None:
        """Called for every element drawn, with its arrival time (for subclasses)."""

    def on_finished(self, full: bool, at: float) -> None:
        """Called at every run's end that a full or fragment run reports (for subclasses)."""

    def elements_of_last_run(self) -> list[Element]:
        return list(self.finished_elements.values())

    def find(self, kind: str, label: str | None = None, key: str | None = None):
        """The widget message of the last full run of this type (``radio``, ``button``...) with this label or key."""
        for element in self.finished_elements.values():
            if element.WhichOneof("type") == kind:
                proto = getattr(element, kind)
                if (label is None or proto.label == label) and (key is None or proto.id.endswith("-" + key)):
                    return proto
        return None
