"""The front end's cache of large messages, as ``bench/protocol.py``'s client keeps it.

A browser keeps every message the server marks ``cacheable`` (an element of at least
``global.minCachedMessageSize``, 10 kB) and lists their hashes with every rerun it asks for; the server
then sends an unchanged element as a reference (``ref_hash``), which the browser replaces by the message it
keeps.  A message not used in ``max_cached_message_age`` finished runs (2, from ``new_session``) is dropped;
a fragment's run ages only that fragment's messages.  This is Streamlit 1.67's ``ForwardMsgCache`` of the
front end (``incrementRunCount``, ``processMessagePayload``, ``maybeCacheMessage``).
"""
from __future__ import annotations

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


class MessageCache:
    def __init__(self) -> None:
        self.messages: dict[str, tuple[bytes, int, str]] = {}  # hash -> (message, run count last used, fragment id)
        self.runs = 0
        self.max_age = 2
        self.references = 0  # messages that came as a reference (bytes the server did not send again)

    def hashes(self) -> list[str]:
        return list(self.messages)

    def received(self, fm: ForwardMsg, data: bytes) -> ForwardMsg:
        """The message as the page sees it: a reference replaced by the cached message (with the
        reference's metadata); a cacheable one kept.  KeyError for a reference to a message not kept."""
        kind = fm.WhichOneof("type")
        if kind == "ref_hash":
            full = ForwardMsg()
            full.ParseFromString(self._used(fm.ref_hash))
            full.metadata.CopyFrom(fm.metadata)
            self.references += 1
            return full
        if kind == "new_session":
            self.max_age = fm.new_session.config.max_cached_message_age or self.max_age
        elif kind == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self.finished(set(fm.metadata.run.fragment_ids))
        if fm.metadata.cacheable and fm.hash:
            if fm.hash in self.messages:
                self._used(fm.hash)
            else:
                self.messages[fm.hash] = (data, self.runs, fm.delta.fragment_id if kind == "delta" else "")
        return fm

    def _used(self, key: str) -> bytes:
        """The kept message ``key``, now used on this run (KeyError if not kept)."""
        data, _, fragment_id = self.messages[key]
        self.messages[key] = (data, self.runs, fragment_id)
        return data

    def finished(self, fragment_ids: set[str]) -> None:
        """A run ended: drop what has not been used for ``max_age`` runs (a fragment's run ages its own)."""
        self.runs += 1
        for key, (_, used, fragment_id) in list(self.messages.items()):
            if fragment_ids and (not fragment_id or fragment_id not in fragment_ids):
                continue
            if self.runs - used > self.max_age:
                del self.messages[key]
