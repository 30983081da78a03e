"""Which jobs a class-server worker takes: a Dask preload, ``--preload <path of this file>``.

Every worker of two or more but the first (``<name>-0``) declares the resource ``LONG``, and ``landscape.jobs``
sends a long job (a training) only to a worker that declares it, when any does.  So trainings run on the other
workers, and the first is left to the views a page waits for (a swarm, a map, a slice, 0.06-0.12 s each alone),
which otherwise waited behind other students' trainings (0.6 s each alone; a worker short of a core held one
for several seconds at 60 students, bench/load.py).  One worker alone, or a cluster that declares nothing, takes every job.

Given as a file, not a module: Dask's worker command imports its preloads to check them, and this file imports
nothing, where ``landscape`` would load torch into that process (185 MB) for nothing.
"""
LONG = "long"  # the resource; a long job asks for one unit of it


def dask_setup(worker) -> None:
    """Called by Dask in each worker as it starts, before it joins the scheduler."""
    if not str(worker.name).endswith("-0"):
        worker.state.total_resources[LONG] = worker.state.available_resources[LONG] = 1.0
