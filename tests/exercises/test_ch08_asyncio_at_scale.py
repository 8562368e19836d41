"""Chapter 8's checkers: what tests/exercises/mistakes/ch08_asyncio_at_scale.md cannot say.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py);
the right answers and the starters are the chapter's own cells (tests/plugins/answers.py).
Here: other right answers, and what the file cannot ask of a check: that the stand-in for
uvloop leaves ``sys.modules`` as it found it, and that the check of 8.1 counts only the
learner's tasks, not the ones aiohttp makes for itself.
"""

from __future__ import annotations

import asyncio
import math
import sys
from typing import Any

import pytest

from lib.exercises.ch08_asyncio_at_scale import (
    check_fetch_many,
    check_in_flight_needed,
    check_run_on_fastest_loop,
)
from lib.exercises.ch08_asyncio_at_scale.fastest_loop import StandInLoop, stand_in_uvloop, uvloop_as
from lib.exercises.ch08_asyncio_at_scale.fetch_many import own_tasks
from lib.plumbing.event_loops import has_uvloop, loop_factory
from tests.plugins.answers import answer, starter

CHECKS = {"8.1": check_fetch_many, "8.2": check_run_on_fastest_loop, "8.3": check_in_flight_needed}


@pytest.mark.parametrize(("number", "cases"), [("8.1", 4), ("8.2", 4), ("8.3", 8)])
def test_the_chapters_answers_pass_every_case_and_the_starters_are_not_attempted(
    number: str, cases: int
) -> None:
    feedback = CHECKS[number](answer(number))
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == f"All {cases} checks passed."
    untouched = CHECKS[number](starter(number))
    assert untouched.not_attempted and "Not attempted yet" in str(untouched)
    assert CHECKS[number](...).not_attempted


async def fetch_many_over_a_queue(client: Any, ids: list[int], limit: int) -> list[Any]:
    """Workers over an asyncio.Queue, one sentinel each."""
    queue: asyncio.Queue = asyncio.Queue()
    for job in enumerate(ids):
        queue.put_nowait(job)
    for _ in range(limit):
        queue.put_nowait(None)
    results: list[Any] = [None] * len(ids)

    async def worker() -> None:
        while (job := await queue.get()) is not None:
            index, anime_id = job
            results[index] = await client.fetch_media(anime_id)

    await asyncio.gather(*(worker() for _ in range(limit)))
    return results


async def fetch_many_in_a_window(client: Any, ids: list[int], limit: int) -> list[Any]:
    """A semaphore-gated window: each task is made only once a permit is free."""
    slots = asyncio.Semaphore(limit)
    results: list[Any] = [None] * len(ids)

    async def one(index: int, anime_id: int) -> None:
        try:
            results[index] = await client.fetch_media(anime_id)
        finally:
            slots.release()

    async with asyncio.TaskGroup() as group:
        for index, anime_id in enumerate(ids):
            await slots.acquire()
            group.create_task(one(index, anime_id))
    return results


@pytest.mark.parametrize("right", [fetch_many_over_a_queue, fetch_many_in_a_window])
def test_other_ways_to_fetch_many_are_right_too(right: Any) -> None:
    feedback = check_fetch_many(right)
    assert feedback.passed, feedback


def test_the_clients_own_tasks_are_not_the_learners() -> None:
    async def body() -> None:
        await asyncio.sleep(0.05)

    async def main() -> tuple[int, int]:
        before = own_tasks()
        task = asyncio.create_task(body())
        during = own_tasks()
        await task
        return before, during

    before, during = asyncio.run(main())
    assert (before, during) == (1, 2)


def run_with_uvloop_run(main: Any) -> Any:
    """uvloop's own run(), where it imports."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main())
    return uvloop.run(main())


def run_with_the_books_loop_factory(main: Any) -> Any:
    """lib.plumbing.event_loops, as the chapter shows it."""
    name = "uvloop" if has_uvloop() else "asyncio"
    with asyncio.Runner(loop_factory=loop_factory(name)) as runner:
        return runner.run(main())


@pytest.mark.parametrize("right", [run_with_uvloop_run, run_with_the_books_loop_factory])
def test_other_ways_to_pick_the_loop_are_right_too(right: Any) -> None:
    feedback = check_run_on_fastest_loop(right)
    assert feedback.passed, feedback


def test_the_stand_in_leaves_sys_modules_as_it_found_it() -> None:
    before = sys.modules.get("uvloop")
    record = type("Record", (), {"policy": False})()
    with uvloop_as(stand_in_uvloop(record)):
        import uvloop

        assert uvloop.new_event_loop is StandInLoop
    with uvloop_as(None), pytest.raises(ImportError):
        import uvloop
    assert sys.modules.get("uvloop") is before


def in_flight_with_a_tolerance(rate: float, latency: float, cpu_per_request: float) -> int:
    """Little's law, with the ceiling compared as CPU seconds a second."""
    if rate * cpu_per_request > 1:
        raise ValueError("above the CPU ceiling")
    return max(1, math.ceil(round(rate * latency, 9)))


def test_another_way_to_count_in_flight_is_right_too() -> None:
    feedback = check_in_flight_needed(in_flight_with_a_tolerance)
    assert feedback.passed, feedback
