"""lib.demos.deadlock: watched locks, the circle of waits, and the watchdog that breaks it."""

from __future__ import annotations

import threading

import pytest

from lib.demos.deadlock import DeadlockError, LockGraph, Watchdog


def test_a_watched_lock_works_like_a_lock() -> None:
    graph = LockGraph()
    lock = graph.lock("A")
    with lock:
        assert lock.locked() and lock.held_by_me()
        assert graph.held_by_me() == ["A"]
        assert graph.busy_threads() == {threading.current_thread().name}
        assert not lock.acquire(blocking=False)
        assert not lock.acquire(timeout=0.02)
    assert not lock.locked() and graph.held_by_me() == []
    assert graph.find_deadlock() is None


def test_release_by_a_thread_that_does_not_hold_it_raises() -> None:
    with pytest.raises(RuntimeError, match="does not hold"):
        LockGraph().lock("A").release()


def test_a_lock_needs_a_name_and_a_watchdog_patience() -> None:
    with pytest.raises(ValueError, match="name"):
        LockGraph().lock("")
    with pytest.raises(ValueError, match="positive"):
        Watchdog(LockGraph(), patience=0)


def test_a_thread_waiting_for_its_own_lock_is_found_and_freed() -> None:
    graph = LockGraph()
    lock = graph.lock("ledger")
    expected = "MainThread holds ledger and waits for ledger"
    with (
        Watchdog(graph, patience=0.05) as watchdog,
        lock,
        pytest.raises(DeadlockError, match=expected),
    ):
        lock.acquire()
    assert len(watchdog.reports) == 1
    assert not lock.locked()


def test_two_threads_in_a_circle_are_reported_and_one_gives_up() -> None:
    graph = LockGraph()
    a, b = graph.lock("A"), graph.lock("B")
    both = threading.Barrier(2, timeout=5)
    outcome: dict[str, str] = {}

    def take(first: object, second: object) -> None:
        name = threading.current_thread().name
        try:
            with first:  # type: ignore[attr-defined]
                both.wait()
                with second:  # type: ignore[attr-defined]
                    outcome[name] = "done"
        except DeadlockError:
            outcome[name] = "gave up"

    threads = [
        threading.Thread(target=take, args=(a, b), name="T1"),
        threading.Thread(target=take, args=(b, a), name="T2"),
    ]
    with Watchdog(graph, patience=0.05) as watchdog:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(5)
    assert not any(thread.is_alive() for thread in threads)
    circle = "thread T1 holds A and waits for B; thread T2 holds B and waits for A"
    assert watchdog.reports == [circle]
    assert outcome == {"T1": "gave up", "T2": "done"}
    assert graph.find_deadlock() is None and graph.break_deadlock() is None
