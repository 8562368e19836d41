"""The check of exercise 15.2: a test that fails on a deadlock, quickly, instead of hanging.

The learner's ``test_transfers_finish(transfer)`` makes accounts
(``lib.demos.under_test.Account``: a ``number`` and a ``balance``) and calls
``transfer(source, target, amount, pause=None)``, which calls ``pause()`` once it holds its
first lock. The check hands it a correct transfer (locks in number order), where the test must
pass, and broken ones, where it must fail within the time limit. The transfers lock with
locks of the check's own, one per account, which the check breaks after each run: a thread
the learner's test left deadlocked then gives up quietly and ends, and nothing is left
waiting for ever.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from lib.exercises._harness.checking import Checker, exercise_check, require_function
from lib.exercises.ch15_testing._common import require_fails, require_passes, run_test

__all__ = [
    "BreakableLocks",
    "Transfer",
    "check_transfer_test",
]

RUNS = 3
Pause = Callable[[], object] | None
FORCE_HINT = (
    "start the two opposite transfers at once, with a pause that waits (with a timeout) until "
    "both hold their first lock, then join each thread with a timeout and assert it ended"
)


class BreakableLocks:
    """One lock per account, for one run of the learner's test; :meth:`end` breaks them all,
    so that a transfer waiting for one gives up, quietly, and its thread ends."""

    def __init__(self) -> None:
        self._locks: dict[int, threading.Lock] = {}
        self._guard = threading.Lock()
        self._broken = threading.Event()
        self._inside = 0  # transfers running now

    def take(self, account: Any) -> bool:
        """Take ``account``'s lock; False if :meth:`end` broke the wait first."""
        with self._guard:
            lock = self._locks.setdefault(id(account), threading.Lock())
        while not lock.acquire(timeout=0.01):
            if self._broken.is_set():
                return False
        return True

    def release(self, account: Any) -> None:
        self._locks[id(account)].release()

    def entered(self, change: int) -> None:
        with self._guard:
            self._inside += change

    def end(self, patience: float = 5.0) -> None:
        """Break every wait, and wait (at most ``patience`` s) for the transfers to end."""
        self._broken.set()
        deadline = time.monotonic() + patience
        while self._inside and time.monotonic() < deadline:
            time.sleep(0.005)


class Transfer:
    """A transfer function for one run: ``ordered`` or not, ``off_by`` units lost on the way."""

    def __init__(self, *, ordered: bool, off_by: int = 0) -> None:
        self.locks = BreakableLocks()
        self._ordered, self._off_by = ordered, off_by
        self.__name__ = "transfer"

    def __call__(self, source: Any, target: Any, amount: int, pause: Pause = None) -> None:
        first, second = source, target
        if self._ordered:
            first, second = sorted((source, target), key=lambda account: account.number)
        self.locks.entered(+1)
        try:
            if not self.locks.take(first):
                return
            try:
                if pause is not None:
                    pause()  # holding the first lock, not yet the second
                if not self.locks.take(second):
                    return  # the check broke a deadlock: give up quietly
                try:
                    source.balance -= amount
                    target.balance += amount - self._off_by
                finally:
                    self.locks.release(second)
            finally:
                self.locks.release(first)
        finally:
            self.locks.entered(-1)


@exercise_check("Exercise 15.2: a test that fails on a deadlock, quickly")
def check_transfer_test(checker: Checker, test: Any, *, time_limit: float = 3.0) -> None:
    """Run the learner's test against a correct transfer and two broken ones."""
    name = require_function(test, "a test function")

    def runs(**kind: Any) -> list[Any]:
        done = []
        for _ in range(RUNS):
            transfer = Transfer(**kind)

            def one_run(transfer: Transfer = transfer) -> Any:
                return test(transfer)

            try:
                done.append(run_test(one_run, name, time_limit))
            finally:
                transfer.locks.end()
            if done[-1].hung:
                break  # one hang is enough to report, and each costs the whole time limit
        return done

    with checker.case(f"locks in number order: passes, {RUNS} runs of {RUNS}"):
        require_passes(
            runs(ordered=True),
            "a transfer that takes its locks in order",
            "with the locks in order the second transfer waits before it holds anything, so a "
            "Barrier in the pause never fills: let its wait time out (catch BrokenBarrierError)",
        )
    with checker.case(f"the source's lock first (a deadlock): fails, {RUNS} runs of {RUNS}"):
        require_fails(
            runs(ordered=False), "a transfer that can deadlock", FORCE_HINT, within=time_limit
        )
    with checker.case("in order, but the target gets one too few: fails"):
        require_fails(
            runs(ordered=True, off_by=1),
            "a transfer that loses 1",
            "check both balances once the threads have ended",
            within=time_limit,
        )
