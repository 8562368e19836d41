"""The check of exercise 13.3: an async generator with a deadline that never fires in its
consumer's code (PEP 789)."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from lib.exercises._harness.async_answers import describe_error, run_answer
from lib.exercises._harness.checking import CaseFailed, Checker, Hung, exercise_check, function_name

__all__ = [
    "Consumer",
    "check_items_until",
]


async def ticks(count: int | None, every: float) -> AsyncIterator[int]:
    """0, 1, 2, ... one every ``every`` seconds; ``count`` of them, or for ever."""
    number = 0
    while count is None or number < count:
        await asyncio.sleep(every)
        yield number
        number += 1


@dataclass
class Consumer:
    """Reads the answer's generator, saving each item (``work`` seconds), and notes it all."""

    work: float
    items: list[Any] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    interrupted: list[Any] = field(default_factory=list)
    ended_with: str = "the end of the items"

    async def read(self, fn: Any, source: AsyncIterator[int], seconds: float) -> None:
        start = time.perf_counter()
        generator = fn(source, seconds)
        if not inspect.isasyncgen(generator):
            with contextlib.suppress(AttributeError):
                generator.close()
            raise CaseFailed(
                f"{function_name(fn)}() returned {type(generator).__name__}, not an async "
                "generator: write an `async def` with `yield` in it"
            )
        bound = asyncio.timeout(2.0)  # the check's own bound
        async with contextlib.aclosing(generator):
            try:
                async with bound:
                    async for item in generator:
                        self.arrivals.append(time.perf_counter() - start)
                        try:
                            await asyncio.sleep(self.work)  # the consumer saves it
                        except asyncio.CancelledError:
                            if not bound.expired():  # the answer's deadline, not the check's
                                self.interrupted.append(item)
                            raise
                        self.items.append(item)
            except TimeoutError:
                self.ended_with = "the check's own limit" if bound.expired() else "TimeoutError"


def read_all(fn: Any, count: int | None, every: float, seconds: float, work: float) -> Consumer:
    consumer = Consumer(work)

    async def main() -> None:
        await consumer.read(fn, ticks(count, every), seconds)

    run = run_answer(fn, main, time_limit=4.0)
    if run.timed_out:
        raise Hung(f"{function_name(fn)}() was still running after 4 s")
    if consumer.interrupted:
        raise CaseFailed(
            f"the consumer's own save of item {consumer.interrupted[0]} was cancelled: the "
            "deadline fired while the generator was suspended at a `yield` inside "
            "asyncio.timeout() (PEP 789). Put the timeout around each await of the source "
            "only (asyncio.timeout_at(deadline)), and yield outside it"
        )
    if run.error is not None:
        raise CaseFailed(describe_error(fn, run.error))
    return consumer


@exercise_check("Exercise 13.3: a deadline that never fires in the consumer's code")
def check_items_until(checker: Checker, items_until: Any) -> None:
    """A short source read in full; an endless one under a deadline, by a slow consumer."""
    with checker.case("a source of 5 items, well within the time: all 5, then the end"):
        consumer = read_all(items_until, 5, 0.02, 2.0, 0.0)
        if consumer.items != [0, 1, 2, 3, 4] or consumer.ended_with != "the end of the items":
            raise CaseFailed(
                f"expected items [0, 1, 2, 3, 4] and the end; got {consumer.items}, ended "
                f"with {consumer.ended_with}"
            )
    with checker.case("an endless source, seconds=0.3, a consumer taking 0.1 s an item"):
        consumer = read_all(items_until, None, 0.05, 0.3, 0.1)
        if consumer.ended_with != "TimeoutError":
            raise CaseFailed(
                "the source never ends, and after 2 s the consumer still had no "
                "TimeoutError: stop at `seconds` after the start, raising TimeoutError"
            )
        if not consumer.items or consumer.arrivals[0] > 0.2:
            when = f"after {consumer.arrivals[0]:.2f} s" if consumer.arrivals else "never"
            raise CaseFailed(
                f"the first item reached the consumer {when}: yield each item as it comes, "
                "not all of them at the end"
            )
