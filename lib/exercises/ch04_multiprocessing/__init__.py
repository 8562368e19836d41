"""Checkers for chapter 4, "Multiprocessing".

A function defined in a notebook cannot be sent to a worker under ``spawn`` or
``forkserver``, so the learner's functions here run in this process, and the processes they
start run only workers from ``lib`` (``lib.demos.primes``). The checkers see
where the work ran from the pids the workers report, and :class:`NewProcesses` stops any
process an answer leaves running, so that a wrong answer never leaves one behind.

One module an exercise:

- ``worker_count``: The check of exercise 4.1: a worker count that is never zero.
- ``count_primes_parallel``: The check of exercise 4.2: count primes on a process pool.
- ``amdahl_speedup``: The check of exercise 4.3: the best speed-up Amdahl's law allows.
"""

from __future__ import annotations

from lib.exercises.ch04_multiprocessing.amdahl_speedup import check_amdahl_speedup
from lib.exercises.ch04_multiprocessing.count_primes_parallel import check_count_primes_parallel
from lib.exercises.ch04_multiprocessing.worker_count import check_worker_count

__all__ = [
    "check_amdahl_speedup",
    "check_count_primes_parallel",
    "check_worker_count",
]
