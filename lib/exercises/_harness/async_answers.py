"""An async answer run on a loop of its own, bounded in time, and a hint for what it raised:
what the asyncio chapters' checkers (chapters 7 and 12) share."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

from lib.exercises._harness.asyncio_runs import cancel_leftovers, within_deadline
from lib.exercises._harness.checking import (
    GRACE,
    CaseFailed,
    NotAttempted,
    Run,
    call_bounded,
    function_name,
    require_function,
)

__all__ = [
    "LOOP_CLUES",
    "call_answer",
    "describe_error",
    "leaves",
    "run_answer",
]


# What asyncio and aiohttp say when an object made on one event loop is used on another.
LOOP_CLUES = ("different event loop", "different loop", "inside a task")


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
