"""The class server's Dask scheduler: a preload, ``--preload <path of this file>``, with ``worker_role.py``
preloaded in every worker.

Dask groups a cluster's tasks into spans for its dashboard (``distributed.spans``), a new one each time the
cluster goes from idle to busy: many times a minute here, where each student's view is a task or two.  The
scheduler keeps every span for ever, with its task groups (dask/distributed#7977), and each worker keeps its
timings per span (``Worker.digests_total``, four or more entries a span).  Over waves of 30 students that
was about 3 MB a wave on the scheduler and 5 MB on each worker, never given back (bench/load.py --waves).
The class server shows no dashboard, so it runs without spans: tasks then carry none, and a worker's timings
stay a few entries per kind of task.  Both sides drop them (this file and ``worker_role.py``): a worker that
reports span timings to a scheduler without spans would fail its heartbeats.

Given as a file, like ``worker_role.py``: it imports nothing.
"""


def dask_setup(scheduler) -> None:
    """Called by Dask in the scheduler as it starts."""
    scheduler.extensions.pop("spans", None)
