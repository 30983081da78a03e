"""The load bench's client keeps large messages as the front end does (``bench/message_cache.py``).

A browser lists the hashes of the large elements it holds with every rerun, and the server sends an element
that has not changed as a reference.  The bench's students do the same, so the server does the work it does
for browsers, not more.
"""
from __future__ import annotations

import json

import pytest
from message_cache import MessageCache
from protocol import Session
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


def _element(text: str, fragment_id: str = "") -> tuple[ForwardMsg, bytes]:
    fm = ForwardMsg(hash=f"h-{text}")
    fm.metadata.cacheable = True
    fm.delta.new_element.markdown.body = text
    fm.delta.fragment_id = fragment_id
    return fm, fm.SerializeToString()


def _finished(*fragment_ids: str) -> ForwardMsg:
    fm = ForwardMsg(script_finished=ForwardMsg.FINISHED_SUCCESSFULLY)
    fm.metadata.run.fragment_ids.extend(fragment_ids)
    return fm


def test_a_reference_is_the_kept_message_with_its_own_place():
    cache = MessageCache()
    cache.received(*_element("a figure"))
    ref = ForwardMsg(ref_hash="h-a figure")
    ref.metadata.delta_path.extend([0, 3])
    full = cache.received(ref, ref.SerializeToString())
    assert full.delta.new_element.markdown.body == "a figure"
    assert list(full.metadata.delta_path) == [0, 3]
    assert cache.references == 1
    with pytest.raises(KeyError):
        cache.received(ForwardMsg(ref_hash="never sent"), b"")


def test_a_message_unused_for_more_than_max_age_runs_is_dropped_and_a_fragment_run_ages_its_own():
    cache = MessageCache()  # max_age 2, Streamlit's default
    cache.received(*_element("page"))
    cache.received(*_element("check", fragment_id="f1"))
    early = ForwardMsg(script_finished=ForwardMsg.FINISHED_EARLY_FOR_RERUN)
    for _ in range(5):
        cache.received(early, b"")  # a run ended early for another does not count
    cache.received(_finished(), b"")
    cache.received(_finished(), b"")
    assert cache.hashes() == ["h-page", "h-check"]  # age 2: kept
    cache.received(*_element("page"))  # used again
    cache.received(_finished("f1"), b"")  # a fragment's run ages the fragment's messages only
    assert cache.hashes() == ["h-page"]
    cache.received(_finished(), b"")
    assert cache.hashes() == ["h-page"]
    cache.received(_finished(), b"")
    assert cache.hashes() == []


def _charts(run) -> list[dict]:
    return [json.loads(e.plotly_chart.spec) for _, e in sorted(run.elements.items())
            if e.WhichOneof("type") == "plotly_chart"]


@pytest.mark.timeout(120)
def test_the_server_sends_an_unchanged_figure_as_a_reference_and_the_client_draws_it_whole(server):
    with Session(server.url, timeout=60) as s:
        first = s.open("/loss_surface")
        before = s.cache.references
        details = s.widget("Show computation details")
        run = s.set_widget(details, not details.value)  # the figures stay as they were
        assert run.finished and not run.exceptions()
        assert s.cache.references - before >= 2  # both figures came as references
        assert _charts(run) == _charts(first)
