"""Chapter 13's checkers: what tests/exercises/mistakes/ch13_cancellation.md cannot say.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py):
a cancellation caught as a timeout, a hand-made timeout that never uncancels, one deadline for
every attempt, cancelled jobs not awaited, and others; the right answers and the starters are
the chapter's own cells (tests/plugins/answers.py). Here: other right answers, and that a
check of an answer that swallows cancellations still ends in bounded time.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio
import pytest

from lib.exercises.ch13_cancellation import (
    check_fetch_with_retries,
    check_items_until,
    check_stop_at_deadline,
)
from tests.plugins.answers import starter

CHECKS = {
    "13.1": check_fetch_with_retries,
    "13.2": check_stop_at_deadline,
    "13.3": check_items_until,
}


@pytest.mark.parametrize("number", list(CHECKS))
def test_the_starters_are_not_attempted(number: str) -> None:
    assert CHECKS[number](starter(number)).not_attempted
    assert CHECKS[number](...).not_attempted


# --- Exercise 13.1 --------------------------------------------------------------------------


async def retries_with_wait_for(fetch: Any, attempts: int, timeout: float) -> Any:
    """Another right answer: asyncio.wait_for on each attempt, the last error kept."""
    error: TimeoutError | None = None
    for _ in range(attempts):
        try:
            return await asyncio.wait_for(fetch(), timeout)
        except TimeoutError as timed_out:
            error = timed_out
    assert error is not None
    raise error


async def retries_with_anyio(fetch: Any, attempts: int, timeout: float) -> Any:
    """Another right answer: anyio's fail_after, a cancel scope, around each attempt."""
    for attempt in range(attempts):
        try:
            with anyio.fail_after(timeout):
                return await fetch()
        except TimeoutError:
            if attempt == attempts - 1:
                raise
    return None


@pytest.mark.parametrize("answer", [retries_with_wait_for, retries_with_anyio])
def test_fetch_with_retries_other_right_answers(answer: Any) -> None:
    feedback = check_fetch_with_retries(answer)
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == "All 5 checks passed."


def test_an_answer_that_swallows_every_cancellation_costs_seconds_only() -> None:
    async def deaf(fetch: Any, attempts: int, timeout: float) -> Any:
        for _ in range(300):  # deaf to cancellation, but not for ever: the test must end
            try:
                async with asyncio.timeout(timeout):
                    return await fetch()
            except (TimeoutError, asyncio.CancelledError):  # the mistake under test
                await asyncio.sleep(0.01)
        return None

    start = time.perf_counter()
    feedback = check_fetch_with_retries(deaf)
    assert time.perf_counter() - start < 30
    assert not feedback.passed
    assert any("caught the caller's CancelledError" in hint for hint in feedback.hints)


# --- Exercise 13.2 --------------------------------------------------------------------------


async def deadline_with_task_group(jobs: dict[str, Any], seconds: float) -> dict[str, str]:
    """Another right answer: a TaskGroup, each job under the same absolute deadline."""
    deadline = asyncio.get_running_loop().time() + seconds
    outcomes: dict[str, str] = {}

    async def one(name: str, job: Any) -> None:
        try:
            async with asyncio.timeout_at(deadline):
                await job()
            outcomes[name] = "finished"
        except TimeoutError:
            outcomes[name] = "stopped"

    async with asyncio.TaskGroup() as group:
        for name, job in jobs.items():
            group.create_task(one(name, job))
    return {name: outcomes[name] for name in jobs}


@pytest.mark.parametrize("answer", [deadline_with_task_group])
def test_stop_at_deadline_other_right_answers(answer: Any) -> None:
    feedback = check_stop_at_deadline(answer)
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == "All 4 checks passed."


# --- Exercise 13.3 --------------------------------------------------------------------------


async def items_until_with_wait_for(source: Any, seconds: float) -> Any:
    """Another right answer: the time left, recomputed for wait_for before each item."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    iterator = aiter(source)
    while True:
        try:
            item = await asyncio.wait_for(anext(iterator), max(deadline - loop.time(), 0))
        except StopAsyncIteration:
            return
        yield item


def test_items_until_right_with_wait_for() -> None:
    feedback = check_items_until(items_until_with_wait_for)
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == "All 2 checks passed."
