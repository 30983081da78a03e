"""The people of a live class as open tabs (``live.LiveTab``) of the Live class page, each on a thread of its own.

A ``Person`` owns one tab: its thread pumps the tab's messages and periodic checks, runs the commands the bench
gives it (``do``) and reconnects when the server drops the websocket (a killed app process), keeping the link
and every widget state.  What the page draws is read as it arrives:

- ``Student``: the step shown ("Step n of m", first arrival per step), the reveal (the step's "Answer:" line,
  or its answer box closed: a step without a right answer has no such line), its own answer confirmed ("Answered: ..."); ``answer(step, choice)`` picks a choice of the
  step's radio once the student's page shows that step.
- ``Teacher``: the live count ("Answered this step" and "Joined" metrics, every reading with its time and the
  step it belongs to); ``press(key)`` presses Previous / Reveal / Next (``class_back``, ``class_reveal``,
  ``class_next``).
"""
from __future__ import annotations

import queue
import re
import sys
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field

from live import LiveTab
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.exceptions import WebSocketException

PAGE = "class"
STEP = re.compile(r"Step (\d+) of (\d+)")


@dataclass
class Failures:
    """What went wrong, shared by every person of a class (a few examples of each kind)."""

    counts: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, text: str) -> None:
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            seen = self.examples.setdefault(kind, [])
            if text not in seen and len(seen) < 5:
                seen.append(text[:300])


class Person(LiveTab):
    """A tab on a thread: ``do(fn)`` runs ``fn(self)`` on it; ``stop()`` closes it; ``stalled`` says where its
    thread is when it stops going round its loop."""

    def __init__(self, url: str, failures: Failures, timeout: float = 60.0, reconnect_within: float = 90.0):
        super().__init__(url, timeout)
        self.failures, self.reconnect_within = failures, reconnect_within
        self.commands: queue.Queue = queue.Queue()
        self.stopped = threading.Event()
        self.step = 0  # the step the page shows now (1-based; 0 before the first)
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.looped_at: float | None = None  # when the tab's thread last went round its loop

    def launch(self, query: str, delay: float = 0.0) -> None:
        self.first_query, self.delay = query, delay
        self.thread.start()

    def query_param(self, name: str) -> str | None:
        """A parameter of the page's link as the server last wrote it (``student`` after joining)."""
        return urllib.parse.parse_qs(self.query).get(name, [None])[0]

    def do(self, command) -> None:
        self.commands.put(command)

    def stop(self) -> None:
        self.stopped.set()
        self.thread.join(10)

    def _loop(self) -> None:
        if self.stopped.wait(self.delay):
            return
        try:
            self.opened_at = time.monotonic()
            self.start(PAGE, self.first_query)
            while not self.stopped.is_set():
                self.looped_at = time.monotonic()
                try:
                    while not self.commands.empty():
                        self.commands.get_nowait()(self)
                    self.tick()
                    self.pump(0.05)
                except (ConnectionError, OSError, WebSocketException) as err:
                    self.failures.add("disconnected", f"{type(err).__name__}: {err}")
                    self.reconnect(self.reconnect_within)
        except Exception as err:  # noqa: BLE001 - a fault counted, never hidden; the tab is gone
            self.failures.add("tab lost", f"{type(self).__name__}: {type(err).__name__}: {err}")
        finally:
            self.close()

    def tick(self) -> None:
        """Work the person does between messages (for subclasses)."""

    def stalled(self, seconds: float) -> str | None:
        """Where the tab's thread is, when it has not gone round its loop for ``seconds`` (a tab stuck in the
        bench, which would read as a student who stopped following); None when it is going."""
        if self.looped_at is None or self.stopped.is_set() or time.monotonic() - self.looped_at < seconds:
            return None
        frame = sys._current_frames().get(self.thread.ident)
        if frame is None:
            return None
        where = traceback.extract_stack(frame)[-4:]
        return " < ".join(f"{f.name} ({f.filename.rsplit('/', 1)[-1]}:{f.lineno})" for f in reversed(where))

    def on_element(self, element: Element, at: float) -> None:
        kind = element.WhichOneof("type")
        if kind == "markdown" and (m := STEP.search(element.markdown.body)) and int(m[1]) != self.step:
            self.step = int(m[1])
            self.on_step(self.step, at)
        elif kind == "alert" and element.alert.format == Alert.ERROR:
            self.failures.add("error alert", element.alert.body)
        elif kind == "exception":
            self.failures.add("exception", f"{element.exception.type}: {element.exception.message}")

    def on_step(self, step: int, at: float) -> None:
        """The page shows another step (for subclasses)."""


class Student(Person):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen_step: dict[int, float] = {}  # step (1-based) -> when the page first showed it
        self.seen_reveal: dict[int, float] = {}
        self.confirmed: dict[int, float] = {}  # step -> when "Answered:" first came back
        self.sent: dict[int, tuple[float, str]] = {}  # step -> (when the answer went out, the answer)
        self.wanted: tuple[int, int, float] | None = None  # (step, choice index, give up at)

    def on_step(self, step: int, at: float) -> None:
        self.seen_step.setdefault(step, at)

    def on_element(self, element: Element, at: float) -> None:
        super().on_element(element, at)
        kind = element.WhichOneof("type")
        closed = kind in ("radio", "text_area") and getattr(element, kind).label == "Your answer" \
            and getattr(element, kind).disabled
        if closed or (kind == "alert" and element.alert.body.startswith("Answer:")):
            self.seen_reveal.setdefault(self.step, at)
        elif kind == "alert" and element.alert.body.startswith("Answered:"):
            self.confirmed.setdefault(self.step, at)

    def answer(self, step: int, choice: int, within: float = 60.0) -> None:
        """Answer ``step`` (1-based) with choice ``choice`` as soon as the page shows that step's radio."""
        self.do(lambda me: setattr(me, "wanted", (step, choice, time.monotonic() + within)))

    def tick(self) -> None:
        if self.wanted is None:
            return
        step, choice, give_up = self.wanted
        radio = self.find("radio", label="Your answer")
        shown = [STEP.search(e.markdown.body) for e in self.finished_elements.values()
                 if e.WhichOneof("type") == "markdown"]
        at_step = any(m and int(m[1]) == step for m in shown)
        if radio is not None and at_step and not radio.disabled:
            option = radio.options[choice % len(radio.options)]
            self.sent[step] = (time.monotonic(), option)
            self.wanted = None
            self.set_state(WidgetState(id=radio.id, string_value=option))
        elif time.monotonic() > give_up:
            self.failures.add("answer not sent", f"step {step}: the page never showed its open question")
            self.wanted = None


class Teacher(Person):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.counts: list[tuple[float, int, int]] = []  # (when, step shown, answered)
        self.joined = 0
        self.pressed: list[tuple[str, float]] = []  # (button key, when the press went out)

    def on_element(self, element: Element, at: float) -> None:
        super().on_element(element, at)
        if element.WhichOneof("type") == "metric":
            value = int(element.metric.body) if element.metric.body.strip().isdigit() else None
            if value is None:
                return
            if element.metric.label == "Answered this step":
                self.counts.append((at, self.step, value))
            elif element.metric.label == "Joined":
                self.joined = value

    def press_key(self, key: str) -> None:
        """Press one of the teacher's buttons (by its widget key) once the last full run drew it."""
        def press(me: Teacher) -> None:
            button = me.find("button", key=key)
            if button is None:
                me.failures.add("teacher", f"no {key} button on the teacher's page")
                return
            me.pressed.append((key, time.monotonic()))
            me.press(button.id)
        self.do(press)

    def answered(self, step: int) -> int:
        """The last count the teacher's page showed for ``step`` (1-based)."""
        return max([n for _, s, n in self.counts if s == step] or [0])
