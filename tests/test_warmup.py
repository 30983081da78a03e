"""landscape.warmup: the once-slow first calls run on tiny inputs, without Streamlit, and leave nothing behind."""
from __future__ import annotations

import torch

from landscape import warmup


def test_warm_runs_the_first_calls_and_keeps_the_thread_budget():
    threads = torch.get_num_threads()
    warmup.warm()
    warmup.warm()  # a second time is harmless
    assert torch.get_num_threads() == threads
