"""The check of exercise 6.2: many requests on one session."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from lib.anilist.catalogue import lookup_media
from lib.anilist.clients import ApiError
from lib.anilist.running import LocalAniList
from lib.exercises._harness.asyncio_runs import (
    close_coroutines,
    counting_sessions,
    not_awaitable_hint,
    run_async,
    settle,
)
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Run,
    exercise_check,
    function_name,
    require_accounted,
    require_function,
)

__all__ = [
    "FETCH_IDS",
    "FETCH_LATENCY",
    "Fetched",
    "check_fetch_titles",
    "expected_titles",
    "fetch_with",
    "titles_from",
]


FETCH_IDS = [100, 200, 300, 400, 600, 853, 700, 628, 524, 377, 826, 451, 0, -1, 100_000]

FETCH_LATENCY = 0.1  # seconds the check's server takes to answer each request


@dataclass
class Fetched:
    """One awaited call of ``fetch_titles``, with the sessions it made."""

    outcome: Run
    sessions: int
    unclosed: int  # sessions still open when it returned (the check closed them)


def fetch_with(fetch_titles: Any, url: str, ids: list[int], limit: float) -> Fetched:
    with counting_sessions() as log:

        async def body() -> Fetched:
            log.loop = asyncio.get_running_loop()
            outcome = await settle(lambda: fetch_titles(url, list(ids)))
            close_coroutines(outcome.value)
            unclosed = [session for session in log.sessions if not session.closed]
            for session in unclosed:
                await session.close()
            return Fetched(outcome, len(log.sessions), len(unclosed))

        return run_async(function_name(fetch_titles, "fetch_titles"), body, limit)


def expected_titles(ids: list[int]) -> dict[int, str | None]:
    """Each id's romaji title, or None where the server answers 404, from the catalogue."""
    titles: dict[int, str | None] = {}
    for anime_id in ids:
        media = lookup_media(anime_id)
        titles[anime_id] = None if media is None else media["title"]["romaji"]
    return titles


def titles_from(fetched: Fetched, name: str) -> dict[Any, Any]:
    outcome = fetched.outcome
    if outcome.not_awaitable:
        raise CaseFailed(not_awaitable_hint(name, outcome.value))
    if outcome.error is not None:
        error = outcome.error
        raise CaseFailed(
            f"{name}() raised {type(error).__name__}: {error}; one failed request sank the "
            "whole call: gather with return_exceptions=True (or catch the error in each "
            "coroutine), so that every id ends as a title or an exception"
        )
    if outcome.value is None:
        raise CaseFailed(f"{name}() returned None: did you forget a `return`?")
    if not isinstance(outcome.value, dict):
        raise CaseFailed(f"{name}() should return a dict, not a {type(outcome.value).__name__}")
    return outcome.value


@exercise_check("Exercise 6.2: many requests, one session")
def check_fetch_titles(checker: Checker, fetch_titles: Any, *, time_limit: float = 8.0) -> None:
    """Await ``fetch_titles(url, ids)`` against a fresh server; compare with the catalogue,
    count the sessions it made, and ask the server how many requests overlapped."""
    require_function(fetch_titles, "an `async def` function")
    name = function_name(fetch_titles, "fetch_titles")
    expected = expected_titles(FETCH_IDS)
    missing_ids = [anime_id for anime_id, title in expected.items() if title is None]
    with LocalAniList(latency=FETCH_LATENCY) as server:
        fetched = fetch_with(fetch_titles, server.url, FETCH_IDS, time_limit)
        stats = server.stats()
    answer = titles_from(fetched, name)
    total = len(FETCH_IDS)

    with checker.case(f"{total} ids: every request ends as a title or an exception"):
        require_accounted(
            FETCH_IDS,
            answer,
            what="requests",
            failing=missing_ids,
            keep="did you collect the exceptions (return_exceptions=True)?",
        )
    with checker.case("the ids that exist map to their romaji titles"):
        for anime_id, title in expected.items():
            if title is not None and anime_id in answer and answer[anime_id] != title:
                got = answer[anime_id]
                hint = f"id {anime_id} should map to {title!r}, not {got!r}"
                if isinstance(got, dict):
                    hint += ': take media["title"]["romaji"]'
                raise CaseFailed(hint)
    with checker.case(f"the {len(missing_ids)} ids that do not exist map to their ApiError"):
        for anime_id in missing_ids:
            got = answer.get(anime_id)
            if anime_id in answer and not (isinstance(got, ApiError) and got.status == 404):
                raise CaseFailed(
                    f"id {anime_id} does not exist, so it should map to the ApiError (404) its "
                    f"request raised, not {got!r}"
                )
    with checker.case("the requests overlapped"):
        if stats["peak_in_flight"] < 3:
            raise CaseFailed(
                f"at most {stats['peak_in_flight']} request(s) were in flight at once: create "
                "a coroutine per id and gather them, instead of awaiting each in turn"
            )
    with checker.case(f"all {total} requests shared one session"):
        if fetched.sessions == 0:
            raise CaseFailed(
                "no aiohttp session was made: send the requests with an AsyncAniListClient "
                "(or one aiohttp.ClientSession)"
            )
        if fetched.sessions > 1:
            raise CaseFailed(
                f"{total} requests made {fetched.sessions} sessions: make one session (or one "
                "AsyncAniListClient) for all of them and share it, so that requests reuse "
                "its open connections"
            )
    with checker.case("the session was closed before fetch_titles returned"):
        if fetched.unclosed:
            raise CaseFailed(
                "the session was still open when it returned: open it with `async with`, so "
                "that it closes, with its connections, whatever happens"
            )
        if fetched.outcome.leftover_tasks:
            raise CaseFailed(
                f"{fetched.outcome.leftover_tasks} task(s) were still running when it "
                "returned: await every task you create"
            )
    with checker.case("no ids: an empty dict"):
        with LocalAniList(latency=FETCH_LATENCY) as server:
            empty = fetch_with(fetch_titles, server.url, [], time_limit)
        result = titles_from(empty, name)
        if result != {}:
            raise CaseFailed(f"{name}(url, []) returned {result!r}, not {{}}")
