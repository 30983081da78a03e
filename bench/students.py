"""What one simulated student does in ``bench/load.py``: the page mix, the control changed and its new value,
the training visit, and the timed record of every action (``Sample``, ``Recorder``).

A student is one thread with one tab at a time (``protocol.Session``), in a closed loop: open a page drawn by
weight from the mix, then a few actions with think time between them; on the Neural landscape page the first
action is a training visit.  What is recorded is summarised by ``levels.py``.
"""
from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from protocol import Session
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Slider_pb2 import Slider
from websockets.exceptions import WebSocketException
from widget_states import Widget

PAGES = {"loss_surface": "Loss surface", "optimisers": "Optimisers", "outliers": "Outliers",
         "neural_landscape": "Neural landscape"}
MIX = {"loss_surface": 3, "optimisers": 3, "outliers": 3, "neural_landscape": 1}  # issue 13's measurement
TRAIN_PAGE = "neural_landscape"
KINDS = ("first_load", "interaction", "train")
CHANGEABLE = ("slider", "selectbox", "number_input", "checkbox")


# ---- what a student does ---------------------------------------------------------------------------------

def new_value(w: Widget, rng: random.Random):
    """A valid value for ``w`` other than its current one (None when there is none to take)."""
    p = w.proto
    if w.type == "checkbox":
        return not bool(w.value)
    if w.type == "selectbox":
        others = [o for o in p.options if o != w.value]
        return rng.choice(others) if others else None
    if w.type == "slider":
        if p.data_type not in (Slider.INT, Slider.FLOAT) or p.max <= p.min:
            return None  # dates and times: not on these pages
        step = p.step or (1 if p.data_type == Slider.INT else (p.max - p.min) / 100)
        steps = round((p.max - p.min) / step)
        values = sorted(p.min + step * rng.randint(0, steps) for _ in range(2 if isinstance(w.value, tuple) else 1))
        values = [min(max(round(v) if p.data_type == Slider.INT else round(v, 10), p.min), p.max) for v in values]
        return tuple(values) if isinstance(w.value, tuple) else values[0]
    if w.type == "number_input":
        integer = p.data_type == NumberInput.INT
        step = p.step or (1 if integer else 0.01)
        # a person types a nearby number (x0.5 to x2, a few steps from 0), a fraction stays below 1
        current = w.value if w.value is not None else (p.min if p.has_min else 0)
        value = current * rng.choice((0.5, 0.8, 1.25, 2.0)) if current else step * rng.randint(1, 5)
        if 0 < current < 1 <= value:
            value = (current + 1) / 2
        value = round(value) if integer else float(f"{value:.6g}")
        return min(max(value, p.min), p.max)  # an unbounded box's min and max are the widest numbers
    return None


def pick(widgets: list[Widget], rng: random.Random) -> tuple[Widget, object] | tuple[None, None]:
    """One control a student changes (outside any form, enabled) and its new value."""
    candidates = [w for w in widgets if w.type in CHANGEABLE and not w.form_id and not w.proto.disabled]
    rng.shuffle(candidates)
    for w in candidates:
        value = new_value(w, rng)
        if value is not None and value != w.value:
            return w, value
    return None, None


def train(s: Session, rng: random.Random):
    """The training visit: a new seed in the training form, then its submit button (one run, as a
    browser sends a form: the changed values with the button's trigger)."""
    widgets = s.widgets()
    button = next(w for w in widgets if w.type == "button" and w.form_id)
    seed = [w for w in widgets if w.form_id == button.form_id and w.type == "number_input" and w.label == "Seed"]
    return s.rerun({seed[0].id: rng.randint(1, 10_000)} if seed else {}, triggers=[button.id])


@dataclass
class Sample:
    page: str
    kind: str
    seconds: float
    outcome: str  # "ok", "timeout", "dropped" (connection refused or closed), "client" (this bench failed)
    exceptions: int = 0  # exception elements drawn by the run
    errors: int = 0  # error alerts drawn by the run
    finished: float = 0.0  # time.monotonic() at the end
    control: str = ""  # the label of the control an interaction changed


@dataclass
class Recorder:
    samples: list[Sample] = field(default_factory=list)
    examples: dict[str, list[str]] = field(default_factory=lambda: {"exception": [], "error": [], "failure": []})
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample, messages: dict[str, list[str]] | None = None) -> None:
        with self.lock:
            self.samples.append(sample)
            for kind, texts in (messages or {}).items():
                for text in texts:
                    text = f"{sample.page}/{sample.kind}: {text[:300]}"
                    if text not in self.examples[kind] and len(self.examples[kind]) < 5:
                        self.examples[kind].append(text)


class Student:
    """One person in the class: tabs opened one after the other until the level's time is over."""

    def __init__(self, url: str, rng: random.Random, args, deadline: float, stop: threading.Event,
                 recorder: Recorder, start_after: float):
        self.url, self.rng, self.args, self.deadline, self.stop = url, rng, args, deadline, stop
        self.recorder, self.start_after = recorder, start_after
        self.pages, self.weights = list(args.mix), list(args.mix.values())

    def over(self) -> bool:
        return self.stop.is_set() or time.monotonic() >= self.deadline

    def think(self) -> bool:
        """Think for a while; True when the level is over (at the end of the thought)."""
        self.stop.wait(self.rng.uniform(*self.args.think))
        return self.over()

    def run(self) -> None:
        if self.stop.wait(self.start_after) or self.over():
            return
        while True:
            self.visit(self.rng.choices(self.pages, self.weights)[0])
            if self.think():
                return

    def visit(self, page: str) -> None:
        with Session(self.url, timeout=self.args.timeout) as s:
            if self.timed(s, page, "first_load", lambda: s.open(page)) is None:
                return
            for i in range(self.args.interactions):
                if self.think():
                    return
                if i == 0 and page == TRAIN_PAGE:
                    kind, action = "train", lambda: train(s, self.rng)
                else:
                    w, value = pick(s.widgets(), self.rng)
                    if w is None:
                        return
                    kind, action = "interaction", lambda w=w, value=value: s.set_widget(w, value)
                if self.timed(s, page, kind, action, w.label if kind == "interaction" else "") is None:
                    return

    def timed(self, s: Session, page: str, kind: str, action, control: str = ""):
        """Run one action; record it; the run, or None when the tab has to go (timeout, dropped)."""
        start = time.monotonic()
        try:
            run = action()
        except TimeoutError as err:
            outcome, messages = "timeout", {"failure": [str(err)]}
        except (OSError, WebSocketException) as err:  # refused, closed, a proxy's 502 at the handshake
            outcome, messages = "dropped", {"failure": [f"{type(err).__name__}: {err}"]}
        except Exception as err:  # noqa: BLE001 - a fault of this bench: counted, never hidden
            outcome, messages = "client", {"failure": [f"bench: {type(err).__name__}: {err}"]}
        else:
            exceptions, errors = run.exceptions(), run.errors()
            self.recorder.add(Sample(page, kind, time.monotonic() - start, "ok", len(exceptions), len(errors),
                                     time.monotonic(), control), {"exception": exceptions, "error": errors})
            return run
        self.recorder.add(Sample(page, kind, time.monotonic() - start, outcome, finished=time.monotonic(),
                                 control=control), messages)
        s.close()
        return None
