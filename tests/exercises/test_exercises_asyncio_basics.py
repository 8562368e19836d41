"""Chapter 5's checkers accept right answers and reject known-wrong ones with the right hint."""

from __future__ import annotations

import asyncio
import functools
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp

from lib.anilist.clients import AsyncAniListClient, media_from, request_body
from lib.exercises.ch05_asyncio_basics import (
    check_fetch_and_save,
    check_fetch_titles,
    check_stopwatch,
)
from lib.timing import measure_async

ROOT = Path(__file__).resolve().parents[2]


def hints_of(feedback: Any) -> str:
    return "\n".join(feedback.hints)


# --- Exercise 5.1: time a coroutine correctly ------------------------------------------------


def stopwatch(fn: Any) -> Any:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        result = await fn(*args, **kwargs)
        return result, time.perf_counter() - start

    return wrapper


def stopwatch_with_measure_async(fn: Any) -> Any:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        timing = await measure_async(fn, *args, **kwargs)
        return timing.result, timing.seconds

    return wrapper


def test_stopwatch_right_answers_pass() -> None:
    for answer in (stopwatch, stopwatch_with_measure_async):
        feedback = check_stopwatch(answer)
        assert feedback.passed, feedback
        assert str(feedback).endswith("All 6 checks passed.")


def test_stopwatch_the_articles_sync_wrapper_measures_nothing() -> None:
    def article(fn: Any) -> Any:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            result = fn(*args, **kwargs)  # only creates the coroutine
            return result, time.perf_counter() - start

        return wrapper

    hints = hints_of(check_stopwatch(article))
    assert (
        "measured 0.000 s for a coroutine that sleeps 0.2 s: is the await inside the timed "
        "region?" in hints
    )
    assert "the pair holds fn's coroutine" in hints
    assert "fn never ran" in hints


def test_stopwatch_that_times_only_creating_the_coroutine() -> None:
    def creation_only(fn: Any) -> Any:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            coroutine = fn(*args, **kwargs)
            seconds = time.perf_counter() - start
            return await coroutine, seconds

        return wrapper

    feedback = check_stopwatch(creation_only)
    assert [case for case, _ in feedback.failed_cases] == [
        "a coroutine that sleeps 0.2 s measures 0.2 s",
        "the next call, 0.05 s, is timed on its own",
    ]
    assert "is the await inside the timed region?" in feedback.hints[0]


def test_stopwatch_without_wraps_is_told_about_the_name() -> None:
    def unwrapped(fn: Any) -> Any:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            return await fn(*args, **kwargs), time.perf_counter() - start

        return wrapper

    assert check_stopwatch(unwrapped).hints == [
        "the decorated function is named 'wrapper', not 'nap': decorate the wrapper with "
        "@functools.wraps(fn)"
    ]


def test_stopwatch_that_starts_the_clock_when_decorating() -> None:
    def started_early(fn: Any) -> Any:
        start = time.perf_counter()

        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            return await fn(*args, **kwargs), time.perf_counter() - start

        return wrapper

    hints = check_stopwatch(started_early).hints
    assert len(hints) == 1 and "start the clock inside the wrapper" in hints[0]


def test_stopwatch_that_swallows_errors_or_blocks_the_loop() -> None:
    def swallows(fn: Any) -> Any:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                result = await fn(*args, **kwargs)
            except Exception:
                result = None
            return result, time.perf_counter() - start

        return wrapper

    assert check_stopwatch(swallows).hints == [
        "awaiting it returned when fn raised NapFailed: let fn's exceptions through (stop "
        "the clock in a `finally`, or don't catch at all)"
    ]

    def blocks(fn: Any) -> Any:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            # Like asyncio.run(fn(...)) after nest_asyncio2.apply(): it waits without awaiting.
            with ThreadPoolExecutor(max_workers=1) as pool:
                result = pool.submit(asyncio.run, fn(*args, **kwargs)).result(timeout=5)
            return result, time.perf_counter() - start

        return wrapper

    hints = check_stopwatch(blocks).hints
    assert len(hints) == 1 and "at most 1 of the 3 calls ran at once" in hints[0]
    assert "block the event loop" in hints[0]


def test_stopwatch_wrong_shapes() -> None:
    assert "forget to `return` the wrapper" in hints_of(check_stopwatch(lambda fn: None))

    def no_return(fn: Any) -> Any:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> None:
            await fn(*args, **kwargs)

        return wrapper

    assert "gave None: did you forget a `return`?" in hints_of(check_stopwatch(no_return))

    def reversed_pair(fn: Any) -> Any:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            result = await fn(*args, **kwargs)
            return time.perf_counter() - start, result

        return wrapper

    assert "the pair is (seconds, result)" in hints_of(check_stopwatch(reversed_pair))

    def drops_keywords(fn: Any) -> Any:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            return await fn(*args), time.perf_counter() - start

        return wrapper

    assert "keyword arguments passed on" in hints_of(check_stopwatch(drops_keywords))

    async def async_stopwatch(fn: Any) -> Any:
        return stopwatch(fn)

    assert "should be a plain `def`" in hints_of(check_stopwatch(async_stopwatch))

    def raises(fn: Any) -> Any:
        raise TypeError("no idea")

    assert check_stopwatch(raises).hints == ["raises() raised TypeError: no idea"]


def test_stopwatch_starter_and_hang() -> None:
    def starter(fn: Any) -> Any:
        raise NotImplementedError("replace this line with your solution")

    assert check_stopwatch(starter).not_attempted
    assert check_stopwatch(...).not_attempted
    assert "Not attempted yet" in str(check_stopwatch(starter))

    def hangs(fn: Any) -> Any:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            await asyncio.Event().wait()

        return wrapper

    start = time.perf_counter()
    feedback = check_stopwatch(hangs, time_limit=0.5)
    assert time.perf_counter() - start < 3
    assert len(feedback.hints) == 1 and "nap() was still running after 0.5 s" in feedback.hints[0]


# --- Exercise 5.2: many requests, one session ------------------------------------------------


async def fetch_titles(url: str, ids: list[int]) -> dict:
    async def title_of(client: AsyncAniListClient, anime_id: int) -> str:
        return (await client.fetch_media(anime_id))["title"]["romaji"]

    async with AsyncAniListClient(url, timeout=5.0) as client:
        outcomes = await asyncio.gather(
            *(title_of(client, anime_id) for anime_id in ids), return_exceptions=True
        )
    return dict(zip(ids, outcomes, strict=True))


async def fetch_titles_task_group(url: str, ids: list[int]) -> dict:
    titles: dict = {}

    async def title_of(session: aiohttp.ClientSession, anime_id: int) -> None:
        try:
            async with session.post(url, json=request_body(anime_id)) as response:
                payload = await response.json(content_type=None)
                media = media_from(response.status, payload, None)
            titles[anime_id] = media["title"]["romaji"]
        except Exception as error:
            titles[anime_id] = error

    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as session, asyncio.TaskGroup() as group:
        for anime_id in ids:
            group.create_task(title_of(session, anime_id))
    return titles


def test_fetch_titles_right_answers_pass() -> None:
    for answer in (fetch_titles, fetch_titles_task_group):
        feedback = check_fetch_titles(answer)
        assert feedback.passed, feedback
        assert str(feedback).endswith("All 7 checks passed.")


def test_fetch_titles_that_drops_failures_is_told_how_many() -> None:
    async def drops(url: str, ids: list[int]) -> dict:
        return {k: v for k, v in (await fetch_titles(url, ids)).items() if isinstance(v, str)}

    assert check_fetch_titles(drops).hints == [
        "3 of 15 requests were lost, all of them calls that raised: did you collect the "
        "exceptions (return_exceptions=True)?"
    ]


def test_fetch_titles_plain_gather_sinks_on_the_first_failure() -> None:
    async def plain_gather(url: str, ids: list[int]) -> dict:
        async with AsyncAniListClient(url, timeout=5.0) as client:
            media = await asyncio.gather(*(client.fetch_media(i) for i in ids))
        return {i: m["title"]["romaji"] for i, m in zip(ids, media, strict=True)}

    hints = check_fetch_titles(plain_gather).hints
    assert len(hints) == 1
    assert hints[0].startswith("plain_gather() raised ApiError: HTTP 404: Not Found.;")
    assert "return_exceptions=True" in hints[0]


def test_fetch_titles_with_a_session_per_request_is_caught() -> None:
    async def session_per_request(url: str, ids: list[int]) -> dict:
        async def title_of(anime_id: int) -> str:
            async with AsyncAniListClient(url, timeout=5.0) as client:
                return (await client.fetch_media(anime_id))["title"]["romaji"]

        outcomes = await asyncio.gather(*map(title_of, ids), return_exceptions=True)
        return dict(zip(ids, outcomes, strict=True))

    assert check_fetch_titles(session_per_request).hints == [
        "15 requests made 15 sessions: make one session (or one AsyncAniListClient) for all "
        "of them and share it, so that requests reuse its open connections"
    ]


def test_fetch_titles_sequential_and_unclosed_and_wrong_values() -> None:
    async def sequential(url: str, ids: list[int]) -> dict:
        titles: dict = {}
        async with AsyncAniListClient(url, timeout=5.0) as client:
            for anime_id in ids:
                try:
                    titles[anime_id] = (await client.fetch_media(anime_id))["title"]["romaji"]
                except Exception as error:
                    titles[anime_id] = error
        return titles

    hints = check_fetch_titles(sequential).hints
    assert len(hints) == 1 and "at most 1 request(s) were in flight at once" in hints[0]

    async def never_closes(url: str, ids: list[int]) -> dict:
        session = aiohttp.ClientSession()  # never closed: the check closes it

        async def title_of(anime_id: int) -> Any:
            async with session.post(url, json=request_body(anime_id)) as response:
                payload = await response.json(content_type=None)
                return media_from(response.status, payload, None)["title"]["romaji"]

        outcomes = await asyncio.gather(*map(title_of, ids), return_exceptions=True)
        return dict(zip(ids, outcomes, strict=True))

    hints = check_fetch_titles(never_closes).hints
    assert len(hints) == 1 and "still open when it returned" in hints[0]

    async def whole_media(url: str, ids: list[int]) -> dict:
        async with AsyncAniListClient(url, timeout=5.0) as client:
            outcomes = await asyncio.gather(*map(client.fetch_media, ids), return_exceptions=True)
        return dict(zip(ids, outcomes, strict=True))

    hints = check_fetch_titles(whole_media).hints
    assert len(hints) == 1 and 'take media["title"]["romaji"]' in hints[0]


def test_fetch_titles_not_async_none_starter_hang() -> None:
    def not_async(url: str, ids: list[int]) -> dict:
        return {}

    assert "make it an `async def`" in hints_of(check_fetch_titles(not_async))

    async def returns_none(url: str, ids: list[int]) -> None:
        await fetch_titles(url, ids)

    assert check_fetch_titles(returns_none).hints == [
        "returns_none() returned None: did you forget a `return`?"
    ]

    async def starter(url: str, ids: list[int]) -> dict:
        raise NotImplementedError("replace this line with your solution")

    assert check_fetch_titles(starter).not_attempted
    assert check_fetch_titles(...).not_attempted

    async def hangs(url: str, ids: list[int]) -> dict:
        await asyncio.Event().wait()
        return {}

    start = time.perf_counter()
    feedback = check_fetch_titles(hangs, time_limit=0.5)
    assert time.perf_counter() - start < 5
    assert feedback.hints == [
        "hangs() was still running after 0.5 s: does it await something that never finishes?"
    ]


# --- Exercise 5.3: find the call that blocks the event loop ---------------------------------


async def fetch_and_save(client: Any, anime_id: int, save: Any) -> str:
    media = await client.fetch_media(anime_id)
    title = media["title"]["romaji"]
    await asyncio.to_thread(save, anime_id, title)
    return title


async def fetch_and_save_as_ported(client: Any, anime_id: int, save: Any) -> str:
    media = await client.fetch_media(anime_id)
    title = media["title"]["romaji"]
    save(anime_id, title)  # blocks the event loop for as long as the save takes
    return title


def test_fetch_and_save_right_answer_passes() -> None:
    feedback = check_fetch_and_save(fetch_and_save)
    assert feedback.passed, feedback
    assert str(feedback).endswith("All 6 checks passed.")


def test_fetch_and_save_that_blocks_the_loop_is_caught() -> None:
    hints = check_fetch_and_save(fetch_and_save_as_ported).hints
    assert len(hints) == 1
    assert hints[0].startswith("the event loop was blocked for about ")
    assert "is there a time.sleep, a requests call" in hints[0]
    assert "asyncio.to_thread" in hints[0]


def test_fetch_and_save_that_forgets_the_save() -> None:
    async def fire_and_forget(client: Any, anime_id: int, save: Any) -> str:
        media = await client.fetch_media(anime_id)
        title = media["title"]["romaji"]
        asyncio.create_task(asyncio.to_thread(save, anime_id, title))  # noqa: RUF006
        return title

    hints = hints_of(check_fetch_and_save(fire_and_forget))
    assert "still running when fetch_and_save returned" in hints
    assert "4 task(s) were still running" in hints

    async def thread_not_joined(client: Any, anime_id: int, save: Any) -> str:
        media = await client.fetch_media(anime_id)
        title = media["title"]["romaji"]
        threading.Thread(target=save, args=(anime_id, title)).start()
        return title

    assert check_fetch_and_save(thread_not_joined).hints == [
        "the saves of 4 of 4 ids were still running when fetch_and_save returned: await the "
        "save (asyncio.to_thread returns something to await)"
    ]

    async def skips_the_save(client: Any, anime_id: int, save: Any) -> str:
        media = await client.fetch_media(anime_id)
        await asyncio.sleep(0.5)
        return media["title"]["romaji"]

    hints = hints_of(check_fetch_and_save(skips_the_save))
    assert "save was called for 0 of 4 ids" in hints


def test_fetch_and_save_that_swallows_errors_or_returns_none() -> None:
    async def swallows(client: Any, anime_id: int, save: Any) -> str | None:
        try:
            return await fetch_and_save(client, anime_id, save)
        except Exception:
            return None

    assert check_fetch_and_save(swallows).hints == [
        "it returned None for id 0, which does not exist: let the ApiError from fetch_media "
        "reach the caller"
    ]

    async def returns_none(client: Any, anime_id: int, save: Any) -> None:
        await fetch_and_save(client, anime_id, save)

    assert "id 100 returned None: did you forget a `return`?" in hints_of(
        check_fetch_and_save(returns_none)
    )


def test_fetch_and_save_starter_raising_hanging_not_async() -> None:
    async def starter(client: Any, anime_id: int, save: Any) -> str:
        raise NotImplementedError("replace this line with your solution")

    assert check_fetch_and_save(starter).not_attempted
    assert check_fetch_and_save(...).not_attempted

    async def raises(client: Any, anime_id: int, save: Any) -> str:
        save(title="x")
        return "x"

    hints = check_fetch_and_save(raises).hints
    assert len(hints) == 1 and hints[0].startswith("raises(client, 100, save) raised TypeError:")

    def not_async(client: Any, anime_id: int, save: Any) -> str:
        return "x"

    assert "make it an `async def`" in hints_of(check_fetch_and_save(not_async))

    async def hangs(client: Any, anime_id: int, save: Any) -> str:
        await asyncio.Event().wait()
        return "x"

    start = time.perf_counter()
    feedback = check_fetch_and_save(hangs, time_limit=0.5)
    assert time.perf_counter() - start < 4
    assert feedback.hints == [
        "hangs() was still running after 0.5 s: does it await something that never finishes?"
    ]


# --- The same checks after nest_asyncio2.apply(), as at the end of the chapter ---------------

AFTER_NEST_ASYNCIO = """
import asyncio
import time

import nest_asyncio2

nest_asyncio2.apply()
sys.path.insert(0, TESTS)
import test_exercises_asyncio_basics as t
from lib.exercises.ch05_asyncio_basics import (
    check_fetch_and_save, check_fetch_titles, check_stopwatch,
)


async def polite_sleep(client, anime_id, save):
    time.sleep(0.5)  # "be polite to the server", copied from a blocking script
    return await t.fetch_and_save(client, anime_id, save)


async def in_a_cell():  # a check runs while the notebook's loop is running
    print(check_stopwatch(t.stopwatch).passed)
    print(check_fetch_titles(t.fetch_titles).passed)
    print(check_fetch_and_save(t.fetch_and_save).passed)
    print(check_fetch_and_save(polite_sleep).hints[0][:32])


asyncio.run(in_a_cell())
"""


def test_checks_work_after_nest_asyncio2_patched_asyncio() -> None:
    script = f"import sys\nTESTS = {str(ROOT / 'tests' / 'exercises')!r}\n" + AFTER_NEST_ASYNCIO
    finished = subprocess.run(
        [sys.executable, "-W", "error", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert finished.returncode == 0, finished.stderr
    assert finished.stdout.splitlines() == [
        "True",
        "True",
        "True",
        "the event loop was blocked for a",
    ]
    assert finished.stderr == ""
