"""Chapter 9's checkers: what tests/exercises/mistakes/ch09_choosing_a_model.md cannot say.

The common mistakes of exercises 9.2 and 9.3 and their hints are data, in that file (see
tests/plugins/mistakes.py); the right answers and the starters are the chapter's own cells
(tests/plugins/answers.py). Here: exercise 9.1, whose answer is a dict, so that its wrong
answers are the chapter's with one value changed; answers that are not a function at all;
other right answers, hangs and their time limits; and what a hint alone cannot say: which
cases a mistake fails, or how many hints it gets.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from lib.demos.blocking_fetch import fetch_one
from lib.demos.workloads import factorial_mod
from lib.exercises.ch09_choosing_a_model import (
    MODEL_CASES,
    check_fetch_all,
    check_model_choices,
    check_score_all,
    expected_factorial_mod,
)
from tests.plugins.answers import answer, starter
from tests.plugins.mistakes import feedback_on

QUICK = 0.15  # seconds per job where the case under test is not the heartbeat's

# --- Exercise 9.1: name the model -----------------------------------------------------------

RIGHT_CHOICES = answer("9.1")


def test_choices_right() -> None:
    assert set(RIGHT_CHOICES) == set(MODEL_CASES)
    feedback = check_model_choices(RIGHT_CHOICES)
    assert feedback.passed, str(feedback)
    assert str(feedback).endswith(f"All {len(MODEL_CASES)} checks passed.")


def test_choices_ignore_case_and_spacing() -> None:
    loose = dict(RIGHT_CHOICES)
    loose["crawl 300 pages with aiohttp, parsing half the time"] = " Asyncio+Processes"
    assert check_model_choices(loose).passed


def test_choices_wrong_one_gets_the_reason() -> None:
    wrong = dict(RIGHT_CHOICES, **{"upload 2,000 files with a blocking SDK": "asyncio"})
    feedback = check_model_choices(wrong)
    assert not feedback.passed
    assert len(feedback.failed_cases) == 1
    case, hint = feedback.failed_cases[0]
    assert case == "upload 2,000 files with a blocking SDK"
    assert hint.startswith("not 'asyncio': ") and "the libraries block" in hint


def test_choices_one_core_reason_says_why() -> None:
    wrong = dict(RIGHT_CHOICES, **{"resize 400 photos in pure Python, 1 core": "processes"})
    assert "one usable core" in check_model_choices(wrong).hints[0]


def test_choices_starter_partial_unknown_missing_and_none() -> None:
    assert check_model_choices(starter("9.1")).not_attempted
    assert check_model_choices(...).not_attempted
    partial = dict(RIGHT_CHOICES, **{"compute one long report": ...})
    assert check_model_choices(partial).hints == ["still `...`: fill in a model"]
    unknown = dict(RIGHT_CHOICES, **{"compute one long report": "multiprocessing"})
    assert "is not a model: use one of sequential, threads" in check_model_choices(unknown).hints[0]
    missing = {k: v for k, v in RIGHT_CHOICES.items() if k != "compute one long report"}
    assert "keep the keys" in check_model_choices(missing).hints[0]
    assert "forget a `return`" in check_model_choices(None).hints[0]


# --- Exercise 9.2: keep the heartbeat on time -----------------------------------------------


Jobs = list[tuple[int, int, int]]


def test_expected_factorial_mod_matches_the_real_thing() -> None:
    for job in [(1, 1, 0), (1, 50, 0), (1, 50, 1), (3, 17, 1234), (1, 50, 100_000)]:
        assert expected_factorial_mod(*job) == factorial_mod(*job)


def test_score_all_right() -> None:
    feedback = check_score_all(answer("9.2"))
    assert feedback.passed, str(feedback)
    assert str(feedback).endswith("All 5 checks passed.")


def test_score_all_with_as_completed_is_right() -> None:
    async def as_they_finish(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        loop = asyncio.get_running_loop()
        futures = [loop.run_in_executor(pool, factorial_mod, *job) for job in jobs]
        for next_done in asyncio.as_completed(futures):
            await next_done
        return [future.result() for future in futures]

    feedback = check_score_all(as_they_finish, job_seconds=QUICK)
    assert feedback.passed, str(feedback)


def test_score_all_one_job_at_a_time_fails_only_the_overlap() -> None:
    # The pool counts the jobs in it at once, so however loaded the machine, one at a time is
    # never together.
    feedback, _ = feedback_on("9.2", "Each job awaited before the next is sent")
    assert [case for case, _ in feedback.failed_cases] == [
        "the 4 jobs were in the pool together, not one by one"
    ]


def test_score_all_starter() -> None:
    assert check_score_all(starter("9.2"), job_seconds=QUICK).not_attempted
    assert check_score_all(..., job_seconds=QUICK).not_attempted


# --- Exercise 9.3: a blocking client inside asyncio -----------------------------------------


def test_fetch_all_right() -> None:
    feedback = check_fetch_all(answer("9.3"))
    assert feedback.passed, str(feedback)
    assert str(feedback).endswith("All 5 checks passed.")


def test_fetch_all_with_own_pool_and_try_except_is_right() -> None:
    async def own_pool(url: str, ids: list[int]) -> dict[int, Any]:
        loop = asyncio.get_running_loop()

        async def one(pool: ThreadPoolExecutor, media_id: int) -> Any:
            try:
                return await loop.run_in_executor(pool, fetch_one, url, media_id)
            except Exception as error:
                return error

        with ThreadPoolExecutor(max_workers=len(ids)) as pool:
            results = await asyncio.gather(*(one(pool, media_id) for media_id in ids))
        return dict(zip(ids, results, strict=True))

    assert check_fetch_all(own_pool).passed


def test_fetch_all_blocking_in_the_loop_fails_only_the_overlap_and_the_free_loop() -> None:
    # The cases it fails, and that the second hint names fetch_one.
    feedback, _ = feedback_on("9.3", "fetch_one called in the coroutine, one request after another")
    assert [case for case, _ in feedback.failed_cases] == [
        "the requests overlapped",
        "the event loop stayed free while the requests waited",
    ]
    assert "blocked waiting" in feedback.hints[1] and "fetch_one" in feedback.hints[1]


def test_fetch_all_waiting_on_futures_in_the_loop_fails_only_the_free_loop() -> None:
    feedback, _ = feedback_on("9.3", "A thread pool, but future.result() in the coroutine")
    assert [case for case, _ in feedback.failed_cases] == [
        "the event loop stayed free while the requests waited"
    ]


def test_fetch_all_that_drops_failures_gets_two_hints() -> None:
    # Two, the first about the exceptions.
    feedback, _ = feedback_on("9.3", "The failures are dropped")
    assert len(feedback.hints) == 2
    assert "requests were lost" in feedback.hints[0] and "exceptions" in feedback.hints[0]


def test_fetch_all_starter() -> None:
    assert check_fetch_all(starter("9.3")).not_attempted


@pytest.mark.parametrize("check", [check_model_choices, check_score_all, check_fetch_all])
def test_not_a_function_or_dict(check: Any) -> None:
    hints = check(42).hints
    assert len(hints) == 1 and ("expected a function" in hints[0] or "dict" in hints[0])


def test_a_called_coroutine_instead_of_the_function_is_explained() -> None:
    coroutine = answer("9.3")("http://127.0.0.1:9/", [1])  # called by mistake, never awaited
    hints = check_fetch_all(coroutine).hints
    assert hints == ["got a coroutine: pass the function itself, without calling it"]
