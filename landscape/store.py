"""A bounded, thread-safe store of computed values shared by every session (entries, bytes, age), and
``nbytes``, the bytes a value holds in numpy arrays.  Plain Python: the Streamlit glue is ``landscape.ui.progress``."""
from __future__ import annotations

import dataclasses
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

import numpy as np


def nbytes(value: object) -> int:
    """Bytes held in the numpy arrays of ``value`` (dataclasses, tuples, lists and dicts are walked)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sum(nbytes(getattr(value, f.name)) for f in dataclasses.fields(value))
    if isinstance(value, dict):
        return sum(nbytes(v) for v in value.values())
    if isinstance(value, (tuple, list)):
        return sum(nbytes(v) for v in value)
    return 0


class Store:
    """At most ``max_entries`` values of at most ``max_bytes`` in all, each kept ``ttl`` seconds;
    the least recently used goes first.  Thread-safe: every session of the server shares it."""

    def __init__(self, max_entries: int, max_bytes: int, ttl: float):
        self.max_entries, self.max_bytes, self.ttl = max_entries, max_bytes, ttl
        self._items: OrderedDict[str, tuple[float, int, object]] = OrderedDict()  # key -> (time, bytes, value)
        self._bytes = 0  # the sum of the items' bytes
        self._lock = threading.Lock()

    def get(self, key: str):
        """The value stored under ``key``, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[0] > self.ttl:
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return item[2]

    def put(self, key: str, value: object) -> None:
        size = nbytes(value)
        with self._lock:
            self._drop(key)
            self._items[key] = (time.monotonic(), size, value)
            self._bytes += size
            while len(self._items) > 1 and (len(self._items) > self.max_entries or self._bytes > self.max_bytes):
                self._drop(next(iter(self._items)))

    def forget(self, key: str) -> None:
        with self._lock:
            self._drop(key)

    def _drop(self, key: str) -> None:
        """Forget ``key`` (the lock held)."""
        item = self._items.pop(key, None)
        if item is not None:
            self._bytes -= item[1]

    def remembered(self, key: str, compute: Callable[[], object]):
        """The value stored under ``key``, else ``compute()``, stored under it."""
        value = self.get(key)
        if value is None:
            value = compute()
            self.put(key, value)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
