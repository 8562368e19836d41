"""Chapter 8's checkers: what tests/exercises/mistakes/ch08_correct_threads.md cannot say as data.

The common mistakes and their hints are data, in that file (see test_mistakes.py). Here:
other right answers, the starters, answers that hang, and that no check leaves a thread
running.
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from typing import Any

import pytest

from lib.exercises.ch08_correct_threads import check_first_result, check_transfer, check_worker


def threads_now() -> set[str]:
    return {thread.name for thread in threading.enumerate()}


def settle(before: set[str], seconds: float = 1.0) -> set[str]:
    """The threads not in ``before`` still running after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while threads_now() - before and time.monotonic() < deadline:
        time.sleep(0.01)
    return threads_now() - before


# Exercise 8.1 --------------------------------------------------------------------------------


def transfer_by_id(source: Any, target: Any, amount: int) -> None:
    if source is target:
        return
    first, second = sorted((source, target), key=id)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount


def transfer_with_try_lock(source: Any, target: Any, amount: int) -> None:
    """Another right answer: take the second lock only if it is free, else let go and retry."""
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


@pytest.mark.parametrize("answer", [transfer_by_id, transfer_with_try_lock])
def test_other_right_transfers_pass(answer: Any) -> None:
    feedback = check_transfer(answer)
    assert feedback.passed, str(feedback)


def test_a_deadlocking_transfer_ends_and_leaves_no_thread() -> None:
    def source_first(source: Any, target: Any, amount: int) -> None:
        with source.lock, target.lock:
            source.balance -= amount
            target.balance += amount

    before = threads_now()
    start = time.monotonic()
    feedback = check_transfer(source_first)
    assert time.monotonic() - start < 3
    assert not feedback.passed
    assert any("holds A and waits for B" in hint for hint in feedback.hints)
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


# Exercise 8.2 --------------------------------------------------------------------------------


def first_result_polling(fns: list[Any], timeout: float) -> Any:
    """Another right answer: poll the futures instead of wait()."""
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


def first_result_with_wait(fns: list[Any], timeout: float) -> Any:
    pool = ThreadPoolExecutor(max_workers=len(fns))
    try:
        pending = {pool.submit(fn) for fn in fns}
        deadline = time.monotonic() + timeout
        error: BaseException | None = None
        while pending:
            done, pending = wait(pending, deadline - time.monotonic(), FIRST_COMPLETED)
            if not done:
                raise TimeoutError("no result in time")
            for future in done:
                if future.exception() is None:
                    return future.result()
                error = future.exception()
        assert error is not None
        raise error
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


@pytest.mark.parametrize("answer", [first_result_polling, first_result_with_wait])
def test_other_right_first_results_pass_and_leave_no_thread(answer: Any) -> None:
    before = threads_now()
    feedback = check_first_result(answer)
    assert feedback.passed, str(feedback)
    assert not settle(before)


def test_a_right_answer_on_a_busy_machine_still_times_out_in_the_timeout_cases() -> None:
    """Starting 39 threads took most of a second on a loaded CI machine: the calls must not
    be ended before a right answer's own timeout runs out."""

    def slow_to_start(fns: list[Any], timeout: float) -> Any:
        time.sleep(0.7)  # as if the pool's threads were slow to start
        return first_result_with_wait(fns, timeout)

    feedback = check_first_result(slow_to_start, time_limit=10.0)
    timeout_cases = [line for line in str(feedback).splitlines() if "TimeoutError" in line]
    assert len(timeout_cases) == 2
    assert all("✗" not in line or "in time" in line for line in timeout_cases), str(feedback)


def test_starters_are_not_attempted() -> None:
    def starter(*args: Any) -> Any:
        raise NotImplementedError

    class Starter:
        def __init__(self, handle: Any) -> None:
            raise NotImplementedError

    for check, answer in [
        (check_transfer, starter),
        (check_first_result, starter),
        (check_worker, Starter),
    ]:
        feedback = check(answer)
        assert feedback.not_attempted, str(feedback)
        assert "Not attempted yet" in str(feedback)


# Exercise 8.3 --------------------------------------------------------------------------------


class WorkerWithShutdownLoop:
    """Another right answer: a Condition instead of a queue and an Event."""

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


class WorkerWithQueue:
    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.items: queue.Queue[Any] = queue.Queue()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, name="exercise-worker")
        self.thread.start()

    def put(self, item: Any) -> None:
        self.items.put(item)

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                item = self.items.get(timeout=0.02)
            except queue.Empty:
                continue
            self.handle(item)

    def stop(self) -> list[Any]:
        self.stopping.set()
        self.thread.join(timeout=5)
        left = []
        while not self.items.empty():
            left.append(self.items.get_nowait())
        return left


@pytest.mark.parametrize("answer", [WorkerWithShutdownLoop, WorkerWithQueue])
def test_other_right_workers_pass_and_leave_no_thread(answer: Any) -> None:
    before = threads_now()
    feedback = check_worker(answer)
    assert feedback.passed, str(feedback)
    assert not settle(before)


def test_a_worker_that_handles_two_at_once_fails() -> None:
    class TwoThreads(WorkerWithQueue):
        def __init__(self, handle: Any) -> None:
            super().__init__(handle)
            self.second = threading.Thread(target=self.run, name="exercise-worker-2")
            self.second.start()

        def stop(self) -> list[Any]:
            left = super().stop()
            self.second.join(timeout=5)
            return left

    feedback = check_worker(TwoThreads)
    assert not feedback.passed
    assert any("at once, not one at a time" in hint for hint in feedback.hints)
