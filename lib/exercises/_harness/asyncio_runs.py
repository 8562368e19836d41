"""Running a learner's async answer for a check: on a fresh loop, and leaving nothing behind.

:func:`run_async` awaits an answer on a fresh event loop in a thread of its own (through
:func:`~lib.exercises._harness.checking.call_bounded`), never on the notebook's loop, so a
check works the same before and after ``nest_asyncio2.apply()``, and a hanging answer costs
seconds. Afterwards it cancels any task the answer left behind. :func:`counting_sessions`
records the aiohttp sessions an answer creates. :func:`within_deadline` bounds an answer on
the check's own loop and records whether it ran out of time or raised.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import aiohttp

from lib.exercises._harness.checking import GRACE, Hung, Run, call_bounded

T = TypeVar("T")

__all__ = [
    "DeadlineRecord",
    "SessionLog",
    "cancel_leftovers",
    "close_coroutines",
    "counting_sessions",
    "not_awaitable_hint",
    "run_async",
    "settle",
    "within_deadline",
]

# --- running an async answer on a fresh loop -------------------------------------------------


def close_coroutines(value: Any) -> bool:
    """Close every coroutine in ``value`` (or in a tuple or list of it); True if any.

    A coroutine that is never awaited makes Python warn "was never awaited" when it is
    garbage-collected; closing it is how a check says "not going to run this" quietly.
    """
    items = value if isinstance(value, tuple | list) else (value,)
    found = False
    for item in items:
        if inspect.iscoroutine(item):
            item.close()
            found = True
    return found


async def cancel_leftovers(before: set[asyncio.Task[Any]], wait: float = GRACE) -> int:
    """Cancel every task on this loop that was not in ``before`` (except the caller's own
    task), wait up to ``wait`` seconds for them to end, and return how many there were."""
    current = asyncio.current_task()
    leftovers = [t for t in asyncio.all_tasks() if t not in before and t is not current]
    for task in leftovers:
        task.cancel()
    if leftovers:
        # wait() never raises a task's outcome; then mark each one's exception as retrieved.
        await asyncio.wait(leftovers, timeout=wait)
        for task in leftovers:
            if task.done() and not task.cancelled():
                task.exception()
    return len(leftovers)


async def settle(call: Callable[[], Any], *, tidy: bool = True) -> Run:
    """Call ``call()`` and await what it returns; the learner's errors are kept, not raised.

    With ``tidy``, tasks the call started and left running are counted and cancelled. Calls
    that run concurrently must not tidy (one would cancel the others' tasks): their caller
    tidies once, after all of them.

    Raises:
        NotImplementedError: if the learner's code raised it (the untouched starter).
    """
    outcome = Run()
    before = asyncio.all_tasks()
    try:
        result = call()
        if inspect.isawaitable(result):
            outcome.value = await result
        else:
            outcome.value, outcome.not_awaitable = result, True
    except NotImplementedError:
        raise
    except Exception as error:  # reported to the learner as a hint
        outcome.error = error
    finally:
        if tidy:
            outcome.leftover_tasks = await cancel_leftovers(before)
    return outcome


class DeadlineRecord(Protocol):
    """Where :func:`within_deadline` writes how a bounded block ended."""

    error: BaseException | None
    timed_out: bool


@contextlib.asynccontextmanager
async def within_deadline(record: DeadlineRecord, time_limit: float) -> AsyncIterator[None]:
    """Run the ``async with`` block for at most ``time_limit`` seconds; nothing escapes it.

    Sets ``record.timed_out`` if the deadline passed, and ``record.error`` to what the block
    raised otherwise, a ``TimeoutError`` of the learner's own included (it is not ours), so
    that the check can turn either into a hint.
    """
    try:
        async with asyncio.timeout(time_limit) as deadline:
            yield
    except TimeoutError as error:
        if deadline.expired():
            record.timed_out = True
        else:
            record.error = error
    except (Exception, asyncio.CancelledError) as error:  # reported to the learner
        record.error = error


def run_async(name: str, body: Callable[[], Awaitable[T]], time_limit: float) -> T:
    """Run the check's coroutine function ``body`` on a fresh loop in a thread, bounded.

    ``name`` is what the hints call it, usually the learner's function.

    Raises:
        NotAttempted: if the learner's code raised ``NotImplementedError``.
        Hung: if it ran past ``time_limit`` seconds.
        CaseFailed: if the check's own machinery failed (reported, never a traceback).
    """

    async def driver() -> T:
        return await body()

    driver.__name__ = name
    try:
        result: T = call_bounded(driver, time_limit=time_limit)
    except Hung:
        raise Hung(
            f"{name}() was still running after {time_limit:g} s: does it await something "
            "that never finishes?"
        ) from None
    return result


def not_awaitable_hint(name: str, value: Any) -> str:
    what = "None" if value is None else f"a {type(value).__name__}"
    return (
        f"{name}() returned {what} without being awaited: make it an `async def`, so the "
        "event loop can run other tasks while it waits"
    )


@dataclass
class SessionLog:
    """The aiohttp sessions created on one event loop while :func:`counting_sessions` ran."""

    loop: asyncio.AbstractEventLoop | None = None
    sessions: list[aiohttp.ClientSession] = field(default_factory=list)


@contextlib.contextmanager
def counting_sessions() -> Iterator[SessionLog]:
    """Record every ``aiohttp.ClientSession`` created on ``log.loop`` inside the block.

    It wraps ``ClientSession.__init__`` for the block's duration (sessions made on any other
    loop are not recorded) and puts the original back when the block ends, whatever happened.
    """
    log = SessionLog()
    original = aiohttp.ClientSession.__init__

    @functools.wraps(original)
    def recording_init(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if log.loop is not None and loop is log.loop:
            log.sessions.append(self)

    aiohttp.ClientSession.__init__ = recording_init  # type: ignore[method-assign]
    try:
        yield log
    finally:
        aiohttp.ClientSession.__init__ = original  # type: ignore[method-assign]
