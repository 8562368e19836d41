"""The check of exercise 8.1: a thousand ids, a fixed number of workers."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Any

from lib.anilist.clients import AsyncAniListClient
from lib.anilist.running import LocalAniList
from lib.exercises._harness.async_answers import call_answer, describe_error, run_answer
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    Run,
    exercise_check,
    function_name,
    require_type,
)

__all__ = [
    "BIG",
    "CONNECTIONS_PER_SLOT",
    "JITTER",
    "LATENCY",
    "SMALL",
    "SMALL_LATENCY",
    "TASK_SLACK",
    "Batch",
    "WatchedClient",
    "check_fetch_many",
    "fetch_with",
    "own_tasks",
]

LATENCY = 0.02  # seconds the check's server takes to answer, on average
JITTER = 0.01  # each answer's delay is LATENCY ± up to this: they come back out of order

BIG = (1_000, 50)  # ids, limit: the first run (2,000 cost an unbounded gather 14 s)
SMALL = (12, 3)  # the second: a limit the answer must use in full
SMALL_LATENCY = 0.1  # so that all `limit` requests meet at the server, even on a busy machine

CONNECTIONS_PER_SLOT = 2  # the client's own connection limit, as a multiple of the answer's

TASK_SLACK = 5  # tasks an answer may keep alive besides its limit (a producer, a sampler...)

DRAIN_SECONDS = 1.0  # how long the server may take to finish what an answer abandoned

LIBRARIES = ("aiohttp", "aiohappyeyeballs")  # their tasks (aiohttp writes each body in one)


def own_tasks() -> int:
    """The tasks alive on this loop, leaving out those the HTTP client made for itself."""
    count = 0
    for task in asyncio.all_tasks():
        code = getattr(task.get_coro(), "cr_code", None)
        filename = code.co_filename if code is not None else ""
        count += not any(library in filename for library in LIBRARIES)
    return count


class WatchedClient(AsyncAniListClient):
    """An AsyncAniListClient that counts the tasks alive as each request starts (not the
    client's own: aiohttp writes each request's body in a task of its own)."""

    def __init__(self, url: str, connections: int) -> None:
        super().__init__(url, timeout=30.0, max_connections=connections)
        self.baseline = 0  # tasks alive before the answer was called
        self.peak_tasks = 0

    async def fetch_media(self, media_id: int) -> dict[str, Any]:
        self.peak_tasks = max(self.peak_tasks, own_tasks() - self.baseline)
        return await super().fetch_media(media_id)


@dataclass
class Batch:
    """One run of the answer: what it did, the server's peak in flight, the tasks' peak."""

    run: Run
    ids: list[int]
    limit: int
    peak_in_flight: int
    peak_tasks: int


def fetch_with(
    fn: Any, count: int, limit: int, time_limit: float, latency: float = LATENCY
) -> Batch:
    """Run ``fn(client, ids, limit)`` for ``count`` ids against a fresh server."""
    ids = random.Random(count).sample(range(1, 5_001), count)  # not in order: order is checked

    with LocalAniList(latency=latency, jitter=JITTER, seed=count) as server:
        client = WatchedClient(server.url, CONNECTIONS_PER_SLOT * limit)

        async def main() -> Any:
            async with client:
                client.baseline = own_tasks()
                return await call_answer(fn, client, list(ids), limit)

        run = run_answer(fn, main, time_limit=time_limit)
        deadline = time.monotonic() + DRAIN_SECONDS
        while server.stats()["in_flight"] and time.monotonic() < deadline:
            time.sleep(0.01)
        peak = server.stats()["peak_in_flight"]
    return Batch(run, ids, limit, peak, client.peak_tasks)


def require_results(fn: Any, batch: Batch, time_limit: float) -> None:
    name, ids = function_name(fn), batch.ids
    if batch.run.timed_out and batch.peak_in_flight == 1:
        raise Hung(
            f"{name}() was still running after {time_limit:g} s with a peak of 1 request in "
            f"flight with a limit of {batch.limit}: one at a time, {len(ids):,} requests of "
            f"{LATENCY * 1000:g} ms take {len(ids) * LATENCY:g} s. Start `limit` workers"
        )
    if batch.run.timed_out:
        raise Hung(
            f"{name}() was still running after {time_limit:g} s: does a worker wait for an id "
            "that never comes (a queue.get() with nothing left), or a task never end?"
        )
    if batch.run.error is not None:
        raise CaseFailed(describe_error(fn, batch.run.error))
    results = require_type(batch.run.value, list, f"the result of {name}()")
    answered = [m.get("id") if isinstance(m, dict) else None for m in results]
    lost = len(ids) - sum(anime_id is not None for anime_id in answered)
    if len(results) != len(ids) or lost:
        raise CaseFailed(
            f"{len(ids)} ids gave {len(results)} results, {lost} of them missing: return one "
            "answer for every id, the list as long as ids"
        )
    if answered != ids:
        if sorted(answered, key=str) == sorted(ids, key=str):
            raise CaseFailed(
                "every answer is there, but not in the order of ids (the order they came back "
                "in?): keep each id's index and put its answer at that index"
            )
        wrong = next(
            i for i, (got, want) in enumerate(zip(answered, ids, strict=True)) if got != want
        )
        raise CaseFailed(
            f"result {wrong} is the answer for id {answered[wrong]}, not for ids[{wrong}] = "
            f"{ids[wrong]}: put each id's answer at that id's index"
        )


def require_in_flight(batch: Batch, *, use_all: bool) -> None:
    peak, limit = batch.peak_in_flight, batch.limit
    if peak == 0:
        raise CaseFailed("no request reached the server: fetch each id with client.fetch_media")
    if peak > limit:
        raise CaseFailed(
            f"peak of {peak} requests in flight with a limit of {limit}: an unbounded "
            "gather starts every request at once, and only the client's own connection limit "
            f"({CONNECTIONS_PER_SLOT * limit}) held it back. Let at most `limit` requests run"
        )
    if peak == 1:
        raise CaseFailed(
            f"peak of 1 request in flight with a limit of {limit}: the requests went one at "
            "a time. Start `limit` workers (or tasks) so that `limit` requests wait together"
        )
    enough = limit if use_all else limit // 2
    if peak < enough:
        raise CaseFailed(
            f"at most {peak} requests were in flight with a limit of {limit}: start as many "
            "workers as the limit allows, not fewer"
        )


def require_few_tasks(batch: Batch) -> None:
    tasks, count, limit = batch.peak_tasks, len(batch.ids), batch.limit
    if tasks <= limit + TASK_SLACK:
        return
    if tasks >= count // 2:
        raise CaseFailed(
            f"{tasks} tasks were alive at once for {count} ids: one task per id, made up "
            f"front. With a semaphore that is not wrong (the server saw at most {limit} "
            f"requests) and not dear here: a waiting task costs about a kilobyte, some "
            f"{count / 1000:g} MB for {count:,}. But the cost grows with the input, a million "
            "ids are a million tasks before the first answer, and the ids must all be known "
            "at the start. Start `limit` workers that take ids from one iterator or a queue, "
            "or create each task only once a permit is free"
        )
    raise CaseFailed(
        f"{tasks} tasks were alive at once with a limit of {limit}: keep about `limit` tasks "
        "alive, not more"
    )


@exercise_check("Exercise 8.1: a thousand ids, a fixed number of workers")
def check_fetch_many(checker: Checker, fetch_many: Any, *, time_limit: float = 10.0) -> None:
    """Run the learner's ``fetch_many(client, ids, limit)`` twice against a fresh server."""
    count, limit = BIG
    batch = fetch_with(fetch_many, count, limit, time_limit)
    with checker.case(f"{count:,} ids, a limit of {limit}: every answer, in the order of ids"):
        require_results(fetch_many, batch, time_limit)
    with checker.case(f"at most {limit} requests in flight, and many at once"):
        require_in_flight(batch, use_all=False)
    with checker.case(f"about {limit} tasks alive at once, not one per id"):
        require_few_tasks(batch)

    count, limit = SMALL
    batch = fetch_with(fetch_many, count, limit, time_limit, SMALL_LATENCY)
    with checker.case(f"{count} ids, a limit of {limit}: in order, and {limit} in flight at once"):
        require_results(fetch_many, batch, time_limit)
        require_in_flight(batch, use_all=True)
