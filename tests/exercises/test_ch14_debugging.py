"""Chapter 14's checkers: what tests/exercises/mistakes/ch14_debugging.md cannot say as data.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py):
the dump's lock order, locks in id() order, no lock, a lock of the audit's own, a lock taken
twice, score() called on the loop, to_thread not awaited, run_in_executor given a result, a
plain def, and others; the right answers and the starters are the chapter's own cells
(tests/plugins/answers.py). Here: other right answers, hostile answers (one that raises,
returns the wrong type, never returns), the time a hang costs, and that no check leaves a
thread or a child process behind, which a mistakes file cannot assert.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from typing import Any

import psutil
import pytest

from lib.exercises._harness.checking import GRACE
from lib.exercises.ch14_debugging import check_audit, check_dump_all_stacks, check_lookup
from lib.exercises.ch14_debugging.lookup import score
from tests.plugins.answers import answer, starter
from tests.plugins.mistakes import feedback_on

CHECKS = {"14.1": check_audit, "14.2": check_lookup, "14.3": check_dump_all_stacks}


def threads_now() -> set[int]:
    return {thread.ident for thread in threading.enumerate() if thread.ident is not None}


def settle(before: set[int], seconds: float = 2.0) -> list[str]:
    """The threads not in ``before`` still running after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while threads_now() - before and time.monotonic() < deadline:
        time.sleep(0.01)
    return [t.name for t in threading.enumerate() if t.ident not in before]


@pytest.fixture
def nothing_left() -> Iterator[None]:
    """The test starts no thread and no child process that outlives it."""
    threads, children = threads_now(), set(psutil.Process().children(recursive=True))
    yield
    assert not settle(threads), "threads left running"
    assert not set(psutil.Process().children(recursive=True)) - children, "a child left running"


@pytest.mark.parametrize("number", list(CHECKS))
def test_the_starters_are_not_attempted(number: str) -> None:
    assert CHECKS[number](starter(number)).not_attempted
    assert CHECKS[number](...).not_attempted


# --- Exercise 14.1 ---------------------------------------------------------------------------


def audit_nested(books: Any) -> int:
    """Another right answer: two `with` blocks, one inside the other."""
    with books.payroll_lock:  # noqa: SIM117 (the answer a learner writes)
        with books.bank_lock:
            owed = books.owed
            paid = books.paid
    return int(owed + paid)


def audit_acquire_release(books: Any) -> int:
    """Another right answer: acquire and release by hand, in a `finally`."""
    books.payroll_lock.acquire()
    try:
        books.bank_lock.acquire()
        try:
            return int(books.owed + books.paid)
        finally:
            books.bank_lock.release()
    finally:
        books.payroll_lock.release()


AUDITS = threading.Lock()


def audit_one_at_a_time(books: Any) -> int:
    """Another right answer: a lock of its own around pay()'s order (slower, still right)."""
    with AUDITS, books.payroll_lock, books.bank_lock:
        return int(books.owed + books.paid)


@pytest.mark.parametrize("right", [audit_nested, audit_acquire_release, audit_one_at_a_time])
def test_other_audits_pass(right: Any, nothing_left: None) -> None:
    feedback = check_audit(right)
    assert feedback.passed, str(feedback)


def test_a_deadlocking_audit_is_broken_in_time_and_leaves_no_thread(nothing_left: None) -> None:
    start = time.monotonic()
    feedback, _ = feedback_on("14.1", "Still the dump's order: the bank's lock first")
    assert time.monotonic() - start < 3.0
    assert not feedback.passed


def test_an_audit_that_never_returns_costs_its_time_limit_only() -> None:
    release = threading.Event()

    def never_returns(books: Any) -> int:
        release.wait(10)
        return 0

    before = threads_now()
    try:
        start = time.monotonic()
        feedback = check_audit(never_returns, time_limit=0.5)
        seconds = time.monotonic() - start
    finally:
        release.set()
    assert seconds < 0.5 + GRACE, seconds
    assert feedback.hints == ["audit() and pay() were still running after 0.5 s"]
    assert not settle(before)


def test_an_audit_that_raises_gets_a_hint_not_a_traceback(nothing_left: None) -> None:
    def raises(books: Any) -> int:
        raise KeyError("owed")

    feedback = check_audit(raises)
    assert not feedback.passed
    assert "audit() raised KeyError: 'owed'" in feedback.hints[0]
    assert "Traceback" not in str(feedback)


@pytest.mark.parametrize("wrong", ["1000", 1000.5, None, object()], ids=lambda w: type(w).__name__)
def test_an_audit_of_the_wrong_type_fails(wrong: Any, nothing_left: None) -> None:
    def returns(books: Any) -> Any:
        with books.payroll_lock, books.bank_lock:
            return wrong

    feedback = check_audit(returns)
    assert not feedback.passed, str(feedback)


def test_an_audit_that_is_not_a_function_is_told_so() -> None:
    feedback = check_audit(1000)
    assert not feedback.passed
    assert "function" in feedback.hints[0]


# --- Exercise 14.2 ---------------------------------------------------------------------------


async def lookup_in_executor(word: str) -> int:
    """Another right answer: the loop's default executor, by hand."""
    return await asyncio.get_running_loop().run_in_executor(None, score, word)


async def lookup_with_partial(word: str) -> int:
    """Another right answer: a partial, for a call with keyword arguments."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, functools.partial(score, word=word))


def lookup_returns_the_coroutine(word: str) -> Any:
    """Another right answer: a plain def that returns to_thread's coroutine, awaited by the
    caller."""
    return asyncio.to_thread(score, word)


@pytest.mark.parametrize(
    "right", [answer("14.2"), lookup_in_executor, lookup_with_partial, lookup_returns_the_coroutine]
)
def test_other_lookups_pass(right: Any, nothing_left: None) -> None:
    feedback = check_lookup(right)
    assert feedback.passed, str(feedback)


def test_a_lookup_that_never_returns_costs_its_time_limit_only(nothing_left: None) -> None:
    async def never_returns(word: str) -> int:
        await asyncio.Event().wait()
        return 0

    start = time.monotonic()
    feedback = check_lookup(never_returns, time_limit=0.5)
    seconds = time.monotonic() - start
    assert seconds < 0.5 + GRACE, seconds
    assert "never_returns() was still running after 0.5 s" in feedback.hints[0]


def test_a_lookup_that_raises_gets_a_hint_not_a_traceback(nothing_left: None) -> None:
    async def raises(word: str) -> int:
        raise LookupError(word)

    feedback = check_lookup(raises)
    assert feedback.hints == ["raises() raised LookupError: deadlock"]
    assert "Traceback" not in str(feedback)


@pytest.mark.parametrize("wrong", ["8", None, [8]], ids=repr)
def test_a_lookup_of_the_wrong_type_fails(wrong: Any, nothing_left: None) -> None:
    async def returns(word: str) -> Any:
        await asyncio.to_thread(score, word)
        return wrong

    feedback = check_lookup(returns)
    assert not feedback.passed
    assert f"returns('deadlock') gave {wrong!r}, not 8" in feedback.hints[0]


def test_a_blocking_lookup_is_not_counted_against_the_next_check(nothing_left: None) -> None:
    """score() counts its calls: a check that failed does not leave calls that the next one
    would count as its own."""
    feedback, _ = feedback_on(
        "14.2", "The culprit as the log found it: `score()` called in the coroutine"
    )
    assert not feedback.passed
    assert check_lookup(answer("14.2")).passed


# --- Exercise 14.3 ---------------------------------------------------------------------------


def stacks_by_traceback() -> dict[str, str]:
    """Another right answer: each frame's stack summarised, its last entry the current call."""
    by_ident = sys._current_frames()
    return {
        thread.name: traceback.extract_stack(by_ident[thread.ident])[-1].name
        for thread in threading.enumerate()
        if thread.ident in by_ident
    }


@pytest.mark.parametrize("right", [answer("14.3"), stacks_by_traceback])
def test_other_stack_dumps_pass(right: Any, nothing_left: None) -> None:
    feedback = check_dump_all_stacks(right)
    assert feedback.passed, str(feedback)


def test_a_stack_dump_that_never_returns_costs_its_time_limit_and_parks_nothing() -> None:
    release = threading.Event()

    def never_returns() -> dict[str, str]:
        release.wait(10)
        return {}

    before = threads_now()
    try:
        start = time.monotonic()
        feedback = check_dump_all_stacks(never_returns, time_limit=0.5)
        seconds = time.monotonic() - start
    finally:
        release.set()
    assert seconds < 0.5 + GRACE, seconds
    assert "never_returns() was still running after 0.5 s" in feedback.hints[0]
    assert not settle(before)  # the check's two parked threads were released too


def test_a_stack_dump_that_raises_gets_a_hint(nothing_left: None) -> None:
    def raises() -> dict[str, str]:
        raise RuntimeError("no frames")

    feedback = check_dump_all_stacks(raises)
    assert feedback.hints == ["raises() raised RuntimeError: no frames"]


@pytest.mark.parametrize("wrong", [["stuck-on-lock"], "stuck-on-lock: hold_and_wait", 42], ids=repr)
def test_a_stack_dump_of_the_wrong_type_fails(wrong: Any, nothing_left: None) -> None:
    feedback = check_dump_all_stacks(lambda: wrong)
    assert not feedback.passed
    assert "should be a dict" in feedback.hints[0]
