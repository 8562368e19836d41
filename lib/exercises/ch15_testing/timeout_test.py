"""The check of exercise 15.3: a test of a 10 s timeout, on a virtual clock.

The learner's ``async def test_ask_gives_up_after_10_s(ask)`` awaits ``ask()``, a request to
a server that never answers, which must raise ``TimeoutError`` after exactly 10 s. The check
runs the test on a :class:`~lib.demos.virtual_clock.VirtualClockLoop`, so 10 s of the loop's
time take a millisecond, against the correct ``ask`` (it must pass) and against ones that give
up too early, too late, never, or without raising (it must fail each), each run bounded by a
real-time limit.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

from lib.demos.virtual_clock import run_virtual
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    exercise_check,
    require_function,
)
from lib.exercises.ch15_testing._common import require_fails, require_passes, run_test

__all__ = [
    "check_timeout_test",
    "make_ask",
]

NEVER = 3_600.0  # seconds the server takes to answer: an hour, as good as never


def make_ask(gives_up_after: float | None, *, raises: bool = True) -> Any:
    """An ``ask()`` that gives up after ``gives_up_after`` seconds (never, if ``None``):
    by raising ``TimeoutError``, or, with ``raises=False``, by returning ``None``."""

    async def ask() -> str | None:
        if gives_up_after is None:
            await asyncio.sleep(NEVER)
            return "an answer, an hour later"
        try:
            async with asyncio.timeout(gives_up_after):
                await asyncio.sleep(NEVER)
        except TimeoutError:
            if raises:
                raise
        return None

    return ask


@exercise_check("Exercise 15.3: a test of a 10 s timeout, on a virtual clock")
def check_timeout_test(checker: Checker, test: Any, *, time_limit: float = 2.0) -> None:
    """Run the learner's async test against the right ``ask`` and four wrong ones."""
    name = require_function(test, "an async test function")
    if not inspect.iscoroutinefunction(test):
        raise CaseFailed(f"{name} should be an `async def`, so that it can await ask()")

    def run(ask: Any) -> list[Any]:
        return [run_test(lambda: run_virtual(test(ask)), name, time_limit)]

    with checker.case("gives up after 10 s with TimeoutError: passes, in a blink"):
        require_passes(
            run(make_ask(10.0)),
            "the right ask()",
            "on the virtual clock real time hardly moves: measure with the loop's clock, "
            "asyncio.get_running_loop().time(), and allow a little rounding",
        )
    timing_hint = "measure how long ask() took with the loop's clock, and compare with 10 s"
    wrong = [
        ("gives up after 1 s", make_ask(1.0), timing_hint),
        ("gives up after 30 s", make_ask(30.0), timing_hint),
        ("never gives up (answers after an hour)", make_ask(None), "expect TimeoutError"),
        (
            "returns None after 10 s instead of raising",
            make_ask(10.0, raises=False),
            "expect TimeoutError: fail when ask() returns",
        ),
    ]
    for what, ask, hint in wrong:
        with checker.case(f"an ask() that {what}: fails"):
            require_fails(run(ask), f"an ask() that {what}", hint, within=time_limit)
