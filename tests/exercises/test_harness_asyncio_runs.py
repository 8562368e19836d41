"""lib.exercises._harness.asyncio_runs: the deadline and clean-up every async check shares,
and what it gives the async checks: an answer that never ends costs its time limit."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import pytest

from lib.exercises import ch06_asyncio_basics as ch05
from lib.exercises import ch07_asyncio_coordination as ch06
from lib.exercises import ch09_choosing_a_model as ch07
from lib.exercises._harness.asyncio_runs import cancel_leftovers, within_deadline


@dataclass
class Record:
    error: BaseException | None = None
    timed_out: bool = False


async def bounded(body, time_limit: float = 0.2) -> tuple[Record, bool]:
    """Run ``body()`` inside within_deadline; return the record and whether the block ended."""
    record, finished = Record(), False
    async with within_deadline(record, time_limit):
        await body()
        finished = True
    return record, finished


def test_a_block_that_finishes_records_nothing() -> None:
    record, finished = asyncio.run(bounded(lambda: asyncio.sleep(0)))
    assert finished and record == Record()


def test_the_deadline_passing_is_a_time_out_not_an_error() -> None:
    record, finished = asyncio.run(bounded(lambda: asyncio.sleep(10), time_limit=0.05))
    assert not finished
    assert record.timed_out and record.error is None


def test_the_learners_own_timeout_error_is_an_error() -> None:
    async def raises_timeout() -> None:
        raise TimeoutError("the learner's own")

    record, _ = asyncio.run(bounded(raises_timeout))
    assert not record.timed_out
    assert isinstance(record.error, TimeoutError) and str(record.error) == "the learner's own"


def test_other_errors_and_cancellation_are_recorded_not_raised() -> None:
    async def raises_value_error() -> None:
        raise ValueError("bad")

    async def cancels_itself() -> None:
        raise asyncio.CancelledError

    record, _ = asyncio.run(bounded(raises_value_error))
    assert isinstance(record.error, ValueError)
    record, _ = asyncio.run(bounded(cancels_itself))
    assert isinstance(record.error, asyncio.CancelledError)


def test_leftover_tasks_are_counted_and_cancelled_but_not_older_ones() -> None:
    async def main() -> tuple[int, bool, list[bool]]:
        older = asyncio.create_task(asyncio.sleep(10))
        before = asyncio.all_tasks()
        left = [asyncio.create_task(asyncio.sleep(10)) for _ in range(3)]
        count = await cancel_leftovers(before, wait=1.0)
        older_alive = not older.done()
        older.cancel()
        return count, older_alive, [task.cancelled() for task in left]

    count, older_alive, cancelled = asyncio.run(main())
    assert count == 3 and older_alive and all(cancelled)


async def hangs(*args: Any) -> Any:
    await asyncio.Event().wait()


# The async checks whose answer is awaited once and must end: an answer that never does costs
# the check its time limit, then one hint. (A busy machine may be slow to start a check's
# server or pool: the bound is on the hang, not on that.)
AWAIT = "does it await something that never finishes?"
ASYNC_CHECKS = {
    "6.2": (ch05.check_fetch_titles, {}, AWAIT),
    "6.3": (ch05.check_fetch_and_save, {}, AWAIT),
    "7.3": (
        ch06.check_fetch_all,
        {},
        "does a request wait without a timeout, or a retry loop never end?",
    ),
    "9.2": (ch07.check_score_all, {"job_seconds": 0.15}, AWAIT),
    "9.3": (ch07.check_fetch_all, {}, AWAIT),
}


@pytest.mark.parametrize("number", list(ASYNC_CHECKS))
def test_an_async_answer_that_never_ends_costs_its_time_limit(number: str) -> None:
    check, options, question = ASYNC_CHECKS[number]
    start = time.perf_counter()
    feedback = check(hangs, time_limit=0.5, **options)
    assert time.perf_counter() - start < 10
    assert feedback.hints == [f"hangs() was still running after 0.5 s: {question}"]
