"""The check of exercise 15.1: a test that catches a race, every time.

The learner's ``test_withdraw_is_atomic(account_class)`` makes accounts with
``account_class(balance)``; each has a ``balance`` and ``withdraw(amount, pause=None)``,
which calls ``pause()`` between reading the balance and writing it back. The check runs the
test against a correct account (a lock around the read, the pause and the write), where it
must pass, and against three broken ones, where it must fail on every run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from lib.exercises._harness.checking import Checker, exercise_check, require_function
from lib.exercises.ch15_testing._common import require_fails, require_passes, run_test

__all__ = [
    "HalfLockedAccount",
    "LockedAccount",
    "OffByOneAccount",
    "RacyAccount",
    "check_withdraw_test",
]

RUNS = 3  # runs against each account: a test that forces the interleaving fails every one
Pause = Callable[[], object] | None
FORCE_HINT = (
    "force the interleaving: pass a pause that holds the first withdrawal between its read "
    "and its write until the other has read too (a Barrier(2) whose wait has a timeout)"
)


class LockedAccount:
    """Correct: the read, the pause and the write are one step, under a lock."""

    def __init__(self, balance: int) -> None:
        self.balance = balance
        self._lock = threading.Lock()

    def withdraw(self, amount: int, pause: Pause = None) -> None:
        with self._lock:
            seen = self.balance
            if pause is not None:
                pause()
            self.balance = seen - amount


class RacyAccount(LockedAccount):
    """No lock: two withdrawals that both read before either writes lose one."""

    def withdraw(self, amount: int, pause: Pause = None) -> None:
        seen = self.balance
        if pause is not None:
            pause()
        self.balance = seen - amount


class HalfLockedAccount(LockedAccount):
    """A lock around the read and another around the write: still a race between them."""

    def withdraw(self, amount: int, pause: Pause = None) -> None:
        with self._lock:
            seen = self.balance
        if pause is not None:
            pause()
        with self._lock:
            self.balance = seen - amount


class OffByOneAccount(LockedAccount):
    """Locked, but each withdrawal takes one too few."""

    def withdraw(self, amount: int, pause: Pause = None) -> None:
        with self._lock:
            seen = self.balance
            if pause is not None:
                pause()
            self.balance = seen - amount + 1


@exercise_check("Exercise 15.1: a test that catches the race")
def check_withdraw_test(checker: Checker, test: Any, *, time_limit: float = 2.0) -> None:
    """Run the learner's test against a correct account and three broken ones."""
    name = require_function(test, "a test function")

    def runs(account_class: type) -> list[Any]:
        done = []
        for _ in range(RUNS):
            done.append(run_test(lambda: test(account_class), name, time_limit))
            if done[-1].hung:
                break  # one hang is enough to report, and each costs the whole time limit
        return done

    with checker.case(f"a correct account (a lock): passes, {RUNS} runs of {RUNS}"):
        require_passes(
            runs(LockedAccount),
            "a correct account",
            "a test must pass against correct code; a Barrier inside the lock can never "
            "fill, so let its wait time out (catch threading.BrokenBarrierError)",
        )
    broken = [
        ("no lock at all", RacyAccount, FORCE_HINT),
        ("a lock around the read, another around the write", HalfLockedAccount, FORCE_HINT),
        ("a withdrawal that takes one too few", OffByOneAccount, "check the final balance"),
    ]
    for what, account_class, hint in broken:
        with checker.case(f"{what}: fails, {RUNS} runs of {RUNS}"):
            require_fails(runs(account_class), what, hint, within=time_limit)
