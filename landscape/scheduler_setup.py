"""The class server's Dask scheduler: a preload, ``--preload <path of this file>`` (``make serve``, compose).

Dask files each task under a span (``distributed.spans``, for its dashboard), and a task of no span under
a new "default" one each time the cluster goes from idle to busy: many times a minute here, where each
student's view is a task or two.  The scheduler keeps every span for ever, with the task groups filed
under it (dask/distributed#7977): one wave of 30 students (``bench/load.py --waves``) left 181 spans and
254 task groups behind on it, about 4 MB a wave, never given back.

Every ``PRUNE_EVERY`` seconds ``prune`` drops the spans that have ended: top-level ones without sub-spans,
finished at least ``GRACE`` seconds ago (a worker's heartbeat reports the timings of the spans it ran a
moment later, and the scheduler looks each up by id), none of whose task groups the scheduler still has
(a group with a kept result stays, and its new tasks are filed under that span).  Removing the spans
extension altogether was tried (dfc8714, reverted): a worker that has its own part, as every Dask worker does,
then fails its heartbeats.

Given as a file, like ``worker_role.py``: it imports nothing of ``landscape``.
"""
import time

from tornado.ioloop import PeriodicCallback

PRUNE_EVERY = 60.0  # seconds between two prunings
GRACE = 60.0  # a span is dropped this long after its last task finished, at the earliest


def _ended(span, task_groups: dict, before: float) -> bool:
    """A group the scheduler no longer has has all its tasks forgotten, so such a span is done too."""
    return (not span.children and bool(span.groups) and span.stop < before
            and not any(task_groups.get(group.name) is group for group in span.groups))


def prune(scheduler, grace: float = GRACE) -> int:
    """Drop the spans that have ended (see the module); the number dropped."""
    spans = scheduler.extensions.get("spans")
    if spans is None:
        return 0
    before = time.time() - grace
    ended = {span.id for span in spans.root_spans if _ended(span, scheduler.task_groups, before)}
    if not ended:
        return 0
    spans.root_spans[:] = [span for span in spans.root_spans if span.id not in ended]
    for index in (spans.spans_search_by_name, spans.spans_search_by_tag):
        for key, found in list(index.items()):
            found[:] = [span for span in found if span.id not in ended]
            if not found:
                del index[key]
    for span_id in ended:
        del spans.spans[span_id]
    return len(ended)


def dask_setup(scheduler) -> None:
    """Called by Dask in the scheduler as it starts."""
    pruning = PeriodicCallback(lambda: prune(scheduler), PRUNE_EVERY * 1000)
    scheduler.periodic_callbacks["prune-spans"] = pruning
    pruning.start()
