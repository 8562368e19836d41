"""Chapter 1's checkers: what tests/exercises/mistakes/ch01_why_concurrency.md cannot say as data.

The common mistakes of exercises 1.2 and 1.3 and their hints are data, in that file (see
test_mistakes.py). Here: exercise 1.1, whose answer is a dict and not a function, so that
data cannot give it; the right answers, the starters, an answer that returns nothing, and
hangs and their time limits.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import ThreadPoolExecutor

from lib.anilist.clients import AniListClient
from lib.exercises.ch01_why_concurrency import (
    check_fetch_titles,
    check_predictions,
    check_smallest_pool,
)

RIGHT_PREDICTIONS = {
    "time.sleep(0.2)": "I/O-bound",
    "sum(range(3_000_000))": "CPU-bound",
    "fetch_media(853)": "I/O-bound",
}


def test_predictions_right() -> None:
    assert check_predictions(RIGHT_PREDICTIONS).passed


def test_predictions_wrong_one_is_named() -> None:
    wrong = dict(RIGHT_PREDICTIONS, **{"time.sleep(0.2)": "CPU-bound"})
    feedback = check_predictions(wrong)
    assert not feedback.passed
    assert len(feedback.hints) == 1 and "measured I/O-bound" in feedback.hints[0]


def test_predictions_starter_and_partial() -> None:
    assert check_predictions(dict.fromkeys(RIGHT_PREDICTIONS, ...)).not_attempted
    partial = dict(RIGHT_PREDICTIONS, **{"time.sleep(0.2)": ...})
    assert "still `...`" in check_predictions(partial).hints[0]
    assert (
        "one of"
        in check_predictions(dict(RIGHT_PREDICTIONS, **{"fetch_media(853)": "io"})).hints[0]
    )


def smallest_pool(tasks: int, latency_ms: int, deadline_ms: int) -> int:
    rounds = deadline_ms // latency_ms
    if rounds < 1:
        raise ValueError("impossible")
    return math.ceil(tasks / rounds)


def test_smallest_pool_right() -> None:
    assert check_smallest_pool(smallest_pool).passed


def test_smallest_pool_none() -> None:
    no_return = check_smallest_pool(lambda tasks, latency, deadline: None)
    assert any("forget a `return`" in hint for hint in no_return.hints)


def test_smallest_pool_that_hangs_is_bounded() -> None:
    def hangs(tasks: int, latency_ms: int, deadline_ms: int) -> int:
        time.sleep(3)
        return 1

    start = time.perf_counter()
    feedback = check_smallest_pool(hangs)
    assert not feedback.passed and "still running" in feedback.hints[0]
    assert time.perf_counter() - start < 5, "the check stops at the first hang"
    assert len(feedback.failed_cases) == 1


def fetch_titles(url: str, ids: list[int]) -> dict:
    def one(anime_id: int) -> str:
        with AniListClient(url, timeout=5) as client:
            return client.fetch_media(anime_id)["title"]["romaji"]

    titles: dict = {}
    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = {pool.submit(one, anime_id): anime_id for anime_id in ids}
        for future, anime_id in futures.items():
            try:
                titles[anime_id] = future.result(timeout=10)
            except Exception as error:
                titles[anime_id] = error
    return titles


def test_fetch_titles_right() -> None:
    assert check_fetch_titles(fetch_titles).passed


def test_fetch_titles_starter_is_not_attempted() -> None:
    def starter(url: str, ids: list[int]) -> dict:
        raise NotImplementedError

    assert check_fetch_titles(starter).not_attempted
