"""Checkers for chapter 13, "Cancellation and structured concurrency".

Every answer runs on an event loop of its own, in a thread (through ``run_answer``), under a
deadline set inside that loop, and any task it left running is cancelled, so a check leaves
nothing behind. The checks measure behaviour: which attempts ran and were stopped, whether
an outside cancellation ended the answer's task, what ``Task.cancelling()`` was afterwards,
and which jobs had finished their clean-up when the answer returned.

One module an exercise:

- ``retries``: The check of exercise 13.1: retries on a timeout, never on a cancellation.
- ``deadline``: The check of exercise 13.2: jobs stopped at a deadline, after their clean-up.
- ``until``: The check of exercise 13.3: an async generator with a deadline that never fires
  in its consumer's code (PEP 789).
"""

from __future__ import annotations

from lib.exercises.ch13_cancellation.deadline import check_stop_at_deadline
from lib.exercises.ch13_cancellation.retries import check_fetch_with_retries
from lib.exercises.ch13_cancellation.until import check_items_until

__all__ = [
    "check_fetch_with_retries",
    "check_items_until",
    "check_stop_at_deadline",
]
