"""Housekeeping a chapter should not have to show.

- ``processes``, ``parent_watch``: child processes still running, stopped for good; a child
  that ends when its parent does
- ``cluster``, ``dask_tidy``: a Dask scheduler and workers on 127.0.0.1 (or the cluster
  named by ``BOOK_DASK_SCHEDULER``), and Dask's log lines and threads kept out of the outputs
- ``event_loops``, ``fdlimits``, ``startmethod``: asyncio's own loop or uvloop, open-file
  limits, the multiprocessing start method from the environment
- ``stacks``: every thread's name and stack, from inside the program
- ``show_source``, ``log_capture``: lib's own source in a notebook; a logger's reports in a block
- ``trial_runs``: test files in a temporary folder, and the test runner run on them in a
  child process
"""

__all__: list[str] = []
