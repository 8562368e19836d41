"""Chapter 11's checkers: what tests/exercises/mistakes/ch11_correct_threads.md cannot say as data.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py);
the right answers and the starters are the chapter's own cells (tests/plugins/answers.py).
Here: other right answers, answers that hang, and that no check leaves a thread running.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from lib.exercises.ch11_correct_threads import check_first_result, check_transfer, check_worker
from tests.plugins.answers import answer, starter
from tests.plugins.mistakes import feedback_on

CHECKS = {"11.1": check_transfer, "11.2": check_first_result, "11.3": check_worker}


def threads_now() -> set[str]:
    return {thread.name for thread in threading.enumerate()}


def settle(before: set[str], seconds: float = 1.0) -> set[str]:
    """The threads not in ``before`` still running after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while threads_now() - before and time.monotonic() < deadline:
        time.sleep(0.01)
    return threads_now() - before


# Other right answers -------------------------------------------------------------------------


def transfer_by_id(source: Any, target: Any, amount: int) -> None:
    if source is target:
        return
    first, second = sorted((source, target), key=id)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount


def transfer_with_try_lock(source: Any, target: Any, amount: int) -> None:
    """Take the second lock only if it is free, else let go and retry."""
    if source is target:
        return
    while True:
        with source.lock:
            if target.lock.acquire(timeout=0.01):
                try:
                    source.balance -= amount
                    target.balance += amount
                    return
                finally:
                    target.lock.release()
        time.sleep(0.001)


def first_result_polling(fns: list[Any], timeout: float) -> Any:
    """Poll the futures instead of wait(), on a thread per call."""
    pool = ThreadPoolExecutor(max_workers=len(fns))
    try:
        futures = [pool.submit(fn) for fn in fns]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            finished = [future for future in futures if future.done()]
            for future in finished:
                if future.exception() is None:
                    return future.result()
            if len(finished) == len(futures):
                raise finished[-1].exception()  # type: ignore[misc]
            time.sleep(0.005)
        raise TimeoutError("no result in time")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


class WorkerWithShutdownLoop:
    """A Condition instead of a queue and an Event."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.items: list[Any] = []
        self.stopping = False
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self.run, name="exercise-worker")
        self.thread.start()

    def put(self, item: Any) -> None:
        with self.changed:
            self.items.append(item)
            self.changed.notify()

    def run(self) -> None:
        while True:
            with self.changed:
                self.changed.wait_for(lambda: self.items or self.stopping, timeout=1)
                if self.stopping:
                    return
                if not self.items:
                    continue
                item = self.items.pop(0)
            self.handle(item)

    def stop(self) -> list[Any]:
        with self.changed:
            self.stopping = True
            self.changed.notify()
        self.thread.join(timeout=5)
        with self.changed:
            return list(self.items)


@pytest.mark.parametrize(
    ("number", "right"),
    [
        ("11.1", answer("11.1")),
        ("11.1", transfer_by_id),
        ("11.1", transfer_with_try_lock),
        ("11.2", answer("11.2")),
        ("11.2", first_result_polling),
        ("11.3", answer("11.3")),
        ("11.3", WorkerWithShutdownLoop),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_right_answers_pass_and_leave_no_thread(number: str, right: Any) -> None:
    before = threads_now()
    feedback = CHECKS[number](right)
    assert feedback.passed, str(feedback)
    assert not settle(before)


@pytest.mark.parametrize("number", ["11.1", "11.2", "11.3"])
def test_starters_are_not_attempted(number: str) -> None:
    feedback = CHECKS[number](starter(number))
    assert feedback.not_attempted, str(feedback)
    assert "Not attempted yet" in str(feedback)


# Hangs and deadlocks -------------------------------------------------------------------------


def test_a_deadlocking_transfer_ends_and_leaves_no_thread() -> None:
    before = threads_now()
    start = time.monotonic()
    feedback, _ = feedback_on("11.1", "The source's lock first: opposite transfers deadlock")
    assert time.monotonic() - start < 3
    assert not feedback.passed
    assert not settle(before)


def test_a_transfer_that_hangs_is_reported_as_a_hang() -> None:
    release = threading.Event()

    def hangs(source: Any, target: Any, amount: int) -> None:
        release.wait(5)

    try:
        feedback = check_transfer(hangs, time_limit=0.3)
    finally:
        release.set()
    assert not feedback.passed
    assert "still running after 0.3 s" in feedback.hints[0]


def test_a_right_answer_on_a_busy_machine_still_times_out_in_the_timeout_cases() -> None:
    """Starting 39 threads took most of a second on a loaded CI machine: the calls must not
    be ended before a right answer's own timeout runs out."""
    first_result = answer("11.2")

    def slow_to_start(fns: list[Any], timeout: float) -> Any:
        time.sleep(0.7)  # as if the pool's threads were slow to start
        return first_result(fns, timeout)

    feedback = check_first_result(slow_to_start, time_limit=10.0)
    timeout_cases = [line for line in str(feedback).splitlines() if "TimeoutError" in line]
    assert len(timeout_cases) == 2
    assert all("✗" not in line or "in time" in line for line in timeout_cases), str(feedback)
