"""The check of exercise 11.3: a worker that stops when asked.

The learner's ``Worker(handle)`` gets a ``handle`` that takes a little time per item and
records every item it handled, from which thread, and how many calls overlapped. The check
puts items, asks the worker to stop part-way, and accounts for every item and every thread.

Whether items are handled one at a time must not depend on luck: a worker with two threads
could, on a loaded machine, happen to handle five short items one after another. So in the
first case the first call of ``handle`` holds on until every item is put, and then, if the
worker has started any thread besides the one calling, until a second call begins, or
:data:`OVERLAP_WAIT` seconds pass: a worker that handles two at once is then certain to be
seen doing it, while a worker with one thread is not held at all.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    require_type,
)

__all__ = ["Handler", "check_worker"]

STOP_WITHIN = 0.5  # seconds stop() may take
ITEM_SECONDS = 0.01  # how long handling one item takes
# How long the first item's handling waits, once every item is put, for a second call to begin.
OVERLAP_WAIT = 0.25


class Handler:
    """The ``handle`` the check passes: records each item, the threads, the overlap."""

    def __init__(self, *, hold_first: bool = False) -> None:
        self.before = set(threading.enumerate())  # the threads that are not the worker's
        self.lock = threading.Lock()
        self.handled: list[Any] = []
        self.threads: set[str] = set()
        self.now = self.peak = self.calls = 0
        # With hold_first, the first call waits for all_put, then for overlapped (a second
        # call begun while the first is in progress), so that an overlap cannot be missed.
        self.hold_first = hold_first
        self.all_put = threading.Event()
        self.overlapped = threading.Event()

    def __call__(self, item: Any) -> None:
        with self.lock:
            self.now += 1
            self.calls += 1
            first = self.calls == 1
            self.peak = max(self.peak, self.now)
            if self.now > 1:
                self.overlapped.set()
            self.threads.add(threading.current_thread().name)
        if first and self.hold_first:
            self.all_put.wait(timeout=2.0)
            if self._other_threads():
                self.overlapped.wait(timeout=OVERLAP_WAIT)
        time.sleep(ITEM_SECONDS)
        with self.lock:
            self.handled.append(item)
            self.now -= 1

    def _other_threads(self) -> list[threading.Thread]:
        """The threads started since this handler was made, but the caller and the check's."""
        me = threading.current_thread()
        return [
            thread
            for thread in threading.enumerate()
            if thread not in self.before and thread is not me and thread.name != "exercise-check"
        ]

    def count(self) -> int:
        with self.lock:
            return len(self.handled)


def _wait_for(condition: Any, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return bool(condition())


def _start(
    worker_class: Any, time_limit: float, *, hold_first: bool = False
) -> tuple[Any, Handler, list[threading.Thread]]:
    """A new worker, its handler, and the threads that appeared while it was made."""
    handler = Handler(hold_first=hold_first)
    before = handler.before
    worker = call_bounded(worker_class, handler, time_limit=time_limit)
    _wait_for(lambda: set(threading.enumerate()) - before, 0.5)
    started = [
        thread
        for thread in threading.enumerate()
        if thread not in before and thread.name != "exercise-check"
    ]
    if not started:
        raise CaseFailed("Worker(handle) started no thread: start one in __init__")
    return worker, handler, started


def _stop(worker: Any, time_limit: float) -> tuple[list[Any], float]:
    start = time.monotonic()
    left = call_bounded(worker.stop, time_limit=time_limit)
    seconds = time.monotonic() - start
    if left is None:
        raise CaseFailed("stop() returned None: return the list of the items never handled")
    return list(require_type(left, (list, tuple), "what stop() returns")), seconds


def _require_stopped(threads: list[threading.Thread], handler: Handler) -> None:
    alive = [thread.name for thread in threads if thread.is_alive()]
    if alive:
        raise CaseFailed(
            f"thread {alive[0]} was still running after stop() returned: join it in stop()"
        )
    handled = handler.count()
    time.sleep(0.05)
    if handler.count() != handled:
        raise CaseFailed("items were still being handled after stop() returned: join the thread")


def _require_each_once(items: list[int], handled: list[Any], left: list[Any]) -> None:
    twice = sorted(item for item, n in Counter(handled).items() if n > 1)
    if twice:
        raise CaseFailed(f"items {twice[:5]} were handled twice")
    both = sorted(set(handled) & set(left))
    if both:
        raise CaseFailed(f"items {both[:5]} were handled and also returned by stop()")
    lost = [item for item in items if item not in handled and item not in left]
    if lost:
        raise CaseFailed(
            f"{len(lost)} of {len(items)} items were lost: neither handled nor returned by "
            "stop(). Return what is still in the queue"
        )
    if left != sorted(left):
        raise CaseFailed(f"stop() returned the items out of order: {left[:6]}...")


@exercise_check("Exercise 11.3: a worker that stops when asked")
def check_worker(checker: Checker, worker_class: Any, *, time_limit: float = 5.0) -> None:
    """Make workers of the learner's class, give them items, and stop them."""
    with checker.case("5 items put: all handled, one at a time, in a thread of the worker's"):
        worker, handler, threads = _start(worker_class, time_limit, hold_first=True)
        try:
            for item in range(5):
                call_bounded(worker.put, item, time_limit=time_limit)
        finally:
            handler.all_put.set()
        _wait_for(lambda: handler.count() == 5, 2.0)
        left, _ = _stop(worker, time_limit)
        _require_each_once(list(range(5)), handler.handled, left)
        assert handler.peak == 1, f"{handler.peak} items were handled at once, not one at a time"
        assert handler.handled == list(range(5)), f"handled {handler.handled}, not 0 to 4"
        assert left == [], f"stop() returned {left}, but every item had been handled"
        _require_stopped(threads, handler)
    with checker.case(f"stop() with 80 items waiting: returns within {STOP_WITHIN:g} s"):
        worker, handler, threads = _start(worker_class, time_limit)
        items = list(range(80))
        for item in items:
            call_bounded(worker.put, item, time_limit=time_limit)
        _wait_for(lambda: handler.count() >= 3, 2.0)
        left, seconds = _stop(worker, time_limit)
        if seconds > STOP_WITHIN:
            raise CaseFailed(
                f"stop() took {seconds:.1f} s: it should stop after the item in hand, not handle "
                "the rest. Have the thread check a stop Event before it takes each next item "
                "(a sentinel alone, at the back of the queue, comes after every waiting item), "
                "and have stop() wake a thread that waits on an empty queue: put a sentinel "
                "after setting the Event, or wait on a Condition"
            )
        _require_stopped(threads, handler)
        _require_each_once(items, handler.handled, left)
    with checker.case("stop() at once, with nothing put: an empty list"):
        worker, handler, threads = _start(worker_class, time_limit)
        left, seconds = _stop(worker, time_limit)
        assert left == [], f"stop() returned {left}"
        assert seconds <= STOP_WITHIN, f"stop() took {seconds:.1f} s"
        _require_stopped(threads, handler)
