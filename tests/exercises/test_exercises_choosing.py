"""Chapter 7's checkers accept right answers and reject known-wrong ones with the right hint."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from lib.exercises.ch07_choosing_a_model import (
    MODEL_CASES,
    check_fetch_all,
    check_model_choices,
    check_score_all,
    expected_factorial_mod,
)
from lib.workers import fetch_one
from lib.workloads import factorial_mod

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
    assert str(feedback).endswith("All 4 checks passed.")


def test_score_all_in_the_loop_is_caught() -> None:
    async def in_loop(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        return [factorial_mod(*job) for job in jobs]  # no await: the loop computes

    feedback = check_score_all(in_loop)
    assert len(feedback.hints) == 1
    assert "is the CPU work running in the event loop?" in feedback.hints[0]
    assert "the heartbeat was up to" in feedback.hints[0]


def test_score_all_in_the_loop_with_awaits_between_jobs_is_caught() -> None:
    async def in_loop_politely(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        results = []
        for job in jobs:
            results.append(factorial_mod(*job))
            await asyncio.sleep(0)  # lets the heartbeat in between jobs, not during them
        return results

    hints = check_score_all(in_loop_politely).hints
    assert len(hints) == 1 and "is the CPU work running in the event loop?" in hints[0]


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


def test_score_all_in_completion_order_is_caught() -> None:
    async def completion_order(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        loop = asyncio.get_running_loop()
        futures = [loop.run_in_executor(pool, factorial_mod, *job) for job in jobs]
        return [await future for future in asyncio.as_completed(futures)][::-1]

    hints = check_score_all(completion_order, job_seconds=QUICK).hints
    assert hints == [
        "the right results in the wrong order: keep the order of the jobs (asyncio.gather "
        "does; as_completed does not)"
    ]


def test_score_all_that_swallows_errors_is_caught() -> None:
    async def swallows(pool: ProcessPoolExecutor, jobs: Jobs) -> list[Any]:
        loop = asyncio.get_running_loop()
        return await asyncio.gather(
            *(loop.run_in_executor(pool, factorial_mod, *job) for job in jobs),
            return_exceptions=True,
        )

    assert check_score_all(swallows, job_seconds=QUICK).hints == [
        "returned [3628800, ValueError('need 1 <= start <= end, got start=5, end=1')]: the "
        "job (5, 1, 0) is invalid (end < start), and its ValueError should reach the "
        "caller, not be swallowed"
    ]


def test_score_all_that_fails_on_no_jobs_is_caught() -> None:
    async def needs_jobs(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        results = await score_all(pool, jobs)
        return results if results else None  # type: ignore[return-value]

    hints = check_score_all(needs_jobs, job_seconds=QUICK).hints
    assert hints == ["score_all(pool, []) is None: did you forget a `return`?"]


def test_score_all_none_plain_raising_and_starter() -> None:
    async def no_return(pool: ProcessPoolExecutor, jobs: Jobs) -> None:
        await score_all(pool, jobs)

    assert "forget a `return`" in check_score_all(no_return, job_seconds=QUICK).hints[0]

    def plain(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        return [expected_factorial_mod(*job) for job in jobs]

    assert "not a coroutine" in check_score_all(plain, job_seconds=QUICK).hints[0]

    async def raises(pool: ProcessPoolExecutor, jobs: Jobs) -> list[int]:
        raise RuntimeError("oops")

    hints = check_score_all(raises, job_seconds=QUICK).hints
    assert "score_all() raised RuntimeError: oops" in hints[0]

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


def test_fetch_all_blocking_in_the_loop_is_caught() -> None:
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
    assert "at most 1 request(s) were in flight" in feedback.hints[0]
    assert "blocked waiting" in feedback.hints[1] and "fetch_one" in feedback.hints[1]


def test_fetch_all_waiting_on_futures_in_the_loop_is_caught() -> None:
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
    assert "blocked waiting" in feedback.hints[0]


def test_fetch_all_that_raises_or_drops_failures_is_caught() -> None:
    async def raises(url: str, ids: list[int]) -> dict[int, Any]:
        results = await asyncio.gather(*(asyncio.to_thread(fetch_one, url, i) for i in ids))
        return dict(zip(ids, results, strict=True))

    hints = check_fetch_all(raises).hints
    assert len(hints) == 1 and "fetch_all() raised ApiError" in hints[0]
    assert "return_exceptions=True" in hints[0]

    async def drops(url: str, ids: list[int]) -> dict[int, Any]:
        answer = await fetch_all(url, ids)
        return {k: v for k, v in answer.items() if not isinstance(v, Exception)}

    hints = check_fetch_all(drops).hints
    assert len(hints) == 2
    assert "requests were lost" in hints[0] and "exceptions" in hints[0]
    assert "exceptions are in the result" in hints[1]


def test_fetch_all_that_retries_or_returns_titles_is_caught() -> None:
    async def retries(url: str, ids: list[int]) -> dict[int, Any]:
        answer = await fetch_all(url, ids)
        again = [media_id for media_id, value in answer.items() if isinstance(value, Exception)]
        return answer | await fetch_all(url, again)

    assert "request each id once" in check_fetch_all(retries).hints[0]

    async def titles(url: str, ids: list[int]) -> dict[int, Any]:
        answer = await fetch_all(url, ids)
        return {
            k: v if isinstance(v, Exception) else v["title"]["romaji"] for k, v in answer.items()
        }

    assert "should map to what fetch_one returns" in check_fetch_all(titles).hints[0]


def test_fetch_all_none_starter_and_hang() -> None:
    async def no_return(url: str, ids: list[int]) -> None:
        await fetch_all(url, ids)

    assert "forget a `return`" in check_fetch_all(no_return).hints[0]

    async def starter(url: str, ids: list[int]) -> dict[int, Any]:
        raise NotImplementedError("replace this line with your solution")

    assert check_fetch_all(starter).not_attempted

    async def hangs(url: str, ids: list[int]) -> dict[int, Any]:
        await asyncio.Event().wait()
        return {}

    start = time.perf_counter()
    feedback = check_fetch_all(hangs, time_limit=0.5)
    assert time.perf_counter() - start < 3
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
