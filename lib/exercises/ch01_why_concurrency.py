"""Checkers for chapter 1, "Why concurrency"."""

from __future__ import annotations

import math
import time
from typing import Any

from lib.anilist.clients import AniListClient, ApiError
from lib.anilist.running import LocalAniList
from lib.demos.workloads import classify
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    filled_in,
    require_accounted,
    require_type,
)

__all__ = [
    "CONCURRENT_IDS",
    "KINDS",
    "POOL_CASES",
    "PREDICTED_CALLS",
    "check_fetch_titles",
    "check_predictions",
    "check_smallest_pool",
    "reference_pool_size",
]

KINDS = ("I/O-bound", "CPU-bound")

# The calls the learner predicts, as the names they appear under in the exercise.
PREDICTED_CALLS = ("time.sleep(0.2)", "sum(range(3_000_000))", "fetch_media(853)")


@exercise_check("Exercise 1.1: waiting or computing?")
def check_predictions(checker: Checker, predictions: Any) -> None:
    """Measure each call with ``classify`` and compare it with the learner's prediction."""
    predictions = filled_in(predictions, "predictions")
    with LocalAniList(latency=0.2) as server, AniListClient(server.url, timeout=5) as client:
        calls = {
            "time.sleep(0.2)": lambda: time.sleep(0.2),
            "sum(range(3_000_000))": lambda: sum(range(3_000_000)),
            "fetch_media(853)": lambda: client.fetch_media(853),
        }
        for name, call in calls.items():
            with checker.case(f"{name} is predicted right"):
                if name not in predictions:
                    raise CaseFailed(f"no prediction for {name!r}: add that key")
                guess = predictions[name]
                if guess not in KINDS:
                    raise CaseFailed(f"the prediction {guess!r} should be one of {KINDS}")
                # A busy machine can only make a call look less CPU-bound, so measure three
                # times and accept the guess if any measurement agrees with it.
                measurements = [classify(call) for _ in range(3)]
                if all(measured.kind != guess for measured in measurements):
                    measured = max(measurements, key=lambda profile: profile.cpu_share)
                    raise CaseFailed(
                        f"measured {measured.kind} (the CPU was busy {measured.cpu_share:.0%} "
                        f"of the wall time): was it waiting or computing?"
                    )


def reference_pool_size(tasks: int, latency_ms: int, deadline_ms: int) -> int:
    rounds_allowed = deadline_ms // latency_ms
    if rounds_allowed < 1:
        raise ValueError("no pool size can meet that deadline")
    return math.ceil(tasks / rounds_allowed)


POOL_CASES = [
    (15, 200, 600, "15 requests of 200 ms within 600 ms"),
    (15, 200, 500, "15 requests of 200 ms within 500 ms (rounds must be whole)"),
    (15, 200, 3000, "15 requests of 200 ms within 3000 ms (one thread is enough)"),
    (1, 200, 200, "1 request of 200 ms within exactly 200 ms"),
    (100, 50, 120, "100 requests of 50 ms within 120 ms"),
]


@exercise_check("Exercise 1.2: the smallest pool that meets a deadline")
def check_smallest_pool(checker: Checker, smallest_pool: Any) -> None:
    for tasks, latency_ms, deadline_ms, description in POOL_CASES:
        with checker.case(description):
            answer = call_bounded(smallest_pool, tasks, latency_ms, deadline_ms, time_limit=2)
            require_type(answer, int, "the pool size")
            expected = reference_pool_size(tasks, latency_ms, deadline_ms)
            rounds = math.ceil(tasks / answer) if answer > 0 else None
            if answer < 1:
                raise CaseFailed(f"{answer} threads can run nothing: a pool needs at least 1")
            if rounds is not None and rounds * latency_ms > deadline_ms:
                raise CaseFailed(
                    f"{answer} threads need {rounds} rounds = {rounds * latency_ms} ms, "
                    f"past the {deadline_ms} ms deadline"
                )
            if answer != expected:
                raise CaseFailed(
                    f"{answer} threads meet the deadline, but fewer would too: "
                    "how many whole rounds fit in the deadline?"
                )
    with checker.case("a deadline shorter than one request raises ValueError"):
        try:
            answer = call_bounded(smallest_pool, 15, 200, 100, time_limit=2)
        except CaseFailed as failure:
            if "ValueError" not in str(failure):
                raise CaseFailed(f"expected ValueError; {failure}") from None
        else:
            raise CaseFailed(f"returned {answer!r}: no pool can finish a 200 ms task in 100 ms")


CONCURRENT_IDS = [100, 200, 300, 400, 600, 853, 0, 1_000_000]  # the last two do not exist


@exercise_check("Exercise 1.3: overlap the waits")
def check_fetch_titles(checker: Checker, fetch_titles: Any) -> None:
    """Run the learner's ``fetch_titles(url, ids)`` against a fresh server and inspect it."""
    with LocalAniList(latency=0.1) as server:
        answer = call_bounded(fetch_titles, server.url, list(CONCURRENT_IDS), time_limit=10)
        stats = server.stats()
        with AniListClient(server.url, timeout=5) as client:
            expected = {}
            for anime_id in CONCURRENT_IDS:
                try:
                    expected[anime_id] = client.fetch_media(anime_id)["title"]["romaji"]
                except ApiError as error:
                    expected[anime_id] = error
    answer = require_type(answer, dict, "the result of fetch_titles")
    with checker.case("every request ends as a title or an exception"):
        require_accounted(
            CONCURRENT_IDS,
            answer,
            what="requests",
            failing={
                anime_id for anime_id, title in expected.items() if not isinstance(title, str)
            },
            keep="did you collect the exceptions of the requests that failed?",
        )
    with checker.case("titles of the ids that exist are right"):
        for anime_id, title in expected.items():
            if isinstance(title, str) and answer.get(anime_id) != title:
                raise CaseFailed(f"id {anime_id} should be {title!r}, got {answer.get(anime_id)!r}")
    with checker.case("failed requests are kept as their exceptions"):
        for anime_id, title in expected.items():
            if isinstance(title, ApiError) and not isinstance(answer.get(anime_id), Exception):
                raise CaseFailed(
                    f"id {anime_id} does not exist, so it should map to the exception raised, "
                    f"got {answer.get(anime_id)!r}"
                )
    with checker.case("the requests overlapped"):
        if stats["peak_in_flight"] < 3:
            raise CaseFailed(
                f"at most {stats['peak_in_flight']} request(s) were in flight at once: "
                "use a ThreadPoolExecutor so that several wait at the same time"
            )
