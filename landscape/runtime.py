"""Process-wide settings for numeric work: torch's thread count and glibc's allocator.

glibc hands out blocks above its mmap threshold (dynamic, from 128 KiB) as fresh mappings and
gives them back on free, so every torch temporary of about 1-32 MiB costs a page fault per 4 KiB
each time it is made again: the same grid ran 10x slower in some processes than in others here.
``keep_freed_memory`` raises the thresholds so such blocks are reused from the heap instead.
"""
from __future__ import annotations

import ctypes
import ctypes.util

import torch

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt parameters, from glibc's malloc.h
MMAP_THRESHOLD = 32 << 20  # glibc's largest allowed value on 64-bit
TRIM_THRESHOLD = 128 << 20  # free memory kept at the top of the heap before it goes back to the system


def keep_freed_memory() -> bool:
    """Keep freed blocks up to 32 MiB for reuse (glibc only); False where there is no glibc."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def configure(threads: int) -> int:
    """Once per process: ``threads`` torch threads and the allocator settings above."""
    keep_freed_memory()
    torch.set_num_threads(threads)
    return threads
