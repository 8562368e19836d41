"""Chapter 6's checkers: what tests/exercises/mistakes/ch06_asyncio_coordination.md cannot say.

The common mistakes and their hints are data, in that file (see test_mistakes.py): a racy
counter, a lock made per call, an unbounded queue, no semaphore, no retry, a retry that does
not wait, dropped failures, a missing return, an answer that raises. Here: other right
answers, the starters, the hangs and their time limits (consumers never stopped, a lock never
released), and what the file cannot ask of a mistake's feedback: which hint comes first, how
it starts and ends, that it is the only one, how many cases failed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from lib.anilist.clients import ApiError, AsyncAniListClient
from lib.exercises.ch06_asyncio_coordination import (
    check_count_view,
    check_fetch_all,
    check_handle_all,
)

# --- Exercise 6.1 ---------------------------------------------------------------------------


async def count_view(views: dict, anime_id: int, lock: asyncio.Lock, pause: Any) -> None:
    async with lock:
        seen = views.get(anime_id, 0)
        await pause()
        views[anime_id] = seen + 1


def test_count_view_right() -> None:
    feedback = check_count_view(count_view)
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == "All 3 checks passed."


def test_count_view_that_never_releases_the_lock_hangs_briefly() -> None:
    async def keeps_lock(views: dict, anime_id: int, lock: asyncio.Lock, pause: Any) -> None:
        await lock.acquire()
        seen = views.get(anime_id, 0)
        await pause()
        views[anime_id] = seen + 1

    start = time.perf_counter()
    feedback = check_count_view(keeps_lock, time_limit=0.5)
    assert time.perf_counter() - start < 3
    assert len(feedback.failed_cases) == 1, "the check stops at the first hang"
    assert "is the lock always released?" in feedback.hints[0]


def test_count_view_starter() -> None:
    async def starter(views: dict, anime_id: int, lock: Any, pause: Any) -> None:
        raise NotImplementedError("replace this line with your solution")

    feedback = check_count_view(starter)
    assert feedback.not_attempted and "Not attempted yet" in str(feedback)
    assert check_count_view(...).not_attempted


# --- Exercise 6.2 ---------------------------------------------------------------------------


async def handle_all(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
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


async def handle_all_joined(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
    """The other way to stop: wait for the queue to empty, then cancel the consumers."""
    queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
    results = {}

    async def consume() -> None:
        while True:
            item = await queue.get()
            try:
                results[item] = await handle(item)
            finally:
                queue.task_done()

    workers = [asyncio.create_task(consume()) for _ in range(consumers)]
    for item in items:
        await queue.put(item)
    await queue.join()
    for worker in workers:
        worker.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return results


def test_handle_all_right_both_ways() -> None:
    for answer in (handle_all, handle_all_joined):
        feedback = check_handle_all(answer)
        assert feedback.passed, feedback
        assert str(feedback).splitlines()[-1] == "All 8 checks passed."


def test_handle_all_that_never_stops_its_consumers_is_a_short_hang() -> None:
    async def no_sentinels(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
        results = {}

        async def consume() -> None:
            while True:
                item = await queue.get()
                results[item] = await handle(item)

        async with asyncio.TaskGroup() as group:
            for _ in range(consumers):
                group.create_task(consume())
            for item in items:
                await queue.put(item)
        return results

    start = time.perf_counter()
    feedback = check_handle_all(no_sentinels, time_limit=0.5)
    assert time.perf_counter() - start < 3
    assert feedback.failed_cases == [
        (
            "your answer",
            "no_sentinels() was still running after 0.5 s, though all 20 items had been "
            "handled: its consumers still wait on queue.get(). Stop them: put one sentinel "
            "per consumer, or await queue.join() (with queue.task_done() after each item) "
            "and then cancel them",
        )
    ]


def test_handle_all_joined_without_task_done_hangs_with_the_same_hint() -> None:
    async def no_task_done(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
        results = {}

        async def consume() -> None:
            while True:
                item = await queue.get()
                results[item] = await handle(item)

        workers = [asyncio.create_task(consume()) for _ in range(consumers)]
        for item in items:
            await queue.put(item)
        await queue.join()
        for worker in workers:
            worker.cancel()
        return results

    hints = check_handle_all(no_task_done, time_limit=0.5).hints
    assert hints and "queue.task_done()" in hints[0] and "all 20 items" in hints[0]


def test_handle_all_whose_consumers_quit_on_an_empty_queue_hangs() -> None:
    async def quits_early(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
        results = {}

        async def consume() -> None:
            while not queue.empty():
                item = await queue.get()
                results[item] = await handle(item)

        workers = [asyncio.create_task(consume()) for _ in range(consumers)]
        await asyncio.sleep(0)  # the consumers look at the queue before anything is in it
        for item in items:
            await queue.put(item)
        await asyncio.gather(*workers)
        return results

    hints = check_handle_all(quits_early, time_limit=0.5).hints
    assert "with 0 of 20 items handled" in hints[0] and "queue.empty()" in hints[0]


def test_handle_all_truthy_sentinel_check_loses_item_zero() -> None:
    async def truthy(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
        results = {}

        async def consume() -> None:
            while item := await queue.get():
                results[item] = await handle(item)

        async with asyncio.TaskGroup() as group:
            for _ in range(consumers):
                group.create_task(consume())
            for item in items:
                await queue.put(item)
            for _ in range(consumers):
                await queue.put(None)
        return results

    hints = check_handle_all(truthy, time_limit=0.5).hints
    assert "item 0 was never handled" in hints[0]


def test_handle_all_starter() -> None:
    async def starter(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        raise NotImplementedError("replace this line with your solution")

    assert check_handle_all(starter).not_attempted


# --- Exercise 6.3 ---------------------------------------------------------------------------


async def fetch_all(url: str, ids: list[int]) -> dict:
    limit = asyncio.Semaphore(3)

    async with AsyncAniListClient(url, timeout=5.0) as client:

        async def fetch_one(anime_id: int) -> str:
            while True:
                async with limit:
                    try:
                        media = await client.fetch_media(anime_id)
                        return media["title"]["romaji"]
                    except ApiError as error:
                        if error.status != 429:
                            raise
                        wait = error.retry_after or 1.0
                await asyncio.sleep(wait)  # outside the semaphore: the slot is free meanwhile

        titles = await asyncio.gather(*(fetch_one(anime_id) for anime_id in ids))
    return dict(zip(ids, titles, strict=True))


def test_fetch_all_right() -> None:
    feedback = check_fetch_all(fetch_all)
    assert feedback.passed, feedback
    assert str(feedback).splitlines()[-1] == "All 4 checks passed."


def test_fetch_all_hanging_and_starter() -> None:
    async def hangs(url: str, ids: list[int]) -> dict:
        await asyncio.Event().wait()
        return {}

    start = time.perf_counter()
    feedback = check_fetch_all(hangs, time_limit=0.5)
    assert time.perf_counter() - start < 3
    assert len(feedback.failed_cases) == 1, "the check stops at the first hang"
    assert "hangs() was still running after 0.5 s" in feedback.hints[0]

    async def starter(url: str, ids: list[int]) -> dict:
        raise NotImplementedError("replace this line with your solution")

    assert check_fetch_all(starter).not_attempted


def test_handle_all_that_stops_its_consumers_only_after_an_item_hangs_on_no_items() -> None:
    async def stops_after_items(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
        results = {}

        async def consume() -> None:
            while (item := await queue.get()) is not None:
                results[item] = await handle(item)

        async with asyncio.TaskGroup() as group:
            for _ in range(consumers):
                group.create_task(consume())
            item = None
            for item in items:
                await queue.put(item)
            if item is not None:  # the mistake: no stop signals when there was no item
                for _ in range(consumers):
                    await queue.put(None)
        return results

    feedback = check_handle_all(stops_after_items, time_limit=0.5)
    assert feedback.hints == [
        "stops_after_items() was still running after 0.5 s with no items to handle: do the "
        "consumers get their stop signal when there is nothing to do?"
    ]
    assert len(feedback.passed_cases) == 5


# --- What the mistakes file cannot say about a mistake's feedback ----------------------------
# ch06_asyncio_coordination.md asks only that each Hint line be part of some hint. For these
# of its mistakes the tests ask more: which hint says what, how it starts or ends, that it is
# the only one, how many cases failed.


def feedback_on(check: str, title: str) -> tuple[Any, list[str]]:
    """The feedback ``check`` gives the mistake titled ``title`` in ch06_asyncio_coordination.md."""
    import test_mistakes  # here, not above: the nest_asyncio2 script imports this module

    return test_mistakes.feedback_on("ch06_asyncio_coordination", check, title)


@pytest.mark.parametrize(
    ("check", "title"),
    [
        ("check_handle_all", "An unbounded queue: no backpressure"),
        ("check_handle_all", "No return"),
        ("check_fetch_all", "No semaphore: every request at once"),
        ("check_fetch_all", "One request at a time"),
    ],
)
def test_these_mistakes_get_their_hint_and_no_other(check: str, title: str) -> None:
    feedback, hints = feedback_on(check, title)
    assert feedback.hints == hints


@pytest.mark.parametrize(
    ("check", "title"),
    [
        ("check_count_view", "The answer raises"),
        ("check_fetch_all", "No return"),
        ("check_fetch_all", "The answer raises"),
    ],
)
def test_these_mistakes_get_their_hint_first(check: str, title: str) -> None:
    feedback, hints = feedback_on(check, title)
    assert [feedback.hints[0]] == hints


def test_count_view_mistakes_hints_in_their_order() -> None:
    racy, _ = feedback_on(
        "check_count_view", "No lock: a pause between the read and the write loses updates"
    )
    assert racy.hints[0].startswith("50 views of 853 counted as 1: 49 updates lost.")
    assert "hold the lock from the read" in racy.hints[0]
    assert "updates lost" in racy.hints[1]
    assert "50 of 50 pauses happened while the lock was free" in racy.hints[-1]

    own_lock, _ = feedback_on("check_count_view", "A new lock on every call, so nobody ever waits")
    assert "updates lost" in own_lock.hints[0]
    assert "a new lock per call protects nothing" in own_lock.hints[-1]

    no_await, _ = feedback_on("check_count_view", "The pause left out")
    assert len(no_await.failed_cases) == 1
    assert "pause() was never awaited" in no_await.hints[0]

    plain, _ = feedback_on("check_count_view", "A plain def")
    assert "returned None, not a coroutine" in plain.hints[0]


def test_handle_all_mistakes_hints_in_their_order() -> None:
    gather_all, _ = feedback_on(
        "check_handle_all", "A gather of every item: no consumers, no queue"
    )
    assert "20 items were handled at once by 3 consumers" in gather_all.hints[0]
    assert "the producer read 20 items ahead" in gather_all.hints[1]

    in_a_group, _ = feedback_on("check_handle_all", "A failure inside a task group")
    assert in_a_group.hints[0].startswith("in_a_group() raised TypeError (in an ExceptionGroup): ")


def test_fetch_all_mistakes_hints_in_their_order() -> None:
    keeps, _ = feedback_on("check_fetch_all", "No retry: the refusals kept as the results")
    assert len(keeps.failed_cases) == 2
    assert "of 10 ids map to an exception" in keeps.hints[0]
    assert "ApiError: HTTP 429: Too Many Requests." in keeps.hints[0]
    assert keeps.hints[1].endswith(
        "of 10 requests ended in 429 Too Many Requests: wait Retry-After seconds and try again"
    )

    raises, _ = feedback_on("check_fetch_all", "No retry: the first refusal is raised")
    assert raises.hints[0].startswith("impolite() raised ApiError (HTTP 429: Too Many Requests.): ")
    assert "wait error.retry_after seconds" in raises.hints[0]
    assert "ended in 429 Too Many Requests" in raises.hints[1]

    drops, _ = feedback_on("check_fetch_all", "No retry, and the refused ids are dropped")
    assert "of 10 ids were lost" in drops.hints[0]
    assert "instead of dropping it" in drops.hints[0]
    assert "ended in 429 Too Many Requests" in drops.hints[1]

    too_soon, _ = feedback_on("check_fetch_all", "A retry that does not wait Retry-After seconds")
    assert len(too_soon.hints) == 1 and too_soon.hints[0].startswith("the server refused ")
    assert "Wait error.retry_after seconds first" in too_soon.hints[0]
