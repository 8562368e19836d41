"""Checkers for chapter 5, "asyncio: the event loop and the async client".

Every answer here is async. Each check awaits it on a fresh event loop in a thread of its own
(through :func:`~lib.exercises._harness.checking.call_bounded`), never on the notebook's loop, so
the checks work the same before and after ``nest_asyncio2.apply()``, and a hanging answer costs
seconds. After each answer, the check cancels any task the answer left behind and closes any
aiohttp session it left open, so nothing it does outlives the check.

What the checks measure, and why it cannot flake:

- 5.1 compares the learner's measured seconds with the time the timed coroutine measured
  from the inside (a lower bound) and the time the whole awaited call took (an upper bound).
- 5.2 counts the aiohttp sessions the answer creates on the check's loop (by wrapping
  ``aiohttp.ClientSession.__init__`` while it runs), and asks the server how many requests
  were in flight at once; neither is a timing.
- 5.3 runs a heartbeat task beside the answer that asks to wake every 10 ms and records how
  late it woke. A loop blocked by the check's 0.5 s ``save`` wakes it late by 0.5 s for each
  of the four ids, 2 s in all; the check fails only if the late wake-ups (those over 0.1 s)
  add up to a full second, which a free loop does not come near even on a loaded machine (a
  free loop's run is over in about 0.6 s). Its client is an in-loop stand-in for
  ``AsyncAniListClient``, so no server thread competes with the loop for the GIL.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lib.anilist.catalogue import lookup_media
from lib.anilist.clients import ApiError
from lib.anilist.running import LocalAniList
from lib.exercises._harness.asyncio_runs import (
    cancel_leftovers,
    close_coroutines,
    counting_sessions,
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
    call_bounded,
    exercise_check,
    function_name,
    require_accounted,
    require_function,
)

__all__ = [
    "BLOCKED_LIMIT",
    "FETCH_IDS",
    "FETCH_LATENCY",
    "FETCH_SECONDS",
    "HEARTBEAT_PERIOD",
    "LATE",
    "NAP_SECONDS",
    "SAVE_IDS",
    "SAVE_SECONDS",
    "SHORT_NAP",
    "SLACK",
    "BlockingSave",
    "Fetched",
    "NapFailed",
    "Naps",
    "SaveRun",
    "StandInClient",
    "TimedCall",
    "blocked_hint",
    "check_fetch_and_save",
    "check_fetch_titles",
    "check_measured",
    "check_stopwatch",
    "expected_titles",
    "fetch_with",
    "raise_first_error",
    "run_saves",
    "time_one",
    "titles_from",
    "unpack",
]

# --- Exercise 5.1: time a coroutine correctly ------------------------------------------------

NAP_SECONDS = 0.2  # what the timed coroutine sleeps
SHORT_NAP = 0.05  # the second call: timed on its own, not added to the first
SLACK = 0.02  # seconds of clock disagreement allowed (Windows' monotonic clock ticks 15.6 ms)


class NapFailed(Exception):
    """Raised on purpose by the coroutine a check times, to see whether it reaches the caller."""


class Naps:
    """The coroutine function a check decorates: ``nap(seconds, *, answer)`` sleeps, then
    returns ``answer`` (or raises :class:`NapFailed` if ``answer`` is that class). It records
    how long each call took from the inside, and how many calls ran at once."""

    def __init__(self) -> None:
        self.inside: list[float] = []
        self.in_flight = 0
        self.peak = 0

    def function(self) -> Callable[..., Any]:
        naps = self

        async def nap(seconds: float, *, answer: Any = None) -> Any:
            start = time.perf_counter()
            naps.in_flight += 1
            naps.peak = max(naps.peak, naps.in_flight)
            try:
                await asyncio.sleep(seconds)
            finally:
                naps.in_flight -= 1
                naps.inside.append(time.perf_counter() - start)
            if answer is NapFailed:
                raise NapFailed("nap failed on purpose")
            return answer

        return nap


@dataclass
class TimedCall:
    """One awaited call of the decorated function: its outcome and the time around it."""

    outcome: Run
    outer: float  # seconds the whole call took, awaited, seen from outside
    inner: float | None  # seconds the nap took from the inside; None if it never ran
    coroutine_returned: bool = False  # the pair held fn's coroutine: the wrapper never awaited


def time_one(decorated: Any, naps: Naps, seconds: float, answer: Any, limit: float) -> TimedCall:
    async def body() -> TimedCall:
        runs_before = len(naps.inside)
        start = time.perf_counter()
        outcome = await settle(lambda: decorated(seconds, answer=answer))
        outer = time.perf_counter() - start
        closed = close_coroutines(outcome.value)
        inner = naps.inside[-1] if len(naps.inside) > runs_before else None
        return TimedCall(outcome, outer, inner, closed)

    return run_async(function_name(decorated, "the decorated function"), body, limit)


def unpack(timed: TimedCall) -> tuple[Any, float]:
    """The (result, seconds) pair the decorated call gave, or a hint why it is not one."""
    outcome = timed.outcome
    if outcome.error is not None:
        raise CaseFailed(
            f"the decorated function raised {type(outcome.error).__name__}: {outcome.error}"
        )
    value = outcome.value
    if not isinstance(value, tuple | list) or len(value) != 2:
        if value is None:
            raise CaseFailed(
                "awaiting the decorated function gave None: did you forget a `return`?"
            )
        raise CaseFailed(
            f"awaiting the decorated function gave {value!r}: it should give a pair "
            "(result, seconds)"
        )
    result, seconds = value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        if isinstance(result, int | float) and not isinstance(result, bool):
            raise CaseFailed("the pair is (seconds, result): put the result first")
        raise CaseFailed(f"the seconds should be a number, not {type(seconds).__name__}")
    return result, float(seconds)


def check_measured(timed: TimedCall, seconds: float, slept: float) -> None:
    inner = timed.inner if timed.inner is not None else slept
    if seconds < inner - SLACK:
        raise CaseFailed(
            f"measured {seconds:.3f} s for a coroutine that sleeps {slept:g} s: is the await "
            "inside the timed region?"
        )
    if seconds > timed.outer + SLACK:
        raise CaseFailed(
            f"measured {seconds:.3f} s, but the whole call took {timed.outer:.3f} s: start "
            "the clock inside the wrapper, when each call starts"
        )


@exercise_check("Exercise 5.1: time a coroutine correctly")
def check_stopwatch(checker: Checker, stopwatch: Any, *, time_limit: float = 3.0) -> None:
    """Decorate a coroutine function that sleeps, and compare the learner's measurements with
    the time it slept (from the inside) and the time the awaited call took (from outside)."""
    if inspect.iscoroutinefunction(stopwatch):
        raise CaseFailed(
            "stopwatch itself should be a plain `def`: it runs once, when decorating, and "
            "returns the `async def` that does the timing"
        )
    naps = Naps()
    nap = naps.function()
    decorated = call_bounded(stopwatch, nap, time_limit=time_limit)
    if decorated is None:
        raise CaseFailed("stopwatch(fn) returned None: did you forget to `return` the wrapper?")
    if not callable(decorated):
        raise CaseFailed(
            f"stopwatch(fn) returned a {type(decorated).__name__}: it should return a function"
        )

    with checker.case("stopwatch(fn) keeps fn's name"):
        name = getattr(decorated, "__name__", None)
        if name != "nap":
            raise CaseFailed(
                f"the decorated function is named {name!r}, not 'nap': decorate the wrapper "
                "with @functools.wraps(fn)"
            )

    first = time_one(decorated, naps, NAP_SECONDS, "rested", time_limit)
    with checker.case("awaiting it returns (fn's result, seconds)"):
        if first.outcome.not_awaitable and not first.coroutine_returned:
            raise CaseFailed(
                not_awaitable_hint(function_name(decorated, "it"), first.outcome.value)
            )
        result, _ = unpack(first)
        if first.coroutine_returned:
            raise CaseFailed(
                "the pair holds fn's coroutine, not its result: the wrapper called fn without "
                "awaiting it; make the wrapper an `async def` that awaits fn(*args, **kwargs)"
            )
        if result != "rested":
            hint = f"the result should be what fn returned, 'rested', not {result!r}"
            if result is None:
                hint += ": are fn's keyword arguments passed on (**kwargs)?"
            raise CaseFailed(hint)
    with checker.case(f"a coroutine that sleeps {NAP_SECONDS:g} s measures {NAP_SECONDS:g} s"):
        _, seconds = unpack(first)
        check_measured(first, seconds, NAP_SECONDS)
    with checker.case(f"the next call, {SHORT_NAP:g} s, is timed on its own"):
        second = time_one(decorated, naps, SHORT_NAP, "again", time_limit)
        _, seconds = unpack(second)
        check_measured(second, seconds, SHORT_NAP)

    with checker.case("fn's exception reaches the caller"):
        failing = time_one(decorated, naps, SHORT_NAP, NapFailed, time_limit)
        error = failing.outcome.error
        if error is None and failing.inner is None:
            raise CaseFailed("fn never ran, so its exception could not reach the caller")
        if error is None:
            raise CaseFailed(
                "awaiting it returned when fn raised NapFailed: let fn's exceptions through "
                "(stop the clock in a `finally`, or don't catch at all)"
            )
        if not isinstance(error, NapFailed):
            raise CaseFailed(f"fn raised NapFailed, but the caller got {type(error).__name__}")

    with checker.case("three calls, gathered, run at the same time"):

        async def three() -> None:
            before = asyncio.all_tasks()

            async def one(label: int) -> None:
                outcome = await settle(lambda: decorated(NAP_SECONDS, answer=label), tidy=False)
                close_coroutines(outcome.value)

            await asyncio.gather(*(one(label) for label in range(3)))
            await cancel_leftovers(before)

        runs_before, naps.peak = len(naps.inside), 0
        run_async(function_name(decorated, "the decorated function"), three, time_limit)
        if len(naps.inside) == runs_before:
            raise CaseFailed("fn never ran: the wrapper must await fn(*args, **kwargs)")
        if naps.peak < 3:
            raise CaseFailed(
                f"at most {naps.peak} of the 3 calls ran at once: does the wrapper block the "
                "event loop (time.sleep, asyncio.run, run_until_complete)? Await fn instead"
            )


# --- Exercise 5.2: many requests, one session ------------------------------------------------

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


@exercise_check("Exercise 5.2: many requests, one session")
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


# --- Exercise 5.3: find the call that blocks the event loop ---------------------------------

SAVE_IDS = [100, 300, 400, 853]
SAVE_SECONDS = 0.5  # how long the check's blocking save takes
FETCH_SECONDS = 0.1  # how long the stand-in client takes to answer
HEARTBEAT_PERIOD = 0.01  # seconds between the heartbeat's wake-ups
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
        late: list[float] = []
        stop = asyncio.Event()

        async def heartbeat() -> None:
            while not stop.is_set() and not abandoned.is_set():
                due = loop.time() + HEARTBEAT_PERIOD
                await asyncio.sleep(HEARTBEAT_PERIOD)
                late.append(max(0.0, loop.time() - due))

        beater = asyncio.create_task(heartbeat())
        await asyncio.sleep(HEARTBEAT_PERIOD)  # one beat before the answer starts
        before = asyncio.all_tasks()
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
            outcomes = await asyncio.gather(*(one(anime_id) for anime_id in ids))
        finally:
            stop.set()
            await beater
            leftovers = await cancel_leftovers(before | {beater})
            # A save started on a thread and not awaited is still running: let it end here.
            deadline = loop.time() + 2 * SAVE_SECONDS
            while save.running() and loop.time() < deadline:
                await asyncio.sleep(HEARTBEAT_PERIOD)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(loop.shutdown_default_executor(), GRACE)
        return SaveRun(dict(zip(ids, outcomes, strict=True)), unfinished, leftovers, late, save)

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


@exercise_check("Exercise 5.3: find the call that blocks the event loop")
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
