"""The Optimisers page's choices as values: the race a person set up and what is drawn beside it.

    entries, notes = race_choice.race_entries(["gd", "adam"], {"gd": {}, "adam": {"lr": 0.1}}, "constant", {},
                                              None, None, 0)        # JSON {name: settings} for optim.race
    RaceInput(entries, "constant", (-1.5, 2.0), 300, 0.05, notes)  # everything the race's controls chose
    race_choice.update_rules(entries, "constant")                  # (label, LaTeX) of each update rule

Both dataclasses are frozen and hashable (``st.cache_data`` keys on them); numbers are unchecked here
(``landscape.optim`` checks them).  The controls are ``landscape.ui.optimisers``; the compute is
``landscape.race``.  No streamlit.
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from landscape import optim


@dataclass(frozen=True)
class RaceInput:
    """The race a person set up, as plain values (cache keys).  Numbers are unchecked."""

    entries: str  # JSON {optimiser name: run's keyword arguments}, in the chosen order
    schedule: str
    start: tuple[float, float]
    steps: float
    tol: float
    notes: tuple[str, ...]  # settings that do not apply to some optimiser


@dataclass(frozen=True)
class Extras:
    frame_ms: int
    swarm_n: int | None  # starts per side, None: no swarm
    lr_map: bool
    three_d: bool = False  # the paths on the 3D surface (instead of the loss curves beside the map)


def race_entries(names: Sequence[str], hparams: Mapping[str, Mapping[str, float]], schedule: str,
                 schedule_params: Mapping[str, float], clip: float | None, batch_size: int | None,
                 seed: int) -> tuple[str, tuple[str, ...]]:
    """``{name: settings}`` as JSON for ``optim.race``; clipping and mini-batches go to elementwise optimisers
    (the notes say which optimiser takes neither)."""
    entries, notes = {}, []
    for name in names:
        spec = optim.spec(name)
        settings = {**hparams[name], "schedule": schedule, **schedule_params}
        if spec.elementwise:
            settings |= {"clip": clip, "batch_size": batch_size, "seed": seed}
        elif clip is not None or batch_size is not None:
            notes.append(f"{spec.label} works on the full objective: it takes no gradient clipping or mini-batches.")
        entries[name] = settings
    return json.dumps(entries), tuple(notes)


def update_rules(entries: str, schedule: str) -> list[tuple[str, str]]:
    """(label, LaTeX) of each chosen optimiser's update rule, then of the schedule."""
    rules = [(optim.spec(name).label, optim.spec(name).rule) for name in json.loads(entries)]
    sched = optim.schedule_spec(schedule)
    return rules + [(f"learning-rate schedule: {sched.label}", sched.formula)]
