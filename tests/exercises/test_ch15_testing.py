"""Chapter 15's checkers: what tests/exercises/mistakes/ch15_testing.md cannot say as data.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py);
the right answers and the starters are the chapter's own cells (tests/plugins/answers.py).
Here: other right answers, the starters, and that no check leaves a thread running, even for
a test that hangs on a deadlock.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from typing import Any

import pytest

from lib.demos.under_test import Account
from lib.exercises.ch15_testing import (
    check_timeout_test,
    check_transfer_test,
    check_withdraw_test,
)
from tests.plugins.answers import starter

CHECKS = {"15.1": check_withdraw_test, "15.2": check_transfer_test, "15.3": check_timeout_test}


def settle(before: set[threading.Thread], seconds: float = 2.0) -> set[threading.Thread]:
    """The threads not in ``before`` still running after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while set(threading.enumerate()) - before and time.monotonic() < deadline:
        time.sleep(0.01)
    return set(threading.enumerate()) - before


def second_inside_the_first(account_class: Any) -> None:
    """Another right answer to 15.1: the second withdrawal runs inside the first's pause."""
    account = account_class(100)
    others: list[threading.Thread] = []

    def pause() -> None:
        other = threading.Thread(target=account.withdraw, args=(10,))
        other.start()
        other.join(timeout=0.2)  # done, or waiting for the lock the first one holds
        others.append(other)

    account.withdraw(10, pause)
    for other in others:
        other.join(timeout=5)
    assert account.balance == 80


def waits_with_events(transfer: Any) -> None:
    """Another right answer to 15.2: an Event per transfer instead of a Barrier."""
    a, b = Account(1, 100), Account(2, 100)
    holding = [threading.Event(), threading.Event()]

    def pause_for(me: int) -> Any:
        def pause() -> None:
            holding[me].set()
            holding[1 - me].wait(timeout=0.2)

        return pause

    threads = [
        threading.Thread(target=transfer, args=(a, b, 10, pause_for(0)), daemon=True),
        threading.Thread(target=transfer, args=(b, a, 20, pause_for(1)), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=0.5)
        assert not thread.is_alive()
    assert (a.balance, b.balance) == (110, 90)


async def with_wait_for(ask: Any) -> None:
    """Another right answer to 15.3: a bound of its own, and the clock read after."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(ask(), timeout=60)
    assert loop.time() - start == pytest.approx(10, abs=0.01)


@pytest.mark.parametrize(
    ("check", "answer"),
    [
        (check_withdraw_test, second_inside_the_first),
        (check_transfer_test, waits_with_events),
        (check_timeout_test, with_wait_for),
    ],
    ids=["15.1", "15.2", "15.3"],
)
def test_other_right_answers_pass(check: Any, answer: Any) -> None:
    feedback = check(answer)
    assert feedback.passed, str(feedback)


@pytest.mark.parametrize("number", sorted(CHECKS))
def test_the_starter_is_not_attempted(number: str) -> None:
    feedback = CHECKS[number](starter(number))
    assert feedback.not_attempted, str(feedback)


def test_a_test_that_hangs_on_the_deadlock_leaves_no_thread() -> None:
    """A hang is reported after the time limit, and the check breaks the deadlock it made, so
    the learner's threads and the check's own end: data cannot say what is left running."""

    def joins_for_ever(transfer: Any) -> None:
        a, b = Account(1, 100), Account(2, 100)
        gate = threading.Barrier(2)

        def pause() -> None:
            with contextlib.suppress(threading.BrokenBarrierError):
                gate.wait(timeout=0.2)

        threads = [
            threading.Thread(target=transfer, args=(a, b, 10, pause), daemon=True),
            threading.Thread(target=transfer, args=(b, a, 20, pause), daemon=True),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    before = set(threading.enumerate())
    start = time.perf_counter()
    feedback = check_transfer_test(joins_for_ever, time_limit=0.5)
    assert not feedback.passed
    assert any("took more than 0.5 s to fail" in hint for hint in feedback.hints), feedback.hints
    assert time.perf_counter() - start < 5
    assert not settle(before), "threads left running"
