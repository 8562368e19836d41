"""The check of exercise 7.1: a counter that loses no update."""

from __future__ import annotations

import asyncio
import functools
import random
from collections import Counter
from typing import Any

from lib.exercises._harness.async_answers import call_answer, describe_error, run_answer
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    Run,
    exercise_check,
    function_name,
)

__all__ = [
    "PauseProbe",
    "check_count_view",
    "count_views_with",
    "require_counts",
]


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


@exercise_check("Exercise 7.1: a counter that loses no update")
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
