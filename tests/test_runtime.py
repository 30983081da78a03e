"""Process-wide settings: thread count and glibc's allocator thresholds."""
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
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


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


def test_idle_trim_gives_kept_memory_back():
    """The raised thresholds keep up to 128 MiB of freed heap; malloc_trim(0) returns it to the system."""
    if not (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"):
        assert runtime.give_back_freed_memory() is False
        return
    assert runtime.keep_freed_memory() is True
    blocks = [np.ones(1 << 20) for _ in range(40)]  # 40 x 8 MiB, under the mmap threshold: from the heap
    del blocks
    kept = _rss_mb()
    runtime.give_back_freed_memory()
    assert kept - _rss_mb() > 64


def test_trim_when_idle_starts_one_thread():
    first = runtime.trim_when_idle()
    assert first.daemon and first.is_alive() and runtime.trim_when_idle() is first


def test_an_idle_process_forgets_and_trims_once_per_busy_period(monkeypatch):
    """On a fake clock sampled every 5 s: 10 s of quiet after start-up forgets and trims once; more quiet does
    nothing; a busy sample, then 10 s of quiet, does it again."""
    busy_samples = iter([False, False, False, False, True, False, False, False])
    cpu = [0.0]
    events = []

    def sleep(_):
        busy = next(busy_samples, None)
        if busy is None:
            raise StopIteration  # the end of the scripted clock
        cpu[0] += 1.0 if busy else 0.0

    monkeypatch.setattr(runtime.time, "process_time", lambda: cpu[0])
    monkeypatch.setattr(runtime.time, "sleep", sleep)
    monkeypatch.setattr(runtime, "give_back_freed_memory", lambda: events.append("trim"))
    monkeypatch.setattr(runtime, "_forgetters", [lambda: events.append("forget"), lambda: 1 / 0])
    with pytest.raises(StopIteration):
        runtime._trim_after_busy_periods(seconds=10, sample=5)
    assert events == ["forget", "trim", "forget", "trim"]  # a failing hook is logged; the loop goes on


ARENA_COUNT = """
import ctypes, ctypes.util, re, sys, tempfile, threading
{setup}
import numpy as np
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fopen.restype = ctypes.c_void_p
allocated, done = threading.Barrier(9), threading.Event()
def work():
    held = [np.ones(1000) for _ in range(100)]
    allocated.wait(); done.wait()
threads = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in threads]
allocated.wait()
path = tempfile.mktemp()
out = libc.fopen(path.encode(), b"w"); libc.malloc_info(0, ctypes.c_void_p(out)); libc.fclose(ctypes.c_void_p(out))
done.set(); [t.join() for t in threads]
print(len(re.findall("<heap nr=", open(path).read())))
"""


def _arenas_with_eight_busy_threads(setup: str) -> int:
    script = ARENA_COUNT.format(setup=setup)
    return int(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                              timeout=120).stdout)


def test_threads_share_a_few_arenas():
    """Eight threads allocating at once: glibc gives them arenas of their own (9 heaps) unless the cap is set;
    importing landscape caps them at ``ARENAS`` (the class server's fragmentation, issue 13)."""
    if not (platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"):
        pytest.skip("glibc's arenas")
    assert _arenas_with_eight_busy_threads("import torch") > runtime.ARENAS
    assert _arenas_with_eight_busy_threads("import landscape") <= runtime.ARENAS


def test_the_class_server_starts_its_processes_with_the_same_cap():
    """``make serve`` sets ``MALLOC_ARENA_MAX`` itself (it does not import torch to read ``runtime.ARENAS``)."""
    text = (Path(__file__).resolve().parent.parent / "deploy" / "serve.py").read_text()
    assert f"ARENAS = {runtime.ARENAS} " in text and 'env["MALLOC_ARENA_MAX"] = str(ARENAS)' in text
    dockerfile = (Path(__file__).resolve().parent.parent / "deploy" / "Dockerfile").read_text()
    assert f"MALLOC_ARENA_MAX={runtime.ARENAS}" in dockerfile
