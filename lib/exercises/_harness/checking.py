"""The machinery behind the exercise checkers: bounded calls, and the cases every check shares.

A checker runs the learner's answer against a few cases and prints one line per case, with
a hint for each failure. It never shows a raw traceback, never hangs (every call has a time
limit), and says "not attempted yet" for an untouched starter: a starter function raises
``NotImplementedError``, and a starter value is ``...`` (Ellipsis).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from typing import Any

from lib.exercises._harness.feedback import (
    CaseFailed,
    Checker,
    Feedback,
    Hung,
    NotAttempted,
    exercise_check,
)

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "GRACE",
    "CaseFailed",
    "Checker",
    "Feedback",
    "Hung",
    "NotAttempted",
    "Run",
    "call_bounded",
    "exercise_check",
    "filled_in",
    "function_name",
    "require_accounted",
    "require_function",
    "require_type",
]

DEFAULT_TIME_LIMIT = 10.0  # seconds a learner's call may take before it counts as hanging
GRACE = 2.0  # seconds a check itself may need past the answer's own time limit, to tidy up


@dataclass
class Run:
    """What one run of the learner's code did, the one record every checker reads.

    It returned ``value`` or raised ``error``, or ran out of time (``timed_out``). For an
    answer that should be awaited: ``not_awaitable`` when it returned a plain value instead,
    and ``leftover_tasks``, the tasks it started and left running (the check cancelled them).
    """

    value: Any = None
    error: BaseException | None = None
    timed_out: bool = False
    not_awaitable: bool = False
    leftover_tasks: int = 0


def _run_in_thread(target: Callable[[], Any], time_limit: float) -> Run:
    outcome = Run(timed_out=True)

    def run() -> None:
        try:
            value = target()
        except BaseException as error:  # reported to the learner, never re-raised here
            outcome.error, outcome.timed_out = error, False
        else:
            outcome.value, outcome.timed_out = value, False

    # A daemon thread: if the learner's code hangs, the checker still returns in time.
    worker = threading.Thread(target=run, name="exercise-check", daemon=True)
    worker.start()
    worker.join(time_limit)
    return outcome


def _close_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Close a check's loop the way ``asyncio.run`` does, within :data:`GRACE` seconds.

    An async generator the answer left suspended must be closed on its loop: if the garbage
    collector finds it after the loop has closed, or during the loop's last step, its
    ``aclose()`` is dropped and Python reports "coroutine ... was never awaited". Tasks the
    answer left running are cancelled too, rather than destroyed pending.
    """

    async def tidy() -> None:
        await asyncio.sleep(0)  # what the garbage collector scheduled on the last step runs
        leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            await asyncio.wait(leftovers, timeout=GRACE / 4)
            for task in leftovers:  # their errors are not the check's to report
                if task.done() and not task.cancelled():
                    task.exception()
        await asyncio.wait_for(loop.shutdown_asyncgens(), GRACE / 4)

    try:
        with contextlib.suppress(Exception):  # the check reports the answer, not its tidying
            loop.run_until_complete(tidy())
    finally:
        loop.close()


def call_bounded(fn: Any, *args: Any, time_limit: float = DEFAULT_TIME_LIMIT, **kwargs: Any) -> Any:
    """Call the learner's ``fn`` (plain or ``async def``) and return its result.

    Raises:
        NotAttempted: if ``fn`` raises ``NotImplementedError`` (the untouched starter).
        CaseFailed: if ``fn`` is not callable, raises, runs past ``time_limit`` seconds, or is
            an ``async def`` whose coroutine fails; the message says what happened.
    """
    if fn is Ellipsis:
        raise NotAttempted
    if not callable(fn):
        raise CaseFailed(f"expected a function, got {type(fn).__name__}")
    name = getattr(fn, "__name__", "your function")
    if inspect.iscoroutinefunction(fn):

        def target() -> Any:
            loop = asyncio.new_event_loop()  # its own loop: the notebook's is already running
            try:
                return loop.run_until_complete(fn(*args, **kwargs))
            finally:
                _close_loop(loop)

    else:

        def target() -> Any:
            return fn(*args, **kwargs)

    outcome = _run_in_thread(target, time_limit)
    if outcome.timed_out:
        raise Hung(
            f"{name}() was still running after {time_limit:g} s: does it wait for something "
            "that never comes (a join, a get() without a sentinel, a lock never released)?"
        )
    if isinstance(outcome.error, NotImplementedError):
        raise NotAttempted
    if outcome.error is not None:
        error = outcome.error
        raise CaseFailed(f"{name}() raised {type(error).__name__}: {error}")
    if inspect.isawaitable(outcome.value):
        if inspect.iscoroutine(outcome.value):
            outcome.value.close()
        raise CaseFailed(
            f"{name}() returned a coroutine: is it an `async def` called without await?"
        )
    return outcome.value


def function_name(fn: Any, default: str = "your function") -> str:
    """The learner's function's name, for the hints; ``default`` when it has none."""
    return str(getattr(fn, "__name__", default))


def require_function(fn: Any, kind: str = "a function") -> str:
    """Return the name of the learner's function, checked before any server or pool starts.

    Raises:
        NotAttempted: if ``fn`` is ``...``.
        CaseFailed: if ``fn`` is a coroutine (called, not passed: it is closed, so Python
            does not warn that it was never awaited) or not callable (the hint asks for
            ``kind``).
    """
    if fn is Ellipsis:
        raise NotAttempted
    if inspect.iscoroutine(fn):
        fn.close()
        raise CaseFailed("got a coroutine: pass the function itself, without calling it")
    if not callable(fn):
        raise CaseFailed(f"expected {kind}, got {type(fn).__name__}")
    return function_name(fn)


def require_accounted(
    ids: Sequence[Any],
    found: Container[Any],
    *,
    what: str,
    keep: str,
    failing: Container[Any] = (),
) -> None:
    """Every id in ``ids`` must be in ``found``, as a result or as the exception it raised.

    Raises:
        CaseFailed: naming how many of ``what`` were lost, out of how many, then the hint
            ``keep``; when every lost one is among ``failing`` (ids whose call raises) it says
            so, and otherwise it lists the lost ids.
    """
    lost = [item for item in ids if item not in found]
    if not lost:
        return
    total = f"{len(lost)} of {len(ids)} {what} were lost"
    if all(item in failing for item in lost):
        raise CaseFailed(f"{total}, all of them calls that raised: {keep}")
    raise CaseFailed(f"{total} (ids {sorted(lost)}): {keep}")


def require_type(value: Any, expected: type | tuple[type, ...], what: str) -> Any:
    """Return ``value`` if it has the expected type.

    Raises:
        NotAttempted: if ``value`` is ``...``.
        CaseFailed: with a hint naming the type found, and a special hint for ``None``.
    """
    if value is Ellipsis:
        raise NotAttempted
    if isinstance(value, bool) and bool not in (
        expected if isinstance(expected, tuple) else (expected,)
    ):
        raise CaseFailed(f"{what} should be a number, not {value!r}")
    if not isinstance(value, expected):
        if value is None:
            raise CaseFailed(f"{what} is None: did you forget a `return`?")
        names = (
            " or ".join(t.__name__ for t in expected)
            if isinstance(expected, tuple)
            else expected.__name__
        )
        article = "an" if names[0] in "aeiou" else "a"
        raise CaseFailed(f"{what} should be {article} {names}, not {type(value).__name__}")
    return value


def filled_in(answers: Any, name: str) -> dict[Any, Any]:
    """The learner's dictionary of answers, once every value is filled in.

    Raises:
        NotAttempted: if every value is still ``...`` (the starter).
        CaseFailed: if it is not a dict, or only some values are filled in.
    """
    filled: dict[Any, Any] = require_type(answers, dict, name)
    if filled and all(value is Ellipsis for value in filled.values()):
        raise NotAttempted
    if any(value is Ellipsis for value in filled.values()):
        raise CaseFailed("some predictions are still `...`: fill in every one")
    return filled
