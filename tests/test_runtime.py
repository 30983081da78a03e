"""Process-wide settings: thread count and glibc's allocator thresholds."""
import platform

import torch

from landscape import runtime


def test_configure_sets_the_thread_count():
    before = torch.get_num_threads()
    try:
        assert runtime.configure(1) == 1 and torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_freed_blocks_are_kept_on_glibc():
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert runtime.keep_freed_memory() is True
    else:
        assert runtime.keep_freed_memory() in (True, False)
