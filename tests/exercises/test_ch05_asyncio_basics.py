"""Chapter 5's checkers: what tests/exercises/mistakes/ch05_asyncio_basics.md cannot say as data.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py),
and the right answer and the starters are the chapter's own cells (tests/plugins/answers.py).
Here: other right answers, hangs and their time limits, the checks run after
nest_asyncio2.apply(), and what the file cannot ask of a mistake's feedback: which cases failed.
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

from lib.anilist.clients import media_from, request_body
from lib.exercises.ch05_asyncio_basics import (
    check_fetch_and_save,
    check_fetch_titles,
    check_stopwatch,
)
from lib.measure.timing import measure_async
from tests.plugins.answers import answer, starter
from tests.plugins.mistakes import feedback_on

ROOT = Path(__file__).resolve().parents[2]


# --- Exercise 5.1: time a coroutine correctly ------------------------------------------------


def stopwatch_with_measure_async(fn: Any) -> Any:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        timing = await measure_async(fn, *args, **kwargs)
        return timing.result, timing.seconds

    return wrapper


def test_stopwatch_right_answers_pass() -> None:
    for right in (answer("5.1"), stopwatch_with_measure_async):
        feedback = check_stopwatch(right)
        assert feedback.passed, feedback
        assert str(feedback).endswith("All 6 checks passed.")


def test_stopwatch_starter_and_hang() -> None:
    assert check_stopwatch(starter("5.1")).not_attempted
    assert check_stopwatch(...).not_attempted
    assert "Not attempted yet" in str(check_stopwatch(starter("5.1")))

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
    for right in (answer("5.2"), fetch_titles_task_group):
        feedback = check_fetch_titles(right)
        assert feedback.passed, feedback
        assert str(feedback).endswith("All 7 checks passed.")


def test_fetch_titles_starter_and_hang() -> None:
    assert check_fetch_titles(starter("5.2")).not_attempted
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


def test_fetch_and_save_right_answer_passes() -> None:
    feedback = check_fetch_and_save(answer("5.3"))
    assert feedback.passed, feedback
    assert str(feedback).endswith("All 6 checks passed.")


def test_fetch_and_save_starter_and_hang() -> None:
    assert check_fetch_and_save(starter("5.3")).not_attempted
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


def test_stopwatch_that_times_only_creating_the_coroutine_fails_the_timed_cases() -> None:
    feedback, hints = feedback_on("5.1", "The clock stops before the await")
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
from lib.exercises.ch05_asyncio_basics import (
    check_fetch_and_save, check_fetch_titles, check_stopwatch,
)
from tests.plugins.answers import answer

fetch_and_save = answer("5.3")


async def polite_sleep(client, anime_id, save):
    time.sleep(0.5)  # "be polite to the server", copied from a blocking script
    return await fetch_and_save(client, anime_id, save)


async def in_a_cell():  # a check runs while the notebook's loop is running
    print(check_stopwatch(answer("5.1")).passed)
    print(check_fetch_titles(answer("5.2")).passed)
    print(check_fetch_and_save(fetch_and_save).passed)
    print(check_fetch_and_save(polite_sleep).hints[0][:32])


asyncio.run(in_a_cell())
"""


def test_checks_work_after_nest_asyncio2_patched_asyncio() -> None:
    finished = subprocess.run(
        [sys.executable, "-W", "error", "-c", AFTER_NEST_ASYNCIO],
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
