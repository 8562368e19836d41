"""The check of exercise 7.3: three at a time, and honour Retry-After."""

from __future__ import annotations

import time
from typing import Any

from lib.anilist.catalogue import lookup_media
from lib.anilist.clients import ApiError
from lib.anilist.running import LocalAniList
from lib.exercises._harness.async_answers import (
    call_answer,
    describe_error,
    leaves,
    run_answer,
)
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    Run,
    exercise_check,
    function_name,
    require_accounted,
    require_type,
)

__all__ = [
    "DRAIN_SECONDS",
    "LIMIT",
    "LIMITED_IDS",
    "OPEN_IDS",
    "REFUSALS_PER_ID",
    "check_fetch_all",
    "expected_title",
    "fetch_with",
    "require_titles",
]


LIMIT = 3  # requests the learner may have in flight

OPEN_IDS = [100, 200, 300, 400, 600, 853, 1, 2]  # case 1: no rate limit

LIMITED_IDS = list(range(501, 511))  # case 2: a limit of 5 requests a second

REFUSALS_PER_ID = 2  # more 429s than this per id, on average, means retries came too soon

DRAIN_SECONDS = 1.0  # how long a server may take to finish the requests an answer abandoned


def expected_title(anime_id: int) -> str:
    media = lookup_media(anime_id)
    assert media is not None, f"the check's own id {anime_id} does not exist"
    return media["title"]["romaji"]


def fetch_with(
    fn: Any, server_knobs: dict[str, Any], ids: list[int], time_limit: float
) -> tuple[Run, dict[str, Any]]:
    """Run ``fn(url, ids)`` against a fresh server; return the run and the server's stats.

    An answer that raised may have left requests in flight: the server finishes them before
    it stops (for at most :data:`DRAIN_SECONDS`), so that it closes their connections itself.
    """
    with LocalAniList(**server_knobs) as server:
        run = run_answer(fn, lambda: call_answer(fn, server.url, list(ids)), time_limit=time_limit)
        deadline = time.monotonic() + DRAIN_SECONDS
        while server.stats()["in_flight"] and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.05)  # and lets the server see those connections closed by the client
        return run, server.stats()


def require_titles(fn: Any, run: Run, ids: list[int], time_limit: float) -> None:
    name = function_name(fn)
    if run.timed_out:
        raise Hung(
            f"{name}() was still running after {time_limit:g} s: does a request wait without "
            "a timeout, or a retry loop never end?"
        )
    if run.error is not None:
        refused = [
            leaf for leaf in leaves(run.error) if isinstance(leaf, ApiError) and leaf.status == 429
        ]
        if refused:
            raise CaseFailed(
                f"{name}() raised ApiError ({refused[0]}): catch the ApiError whose status "
                "is 429, wait error.retry_after seconds, and try again"
            )
        raise CaseFailed(describe_error(fn, run.error))
    titles = require_type(run.value, dict, f"the result of {name}()")
    require_accounted(
        ids,
        titles,
        what="ids",
        keep="every id should map to its title; retry a refused request instead of dropping it",
    )
    errors = [anime_id for anime_id in ids if isinstance(titles[anime_id], BaseException)]
    if errors:
        first = titles[errors[0]]
        raise CaseFailed(
            f"{len(errors)} of {len(ids)} ids map to an exception, not a title (id "
            f"{errors[0]}: {type(first).__name__}: {first})"
        )
    for anime_id in ids:
        if titles[anime_id] != expected_title(anime_id):
            raise CaseFailed(
                f"id {anime_id} should map to {expected_title(anime_id)!r}, got "
                f"{titles[anime_id]!r}: the romaji title is media['title']['romaji']"
            )


@exercise_check("Exercise 7.3: three at a time, and honour Retry-After")
def check_fetch_all(checker: Checker, fetch_all: Any, *, time_limit: float = 8.0) -> None:
    """Run the learner's ``fetch_all(url, ids)`` against two fresh servers and inspect them."""
    run, stats = fetch_with(fetch_all, {"latency": 0.05}, OPEN_IDS, time_limit)
    n = len(OPEN_IDS)
    with checker.case(f"{n} ids: each maps to its romaji title"):
        require_titles(fetch_all, run, OPEN_IDS, time_limit)
    with checker.case(f"{n} ids: at most {LIMIT} requests in flight, and more than one"):
        peak = stats["peak_in_flight"]
        if peak == 0:
            raise CaseFailed("no request reached the server: fetch each id from `url`")
        if peak > LIMIT:
            raise CaseFailed(
                f"peak of {peak} requests in flight: limit it to {LIMIT} with "
                f"asyncio.Semaphore({LIMIT})"
            )
        if peak < 2:
            raise CaseFailed(
                "peak of 1 request in flight: the requests went one at a time. Start them "
                f"together (asyncio.gather, or a TaskGroup) and let the semaphore hold them to "
                f"{LIMIT}"
            )

    limited = {"latency": 0.05, "rate_limit": 5, "rate_window": 1.0}
    run, stats = fetch_with(fetch_all, limited, LIMITED_IDS, time_limit)
    n = len(LIMITED_IDS)
    with checker.case(f"{n} ids under a limit of 5 requests a second: each ends with its title"):
        require_titles(fetch_all, run, LIMITED_IDS, time_limit)
    with checker.case("every 429 was retried, and only after waiting Retry-After"):
        answered = stats["by_status"].get("200", 0)
        refused = stats["by_status"].get("429", 0)
        if answered < n and refused:
            raise CaseFailed(
                f"{n - answered} of {n} requests ended in 429 Too Many Requests: wait "
                "Retry-After seconds and try again"
            )
        if refused > REFUSALS_PER_ID * n:
            raise CaseFailed(
                f"the server refused {refused} attempts for {n} ids: a retry that comes "
                "before Retry-After is refused again. Wait error.retry_after seconds first"
            )
