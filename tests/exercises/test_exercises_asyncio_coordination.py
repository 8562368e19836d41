"""Chapter 6's checkers accept right answers and reject known-wrong ones with the right hint.

Each wrong answer is a mistake a learner makes: a racy counter, a lock made per call, no
stop signal for the consumers, an unbounded queue, no semaphore, no retry, a retry that does
not wait, dropped failures, a missing return, an answer that raises or hangs, the starter.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

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


def test_count_view_racy_loses_updates() -> None:
    async def racy(views: dict, anime_id: int, lock: asyncio.Lock, pause: Any) -> None:
        seen = views.get(anime_id, 0)
        await pause()
        views[anime_id] = seen + 1

    feedback = check_count_view(racy)
    assert not feedback.passed
    assert feedback.hints[0].startswith("50 views of 853 counted as 1: 49 updates lost.")
    assert "hold the lock from the read" in feedback.hints[0]
    assert "updates lost" in feedback.hints[1]
    assert "50 of 50 pauses happened while the lock was free" in feedback.hints[-1]


def test_count_view_with_a_new_lock_per_call_is_told_to_use_the_given_one() -> None:
    async def own_lock(views: dict, anime_id: int, lock: asyncio.Lock, pause: Any) -> None:
        async with asyncio.Lock():
            seen = views.get(anime_id, 0)
            await pause()
            views[anime_id] = seen + 1

    hints = check_count_view(own_lock).hints
    assert "updates lost" in hints[0]
    assert "a new lock per call protects nothing" in hints[-1]


def test_count_view_without_the_pause_is_told_to_keep_it() -> None:
    async def no_await(views: dict, anime_id: int, lock: asyncio.Lock, pause: Any) -> None:
        views[anime_id] = views.get(anime_id, 0) + 1

    feedback = check_count_view(no_await)
    assert len(feedback.failed_cases) == 1
    assert "pause() was never awaited" in feedback.hints[0]


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


def test_count_view_plain_def_raising_and_starter() -> None:
    def plain(views: dict, anime_id: int, lock: Any, pause: Any) -> None:
        views[anime_id] = views.get(anime_id, 0) + 1

    assert "returned None, not a coroutine" in check_count_view(plain).hints[0]

    async def raises(views: dict, anime_id: int, lock: Any, pause: Any) -> None:
        raise KeyError(anime_id)

    assert check_count_view(raises).hints[0] == "raises() raised KeyError: 853"

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
        assert str(feedback).splitlines()[-1] == "All 7 checks passed."


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


def test_handle_all_unbounded_is_told_about_backpressure() -> None:
    async def unbounded(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        return await handle_all(items, handle, consumers, 0)

    feedback = check_handle_all(unbounded)
    assert feedback.hints == [
        "the producer read 20 items ahead of the consumers; at most 6 fit (2 in the queue, 3 "
        "being handled, 1 being put): create the queue with asyncio.Queue(maxsize=maxsize), "
        "so put() waits while it is full"
    ]


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


def test_handle_all_with_one_consumer_or_a_gather_is_caught() -> None:
    async def one_consumer(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        return await handle_all(items, handle, 1, maxsize)

    hints = check_handle_all(one_consumer).hints
    assert any("at most 1 item(s) were handled at a time by 3 consumers" in h for h in hints)

    async def gather_all(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        items = list(items)
        return dict(zip(items, await asyncio.gather(*map(handle, items)), strict=True))

    hints = check_handle_all(gather_all).hints
    assert "20 items were handled at once by 3 consumers" in hints[0]
    assert "the producer read 20 items ahead" in hints[1]


def test_handle_all_that_returns_before_its_consumers_finish() -> None:
    async def no_wait(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
        results = {}

        async def consume() -> None:
            while (item := await queue.get()) is not None:
                results[item] = await handle(item)

        for _ in range(consumers):
            asyncio.create_task(consume())  # noqa: RUF006 - the mistake under test
        for item in items:
            await queue.put(item)
        for _ in range(consumers):
            await queue.put(None)
        return results

    hints = check_handle_all(no_wait).hints
    assert any("have no result or a wrong one" in hint for hint in hints)
    assert any("task(s) were still running when no_wait() returned" in h for h in hints)


def test_handle_all_none_raising_and_starter() -> None:
    async def no_return(items: Any, handle: Any, consumers: int, maxsize: int) -> None:
        await handle_all(items, handle, consumers, maxsize)

    hints = check_handle_all(no_return).hints
    assert hints == ["the result of no_return() is None: did you forget a `return`?"]

    async def in_a_group(items: Any, handle: Any, consumers: int, maxsize: int) -> dict:
        async with asyncio.TaskGroup() as group:
            group.create_task(asyncio.sleep(0))
            group.create_task(handle(None))  # handle(None) fails: None % 3
        return {}

    hint = check_handle_all(in_a_group).hints[0]
    assert hint.startswith("in_a_group() raised TypeError (in an ExceptionGroup): ")

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


def fetch_all_with(limit: int | None, retry_wait: float | None, keep_errors: bool = False) -> Any:
    """A family of impolite fetch_all: ``limit`` None means no semaphore, ``retry_wait`` None
    means no retry; otherwise the retry waits that long instead of Retry-After."""

    async def impolite(url: str, ids: list[int]) -> dict:
        semaphore = asyncio.Semaphore(limit or 1000)
        async with AsyncAniListClient(url, timeout=5.0) as client:

            async def fetch_one(anime_id: int) -> str:
                while True:
                    async with semaphore:
                        try:
                            return (await client.fetch_media(anime_id))["title"]["romaji"]
                        except ApiError as error:
                            if retry_wait is None:
                                raise
                            failure = error
                    await asyncio.sleep(retry_wait if retry_wait >= 0 else failure.retry_after)

            titles = await asyncio.gather(
                *(fetch_one(anime_id) for anime_id in ids), return_exceptions=keep_errors
            )
        return dict(zip(ids, titles, strict=True))

    return impolite


def test_fetch_all_without_a_semaphore_is_told_the_peak() -> None:
    feedback = check_fetch_all(fetch_all_with(None, -1))  # retries after Retry-After
    assert feedback.hints == [
        "peak of 8 requests in flight: limit it to 3 with asyncio.Semaphore(3)"
    ]


def test_fetch_all_without_retry_that_keeps_the_errors() -> None:
    feedback = check_fetch_all(fetch_all_with(3, None, keep_errors=True))
    assert len(feedback.failed_cases) == 2
    assert "of 10 ids map to an exception" in feedback.hints[0]
    assert "ApiError: HTTP 429: Too Many Requests." in feedback.hints[0]
    refused = feedback.hints[1]
    assert refused.endswith(
        "of 10 requests ended in 429 Too Many Requests: wait Retry-After seconds and try again"
    )


def test_fetch_all_without_retry_that_raises() -> None:
    hints = check_fetch_all(fetch_all_with(3, None)).hints
    assert hints[0].startswith("impolite() raised ApiError (HTTP 429: Too Many Requests.): ")
    assert "wait error.retry_after seconds" in hints[0]
    assert "ended in 429 Too Many Requests" in hints[1]


def test_fetch_all_that_drops_failures() -> None:
    async def drops(url: str, ids: list[int]) -> dict:
        titles = await fetch_all_with(3, None, keep_errors=True)(url, ids)
        return {key: value for key, value in titles.items() if isinstance(value, str)}

    hints = check_fetch_all(drops).hints
    assert "of 10 ids were lost" in hints[0]
    assert "instead of dropping it" in hints[0]
    assert "ended in 429 Too Many Requests" in hints[1]


def test_fetch_all_that_retries_too_soon() -> None:
    hints = check_fetch_all(fetch_all_with(3, 0.02)).hints
    assert len(hints) == 1 and hints[0].startswith("the server refused ")
    assert "Wait error.retry_after seconds first" in hints[0]


def test_fetch_all_one_at_a_time_is_told_to_overlap() -> None:
    hints = check_fetch_all(fetch_all_with(1, -1)).hints
    assert hints == [
        "peak of 1 request in flight: the requests went one at a time. Start them together "
        "(asyncio.gather, or a TaskGroup) and let the semaphore hold them to 3"
    ]


def test_fetch_all_none_raising_hanging_and_starter() -> None:
    async def no_return(url: str, ids: list[int]) -> None:
        await fetch_all(url, ids)

    hints = check_fetch_all(no_return).hints
    assert hints[0] == "the result of no_return() is None: did you forget a `return`?"

    async def raises(url: str, ids: list[int]) -> dict:
        raise ValueError("no titles today")

    assert check_fetch_all(raises).hints[0] == "raises() raised ValueError: no titles today"

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


def test_fetch_all_on_an_object_of_another_loop_says_so() -> None:
    shared = asyncio.Semaphore(3)

    async def global_semaphore(url: str, ids: list[int]) -> dict:
        async with AsyncAniListClient(url, timeout=5.0) as client:

            async def one(anime_id: int) -> str:
                async with shared:
                    return (await client.fetch_media(anime_id))["title"]["romaji"]

            return dict(zip(ids, await asyncio.gather(*map(one, ids)), strict=True))

    hints = check_fetch_all(global_semaphore).hints
    assert any("each check runs it on an event loop of its own" in hint for hint in hints)


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
