"""Chapter 3's checkers: what tests/exercises/mistakes/ch03_threading.md cannot say as data.

The common mistakes and their hints are data, in that file (see test_mistakes.py). Here:
other right answers, the starters, hangs and their time limits, and repeatability.

Wrong answers that leave threads behind make them daemon threads, so that nothing they
leave blocked can keep the test process alive.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

import pytest

from lib.exercises.ch03_threading import _common as threading_checks
from lib.exercises.ch03_threading import (
    check_collect_all,
    check_process_all,
    check_safe_account,
)
from lib.exercises.ch03_threading._common import english_slug


@pytest.fixture(autouse=True)
def short_patience(monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers that make the checker wait for threads that never come wait 0.3 s, not 1.5 s."""
    monkeypatch.setattr(threading_checks, "PATIENCE", 0.3)


def test_english_slug_matches_the_chapter() -> None:
    assert english_slug(400) == "outlaw-star"
    assert english_slug(100) == "prétear-the-new-legend-of-snow-white"
    with pytest.raises(AttributeError):
        english_slug(200)  # no English title
    with pytest.raises(LookupError):
        english_slug(0)


# Exercise 3.1: every result and every exception --------------------------------------------


def collect_all(fn: Any, items: list, max_workers: int) -> tuple[dict, dict]:
    results: dict = {}
    errors: dict = {}
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        futures = {pool.submit(fn, item): item for item in items}
        for future in as_completed(futures, timeout=10):
            try:
                results[futures[future]] = future.result()
            except Exception as error:
                errors[futures[future]] = error
    return results, errors


def test_collect_all_right() -> None:
    feedback = check_collect_all(collect_all)
    assert feedback.passed, str(feedback)
    assert str(feedback).splitlines()[-1] == "All 6 checks passed."


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


def test_collect_all_none_raising_hanging_and_starter() -> None:
    no_return = check_collect_all(lambda fn, items, max_workers: None)
    assert "forget a `return`" in no_return.hints[0]

    one_dict = check_collect_all(lambda fn, items, max_workers: {})
    assert "should be a tuple or list, not dict" in one_dict.hints[0]

    def raises(fn: Any, items: list, max_workers: int) -> tuple[dict, dict]:
        raise KeyError("oops")

    assert check_collect_all(raises).hints == ["raises() raised KeyError: 'oops'"]

    def hangs(fn: Any, items: list, max_workers: int) -> tuple[dict, dict]:
        threading.Event().wait()
        return {}, {}

    start = time.perf_counter()
    feedback = check_collect_all(hangs, time_limit=0.3)
    assert "hangs() was still running after 0.3 s" in feedback.hints[0]
    assert len(feedback.failed_cases) == 1 and time.perf_counter() - start < 2

    def starter(fn: Any, items: list, max_workers: int) -> tuple[dict, dict]:
        raise NotImplementedError("replace this line with your solution")

    assert check_collect_all(starter).not_attempted
    assert "Not attempted yet" in str(check_collect_all(starter))


# Exercise 3.2: fix the bank account's race -------------------------------------------------


class SafeAccount:
    def __init__(self, balance: int) -> None:
        self.balance = balance
        self.lock = threading.Lock()

    def withdraw(self, amount: int) -> None:
        with self.lock:
            if amount > self.balance:
                raise ValueError(f"cannot withdraw {amount} from {self.balance}")
            self.balance -= amount


def test_safe_account_right_and_quick() -> None:
    start = time.perf_counter()
    feedback = check_safe_account(SafeAccount)
    assert feedback.passed, str(feedback)
    assert str(feedback).splitlines()[-1] == "All 5 checks passed."
    assert time.perf_counter() - start < 1, "a lock held by the account costs no waiting"


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


class GlobalLockAccount(SafeAccount):
    def withdraw(self, amount: int) -> None:
        with ACCOUNT_LOCK:  # a lock the check cannot see: correct, only slower to check
            if amount > self.balance:
                raise ValueError("not enough")
            self.balance -= amount


@pytest.mark.parametrize("right", [ReentrantAccount, GlobalLockAccount])
def test_safe_account_other_right_answers(right: type) -> None:
    feedback = check_safe_account(right)
    assert feedback.passed, str(feedback)


class NoLock(SafeAccount):
    def withdraw(self, amount: int) -> None:
        if amount > self.balance:
            raise ValueError("not enough")
        self.balance -= amount


class LockOnlyTheWrite(SafeAccount):
    def withdraw(self, amount: int) -> None:
        seen = self.balance
        if amount > seen:
            raise ValueError("not enough")
        with self.lock:
            self.balance = seen - amount


class TwoLockedBlocks(SafeAccount):
    def withdraw(self, amount: int) -> None:
        with self.lock:
            seen = self.balance
        if amount > seen:
            raise ValueError("not enough")
        with self.lock:
            self.balance = seen - amount


class NewLockEachTime(SafeAccount):
    def withdraw(self, amount: int) -> None:
        with threading.Lock():  # every call has its own lock: nobody ever waits
            if amount > self.balance:
                raise ValueError("not enough")
            self.balance -= amount


RACY = [NoLock, LockOnlyTheWrite, TwoLockedBlocks, NewLockEachTime]


@pytest.mark.parametrize("racy", RACY, ids=lambda cls: cls.__name__)
def test_racy_accounts_lose_3_of_4_every_time(racy: type) -> None:
    for _ in range(5):
        feedback = check_safe_account(racy)
        assert feedback.failed_cases[0][0] == ("4 threads withdraw 50 from 1000 at once: 800 left")
        assert feedback.hints[0] == (
            "3 of 4 withdrawals were lost: are the read and the write inside the same `with lock:`?"
        )
        assert "inside the same `with lock:`" in feedback.hints[1]
        assert len(feedback.passed_cases) == 3


def test_a_check_outside_the_lock_overdraws_every_time() -> None:
    class CheckOutside(SafeAccount):
        def withdraw(self, amount: int) -> None:
            if amount > self.balance:
                raise ValueError("not enough")
            with self.lock:
                self.balance -= amount

    for _ in range(5):
        feedback = check_safe_account(CheckOutside)
        assert feedback.hints == [
            "the balance went to -150: 5 of 5 withdrawals went through. Are the check (is "
            "there enough?) and the withdrawal inside the same `with lock:`?"
        ]


def test_a_lock_kept_after_a_refusal_is_reported_as_a_hang() -> None:
    class KeepsTheLock(SafeAccount):
        def withdraw(self, amount: int) -> None:
            self.lock.acquire()
            if amount > self.balance:
                raise ValueError("not enough")  # returns with the lock still held
            self.balance -= amount
            self.lock.release()

    start = time.perf_counter()
    feedback = check_safe_account(KeepsTheLock, time_limit=0.3)
    assert feedback.hints == [
        "withdraw(30) was still running after 0.3 s, after withdraw(50) was refused: is the "
        "lock released when ValueError is raised? `with lock:` releases it for you"
    ]
    assert time.perf_counter() - start < 2


def test_safe_account_wrong_kinds_of_answer() -> None:
    class NoRefusal(SafeAccount):
        def withdraw(self, amount: int) -> None:
            with self.lock:
                self.balance -= amount

    assert "withdraw(50) returned, and left -20" in check_safe_account(NoRefusal).hints[0]

    class ElsewhereBalance:
        def __init__(self, balance: int) -> None:
            self.money = balance

    assert "self.balance should be 1000" in check_safe_account(ElsewhereBalance).hints[0]

    class Raises(SafeAccount):
        def withdraw(self, amount: int) -> None:
            raise KeyError(amount)

    assert check_safe_account(Raises).hints[0] == "withdraw() raised KeyError: 50"

    class Deadlocks(SafeAccount):
        def withdraw(self, amount: int) -> None:
            with self.lock, self.lock:  # a Lock is not re-entrant: waits for itself
                self.balance -= amount

    feedback = check_safe_account(Deadlocks, time_limit=0.3)
    assert len(feedback.hints) == 1 and "still running after 0.3 s" in feedback.hints[0]

    assert check_safe_account(None).hints == ["SafeAccount should be a class, not NoneType"]


def test_safe_account_starter_is_not_attempted() -> None:
    class Starter:
        def __init__(self, balance: int) -> None:
            raise NotImplementedError("replace this line with your solution")

        def withdraw(self, amount: int) -> None:
            raise NotImplementedError("replace this line with your solution")

    assert check_safe_account(Starter).not_attempted
    assert check_safe_account(...).not_attempted


# Exercise 3.3: consumers that all stop -----------------------------------------------------


def process_all(items: list, work: Any, consumers: int, *, sentinels: int | None = None) -> dict:
    tasks: queue.Queue = queue.Queue(maxsize=2 * consumers)
    stop = object()
    outcomes: dict = {}

    def consume() -> None:
        while True:
            item = tasks.get()
            if item is stop:
                return
            try:
                outcomes[item] = work(item)
            except Exception as error:
                outcomes[item] = error

    threads = [threading.Thread(target=consume, daemon=True) for _ in range(consumers)]
    for thread in threads:
        thread.start()
    for item in items:
        tasks.put(item)
    for _ in range(consumers if sentinels is None else sentinels):
        tasks.put(stop)
    for thread in threads:
        thread.join()
    return outcomes


def test_process_all_right() -> None:
    feedback = check_process_all(process_all)
    assert feedback.passed, str(feedback)
    assert str(feedback).splitlines()[-1] == "All 6 checks passed."


def test_one_sentinel_for_three_consumers_is_a_hang_that_names_sentinels() -> None:
    def one_sentinel(items: list, work: Any, consumers: int) -> dict:
        return process_all(items, work, consumers, sentinels=1)

    start = time.perf_counter()
    feedback = check_process_all(one_sentinel, time_limit=0.5)
    assert time.perf_counter() - start < 2, "a hang costs the time limit, not for ever"
    assert feedback.hints == [
        "process_all() was still running after 0.5 s; all 12 ids were processed, so a "
        "consumer is still waiting on get(): put one sentinel per consumer (3 here), then "
        "join them"
    ]


def test_one_sentinel_without_join_leaves_consumers_running() -> None:
    def no_join(items: list, work: Any, consumers: int) -> dict:
        tasks: queue.Queue = queue.Queue()
        outcomes: dict = {}

        def consume() -> None:
            while (item := tasks.get()) is not None:
                try:
                    outcomes[item] = work(item)
                except Exception as error:
                    outcomes[item] = error

        for _ in range(consumers):
            threading.Thread(target=consume, daemon=True).start()
        for item in items:
            tasks.put(item)
        tasks.put(None)
        time.sleep(0.2)  # waits a while instead of joining the consumers
        return outcomes

    hints = check_process_all(no_join).hints
    assert hints[0] == (
        "2 thread(s) were still running after process_all() returned: put one sentinel per "
        "consumer (3 here), and join every consumer"
    )


def test_process_all_none_raising_and_starter() -> None:
    no_return = check_process_all(lambda items, work, consumers: None)
    assert "forget a `return`" in no_return.hints[0]

    def raises(items: list, work: Any, consumers: int) -> dict:
        raise queue.Empty

    assert check_process_all(raises).hints == ["raises() raised Empty: "]

    def starter(items: list, work: Any, consumers: int) -> dict:
        raise NotImplementedError("replace this line with your solution")

    assert check_process_all(starter).not_attempted


def test_consumers_that_die_before_task_done_are_a_hang_that_names_the_cause() -> None:
    def dies_then_joins_the_queue(items: list, work: Any, consumers: int) -> dict:
        tasks: queue.Queue = queue.Queue()
        outcomes: dict = {}

        def consume() -> None:
            while True:
                item = tasks.get()
                outcomes[item] = work(item)  # a failure ends the thread before task_done()
                tasks.task_done()

        for _ in range(consumers):
            threading.Thread(target=consume, daemon=True).start()
        for item in items:
            tasks.put(item)
        tasks.join()  # waits for a task_done() that never comes
        return outcomes

    hook = threading.excepthook
    start = time.perf_counter()
    feedback = check_process_all(dies_then_joins_the_queue, time_limit=0.5)
    assert time.perf_counter() - start < 2
    assert feedback.hints == [
        "process_all() was still running after 0.5 s; 3 consumer(s) died of AttributeError: "
        "catch what work() raises"
    ]
    assert threading.excepthook is hook, "the check puts the thread excepthook back"
