"""Checkers for chapter 3, "Threading".

The learner's code runs in threads here, so each checker also makes the timing it needs
certain: :class:`Overlap` holds the first calls of a pool until the pool is at full width,
and ``ForcedInterleaving`` (in :mod:`lib.exercises._harness.interleaving`) holds a thread that has
read a balance, outside the account's lock, until every other withdrawal has read it too (or
finished). A racy answer then fails on every run, and a correct one passes without waiting.

One module an exercise, over what they share (``_common``):

- ``collect_all``: The check of exercise 3.1: every result and every exception.
- ``safe_account``: The check of exercise 3.2: fix the bank account's race.
- ``process_all``: The check of exercise 3.3: consumers that all stop.
"""

from __future__ import annotations

from lib.exercises.ch03_threading.collect_all import check_collect_all
from lib.exercises.ch03_threading.process_all import check_process_all
from lib.exercises.ch03_threading.safe_account import check_safe_account

__all__ = [
    "check_collect_all",
    "check_process_all",
    "check_safe_account",
]
