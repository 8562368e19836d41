"""lib.exercises._harness.asyncio_runs: the deadline and clean-up every async check shares."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

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
