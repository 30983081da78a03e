"""What a server process keeps in its caches is bounded in bytes (issue 13): st.cache_data by Streamlit's
``server.maxCacheDataSize`` (set in both config files), the training and view stores by their own bound."""
import tomllib
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
from streamlit import config
from streamlit.byte_util import config_max_cache_data_size_to_bytes
from streamlit.runtime.caching.global_cache_budget import (get_global_cache_budget,
                                                            reconfigure_global_cache_budget_from_config)

from landscape import jobs, runtime
from landscape.store import Store
from landscape.ui import progress

ROOT = Path(__file__).resolve().parent.parent
CONFIGS = [ROOT / ".streamlit" / "config.toml", ROOT / "deploy" / "config.toml"]
MB = 2**20
GOAL = 150 * MB  # what a process may stay above its warm start after a class


def _configured(path: Path) -> str:
    return tomllib.loads(path.read_text())["server"]["maxCacheDataSize"]


def _cache_data_budget(path: Path) -> int:
    return config_max_cache_data_size_to_bytes(_configured(path))


def test_every_config_bounds_cached_bytes_well_under_the_goal():
    budgets = {_cache_data_budget(path) for path in CONFIGS}
    assert len(budgets) == 1, "make app and the class image keep the same cache budget"
    total = budgets.pop() + progress.TRAINING_BYTES + progress.VIEW_BYTES + progress.PATH_BYTES
    assert total <= 0.8 * GOAL


@pytest.fixture
def budget_from_config():
    """Streamlit's process-wide st.cache_data budget, set from .streamlit/config.toml as a server start does."""
    config.set_option("server.maxCacheDataSize", _configured(CONFIGS[0]))
    reconfigure_global_cache_budget_from_config()
    yield get_global_cache_budget()
    st.cache_data.clear()
    config.set_option("server.maxCacheDataSize", None)
    reconfigure_global_cache_budget_from_config()


def test_cached_results_stay_within_the_budget_and_the_latest_is_still_a_hit(budget_from_config):
    limit = _cache_data_budget(CONFIGS[0])
    computed = []

    @st.cache_data(max_entries=1000, show_spinner=False)
    def block(i: int) -> np.ndarray:
        computed.append(i)
        return np.full(MB // 8, float(i))  # 1 MiB

    last = 2 * limit // MB  # twice the budget's worth of distinct results
    for i in range(last + 1):
        block(i)
    assert budget_from_config.max_bytes == limit
    assert block(last)[0] == last and computed.count(last) == 1, "moving back to the last value is a cache hit"
    block(0)
    assert computed.count(0) == 2, "the oldest result was dropped to stay within the budget"


def test_stores_drop_the_least_recently_used_beyond_their_bytes():
    store = Store(max_entries=100, max_bytes=3 * MB, ttl=3600)
    for i in range(5):
        store.put(str(i), np.zeros(MB // 8))
    assert [store.get(str(i)) is not None for i in range(5)] == [False, False, True, True, True]


def test_an_idle_class_server_process_drops_its_trainings_and_make_app_keeps_them(monkeypatch):
    """On the class server the cluster keeps each process's last trainings (``keep=True``), so an idle app
    process lets its copies go with its other caches; in ``make app`` its store is all there is."""
    monkeypatch.setattr(runtime, "_forgetters", [])
    for address, dropped in ((None, False), ("tcp://127.0.0.1:8786", True)):
        if address is None:
            monkeypatch.delenv(jobs.ENV, raising=False)
        else:
            monkeypatch.setenv(jobs.ENV, address)
        progress.store.clear()
        assert (progress.store().clear in runtime._forgetters) is dropped
    progress.store.clear()
