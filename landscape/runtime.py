"""Process-wide settings for numeric work: torch's thread count and glibc's allocator.

glibc hands out blocks above its mmap threshold (dynamic, from 128 KiB) as fresh mappings and
gives them back on free, so every torch temporary of about 1-32 MiB costs a page fault per 4 KiB
each time it is made again: the same grid ran 10x slower in some processes than in others here.
``keep_freed_memory`` raises the thresholds so such blocks are reused from the heap instead.

The price is memory: up to 128 MiB free at the top of each of glibc's heaps (one per busy thread)
stays with the process.  On the class server that kept app processes 300 MB above their warm start
long after a class had left, so ``configure`` also starts ``trim_when_idle``: once the process has
been idle for 30 s, what ``when_idle`` registered runs (the app drops its cached results: their
caches expire only when read) and ``malloc_trim(0)`` gives the free memory back.  While it is
busy, nothing changes.

Most of what stayed, though, was not free memory but glibc's arenas: each of the many threads
Streamlit runs scripts on may get an arena of its own (up to 8 per core), every arena fragments on
its own and a trim cannot give back a page that holds one live block.  With the default 16 arenas
on 2 cores, app processes stayed +306 / +313 MB over warm after a class (the trim returned
nothing: 215 MB in use, 302 MB free but already unmapped); with ``ARENAS`` = 2 one stayed +110 MB and
grew 9 MB over three waves (was +74 / +105 over two).  The threads take turns on the GIL, so they
seldom wait for an arena.  ``keep_freed_memory`` sets the limit; glibc fixes its arena limit once 8
arenas exist, so ``make serve`` also sets ``MALLOC_ARENA_MAX`` before the app starts.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import threading
import time
from typing import Callable

import torch

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # mallopt parameters, from glibc's malloc.h
ARENAS = 2  # glibc's heaps (arenas) shared by all threads; its default is 8 per core
MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed value on 64-bit
TRIM_THRESHOLD = 128 << 20  # free memory kept at the top of the heap before it goes back to the system
IDLE_SECONDS = 30.0  # a process counts as idle after this long using under IDLE_CPU of one core
IDLE_CPU = 0.05


@functools.cache
def _libc():
    """The C library, loaded once (None where there is none to load)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c"))
    except (OSError, TypeError):
        return None


def keep_freed_memory() -> bool:
    """Keep freed blocks up to 32 MiB for reuse, in at most ``ARENAS`` heaps (glibc only); False where there
    is no glibc."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    settings = ((M_ARENA_MAX, ARENAS), (M_MMAP_THRESHOLD, MMAP_THRESHOLD), (M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return all([bool(mallopt(name, value)) for name, value in settings])


def give_back_freed_memory() -> bool:
    """``malloc_trim(0)``: free memory of every heap goes back to the system (glibc only; False elsewhere)."""
    trim = getattr(_libc(), "malloc_trim", None)
    return trim is not None and bool(trim(0))


def when_idle(forget: Callable[[], None]) -> None:
    """Call ``forget`` (once per busy period, before the trim) when the process goes idle: a server
    drops its cached results there, so that their memory goes back too."""
    if forget not in _forgetters:
        _forgetters.append(forget)


def _trim_after_busy_periods(seconds: float, sample: float) -> None:
    quiet, busy = 0.0, True  # the first idle period after start-up trims too
    while True:
        cpu = time.process_time()
        time.sleep(sample)
        if time.process_time() - cpu >= IDLE_CPU * sample:
            quiet, busy = 0.0, True
            continue
        quiet += sample
        if busy and quiet >= seconds:
            for forget in list(_forgetters):
                try:
                    forget()
                except Exception:  # noqa: BLE001 - the thread must outlive a failing hook; the trim still helps
                    logging.getLogger(__name__).exception("dropping cached results when idle failed")
            give_back_freed_memory()
            busy = False


_forgetters: list[Callable[[], None]] = []
_trimmer: threading.Thread | None = None


def trim_when_idle(seconds: float = IDLE_SECONDS, sample: float = 5.0) -> threading.Thread:
    """Once per process, a daemon thread: after each busy period, once the process has used under
    ``IDLE_CPU`` of a core for ``seconds`` (checked every ``sample`` seconds), call what ``when_idle``
    registered and give the freed memory back (``give_back_freed_memory``)."""
    global _trimmer
    if _trimmer is None:
        _trimmer = threading.Thread(target=_trim_after_busy_periods, args=(seconds, sample),
                                    name="trim-when-idle", daemon=True)
        _trimmer.start()
    return _trimmer


def configure(threads: int) -> int:
    """Once per process: ``threads`` torch threads, the allocator settings above and ``trim_when_idle``."""
    keep_freed_memory()
    trim_when_idle()
    torch.set_num_threads(threads)
    return threads
