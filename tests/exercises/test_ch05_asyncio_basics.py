"""Chapter 5's checkers: what tests/exercises/mistakes/ch05_asyncio_basics.md cannot say as data.

The common mistakes and their hints are data, in that file (see test_mistakes.py). Here:
other right answers, the starters, hangs and their time limits, the checks run after
nest_asyncio2.apply(), and what the file cannot ask of a mistake's feedback: that its hint be
the only one, how it starts, which cases failed.
"""

from __future__ import annotations

import asyncio
import functools
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from lib.anilist.clients import AsyncAniListClient, media_from, request_body
from lib.exercises.ch05_asyncio_basics import (
    check_fetch_and_save,
    check_fetch_titles,
    check_stopwatch,
)
from lib.measure.timing import measure_async

ROOT = Path(__file__).resolve().parents[2]


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


def test_fetch_titles_starter_and_hang() -> None:
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


def test_fetch_and_save_right_answer_passes() -> None:
    feedback = check_fetch_and_save(fetch_and_save)
    assert feedback.passed, feedback
    assert str(feedback).endswith("All 6 checks passed.")


def test_fetch_and_save_starter_and_hang() -> None:
    async def starter(client: Any, anime_id: int, save: Any) -> str:
        raise NotImplementedError("replace this line with your solution")

    assert check_fetch_and_save(starter).not_attempted
    assert check_fetch_and_save(...).not_attempted

    async def hangs(client: Any, anime_id: int, save: Any) -> str:
        await asyncio.Event().wait()
        return "x"

    start = time.perf_counter()
    feedback = check_fetch_and_save(hangs, time_limit=0.5)
    assert time.perf_counter() - start < 4
    assert feedback.hints == [
        "hangs() was still running after 0.5 s: does it await something that never finishes?"
    ]


# --- What the mistakes file cannot say about a mistake's feedback ----------------------------
# ch05_asyncio_basics.md asks only that each Hint line be part of some hint. For these of its
# mistakes the tests ask more: that the hint be the only one, or how it starts, or which
# cases failed.


def feedback_on(check: str, title: str) -> tuple[Any, list[str]]:
    """The feedback ``check`` gives the mistake titled ``title`` in ch05_asyncio_basics.md."""
    import test_mistakes  # here, not above: the nest_asyncio2 script imports this module

    return test_mistakes.feedback_on("ch05_asyncio_basics", check, title)


@pytest.mark.parametrize(
    ("check", "title"),
    [
        ("check_stopwatch", "No functools.wraps: the function loses its name"),
        ("check_stopwatch", "fn's exceptions are swallowed"),
        ("check_stopwatch", "The decorator raises"),
        ("check_fetch_titles", "The failures are dropped"),
        ("check_fetch_titles", "A session per request"),
        ("check_fetch_titles", "No return"),
        ("check_fetch_and_save", "The save in a thread that is never joined"),
        ("check_fetch_and_save", "The API's error is swallowed"),
    ],
)
def test_these_mistakes_get_their_hint_and_no_other(check: str, title: str) -> None:
    feedback, hints = feedback_on(check, title)
    assert feedback.hints == hints


@pytest.mark.parametrize(
    ("check", "title", "start"),
    [
        (
            "check_stopwatch",
            "The clock starts when the function is decorated, not when it is called",
            "",
        ),
        ("check_stopwatch", "Waiting for fn without awaiting it blocks the event loop", ""),
        (
            "check_fetch_titles",
            "A plain gather: the first failure sinks them all",
            "plain_gather() raised ApiError: HTTP 404: Not Found.;",
        ),
        ("check_fetch_titles", "One request at a time", ""),
        ("check_fetch_titles", "The session is never closed", ""),
        ("check_fetch_titles", "The whole media instead of the title", ""),
        (
            "check_fetch_and_save",
            "The blocking save, as ported from the threaded version",
            "the event loop was blocked for about ",
        ),
        (
            "check_fetch_and_save",
            "save called the wrong way",
            "raises(client, 100, save) raised TypeError:",
        ),
    ],
)
def test_these_mistakes_get_one_hint_only(check: str, title: str, start: str) -> None:
    feedback, hints = feedback_on(check, title)
    assert len(feedback.hints) == 1, feedback.hints
    assert feedback.hints[0].startswith(start)
    assert all(hint in feedback.hints[0] for hint in hints)


def test_stopwatch_that_times_only_creating_the_coroutine_fails_the_timed_cases() -> None:
    feedback, hints = feedback_on("check_stopwatch", "The clock stops before the await")
    assert [case for case, _ in feedback.failed_cases] == [
        "a coroutine that sleeps 0.2 s measures 0.2 s",
        "the next call, 0.05 s, is timed on its own",
    ]
    assert hints == ["is the await inside the timed region?"]
    assert hints[0] in feedback.hints[0]


# --- The same checks after nest_asyncio2.apply(), as at the end of the chapter ---------------

AFTER_NEST_ASYNCIO = """
import asyncio
import time

import nest_asyncio2

nest_asyncio2.apply()
sys.path.insert(0, TESTS)
import test_ch05_asyncio_basics as t
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
