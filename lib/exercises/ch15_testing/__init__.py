"""Checkers for chapter 15, "Testing concurrent code".

Each exercise asks for a test, not for the code it tests. A check runs the learner's test
against a correct implementation, where it must pass, and against broken ones (a race, a
deadlock, an off-by-one, a timeout too short or too long), where it must fail, on every run
and within a time limit. A test that hangs is reported after that limit; the implementations
the checks hand out never leave a thread stuck behind.

One module an exercise, over what they share (``_common``):

- ``atomic``: The check of exercise 15.1: a test that catches a race, every time.
- ``deadlock_test``: The check of exercise 15.2: a test that fails on a deadlock, quickly.
- ``timeout_test``: The check of exercise 15.3: a test of a 10 s timeout, on a virtual clock.
"""

from __future__ import annotations

from lib.exercises.ch15_testing.atomic import check_withdraw_test
from lib.exercises.ch15_testing.deadlock_test import check_transfer_test
from lib.exercises.ch15_testing.timeout_test import check_timeout_test

__all__ = [
    "check_timeout_test",
    "check_transfer_test",
    "check_withdraw_test",
]
