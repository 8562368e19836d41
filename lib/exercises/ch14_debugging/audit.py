"""The check of exercise 14.1: an audit that cannot deadlock with the payroll.

``pay`` (the chapter's, fixed) takes the payroll's lock, then the bank's. The learner's
``audit(books)`` must return ``owed + paid`` read while holding both locks, and never
deadlock against ``pay``. The books' locks come from :mod:`lib.demos.deadlock`, watched, and the
two numbers note every read made without both locks held.
"""

from __future__ import annotations

import inspect
import re
import threading
import time
from typing import Any

from lib.demos.deadlock import DeadlockError, LockGraph, Watchdog
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    NotAttempted,
    exercise_check,
    require_function,
)

__all__ = ["TOTAL", "CheckedBooks", "check_audit", "pay"]

TOTAL = 1_000  # owed + paid, whatever has been paid
ORDER_HINT = "take the locks in the order pay() takes them: the payroll's first, then the bank's"
TWICE = re.compile(r"holds (?:\w+ and )*(\w+)(?: and \w+)* and waits for \1$")


class CheckedBooks:
    """Exercise 14.1's books: ``payroll_lock``, ``bank_lock``, and ``owed`` and ``paid``,
    whose every read notes whether both locks were held.

    The bank's lock is the one with the lower ``id()``, so that an audit taking the locks in
    ``id`` order (a fixed order, but not the one ``pay`` uses) deadlocks every time.
    """

    def __init__(self, graph: LockGraph, notes: list[str]) -> None:
        self.bank_lock, self.payroll_lock = sorted((graph.lock("?"), graph.lock("?")), key=id)
        self.bank_lock.name, self.payroll_lock.name = "bank", "payroll"
        self._graph, self._notes = graph, notes
        self._owed, self._paid = TOTAL, 0

    def _read(self, what: str, value: int) -> int:
        held = set(self._graph.held_by_me())
        if not {"payroll", "bank"} <= held:
            self._notes.append(f"{what} was read while holding {sorted(held) or 'no lock'}")
        return value

    @property
    def owed(self) -> int:
        return self._read("owed", self._owed)

    @owed.setter
    def owed(self, value: int) -> None:
        self._owed = value

    @property
    def paid(self) -> int:
        return self._read("paid", self._paid)

    @paid.setter
    def paid(self, value: int) -> None:
        self._paid = value


def pay(books: Any, amount: int, pause: float = 0.0) -> None:
    """The payroll's side, as the chapter fixed it: the payroll's lock, then the bank's."""
    with books.payroll_lock:
        time.sleep(pause)
        with books.bank_lock:
            books._owed -= amount
            books._paid += amount


def _run(
    jobs: list[tuple[str, Any]], time_limit: float, graph: LockGraph
) -> tuple[list[str], list[Any]]:
    """Run each job in a thread of its own, watched; return the deadlocks and the outcomes."""
    outcomes: list[Any] = []

    def run(job: Any) -> None:
        try:
            outcomes.append(job())
        except BaseException as error:  # kept for the hints
            outcomes.append(error)

    threads = [
        threading.Thread(target=run, args=(job,), name=name, daemon=True) for name, job in jobs
    ]
    with Watchdog(graph, patience=0.1) as watchdog:
        for thread in threads:
            thread.start()
            time.sleep(0.02)  # the payroll holds its first lock before the audit starts
        deadline = time.monotonic() + time_limit
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
    if any(thread.is_alive() for thread in threads):
        raise Hung(f"audit() and pay() were still running after {time_limit:g} s")
    return watchdog.reports, outcomes


def _require(reports: list[str], outcomes: list[Any], notes: list[str]) -> list[int]:
    errors = [o for o in outcomes if isinstance(o, BaseException)]
    if any(isinstance(e, NotImplementedError) for e in errors):
        raise NotAttempted
    coroutines = [o for o in outcomes if inspect.iscoroutine(o)]
    for coroutine in coroutines:
        coroutine.close()  # never awaited: closed, so that no warning comes later
    if coroutines:
        raise CaseFailed("audit() returned a coroutine: make it a plain `def`; threads call it")
    if reports and TWICE.search(reports[0]):
        raise CaseFailed(
            f"deadlock: {reports[0]}: a threading.Lock cannot be taken twice by one thread"
        )
    if reports:
        raise CaseFailed(f"deadlock: {reports[0]}: {ORDER_HINT}")
    others = [e for e in errors if not isinstance(e, DeadlockError)]
    if others:
        raise CaseFailed(f"audit() raised {type(others[0]).__name__}: {others[0]}")
    if notes:
        raise CaseFailed(f"{notes[0]}: read both numbers inside `with` blocks holding both locks")
    totals = [o for o in outcomes if o is not None]
    wrong = [t for t in totals if t != TOTAL]
    if wrong:
        raise CaseFailed(f"audit() returned {wrong[0]!r}: it should return owed + paid, {TOTAL}")
    return totals


@exercise_check("Exercise 14.1: an audit that cannot deadlock with the payroll")
def check_audit(checker: Checker, audit: Any, *, time_limit: float = 5.0) -> None:
    """Run the learner's ``audit`` alone, while ``pay`` holds its first lock, and from four
    threads beside four paying threads."""
    require_function(audit)
    graph, notes = LockGraph(), list[str]()
    with checker.case("audit(books) alone: 1000, read holding both locks"):
        books = CheckedBooks(graph, notes)
        reports, outcomes = _run([("auditor", lambda: audit(books))], time_limit, graph)
        assert _require(reports, outcomes, notes) == [TOTAL], "audit() returned nothing"
    with checker.case("audit while pay() holds the payroll's lock: no deadlock"):
        books = CheckedBooks(graph, notes)
        jobs = [("payroll", lambda: pay(books, 50, pause=0.2)), ("auditor", lambda: audit(books))]
        reports, outcomes = _run(jobs, time_limit, graph)
        _require(reports, outcomes, notes)
    with checker.case("4 auditors beside 4 payers, 200 calls each: always 1000"):
        books = CheckedBooks(graph, notes)

        def payer() -> None:
            for _ in range(200):
                pay(books, 1)

        def auditor() -> list[int]:
            return [audit(books) for _ in range(200)]

        jobs = [
            (f"{kind}-{n}", job)
            for n in range(4)
            for kind, job in (("payroll", payer), ("auditor", auditor))
        ]
        reports, outcomes = _run(jobs, time_limit, graph)
        flat = [t for o in outcomes for t in (o if isinstance(o, list) else [o])]
        _require(reports, flat, notes)
        assert books._paid == 800, f"the payers paid {books._paid}, not 800"
