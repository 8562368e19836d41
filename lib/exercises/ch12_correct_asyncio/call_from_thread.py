"""The check of exercise 12.3: a coroutine run on the loop, from a plain thread."""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    call_bounded,
    exercise_check,
    function_name,
    require_function,
)
from lib.exercises.ch12_correct_asyncio._common import loop_in_thread

__all__ = [
    "LoopWitness",
    "check_call_from_thread",
    "close_unstarted",
    "from_a_thread",
    "tracked",
]


@dataclass
class LoopWitness:
    """Coroutine functions that record where they ran, and whether they were cancelled."""

    loop: asyncio.AbstractEventLoop
    ran_on: list[tuple[bool, int]]  # (on the check's loop?, thread ident) per call
    cancelled: threading.Event
    release: threading.Event  # set when the check ends: a hang() on a stray loop ends too

    async def add(self, a: int, b: int) -> int:
        self.ran_on.append((asyncio.get_running_loop() is self.loop, threading.get_ident()))
        await asyncio.sleep(0.01)
        return a + b

    async def fail(self, key: str) -> None:
        await asyncio.sleep(0.01)
        raise KeyError(key)

    async def hang(self) -> None:
        try:
            for _ in range(3000):  # at most a minute, in steps
                if self.release.is_set():
                    return
                await asyncio.sleep(0.02)
        except asyncio.CancelledError:
            self.cancelled.set()
            raise


def tracked(coro_fn: Callable[..., Coroutine[Any, Any, Any]], made: list[Any]) -> Any:
    """``coro_fn``, recording each coroutine it makes in ``made``."""

    @functools.wraps(coro_fn)
    def make(*args: Any) -> Coroutine[Any, Any, Any]:
        coro = coro_fn(*args)
        made.append(coro)
        return coro

    return make


def close_unstarted(made: list[Any]) -> None:
    """Close the coroutines that never ran (Python would warn "never awaited" about them)."""
    for coro in made:
        if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
            coro.close()
    made.clear()


def from_a_thread(fn: Any, *args: Any, time_limit: float, **kwargs: Any) -> tuple[Any, Any]:
    """Call ``fn`` in a plain thread; return (value, None) or (None, the exception it raised).

    Raises:
        NotAttempted: for the starter (it raised ``NotImplementedError``).
        Hung: if it ran past ``time_limit``.
    """

    def attempt() -> tuple[Any, Any]:
        try:
            return fn(*args, **kwargs), None
        except NotImplementedError:
            raise
        except Exception as error:  # the case decides whether it was expected
            return None, error

    attempt.__name__ = function_name(fn)
    result: tuple[Any, Any] = call_bounded(attempt, time_limit=time_limit)
    return result


@exercise_check("Exercise 12.3: a coroutine on the loop, from a plain thread")
def check_call_from_thread(
    checker: Checker, call_from_thread: Any, *, time_limit: float = 0.8
) -> None:
    """Run an event loop in a thread; call the learner's function from another one."""
    name = require_function(call_from_thread)
    release = threading.Event()
    with loop_in_thread() as loop:
        witness = LoopWitness(loop, [], threading.Event(), release)
        made: list[Any] = []
        try:
            _cases(checker, call_from_thread, name, witness, made, time_limit)
        finally:
            release.set()
            close_unstarted(made)


def _cases(
    checker: Checker,
    call_from_thread: Any,
    name: str,
    witness: LoopWitness,
    made: list[Any],
    time_limit: float,
) -> None:
    """The cases, with the check's loop running in ``witness.loop``."""
    loop = witness.loop
    call = functools.partial(from_a_thread, call_from_thread, time_limit=time_limit)
    value, error = call(loop, tracked(witness.add, made), 2, 3, timeout=2.0)
    with checker.case("add(2, 3) on the loop returns 5 to the thread"):
        if isinstance(error, RuntimeError) and "already running" in str(error):
            raise CaseFailed(
                f"{name}() raised RuntimeError: {error}. The loop runs in another thread; "
                "hand it the coroutine with asyncio.run_coroutine_threadsafe(coro, loop)"
            )
        if error is not None:
            raise CaseFailed(f"{name}() raised {type(error).__name__}: {error}")
        if value != 5:
            raise CaseFailed(
                f"expected 5, got {value!r}: return future.result(timeout) of the "
                "concurrent future that run_coroutine_threadsafe returns"
            )
    with checker.case("the coroutine ran on the given loop, in the loop's thread"):
        if not witness.ran_on or not witness.ran_on[-1][0]:
            raise CaseFailed(
                "the coroutine ran on another event loop (asyncio.run makes a new one, in "
                "the calling thread): run it on `loop`, with "
                "asyncio.run_coroutine_threadsafe(coro, loop)"
            )
    with checker.case("an exception in the coroutine reaches the thread"):
        value, error = call(loop, tracked(witness.fail, made), "missing", timeout=2.0)
        if not isinstance(error, KeyError):
            got = f"raised {error!r}" if error is not None else f"returned {value!r}"
            raise CaseFailed(
                f"the coroutine raised KeyError('missing'), and {name}() {got}: let "
                "future.result() raise it"
            )
    with checker.case("timeout=0.2 on a coroutine that hangs: TimeoutError, then cancelled"):
        start = time.perf_counter()
        try:
            value, error = call(loop, tracked(witness.hang, made), timeout=0.2)
        except Hung:
            raise Hung(
                f"{name}() was still running after {time_limit:g} s, given timeout=0.2: "
                "pass the timeout to future.result(timeout)"
            ) from None
        seconds = time.perf_counter() - start
        if not isinstance(error, TimeoutError):
            got = f"raised {error!r}" if error is not None else f"returned {value!r}"
            raise CaseFailed(f"expected TimeoutError after 0.2 s; {name}() {got}")
        if seconds > 0.6:  # the right answer: 0.2 s and a little
            raise CaseFailed(f"TimeoutError came after {seconds:.2f} s, given timeout=0.2")
        if not witness.cancelled.wait(0.3):  # a cancelled task ends within milliseconds
            raise CaseFailed(
                "the coroutine was still running on the loop after the TimeoutError: "
                "cancel it (future.cancel()) before raising"
            )
