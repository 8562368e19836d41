"""The check of exercise 6.1: time a coroutine correctly."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lib.exercises._harness.asyncio_runs import (
    cancel_leftovers,
    close_coroutines,
    not_awaitable_hint,
    run_async,
    settle,
)
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Run,
    call_bounded,
    exercise_check,
    function_name,
)

__all__ = [
    "NAP_SECONDS",
    "SHORT_NAP",
    "SLACK",
    "NapFailed",
    "Naps",
    "TimedCall",
    "check_measured",
    "check_stopwatch",
    "time_one",
    "unpack",
]


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


@exercise_check("Exercise 6.1: time a coroutine correctly")
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
