"""The check of exercise 6.3: find the call that blocks the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import threading
import time
from dataclasses import dataclass
from typing import Any

from lib.anilist.catalogue import lookup_media
from lib.anilist.clients import ApiError
from lib.exercises._harness.asyncio_runs import (
    cancel_leftovers,
    close_coroutines,
    not_awaitable_hint,
    run_async,
    settle,
)
from lib.exercises._harness.checking import (
    GRACE,
    CaseFailed,
    Checker,
    NotAttempted,
    Run,
    exercise_check,
    function_name,
    require_function,
)
from lib.exercises._harness.heartbeat import HEARTBEAT_PERIOD, Heartbeat
from lib.exercises.ch06_asyncio_basics.fetch_titles import expected_titles

__all__ = [
    "BLOCKED_LIMIT",
    "FETCH_SECONDS",
    "LATE",
    "SAVE_IDS",
    "SAVE_SECONDS",
    "BlockingSave",
    "SaveRun",
    "StandInClient",
    "blocked_hint",
    "check_fetch_and_save",
    "raise_first_error",
    "run_saves",
]


SAVE_IDS = [100, 300, 400, 853]

SAVE_SECONDS = 0.5  # how long the check's blocking save takes

FETCH_SECONDS = 0.1  # how long the stand-in client takes to answer


LATE = 0.1  # a wake-up later than this means something held the loop

BLOCKED_LIMIT = 1.0  # total seconds of late wake-ups that mean "blocked", not "noisy"


class StandInClient:
    """Answers ``fetch_media`` like ``AsyncAniListClient``, from the catalogue, after
    ``FETCH_SECONDS``, without a server; raises ``ApiError`` (404) for an id that does not
    exist. Use it on one event loop."""

    async def fetch_media(self, media_id: int) -> dict[str, Any]:
        await asyncio.sleep(FETCH_SECONDS)
        media = lookup_media(media_id)
        if media is None:
            raise ApiError(404, "Not Found.")
        return copy.deepcopy(dict(media))


class BlockingSave:
    """``save(anime_id, title)``: blocks its thread for ``SAVE_SECONDS``, like a slow disk or
    a library with no async version, and records which saves started and finished."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.started: list[tuple[Any, Any]] = []
        self.finished: list[tuple[Any, Any]] = []

    def __call__(self, anime_id: Any, title: Any) -> None:
        with self._lock:
            self.started.append((anime_id, title))
        time.sleep(SAVE_SECONDS)
        with self._lock:
            self.finished.append((anime_id, title))

    def running(self) -> int:
        with self._lock:
            return len(self.started) - len(self.finished)


@dataclass
class SaveRun:
    """Four gathered calls of ``fetch_and_save``, beside a heartbeat."""

    outcomes: dict[int, Run]
    unfinished: list[int]  # ids whose save had not finished when their call returned
    leftover_tasks: int
    late: list[float]  # how late each heartbeat woke, in seconds
    save: BlockingSave


def run_saves(fetch_and_save: Any, ids: list[int], limit: float) -> SaveRun:
    abandoned = threading.Event()  # set if the answer hangs: the heartbeat then stops

    async def body() -> SaveRun:
        loop = asyncio.get_running_loop()
        client, save = StandInClient(), BlockingSave()
        beat = Heartbeat(abandoned)  # stops when the answer ends, or the check gives up
        before: set[asyncio.Task[Any]] = set()
        unfinished: list[int] = []

        async def one(anime_id: int) -> Run:
            try:
                outcome = await settle(lambda: fetch_and_save(client, anime_id, save), tidy=False)
            except NotImplementedError as starter:
                outcome = Run(error=starter)
            close_coroutines(outcome.value)
            if outcome.error is None and all(saved[0] != anime_id for saved in save.finished):
                unfinished.append(anime_id)
            return outcome

        try:
            async with beat:
                before = asyncio.all_tasks()
                outcomes = await asyncio.gather(*(one(anime_id) for anime_id in ids))
        finally:
            leftovers = await cancel_leftovers(before)
            # A save started on a thread and not awaited is still running: let it end here.
            deadline = loop.time() + 2 * SAVE_SECONDS
            while save.running() and loop.time() < deadline:
                await asyncio.sleep(HEARTBEAT_PERIOD)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(loop.shutdown_default_executor(), GRACE)
        return SaveRun(
            dict(zip(ids, outcomes, strict=True)), unfinished, leftovers, beat.late, save
        )

    try:
        return run_async(function_name(fetch_and_save, "fetch_and_save"), body, limit)
    finally:
        abandoned.set()


def raise_first_error(run: SaveRun, name: str) -> None:
    """NotImplementedError (the starter) ends the check; any other error is a hint."""
    for anime_id, outcome in run.outcomes.items():
        if isinstance(outcome.error, NotImplementedError):
            raise NotAttempted
        if outcome.error is not None:
            error = outcome.error
            raise CaseFailed(
                f"{name}(client, {anime_id}, save) raised {type(error).__name__}: {error}"
            )
        if outcome.not_awaitable:
            raise CaseFailed(not_awaitable_hint(name, outcome.value))


def blocked_hint(run: SaveRun) -> str | None:
    """A hint if the heartbeat's late wake-ups add up to :data:`BLOCKED_LIMIT` or more."""
    long_waits = [seconds for seconds in run.late if seconds > LATE]
    if sum(long_waits) < BLOCKED_LIMIT:
        return None
    return (
        f"the event loop was blocked for about {sum(long_waits):.1f} s in all, up to "
        f"{max(long_waits):.1f} s at a time: is there a time.sleep, a requests call or another "
        "blocking call inside the coroutine? Run blocking calls with asyncio.to_thread"
    )


@exercise_check("Exercise 6.3: find the call that blocks the event loop")
def check_fetch_and_save(checker: Checker, fetch_and_save: Any, *, time_limit: float = 6.0) -> None:
    """Gather ``fetch_and_save(client, id, save)`` over four ids beside a heartbeat, with a
    stand-in client and a ``save`` that blocks for 0.5 s."""
    require_function(fetch_and_save, "an `async def` function")
    name = function_name(fetch_and_save, "fetch_and_save")
    run = run_saves(fetch_and_save, SAVE_IDS, time_limit)
    raise_first_error(run, name)
    expected = {anime_id: str(expected_titles([anime_id])[anime_id]) for anime_id in SAVE_IDS}
    count = len(SAVE_IDS)

    with checker.case(f"{count} ids gathered: each returns its romaji title"):
        for anime_id, outcome in run.outcomes.items():
            if outcome.value != expected[anime_id]:
                if outcome.value is None:
                    raise CaseFailed(f"id {anime_id} returned None: did you forget a `return`?")
                raise CaseFailed(
                    f"id {anime_id} returned {outcome.value!r}, not its title "
                    f"{expected[anime_id]!r}"
                )
    with checker.case("save(anime_id, title) was called once per id"):
        started = sorted(run.save.started, key=repr)
        wanted = sorted(expected.items(), key=repr)
        if not started:
            raise CaseFailed(
                f"save was called for 0 of {count} ids: the title must still be saved, with "
                "save(anime_id, title)"
            )
        if started != wanted:
            raise CaseFailed(
                f"save was called {len(started)} times for {count} ids, with {started!r}: "
                "call save(anime_id, title) once for each"
            )
    with checker.case("each save had finished when its fetch_and_save returned"):
        if run.unfinished:
            raise CaseFailed(
                f"the saves of {len(run.unfinished)} of {count} ids were still running when "
                "fetch_and_save returned: await the save (asyncio.to_thread returns "
                "something to await)"
            )
    with checker.case("no task was left running"):
        if run.leftover_tasks:
            raise CaseFailed(
                f"{run.leftover_tasks} task(s) were still running after every fetch_and_save "
                "had returned: await each task you create"
            )
    with checker.case("the event loop was never blocked"):
        hint = blocked_hint(run)
        if hint is not None:
            raise CaseFailed(hint)
    with checker.case("an id that does not exist: its ApiError reaches the caller, no save"):
        missing = run_saves(fetch_and_save, [0], time_limit)
        outcome = missing.outcomes[0]
        if isinstance(outcome.error, NotImplementedError):
            raise NotAttempted
        if outcome.error is None:
            raise CaseFailed(
                f"it returned {outcome.value!r} for id 0, which does not exist: let the "
                "ApiError from fetch_media reach the caller"
            )
        if not isinstance(outcome.error, ApiError):
            raise CaseFailed(
                f"id 0 raised {type(outcome.error).__name__}: {outcome.error}; expected the "
                "ApiError from fetch_media"
            )
        if missing.save.started:
            raise CaseFailed("save was called for id 0, which does not exist")
