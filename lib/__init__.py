"""Shared helpers for the *Concurrency in Python* book, in rooms by who reads them.

Open any module beside the chapter that imports it; each has one job, and each room's
``__init__.py`` lists its modules:

- ``demos``: the programs the chapters run and take apart (workloads, the shared account,
  pipelines, deadlocks, event-loop sweeps, the decision guide, chapter 10's tasks)
- ``measure``: measuring tools, whatever the model: timers, recorders, speed-ups, CPU and
  memory, and the claims that a measurement checks
- ``charts``: every figure the chapters draw, one colour per model
- ``plumbing``: housekeeping a chapter should not have to show: child processes, a local Dask
  cluster, the event loop to run on, open-file limits, showing lib's own source
- ``anilist``: the local AniList-compatible API (catalogue, server, guards, rate limit, run in
  a thread or a process) and the clients for it, the polite one included
- ``exercises``: each chapter's checkers, over their shared harness

Rooms import downwards only, in this order: ``charts`` and ``exercises``, then ``demos``,
``anilist``, ``measure``, ``plumbing``. A room may use any room below it; nothing imports back
up (``tests/lib/test_layers.py``).

The grader teachers run on a class's notebooks (``make grade``) is not part of ``lib``: it is
a top-level package of its own in the book's repository, beside ``lib``, and it is neither in
the helpers' wheel nor in the student edition.
"""

__all__: list[str] = []

__version__ = "0.1.0"
