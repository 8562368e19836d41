"""The check of exercise 13.1: retries on a timeout, never on a cancellation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from lib.exercises._harness.async_answers import call_answer, describe_error, run_answer
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    Run,
    exercise_check,
    function_name,
)

__all__ = [
    "Fetch",
    "check_fetch_with_retries",
]


@dataclass
class Fetch:
    """A fetch that hangs on its first ``hangs`` attempts, then answers (or raises ``error``)."""

    hangs: int
    error: Exception | None = None
    attempts: int = 0
    stopped: int = 0  # attempts that ended cancelled
    running: int = 0

    async def __call__(self) -> str:
        self.attempts += 1
        self.running += 1
        try:
            if self.attempts <= self.hangs:
                await asyncio.sleep(60.0)  # a server that never answers
            if self.error is not None:
                raise self.error
            await asyncio.sleep(0.01)
            return "data"
        except asyncio.CancelledError:
            self.stopped += 1
            raise
        finally:
            self.running -= 1


@dataclass
class Outcome:
    """How the answer's task ended, and its ``cancelling()`` count right after it returned."""

    run: Run
    cancelled: bool = False
    ended: bool = True
    cancelling_after: int = 0
    notes: list[str] = field(default_factory=list)


def run_case(fn: Any, fetch: Fetch, attempts: int, cancel_after: float | None) -> Outcome:
    outcome = Outcome(Run())

    async def answer() -> Any:
        try:
            return await call_answer(fn, fetch, attempts, 0.1)
        finally:
            # A deaf answer can outlive its loop: its coroutine is then closed by the garbage
            # collector, with no loop running, and current_task() would raise there.
            try:
                task = asyncio.current_task()
            except RuntimeError:
                task = None
            outcome.cancelling_after = task.cancelling() if task is not None else 0

    async def main() -> Any:
        task = asyncio.create_task(answer())
        if cancel_after is not None:
            await asyncio.sleep(cancel_after)
            task.cancel()  # the caller stops it
        done, _ = await asyncio.wait([task], timeout=1.5)
        outcome.ended = bool(done)
        if done and task.cancelled():
            outcome.cancelled = True
            return None
        return await task if done else None

    outcome.run = run_answer(fn, main, time_limit=3.0)
    if outcome.run.timed_out:
        raise Hung(f"{function_name(fn)}() was still running after 3 s, with timeout=0.1")
    return outcome


def require_no_error(fn: Any, outcome: Outcome) -> None:
    error = outcome.run.error
    if isinstance(error, TimeoutError):
        raise CaseFailed(
            f"{function_name(fn)}() raised TimeoutError before its attempts were used up: "
            "catch TimeoutError around each attempt, and try again"
        )
    if error is not None:
        raise CaseFailed(describe_error(fn, error))


@exercise_check("Exercise 13.1: retries on a timeout, never on a cancellation")
def check_fetch_with_retries(checker: Checker, fetch_with_retries: Any) -> None:
    """Fetches that hang, answer late, fail; and a caller that cancels in the middle."""
    name = function_name(fetch_with_retries)
    with checker.case("two attempts time out, the third answers: 'data' after 3 attempts"):
        fetch = Fetch(hangs=2)
        outcome = run_case(fetch_with_retries, fetch, 5, None)
        require_no_error(fetch_with_retries, outcome)
        if outcome.run.value != "data" or fetch.attempts != 3:
            raise CaseFailed(
                f"expected 'data' after 3 attempts; got {outcome.run.value!r} after "
                f"{fetch.attempts} attempt(s). Put a timeout of `timeout` seconds around each "
                "attempt (async with asyncio.timeout(timeout)), not around the whole"
            )
        if fetch.stopped != 2 or fetch.running:
            raise CaseFailed(
                f"{fetch.stopped} of the 2 attempts that timed out were stopped: each attempt "
                "must be cancelled when its timeout passes, before the next one starts"
            )
    with checker.case("afterwards, Task.cancelling() is back to 0"):
        if outcome.cancelling_after:
            raise CaseFailed(
                f"after {name}() returned, its task's cancelling() was "
                f"{outcome.cancelling_after}: each timeout cancelled the task and nothing took "
                "the request back. Use asyncio.timeout, which calls uncancel() for its own "
                "cancellation, or call task.uncancel() yourself"
            )
    with checker.case("every attempt times out: TimeoutError after `attempts` tries"):
        fetch = Fetch(hangs=99)
        outcome = run_case(fetch_with_retries, fetch, 3, None)
        if not isinstance(outcome.run.error, TimeoutError) or fetch.attempts != 3:
            got = (
                f"raised {type(outcome.run.error).__name__}"
                if outcome.run.error is not None
                else f"returned {outcome.run.value!r}"
            )
            raise CaseFailed(
                f"with attempts=3 and a fetch that always hangs, expected TimeoutError after 3 "
                f"attempts; it {got} after {fetch.attempts}: raise the last TimeoutError"
            )
    with checker.case("a caller's cancel ends it at once, cancelled, and is not retried"):
        fetch = Fetch(hangs=99)
        outcome = run_case(fetch_with_retries, fetch, 10, 0.15)
        if not outcome.ended or not outcome.cancelled:
            how = "was still running 1.5 s later" if not outcome.ended else "did not end cancelled"
            raise CaseFailed(
                f"the caller cancelled {name}() 0.15 s in, and it {how} ({fetch.attempts} "
                "attempts): it caught the caller's CancelledError and retried. Catch only "
                "TimeoutError, from asyncio.timeout, which lets a cancellation that is not "
                "its own go on (Task.cancelling())"
            )
        if fetch.attempts > 2:
            raise CaseFailed(f"{fetch.attempts} attempts were made after the cancel; at most 2")
    with checker.case("an error from the fetch is raised at once, not retried"):
        fetch = Fetch(hangs=0, error=ValueError("bad answer"))
        outcome = run_case(fetch_with_retries, fetch, 5, None)
        if not isinstance(outcome.run.error, ValueError) or fetch.attempts != 1:
            raise CaseFailed(
                f"a fetch that raised ValueError was tried {fetch.attempts} time(s), and "
                f"{name}() ended with {outcome.run.error!r}: retry on TimeoutError only, and "
                "let any other error go on"
            )
