"""Checkers for chapter 6, "asyncio: coordinating many tasks".

Every answer runs on an event loop of its own, in a thread (through ``call_bounded``), under
a deadline set *inside* that loop: an answer that waits forever is cancelled there, and any
task it left running is cancelled too, so a check leaves nothing behind. Only an answer that
blocks the loop itself (a ``time.sleep`` in an ``async def``) needs ``call_bounded``'s own,
outer time limit.

The checks measure behaviour: lost updates of a counter under a forced interleaving, how
often each item was handled and how far the producer ran ahead, and the server's own
``peak_in_flight`` and count of 429 answers.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from lib.anilist.catalogue import lookup_media
from lib.anilist.clients import ApiError
from lib.anilist.running import LocalAniList
from lib.exercises._harness.asyncio_runs import cancel_leftovers, within_deadline
from lib.exercises._harness.checking import (
    GRACE,
    CaseFailed,
    Checker,
    Hung,
    NotAttempted,
    Run,
    call_bounded,
    exercise_check,
    function_name,
    require_accounted,
    require_function,
    require_type,
)

__all__ = [
    "DRAIN_SECONDS",
    "LIMIT",
    "LIMITED_IDS",
    "LOOP_CLUES",
    "OPEN_IDS",
    "REFUSALS_PER_ID",
    "PauseProbe",
    "Run",
    "Workbench",
    "call_answer",
    "check_count_view",
    "check_fetch_all",
    "check_handle_all",
    "count_views_with",
    "describe_error",
    "expected_title",
    "fetch_with",
    "leaves",
    "require_counts",
    "require_each_once",
    "require_titles",
    "result_for",
    "run_answer",
    "run_pipeline",
]

# What asyncio and aiohttp say when an object made on one event loop is used on another.
LOOP_CLUES = ("different event loop", "different loop", "inside a task")

# --- running an async answer -----------------------------------------------------------------


async def call_answer(fn: Callable[..., Any], *args: Any) -> Any:
    """Call the learner's function and await what it returns.

    Raises:
        CaseFailed: if it returned something that cannot be awaited (a plain ``def``).
        Exception: whatever the learner's code raised, unchanged.
    """
    result = fn(*args)
    if not inspect.isawaitable(result):
        got = "None" if result is None else f"a {type(result).__name__}"
        raise CaseFailed(
            f"{function_name(fn)}() returned {got}, not a coroutine: make it an `async def`, so "
            "that its tasks can wait together on one event loop"
        )
    return await result


async def _guarded(main: Callable[[], Awaitable[Any]], time_limit: float) -> Run:
    run = Run()
    async with within_deadline(run, time_limit):
        run.value = await main()
    # Every task but this one; half the grace, so call_bounded's own limit is not reached.
    run.leftover_tasks = await cancel_leftovers(before=set(), wait=GRACE / 2)
    return run


def run_answer(fn: Any, main: Callable[[], Awaitable[Any]], *, time_limit: float) -> Run:
    """Run ``main()`` (which calls the learner's ``fn``) on a fresh loop, bounded in time.

    Raises:
        NotAttempted: if ``fn`` is ``...`` or raised ``NotImplementedError``.
        CaseFailed: if ``fn`` is not callable or did not return a coroutine.
        Hung: if the loop was blocked past the deadline and the grace after it.
    """
    require_function(fn, "an `async def` function")

    async def guarded() -> Run:
        return await _guarded(main, time_limit)

    guarded.__name__ = function_name(fn)
    run: Run = call_bounded(guarded, time_limit=time_limit + GRACE)
    if any(isinstance(error, NotImplementedError) for error in leaves(run.error)):
        raise NotAttempted
    if isinstance(run.error, CaseFailed):
        raise run.error
    return run


def leaves(error: BaseException | None) -> list[BaseException]:
    """The exceptions inside ``error``, with exception groups (from a TaskGroup) opened."""
    if error is None:
        return []
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in leaves(inner)]
    return [error]


def describe_error(fn: Any, error: BaseException) -> str:
    """A one-line hint for an answer that raised ``error``."""
    first = leaves(error)[0] if leaves(error) else error
    wrapped = " (in an ExceptionGroup)" if first is not error else ""
    hint = f"{function_name(fn)}() raised {type(first).__name__}{wrapped}: {first}"
    if isinstance(first, RuntimeError) and any(clue in str(first) for clue in LOOP_CLUES):
        hint += (
            ". Create the client, semaphore, lock or queue inside your `async def`: each "
            "check runs it on an event loop of its own"
        )
    return hint


# --- Exercise 6.1: a counter that loses no update ----------------------------------------------


class PauseProbe:
    """The ``pause`` hook the learner awaits between read and write; it watches the lock."""

    def __init__(self, lock: asyncio.Lock, delays: list[float]) -> None:
        self.lock = lock
        self.delays = delays
        self.calls = 0
        self.unlocked_calls = 0  # pauses taken while the lock was free

    async def pause(self) -> None:
        self.calls += 1
        if not self.lock.locked():
            self.unlocked_calls += 1
        await asyncio.sleep(self.delays[self.calls % len(self.delays)])


async def count_views_with(
    fn: Any, plan: list[int], delays: list[float]
) -> tuple[dict[int, int], Any]:
    """Count one view per entry of ``plan``, all at once; return the views and the probe."""
    views: dict[int, int] = {}
    probe = PauseProbe(asyncio.Lock(), delays)
    outcomes = await asyncio.gather(
        *(call_answer(fn, views, anime_id, probe.lock, probe.pause) for anime_id in plan),
        return_exceptions=True,
    )
    for outcome in outcomes:
        if isinstance(outcome, BaseException):
            raise outcome
    return views, probe


def require_counts(fn: Any, run: Run, plan: list[int], time_limit: float) -> None:
    if run.timed_out:
        raise Hung(
            f"{function_name(fn)}() was still running after {time_limit:g} s: is the lock always "
            "released? `async with lock:` releases it, even when something raises"
        )
    if run.error is not None:
        raise CaseFailed(describe_error(fn, run.error))
    views = run.value[0]
    for anime_id, expected in sorted(Counter(plan).items()):
        got = views.get(anime_id)
        if not isinstance(got, int):
            raise CaseFailed(
                f"views[{anime_id}] is {got!r} after {expected} views: store the count there"
            )
        if got < expected:
            raise CaseFailed(
                f"{expected} views of {anime_id} counted as {got}: {expected - got} updates "
                "lost. Tasks read the count while another was paused before writing it back: "
                "hold the lock from the read, across `await pause()`, to the write"
            )
        if got > expected:
            raise CaseFailed(f"{expected} views of {anime_id} counted as {got}: count each once")


@exercise_check("Exercise 6.1: a counter that loses no update")
def check_count_view(checker: Checker, count_view: Any, *, time_limit: float = 2.0) -> None:
    """Run the learner's ``count_view`` from many tasks at once, pausing where it awaits."""
    one_anime = [853] * 50
    rng = random.Random(6)
    three_anime = [100, 200, 300] * 30
    rng.shuffle(three_anime)
    uneven = [rng.uniform(0.0, 0.003) for _ in range(17)]
    runs = []
    for plan, delays, description in [
        (one_anime, [0.0], "50 views of one anime at once: none lost"),
        (three_anime, uneven, "90 views of three anime, pauses of different lengths: none lost"),
    ]:
        run = run_answer(
            count_view,
            functools.partial(count_views_with, count_view, plan, delays),
            time_limit=time_limit,
        )
        if not run.timed_out and run.error is None:
            runs.append((plan, run.value[1]))
        with checker.case(description):
            require_counts(count_view, run, plan, time_limit)
    with checker.case("each view awaits pause() once, while holding the lock it was given"):
        if not runs:
            raise CaseFailed("no run finished: fix the errors above first")
        for plan, probe in runs:
            if probe.calls == 0:
                raise CaseFailed(
                    "pause() was never awaited: keep `await pause()` between the read and "
                    "the write (the exercise is to make that await safe, not to remove it)"
                )
            if probe.calls != len(plan):
                raise CaseFailed(
                    f"pause() was awaited {probe.calls} times for {len(plan)} views: once each"
                )
            if probe.unlocked_calls:
                raise CaseFailed(
                    f"{probe.unlocked_calls} of {len(plan)} pauses happened while the lock was "
                    "free: put the read, the pause and the write inside one `async with lock:`, "
                    "with the lock passed in (a new lock per call protects nothing)"
                )


# --- Exercise 6.2: a bounded queue whose consumers all stop ------------------------------------


def result_for(item: int) -> str:
    return f"item {item} done"


class Workbench:
    """The items and the ``handle`` coroutine given to the learner, watching both."""

    def __init__(self) -> None:
        self.calls: Counter[int] = Counter()
        self.busy = 0
        self.peak = 0  # the most handle() calls running at once
        self.pulled = 0  # items the producer has taken from the iterator
        self.finished = 0  # handle() calls that have ended
        self.lead = 0  # the most items pulled but not yet handled

    def items(self, values: list[int]) -> Any:
        for value in values:
            self.pulled += 1
            self.lead = max(self.lead, self.pulled - self.finished)
            yield value

    async def handle(self, item: int) -> str:
        self.calls[item] += 1
        self.busy += 1
        self.peak = max(self.peak, self.busy)
        try:
            await asyncio.sleep(0.005 * (1 + item % 3))
        finally:
            self.busy -= 1
            self.finished += 1
        return result_for(item)


def run_pipeline(
    fn: Any, values: list[int], consumers: int, maxsize: int, time_limit: float
) -> tuple[Run, Workbench]:
    """Run the learner's pipeline on ``values``.

    Raises:
        Hung: with a hint that says whether every item was handled before it hung.
        CaseFailed: if it raised, or returned something other than a dict.
    """
    bench = Workbench()

    async def main() -> Any:
        return await call_answer(fn, bench.items(values), bench.handle, consumers, maxsize)

    run = run_answer(fn, main, time_limit=time_limit)
    name = function_name(fn)
    if run.timed_out:
        handled = sum(1 for value in values if bench.calls[value])
        if not values:
            raise Hung(
                f"{name}() was still running after {time_limit:g} s with no items to handle: "
                "do the consumers get their stop signal when there is nothing to do?"
            )
        if handled == len(values):
            raise Hung(
                f"{name}() was still running after {time_limit:g} s, though all {len(values)} "
                "items had been handled: its consumers still wait on queue.get(). Stop them: "
                "put one sentinel per consumer, or await queue.join() (with queue.task_done() "
                "after each item) and then cancel them"
            )
        raise Hung(
            f"{name}() was still running after {time_limit:g} s with {handled} of "
            f"{len(values)} items handled: did the consumers stop early (a check of "
            "queue.empty()?) while the producer waits to put into a full queue?"
        )
    if run.error is not None:
        raise CaseFailed(describe_error(fn, run.error))
    require_type(run.value, dict, f"the result of {name}()")
    return run, bench


def require_each_once(values: list[int], bench: Workbench) -> None:
    missing = [value for value in values if not bench.calls[value]]
    if 0 in missing:
        raise CaseFailed(
            "item 0 was never handled: is 0 taken for the stop signal? Compare the item "
            "with `is None`, not by its truth value"
        )
    if missing:
        raise CaseFailed(
            f"{len(missing)} of {len(values)} items were never handled (the first: "
            f"{missing[0]}): does every consumer keep going until it gets a stop signal?"
        )
    twice = [value for value in values if bench.calls[value] > 1]
    if twice:
        raise CaseFailed(
            f"{len(twice)} items were handled more than once (the first: {twice[0]}): "
            "put each item on the queue once, and let each consumer take items with get()"
        )


@exercise_check("Exercise 6.2: a bounded queue whose consumers all stop")
def check_handle_all(checker: Checker, handle_all: Any, *, time_limit: float = 2.0) -> None:
    """Run the learner's ``handle_all`` on a watched iterator and ``handle``."""
    values, consumers, maxsize = list(range(20)), 3, 2
    run, bench = run_pipeline(handle_all, values, consumers, maxsize, time_limit)
    with checker.case("20 items, 3 consumers: each item handled exactly once"):
        require_each_once(values, bench)
    with checker.case("the result maps each item to what handle() returned"):
        wrong = [value for value in values if run.value.get(value) != result_for(value)]
        if wrong:
            got = run.value.get(wrong[0])
            raise CaseFailed(
                f"{len(wrong)} of {len(values)} items have no result or a wrong one (item "
                f"{wrong[0]}: {got!r}, expected {result_for(wrong[0])!r})"
            )
    with checker.case("the 3 consumers handled items at the same time"):
        if bench.peak < consumers:
            raise CaseFailed(
                f"at most {bench.peak} item(s) were handled at a time by {consumers} "
                "consumers: start them all (a TaskGroup, or asyncio.create_task) before you "
                "produce, and let each one run until it gets its stop signal"
            )
        if bench.peak > consumers:
            raise CaseFailed(
                f"{bench.peak} items were handled at once by {consumers} consumers: only the "
                "consumers should call handle(), one item at a time each"
            )
    with checker.case("maxsize=2: the producer waited for room (backpressure)"):
        bound = maxsize + consumers + 1
        if bench.lead > bound:
            raise CaseFailed(
                f"the producer read {bench.lead} items ahead of the consumers; at most {bound} "
                f"fit ({maxsize} in the queue, {consumers} being handled, 1 being put): create "
                "the queue with asyncio.Queue(maxsize=maxsize), so put() waits while it is full"
            )
    with checker.case("no task is left running after it returns"):
        if run.leftover_tasks:
            raise CaseFailed(
                f"{run.leftover_tasks} task(s) were still running when "
                f"{function_name(handle_all)}() returned: wait for the consumers (a TaskGroup "
                "does) before returning"
            )
    with checker.case("no items at all: returns {} and stops every consumer"):
        run, bench = run_pipeline(handle_all, [], consumers, maxsize, time_limit)
        if run.value:
            raise CaseFailed(f"expected {{}}, got {run.value!r}")
        if run.leftover_tasks:
            raise CaseFailed(f"{run.leftover_tasks} task(s) were still running when it returned")
    with checker.case("2 items, 5 consumers, maxsize=1: each handled once, all stopped"):
        values = [7, 0]
        run, bench = run_pipeline(handle_all, values, 5, 1, time_limit)
        require_each_once(values, bench)
        if run.value != {value: result_for(value) for value in values}:
            raise CaseFailed(f"expected results for items 7 and 0, got {run.value!r}")
        if run.leftover_tasks:
            raise CaseFailed(f"{run.leftover_tasks} task(s) were still running when it returned")


# --- Exercise 6.3: three at a time, and honour Retry-After --------------------------------------

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


@exercise_check("Exercise 6.3: three at a time, and honour Retry-After")
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
