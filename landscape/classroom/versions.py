"""The class's version number for the students' periodic checks: one query by the class's key, its answer
shared by every check of this process for ``FRESH`` seconds.

A student's check asks one thing: has the teacher changed anything since my page was drawn?  Sixty students
checking every 1.5 s in one process ask about the same class 40 times a second; ``Versions.of`` reads the
class's row at most once per ``FRESH`` seconds and answers the other checks from memory.  A change this
process makes forgets the class's entry (``forget``), so it is seen at once here; one made by another process
(or machine) is seen within ``FRESH`` seconds, well inside the check's own interval.
"""
from __future__ import annotations

import threading
import time
from typing import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from landscape.classroom import store
from landscape.classroom.store import classes

FRESH = 0.3  # seconds a version read serves the other checks of this process
KEEP = 1024  # entries kept before the stale ones are dropped (one per live class checked here)

VERSION = sa.select(classes.c.version).where(classes.c.id == sa.bindparam("class_id"),
                                             classes.c.created_at >= sa.bindparam("since"))


class Versions:
    """Class id -> (version, when read), shared by the threads of one process."""

    def __init__(self, engine: Engine, fresh: float = FRESH, monotonic: Callable[[], float] = time.monotonic):
        self.engine, self.fresh, self.monotonic = engine, fresh, monotonic
        self._read: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def of(self, class_id: str, since: float) -> int | None:
        """The version of the class ``class_id`` if it started at ``since`` or later; None when there is none.
        From memory when read here less than ``fresh`` seconds ago, else one single-row query."""
        now = self.monotonic()
        known = self._read.get(class_id)
        if known is not None and now - known[1] < self.fresh:
            return known[0]
        with store.reading(self.engine) as conn:
            version = conn.execute(VERSION, {"class_id": class_id, "since": since}).scalar()
        with self._lock:
            if version is None:
                self._read.pop(class_id, None)
                return None
            if len(self._read) >= KEEP:
                self._read = {k: v for k, v in self._read.items() if now - v[1] < self.fresh}
            self._read[class_id] = (version, now)
        return version

    def forget(self, class_id: object = None) -> None:
        """Read ``class_id`` (every class, when None) from the database at its next check."""
        with self._lock:
            if class_id is None:
                self._read.clear()
            elif isinstance(class_id, str):  # anything else names no class
                self._read.pop(class_id, None)
