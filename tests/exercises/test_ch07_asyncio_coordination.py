"""Chapter 7's checkers: what tests/exercises/mistakes/ch07_asyncio_coordination.md cannot say.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py),
the hangs among them too; the right answers and the starters are the chapter's own cells
(tests/plugins/answers.py). Here: another right answer, the time a hang costs, and what the
file cannot ask of a mistake's feedback: which hint comes first, how it starts and ends, how
many cases failed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from lib.exercises.ch07_asyncio_coordination import (
    check_count_view,
    check_fetch_all,
    check_handle_all,
)
from tests.plugins.answers import answer, starter
from tests.plugins.mistakes import feedback_on

CHECKS = {"7.1": check_count_view, "7.2": check_handle_all, "7.3": check_fetch_all}


@pytest.mark.parametrize(("number", "cases"), [("7.1", 3), ("7.2", 8), ("7.3", 4)])
def test_the_chapters_answers_pass_every_case_and_the_starters_are_not_attempted(
    number: str, cases: int
) -> None:
    feedback = CHECKS[number](answer(number))
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == f"All {cases} checks passed."
    untouched = CHECKS[number](starter(number))
    assert untouched.not_attempted and "Not attempted yet" in str(untouched)
    assert CHECKS[number](...).not_attempted


async def handle_all_with_sentinels(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
    """The other way to stop: one sentinel per consumer, in a task group."""
    queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
    results = {}

    async def consume() -> None:
        while (item := await queue.get()) is not None:
            results[item] = await handle(item)

    async with asyncio.TaskGroup() as group:
        for _ in range(consumers):
            group.create_task(consume())
        for item in items:
            await queue.put(item)
        for _ in range(consumers):
            await queue.put(None)
    return results


def test_handle_all_with_sentinels_is_right_too() -> None:
    feedback = check_handle_all(handle_all_with_sentinels)
    assert feedback.passed, feedback


@pytest.mark.parametrize(
    ("number", "title"),
    [
        ("7.1", "The lock taken and never released: the second call waits for ever"),
        ("7.2", "No stop signal: the consumers wait on `get()` for ever"),
    ],
)
def test_a_hang_costs_its_time_limit_and_ends_the_check(number: str, title: str) -> None:
    start = time.perf_counter()
    feedback, _ = feedback_on(number, title)  # with a time limit of 0.5 s
    assert time.perf_counter() - start < 3
    assert len(feedback.failed_cases) == 1, "the check stops at the first hang"


def test_handle_all_that_stops_its_consumers_only_after_an_item_passes_the_rest() -> None:
    feedback, _ = feedback_on("7.2", "Stop signals sent only when there was an item")
    assert len(feedback.passed_cases) == 5


# --- What the mistakes file cannot say about a mistake's feedback ----------------------------
# ch07_asyncio_coordination.md asks only that each Hint line be part of some hint (and for
# some, that it is the only hint). For these of its mistakes the tests ask more: which hint
# says what, how it starts or ends, how many cases failed.


@pytest.mark.parametrize(
    ("number", "title"),
    [("7.1", "The answer raises"), ("7.3", "No return"), ("7.3", "The answer raises")],
)
def test_these_mistakes_get_their_hint_first(number: str, title: str) -> None:
    feedback, hints = feedback_on(number, title)
    assert [feedback.hints[0]] == hints


def test_count_view_mistakes_hints_in_their_order() -> None:
    racy, _ = feedback_on("7.1", "No lock: a pause between the read and the write loses updates")
    assert racy.hints[0].startswith("50 views of 853 counted as 1: 49 updates lost.")
    assert "hold the lock from the read" in racy.hints[0]
    assert "updates lost" in racy.hints[1]
    assert "50 of 50 pauses happened while the lock was free" in racy.hints[-1]

    own_lock, _ = feedback_on("7.1", "A new lock on every call, so nobody ever waits")
    assert "updates lost" in own_lock.hints[0]
    assert "a new lock per call protects nothing" in own_lock.hints[-1]

    no_await, _ = feedback_on("7.1", "The pause left out")
    assert len(no_await.failed_cases) == 1
    assert "pause() was never awaited" in no_await.hints[0]

    plain, _ = feedback_on("7.1", "A plain def")
    assert "returned None, not a coroutine" in plain.hints[0]


def test_handle_all_mistakes_hints_in_their_order() -> None:
    gather_all, _ = feedback_on("7.2", "A gather of every item: no consumers, no queue")
    assert "20 items were handled at once by 3 consumers" in gather_all.hints[0]
    assert "the producer read 20 items ahead" in gather_all.hints[1]

    in_a_group, _ = feedback_on("7.2", "A failure inside a task group")
    assert in_a_group.hints[0].startswith("in_a_group() raised TypeError (in an ExceptionGroup): ")

    no_task_done, _ = feedback_on("7.2", "`queue.join()` with no `task_done()` at all")
    assert "queue.task_done()" in no_task_done.hints[0] and "all 20 items" in no_task_done.hints[0]


def test_fetch_all_mistakes_hints_in_their_order() -> None:
    keeps, _ = feedback_on("7.3", "No retry: the refusals kept as the results")
    assert len(keeps.failed_cases) == 2
    assert "of 10 ids map to an exception" in keeps.hints[0]
    assert "ApiError: HTTP 429: Too Many Requests." in keeps.hints[0]
    assert keeps.hints[1].endswith(
        "of 10 requests ended in 429 Too Many Requests: wait Retry-After seconds and try again"
    )

    raises, _ = feedback_on("7.3", "No retry: the first refusal is raised")
    assert raises.hints[0].startswith("impolite() raised ApiError (HTTP 429: Too Many Requests.): ")
    assert "wait error.retry_after seconds" in raises.hints[0]
    assert "ended in 429 Too Many Requests" in raises.hints[1]

    drops, _ = feedback_on("7.3", "No retry, and the refused ids are dropped")
    assert "of 10 ids were lost" in drops.hints[0]
    assert "instead of dropping it" in drops.hints[0]
    assert "ended in 429 Too Many Requests" in drops.hints[1]

    too_soon, _ = feedback_on("7.3", "A retry that does not wait Retry-After seconds")
    assert len(too_soon.hints) == 1 and too_soon.hints[0].startswith("the server refused ")
    assert "Wait error.retry_after seconds first" in too_soon.hints[0]
