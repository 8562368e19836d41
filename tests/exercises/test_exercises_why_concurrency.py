"""Chapter 1's checkers accept right answers and reject known-wrong ones with the right hint."""

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


def test_smallest_pool_with_float_rounds_is_caught() -> None:
    def fractional(tasks: int, latency_ms: int, deadline_ms: int) -> int:
        return math.ceil(tasks / (deadline_ms / latency_ms))  # 2.5 rounds is not a thing

    hints = check_smallest_pool(fractional).hints
    assert any("past the 500 ms deadline" in hint for hint in hints)


def test_smallest_pool_too_generous_and_none_and_impossible() -> None:
    one_thread_each = check_smallest_pool(lambda tasks, latency, deadline: tasks)
    assert any("fewer would too" in hint for hint in one_thread_each.hints)
    no_return = check_smallest_pool(lambda tasks, latency, deadline: None)
    assert any("forget a `return`" in hint for hint in no_return.hints)

    def never_raises(tasks: int, latency_ms: int, deadline_ms: int) -> int:
        return max(1, smallest_pool(tasks, latency_ms, max(deadline_ms, latency_ms)))

    assert any("no pool can finish" in h for h in check_smallest_pool(never_raises).hints)


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


def test_fetch_titles_that_drops_failures_is_told_so() -> None:
    def drops(url: str, ids: list[int]) -> dict:
        return {k: v for k, v in fetch_titles(url, ids).items() if isinstance(v, str)}

    hints = check_fetch_titles(drops).hints
    assert any("2 of 8 requests were lost" in hint and "exceptions" in hint for hint in hints)


def test_fetch_titles_sequential_is_told_to_overlap() -> None:
    def sequential(url: str, ids: list[int]) -> dict:
        titles: dict = {}
        with AniListClient(url, timeout=5) as client:
            for anime_id in ids:
                try:
                    titles[anime_id] = client.fetch_media(anime_id)["title"]["romaji"]
                except Exception as error:
                    titles[anime_id] = error
        return titles

    feedback = check_fetch_titles(sequential)
    assert feedback.hints == [
        "at most 1 request(s) were in flight at once: use a ThreadPoolExecutor so that "
        "several wait at the same time"
    ]


def test_fetch_titles_starter_is_not_attempted() -> None:
    def starter(url: str, ids: list[int]) -> dict:
        raise NotImplementedError

    assert check_fetch_titles(starter).not_attempted
