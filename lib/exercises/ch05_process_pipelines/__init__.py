"""Checkers for chapter 5, "Processes: pipelines and shared state".

As in chapter 4, a function defined in a notebook cannot be sent to a worker under ``spawn``
or ``forkserver``, so the learner's functions run in this process, and the processes they
start run only workers from ``lib`` (``lib.demos.pipeline``, ``lib.demos.shared_sums``).
:class:`NewProcesses` stops any process an answer leaves running, and the shared-memory check
unlinks any block an answer leaves behind, so that a wrong answer never leaves either.

One module an exercise:

- ``save_transformed``: The check of exercise 5.1: a pipeline with two transformers.
- ``sum_in_shared_memory``: The check of exercise 5.2: sum numbers in shared memory.
- ``chunksize_for``: The check of exercise 5.3: a chunk size for many small calls.
"""

from __future__ import annotations

from lib.exercises.ch05_process_pipelines.chunksize_for import check_chunksize_for
from lib.exercises.ch05_process_pipelines.save_transformed import check_save_transformed
from lib.exercises.ch05_process_pipelines.sum_in_shared_memory import (
    check_sum_in_shared_memory,
)

__all__ = ["check_chunksize_for", "check_save_transformed", "check_sum_in_shared_memory"]
