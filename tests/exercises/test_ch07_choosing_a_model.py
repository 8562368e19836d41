"""Chapter 7's checkers: what tests/exercises/mistakes/ch07_choosing_a_model.md cannot say.

The common mistakes of exercises 7.2 and 7.3 and their hints are data, in that file (see
test_mistakes.py). Here: the answers of 7.1, which are dicts, not functions; answers that are
not a function at all; other right answers, the starters, hangs and their time limits; and
what a hint alone cannot say: which cases a mistake fails, how many hints it gets, or two
texts in one hint.
"""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from lib.demos.workers import fetch_one
from lib.demos.workloads import factorial_mod
from lib.exercises.ch07_choosing_a_model import (
    MODEL_CASES,
    check_fetch_all,
    check_model_choices,
    check_score_all,
    expected_factorial_mod,
)

QUICK = 0.15  # seconds per job where the case under test is not the heartbeat's

# --- Exercise 7.1: name the model -----------------------------------------------------------

RIGHT_CHOICES = {
    "resize 400 photos in pure Python, 4 cores": "processes",
    "resize 400 photos in pure Python, 1 core": "sequential",
    "download 60 pages with requests": "threads",
    "upload 2,000 files with a blocking SDK": "threads",
    "hold 5,000 chat connections with an async library": "asyncio",
    "crawl 300 pages with aiohttp, parsing half the time": "asyncio + processes",
    "compute one long report": "sequential",
}


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
    assert check_model_choices(dict.fromkeys(RIGHT_CHOICES, ...)).not_attempted
    assert check_model_choices(...).not_attempted
    partial = dict(RIGHT_CHOICES, **{"compute one long report": ...})
    assert check_model_choices(partial).hints == ["still `...`: fill in a model"]
    unknown = dict(RIGHT_CHOICES, **{"compute one long report": "multiprocessing"})
    assert "is not a model: use one of sequential, threads" in check_model_choices(unknown).hints[0]
    missing = {k: v for k, v in RIGHT_CHOICES.items() if k != "compute one long report"}
    assert "keep the keys" in check_model_choices(missing).hints[0]
    assert "forget a `return`" in check_model_choices(None).hints[0]


# --- Exercise 7.2: keep the heartbeat on time -----------------------------------------------


Jobs = list[tuple[int, int, int]]


async def score_all(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
    loop = asyncio.get_running_loop()
    return await asyncio.gather(*(loop.run_in_executor(pool, factorial_mod, *job) for job in jobs))


def test_expected_factorial_mod_matches_the_real_thing() -> None:
    for job in [(1, 1, 0), (1, 50, 0), (1, 50, 1), (3, 17, 1234), (1, 50, 100_000)]:
        assert expected_factorial_mod(*job) == factorial_mod(*job)


def test_score_all_right() -> None:
    feedback = check_score_all(score_all)
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
    # Its hint is in ch07_choosing_a_model.md; here, the one case it fails: the pool counts
    # the jobs in it at once, so however loaded the machine, one at a time is never together.
    async def one_by_one(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        loop = asyncio.get_running_loop()
        return [await loop.run_in_executor(pool, factorial_mod, *job) for job in jobs]

    feedback = check_score_all(one_by_one, job_seconds=QUICK)
    assert [case for case, _ in feedback.failed_cases] == [
        "the 4 jobs were in the pool together, not one by one"
    ]


# These three are in ch07_choosing_a_model.md too; here, what a hint alone cannot say: each
# gets one hint, with both texts in it.


def test_score_all_in_the_loop_is_caught() -> None:
    async def in_loop(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        return [factorial_mod(*job) for job in jobs]  # no await: the loop computes

    feedback = check_score_all(in_loop)
    assert len(feedback.hints) == 1
    assert "is the CPU work running in the event loop?" in feedback.hints[0]
    assert "the heartbeat was up to" in feedback.hints[0]


def test_score_all_on_threads_is_caught() -> None:
    async def on_threads(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        return await asyncio.gather(*(asyncio.to_thread(factorial_mod, *job) for job in jobs))

    feedback = check_score_all(on_threads)
    assert len(feedback.hints) == 1 and "threads of this process" in feedback.hints[0]
    assert "GIL" in feedback.hints[0]


def test_score_all_that_waits_on_the_pool_is_caught() -> None:
    async def waits(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        if not jobs:
            return []
        return list(pool.map(factorial_mod, *zip(*jobs, strict=True)))  # blocks the loop

    feedback = check_score_all(waits)
    assert len(feedback.hints) == 1
    assert "blocked waiting" in feedback.hints[0] and "pool.map" in feedback.hints[0]


def test_score_all_starter() -> None:
    async def starter(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        raise NotImplementedError("replace this line with your solution")

    assert check_score_all(starter, job_seconds=QUICK).not_attempted
    assert check_score_all(..., job_seconds=QUICK).not_attempted


def test_score_all_that_hangs_is_bounded() -> None:
    async def hangs(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        await asyncio.Event().wait()
        return []

    start = time.perf_counter()
    feedback = check_score_all(hangs, job_seconds=QUICK, time_limit=0.5)
    assert time.perf_counter() - start < 3, "the check stops at the first hang"
    assert feedback.hints == [
        "hangs() was still running after 0.5 s: does it await something that never finishes?"
    ]


# --- Exercise 7.3: a blocking client inside asyncio -----------------------------------------


async def fetch_all(url: str, ids: list[int]) -> dict[int, Any]:
    results = await asyncio.gather(
        *(asyncio.to_thread(fetch_one, url, media_id, timeout=5.0) for media_id in ids),
        return_exceptions=True,
    )
    return dict(zip(ids, results, strict=True))


def test_fetch_all_right() -> None:
    feedback = check_fetch_all(fetch_all)
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
    # Its hints are in ch07_choosing_a_model.md; here, the cases it fails, and that the
    # second hint names fetch_one.
    async def in_loop(url: str, ids: list[int]) -> dict[int, Any]:
        results: dict[int, Any] = {}
        for media_id in ids:
            try:
                results[media_id] = fetch_one(url, media_id, timeout=5.0)
            except Exception as error:
                results[media_id] = error
        return results

    feedback = check_fetch_all(in_loop)
    assert [case for case, _ in feedback.failed_cases] == [
        "the requests overlapped",
        "the event loop stayed free while the requests waited",
    ]
    assert "blocked waiting" in feedback.hints[1] and "fetch_one" in feedback.hints[1]


def test_fetch_all_waiting_on_futures_in_the_loop_fails_only_the_free_loop() -> None:
    # Its hint is in ch07_choosing_a_model.md; here, the one case it fails.
    async def waits(url: str, ids: list[int]) -> dict[int, Any]:
        results: dict[int, Any] = {}
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = {media_id: pool.submit(fetch_one, url, media_id) for media_id in ids}
            for media_id, future in futures.items():
                try:
                    results[media_id] = future.result()  # blocks the loop's thread
                except Exception as error:
                    results[media_id] = error
        return results

    feedback = check_fetch_all(waits)
    assert [case for case, _ in feedback.failed_cases] == [
        "the event loop stayed free while the requests waited"
    ]


def test_fetch_all_that_raises_gets_one_hint_with_both_texts() -> None:
    # Its hints are in ch07_choosing_a_model.md; here, that it is one hint, with both texts.
    async def raises(url: str, ids: list[int]) -> dict[int, Any]:
        results = await asyncio.gather(*(asyncio.to_thread(fetch_one, url, i) for i in ids))
        return dict(zip(ids, results, strict=True))

    hints = check_fetch_all(raises).hints
    assert len(hints) == 1 and "fetch_all() raised ApiError" in hints[0]
    assert "return_exceptions=True" in hints[0]


def test_fetch_all_that_drops_failures_gets_two_hints() -> None:
    # Its hints are in ch07_choosing_a_model.md; here, that there are two, the first about
    # the exceptions.
    async def drops(url: str, ids: list[int]) -> dict[int, Any]:
        answer = await fetch_all(url, ids)
        return {k: v for k, v in answer.items() if not isinstance(v, Exception)}

    hints = check_fetch_all(drops).hints
    assert len(hints) == 2
    assert "requests were lost" in hints[0] and "exceptions" in hints[0]


def test_fetch_all_starter_and_hang() -> None:
    async def starter(url: str, ids: list[int]) -> dict[int, Any]:
        raise NotImplementedError("replace this line with your solution")

    assert check_fetch_all(starter).not_attempted

    async def hangs(url: str, ids: list[int]) -> dict[int, Any]:
        await asyncio.Event().wait()
        return {}

    start = time.perf_counter()
    feedback = check_fetch_all(hangs, time_limit=0.5)
    # The answer never ends, so any bound tells a cut-short check from a stuck one; 10 s leaves
    # a busy machine time to start the check's server.
    assert time.perf_counter() - start < 10
    assert feedback.hints == [
        "hangs() was still running after 0.5 s: does it await something that never finishes?"
    ]


@pytest.mark.parametrize("check", [check_model_choices, check_score_all, check_fetch_all])
def test_not_a_function_or_dict(check: Any) -> None:
    hints = check(42).hints
    assert len(hints) == 1 and ("expected a function" in hints[0] or "dict" in hints[0])


def test_a_called_coroutine_instead_of_the_function_is_explained() -> None:
    coroutine = fetch_all("http://127.0.0.1:9/", [1])  # called by mistake, never awaited
    hints = check_fetch_all(coroutine).hints
    assert hints == ["got a coroutine: pass the function itself, without calling it"]
