"""Checkers for chapter 11, "Getting threads right".

Each checker runs the learner's code in threads it watches: the locks of exercise 11.1 come
from :mod:`lib.demos.deadlock`, so a deadlock is reported (who held what) and broken instead of
hanging; the calls of 8.2 and the handler of 8.3 record when they ran, and are ended by the
check, so nothing is left running.

One module an exercise:

- ``transfer``: The check of exercise 11.1: transfers that cannot deadlock.
- ``first_result``: The check of exercise 11.2: the first answer.
- ``worker``: The check of exercise 11.3: a worker that stops when asked.
"""

from __future__ import annotations

from lib.exercises.ch11_correct_threads.first_result import check_first_result
from lib.exercises.ch11_correct_threads.transfer import check_transfer
from lib.exercises.ch11_correct_threads.worker import check_worker

__all__ = [
    "check_first_result",
    "check_transfer",
    "check_worker",
]
