"""landscape.store.Store keeps a running byte count: it must equal the bytes of what it holds after every put,
replacement, eviction, expiry, forget and clear (the bound on a class server's memory rests on it)."""
from __future__ import annotations

import numpy as np

from landscape.store import Store, nbytes

KB = 1024


def held_bytes(store: Store) -> int:
    return sum(nbytes(store.get(k)) for k in list(store._items))


def test_the_byte_count_follows_puts_replacements_evictions_and_forgets():
    store = Store(max_entries=10, max_bytes=40 * KB, ttl=3600)
    for i in range(8):
        store.put(str(i), np.zeros(KB))  # 8 kB each: five fit
    assert len(store) == 5 and store._bytes == held_bytes(store) == 40 * KB
    store.put("7", np.zeros(KB // 2))  # a replacement counts once, at its new size
    assert store._bytes == held_bytes(store) == 36 * KB
    store.forget("7")
    store.forget("never stored")
    assert store._bytes == held_bytes(store) == 32 * KB
    store.clear()
    assert len(store) == 0 and store._bytes == 0


def test_an_expired_value_leaves_the_count():
    store = Store(max_entries=10, max_bytes=40 * KB, ttl=-1.0)  # everything is already too old
    store.put("a", np.zeros(KB))
    assert store.get("a") is None and store._bytes == 0
