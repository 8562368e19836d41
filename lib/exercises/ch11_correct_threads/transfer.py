"""The check of exercise 11.1: transfers that cannot deadlock.

The learner's ``transfer`` gets accounts whose locks come from :mod:`lib.demos.deadlock`, under a
:class:`~lib.demos.deadlock.Watchdog`: an answer that deadlocks is reported with who held what, and
its threads are freed, so the check ends and leaves nothing running. A balance records every
change made without both accounts' locks held.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from lib.demos.deadlock import DeadlockError, LockGraph, Watchdog, WatchedLock
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    call_bounded,
    exercise_check,
    require_function,
)

__all__ = [
    "CheckedAccount",
    "ForcingLock",
    "check_transfer",
    "run_opposing",
]

PATIENCE = 1.0  # seconds a forced thread waits for the other before going on alone
ORDER_HINT = "take the two locks in one order for every transfer (the lower number first, say)"


class ForcingLock(WatchedLock):
    """A watched lock that, when ``forcing`` is on, holds a thread that has just taken its
    first lock until every other thread of the run holds or wants a lock too, or has ended."""

    forcing = False
    threads: Sequence[threading.Thread] = ()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        got = super().acquire(blocking, timeout)
        if got and self.forcing and self._graph.held_by_me() == [self.name]:
            me = threading.current_thread()
            deadline = time.monotonic() + PATIENCE
            while time.monotonic() < deadline:
                busy = self._graph.busy_threads()
                others = [thread for thread in self.threads if thread is not me]
                if all(not t.is_alive() or t.name in busy for t in others):
                    break
                time.sleep(0.002)
        return got


class CheckedAccount:
    """An account for the learner: ``number``, ``lock`` and a ``balance`` that notes every
    change made while the changing thread does not hold both accounts' locks."""

    def __init__(self, graph: LockGraph, number: int, balance: int, notes: list[str]) -> None:
        self.number = number
        self.lock = ForcingLock(graph, chr(ord("A") + number - 1))
        self._graph = graph
        self._balance = balance
        self._notes = notes

    @property
    def balance(self) -> int:
        return self._balance

    @balance.setter
    def balance(self, value: int) -> None:
        held = self._graph.held_by_me()
        if self.lock.name not in held:
            self._notes.append(
                f"account {self.number}'s balance changed while its lock was not held"
            )
        elif len(held) < 2:
            self._notes.append(
                f"account {self.number}'s balance changed while only its own lock was held"
            )
        self._balance = value

    def __repr__(self) -> str:
        return f"<account {self.number}: {self._balance}>"


def run_opposing(
    transfer: Any,
    transfers: list[tuple[CheckedAccount, CheckedAccount, int]],
    *,
    repeat: int,
    forcing: bool,
    graph: LockGraph,
    time_limit: float,
) -> tuple[list[str], list[BaseException]]:
    """Run each transfer ``repeat`` times in a thread of its own, all at once, watched.

    Returns the watchdog's reports and the exceptions the threads raised.

    Raises:
        Hung: if a thread is still running after ``time_limit`` seconds.
    """
    errors: list[BaseException] = []
    start_line = threading.Barrier(len(transfers))

    def run(source: CheckedAccount, target: CheckedAccount, amount: int) -> None:
        try:
            start_line.wait(time_limit)
            for _ in range(repeat):
                transfer(source, target, amount)
        except BaseException as error:  # kept for the hints
            errors.append(error)

    threads = [
        threading.Thread(target=run, args=spec, name=f"transfer-{n}", daemon=True)
        for n, spec in enumerate(transfers, start=1)
    ]
    ForcingLock.threads, ForcingLock.forcing = threads, forcing
    try:
        with Watchdog(graph, patience=0.1) as watchdog:
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + time_limit
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
    finally:
        ForcingLock.threads, ForcingLock.forcing = (), False
    if any(thread.is_alive() for thread in threads):
        raise Hung(f"transfers were still running after {time_limit:g} s")
    return watchdog.reports, errors


def _require_no_deadlock(reports: list[str], errors: list[BaseException]) -> None:
    if reports:
        raise CaseFailed(f"deadlock: {reports[0]}: {ORDER_HINT}")
    others = [error for error in errors if not isinstance(error, DeadlockError)]
    if others:
        error = others[0]
        raise CaseFailed(f"transfer() raised {type(error).__name__}: {error}")


def _require_both_locks(notes: list[str]) -> None:
    if notes:
        raise CaseFailed(
            f"{notes[0]}: change both balances inside `with` blocks that hold both accounts' locks"
        )


@exercise_check("Exercise 11.1: transfers that cannot deadlock")
def check_transfer(checker: Checker, transfer: Any, *, time_limit: float = 5.0) -> None:
    """Call the learner's ``transfer`` alone, forced into the worst timing, on one account,
    and from four threads at once."""
    require_function(transfer)
    graph, notes = LockGraph(), list[str]()
    a, b = CheckedAccount(graph, 1, 100, notes), CheckedAccount(graph, 2, 100, notes)
    with checker.case("transfer(a, b, 30) moves 30, holding both locks"):
        with Watchdog(graph, patience=0.1):
            call_bounded(transfer, a, b, 30, time_limit=time_limit)
        _require_both_locks(notes)
        assert (a.balance, b.balance) == (70, 130), f"the balances are {a.balance}, {b.balance}"
    with checker.case("a to b and b to a at once, each holding its first lock: no deadlock"):
        c, d = CheckedAccount(graph, 1, 100, notes), CheckedAccount(graph, 2, 100, notes)
        reports, errors = run_opposing(
            transfer,
            [(c, d, 10), (d, c, 20)],
            repeat=1,
            forcing=True,
            graph=graph,
            time_limit=time_limit,
        )
        _require_no_deadlock(reports, errors)
        assert (c.balance, d.balance) == (110, 90), f"the balances are {c.balance}, {d.balance}"
    with checker.case("transfer(a, a, 10) changes nothing, and returns"):
        with Watchdog(graph, patience=0.1) as watchdog:
            try:
                call_bounded(transfer, a, a, 10, time_limit=time_limit)
            except CaseFailed:
                if not watchdog.reports:
                    raise
        if watchdog.reports:
            raise CaseFailed(
                f"deadlock: {watchdog.reports[0]}: when source is target, there is nothing to "
                "move (and a Lock cannot be taken twice)"
            )
        assert a.balance == 70, f"the balance went from 70 to {a.balance}"
    with checker.case("4 threads, 200 transfers each, both ways: no deadlock, no money lost"):
        notes.clear()
        c, d, e = (CheckedAccount(graph, n, 1_000, notes) for n in (3, 1, 2))  # not in order
        spec = [(c, d, 1), (d, c, 2), (d, e, 3), (e, c, 4)]
        reports, errors = run_opposing(
            transfer, spec, repeat=200, forcing=False, graph=graph, time_limit=time_limit
        )
        _require_no_deadlock(reports, errors)
        _require_both_locks(notes)
        total = c.balance + d.balance + e.balance
        assert total == 3_000, f"the three balances add up to {total}, not 3000"
        want = (2_000, 200, 800)  # 1000 - 200 + 400 + 800, 1000 + 200 - 400 - 600, ...
        got = (c.balance, d.balance, e.balance)
        assert got == want, f"the balances are {got}, not {want}"
