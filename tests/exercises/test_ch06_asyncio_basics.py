"""Chapter 6's checkers: what tests/exercises/mistakes/ch06_asyncio_basics.md cannot say as data.

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
import pytest

from lib.anilist.clients import media_from, request_body
from lib.exercises.ch06_asyncio_basics import (
    check_fetch_and_save,
    check_fetch_titles,
    check_stopwatch,
)
from lib.measure.timing import measure_async
from tests.plugins.answers import answer, starter
from tests.plugins.mistakes import feedback_on

ROOT = Path(__file__).resolve().parents[2]
CHECKS = {"6.1": check_stopwatch, "6.2": check_fetch_titles, "6.3": check_fetch_and_save}


# --- Exercise 6.1: time a coroutine correctly ------------------------------------------------


def stopwatch_with_measure_async(fn: Any) -> Any:
    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        timing = await measure_async(fn, *args, **kwargs)
        return timing.result, timing.seconds

    return wrapper


def test_stopwatch_that_hangs_costs_its_time_limit() -> None:
    def hangs(fn: Any) -> Any:
        @functools.wraps(fn)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            await asyncio.Event().wait()

        return wrapper

    start = time.perf_counter()
    feedback = check_stopwatch(hangs, time_limit=0.5)
    assert time.perf_counter() - start < 3
    assert len(feedback.hints) == 1 and "nap() was still running after 0.5 s" in feedback.hints[0]


# --- Exercise 6.2: many requests, one session ------------------------------------------------


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


# --- Every exercise: right answers and the starters -----------------------------------------

OTHER_RIGHT = {
    "6.1": [stopwatch_with_measure_async],
    "6.2": [fetch_titles_task_group],
    "6.3": [],
}


@pytest.mark.parametrize(("number", "cases"), [("6.1", 6), ("6.2", 7), ("6.3", 6)])
def test_right_answers_pass_every_case_and_the_starters_are_not_attempted(
    number: str, cases: int
) -> None:
    for right in [answer(number), *OTHER_RIGHT[number]]:
        feedback = CHECKS[number](right)
        assert feedback.passed, feedback
        assert str(feedback).endswith(f"All {cases} checks passed.")
    untouched = CHECKS[number](starter(number))
    assert untouched.not_attempted and "Not attempted yet" in str(untouched)
    assert CHECKS[number](...).not_attempted


# --- What the mistakes file cannot say about a mistake's feedback ----------------------------


def test_stopwatch_that_times_only_creating_the_coroutine_fails_the_timed_cases() -> None:
    feedback, hints = feedback_on("6.1", "The clock stops before the await")
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
from lib.exercises.ch06_asyncio_basics import (
    check_fetch_and_save, check_fetch_titles, check_stopwatch,
)
from tests.plugins.answers import answer

fetch_and_save = answer("6.3")


async def polite_sleep(client, anime_id, save):
    time.sleep(0.5)  # "be polite to the server", copied from a blocking script
    return await fetch_and_save(client, anime_id, save)


async def in_a_cell():  # a check runs while the notebook's loop is running
    print(check_stopwatch(answer("6.1")).passed)
    print(check_fetch_titles(answer("6.2")).passed)
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
