"""A page's worst allowed request and cheapest refused one, as ``bench/worst_case.py`` sends them: the page
opened at a URL, a file uploaded, or one control changed (to a value a browser would send, or to a raw value
over the websocket)."""
from __future__ import annotations

import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from protocol import Session
from widget_states import raw_state


def q(**params: Any) -> str:
    """A page's query string from its parameters (those that are None left out)."""
    return urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})


@dataclass
class Scenario:
    """A page's worst allowed request and cheapest refused one: ``worst(session)`` and ``refused(session)``
    prepare (untimed) and return a function that sends the request."""

    page: str
    title: str
    worst_text: str
    worst: Callable[[Session], Callable[[], None]]
    refused_text: str | None = None
    refused: Callable[[Session], Callable[[], None]] | None = None
    estimate_worst: dict[str, float] = field(default_factory=dict)
    estimate_refused: dict[str, float] = field(default_factory=dict)
    fresh_session_for_refused: bool = False

    def request(self, kind: str) -> tuple[Callable[[Session], Callable[[], None]], str, dict[str, float]]:
        """``kind`` "worst" or "refused": how it is prepared, what it is in words, the cost model's pieces."""
        if kind == "worst":
            return self.worst, self.worst_text, self.estimate_worst
        return self.refused, self.refused_text, self.estimate_refused


def opening(page: str, query: str) -> Callable[[Session], Callable[[], None]]:
    """The request is opening the page at this URL (its first run computes everything)."""
    def prepare(s: Session) -> Callable[[], None]:
        s.connect()
        return lambda: s.send_open(page, query)
    return prepare


def uploading(page: str, query: str, label: str, content: bytes) -> Callable[[Session], Callable[[], None]]:
    """The page is opened at this URL (it waits for a file), then the request is the upload: the file goes
    to the server (PUT, timed as part of the request) and the run it starts."""
    def prepare(s: Session) -> Callable[[], None]:
        run = s.open(page, query)
        if run.exceptions():
            raise RuntimeError(f"{page} did not open: {run.exceptions()}")
        widget = s.widget(label, "file_uploader")

        def send() -> None:
            s.send_upload(widget, "points.csv", content)
        return send
    return prepare


def changing(label: str, value: Any, raw: dict | None = None) -> Callable[[Session], Callable[[], None]]:
    """The request is one control changed in the session left by the last request (or a raw value)."""
    def prepare(s: Session) -> Callable[[], None]:
        w = s.widget(label)
        if raw is not None:
            state = raw_state(w.id, **raw)
            return lambda: s.send_rerun({w.id: state})
        return lambda: s.send_rerun({w.id: value})
    return prepare
