"""Chapter 3's checkers: what tests/exercises/mistakes/ch03_threading.md cannot say as data.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py),
hangs included; the right answers and the starters are the chapter's own cells
(tests/plugins/answers.py). Here: other right answers, the time a hang costs, and
repeatability: a racy answer fails on every run, the same way.

Wrong answers that leave threads behind make them daemon threads, so that nothing they
leave blocked can keep the test process alive.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lib.exercises.ch03_threading import _common as threading_checks
from lib.exercises.ch03_threading import (
    check_collect_all,
    check_process_all,
    check_safe_account,
)
from tests.plugins.answers import answer, starter
from tests.plugins.mistakes import feedback_on

CHECKS = {"3.1": check_collect_all, "3.2": check_safe_account, "3.3": check_process_all}


@pytest.fixture(autouse=True)
def short_patience(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers that make the checker wait for threads that never come wait 0.3 s, not 1.5 s."""
    monkeypatch.setattr(threading_checks, "PATIENCE", 0.3)


@pytest.mark.parametrize(("number", "cases"), [("3.1", 6), ("3.2", 5), ("3.3", 6)])
def test_the_chapters_answers_pass_every_case_and_the_starters_are_not_attempted(
    number: str, cases: int
) -> None:
    start = time.perf_counter()
    feedback = CHECKS[number](answer(number))
    assert feedback.passed, str(feedback)
    assert str(feedback).splitlines()[-1] == f"All {cases} checks passed."
    if number == "3.2":
        assert time.perf_counter() - start < 1, "a lock held by the account costs no waiting"
    untouched = CHECKS[number](starter(number))
    assert untouched.not_attempted and "Not attempted yet" in str(untouched)
    assert CHECKS[number](...).not_attempted


def test_collect_all_with_map_in_a_try_inside_the_worker_is_right_too() -> None:
    def wrapped(fn: Any, items: list, max_workers: int) -> tuple[dict, dict]:
        def attempt(item: Any) -> tuple[bool, Any]:
            try:
                return True, fn(item)
            except Exception as error:
                return False, error

        with ThreadPoolExecutor(max_workers) as pool:
            pairs = dict(zip(items, pool.map(attempt, items), strict=True))
        results = {item: value for item, (ok, value) in pairs.items() if ok}
        return results, {item: value for item, (ok, value) in pairs.items() if not ok}

    assert check_collect_all(wrapped).passed


ACCOUNT_LOCK = threading.Lock()


class ReentrantAccount:
    lock = threading.RLock()  # a class attribute, entered again by _check

    def __init__(self, balance: int) -> None:
        self.balance = balance

    def withdraw(self, amount: int) -> None:
        with self.lock:
            self._check(amount)
            self.balance = self.balance - amount

    def _check(self, amount: int) -> None:
        with self.lock:
            if amount > self.balance:
                raise ValueError("not enough")


class GlobalLockAccount:
    def __init__(self, balance: int) -> None:
        self.balance = balance

    def withdraw(self, amount: int) -> None:
        with ACCOUNT_LOCK:  # a lock the check cannot see: correct, only slower to check
            if amount > self.balance:
                raise ValueError("not enough")
            self.balance -= amount


@pytest.mark.parametrize("right", [ReentrantAccount, GlobalLockAccount])
def test_safe_account_other_right_answers(right: type) -> None:
    feedback = check_safe_account(right)
    assert feedback.passed, str(feedback)


RACY = [
    "No lock at all",
    "Only the write is locked",
    "The read and the write locked apart",
    "A new lock on every call, so nobody ever waits",
]


@pytest.mark.parametrize("title", RACY)
def test_racy_accounts_lose_3_of_4_every_time(title: str) -> None:
    for _ in range(5):
        feedback, [hint] = feedback_on("3.2", title)
        assert feedback.failed_cases[0][0] == "4 threads withdraw 50 from 1000 at once: 800 left"
        assert feedback.hints[0] == hint
        assert "inside the same `with lock:`" in feedback.hints[1]
        assert len(feedback.passed_cases) == 3


def test_a_check_outside_the_lock_overdraws_every_time() -> None:
    for _ in range(5):
        feedback, hints = feedback_on("3.2", "The check outside the lock")
        assert feedback.hints == hints


def test_safe_account_that_is_not_a_class() -> None:
    assert check_safe_account(None).hints == ["SafeAccount should be a class, not NoneType"]


@pytest.mark.parametrize(
    ("number", "title", "seconds"),
    [
        ("3.1", "Waits for ever", 2),
        ("3.2", "The lock kept after a refusal", 2),
        ("3.3", "One sentinel for three consumers: two wait on `get()` for ever", 2),
    ],
)
def test_a_hang_costs_its_time_limit_and_ends_the_check(
    number: str, title: str, seconds: float
) -> None:
    start = time.perf_counter()
    feedback, _ = feedback_on(number, title)
    assert time.perf_counter() - start < seconds, "a hang costs the time limit, not for ever"
    assert len(feedback.failed_cases) == 1


def test_consumers_that_die_before_task_done_leave_the_excepthook_as_it_was() -> None:
    hook = threading.excepthook
    start = time.perf_counter()
    feedback, hints = feedback_on(
        "3.3", "Consumers that die before `task_done()`: `tasks.join()` waits for ever"
    )
    assert time.perf_counter() - start < 2
    assert feedback.hints == hints
    assert threading.excepthook is hook, "the check puts the thread excepthook back"
