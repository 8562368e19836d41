"""The check of exercise 14.2: a lookup that does not block the event loop.

``score(word)`` stands for a blocking library call: it takes :data:`SCORE_SECONDS` and
returns the word's length. The learner's ``async def lookup(word)`` must return
``score(word)`` without holding the event loop meanwhile. The check awaits four lookups at
once on a fresh loop, beside a heartbeat that measures how late the loop ran its timers, and
counts the calls of ``score`` (an answer that only sleeps and counts letters is not one).
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from typing import Any

from lib.exercises._harness.checking import CaseFailed, Checker, exercise_check, require_function
from lib.exercises._harness.heartbeat import HeartbeatRun, require_free_loop, run_with_heartbeat

__all__ = ["SCORE_SECONDS", "WORDS", "check_lookup", "score"]

SCORE_SECONDS = 0.3
WORDS = ("deadlock", "stack", "loop", "await")
_CALLS: list[int] = []  # the thread of each call of score(), for the check to count


def score(word: str) -> int:
    """A blocking call: waits :data:`SCORE_SECONDS`, then returns ``len(word)``."""
    _CALLS.append(threading.get_ident())
    time.sleep(SCORE_SECONDS)
    return len(word)


def _close(values: Any) -> None:
    """Close the coroutines among ``values``, never awaited, so no warning comes later."""
    for value in values if isinstance(values, list) else []:
        if inspect.iscoroutine(value):
            value.close()


def _require_returned(name: str, run: HeartbeatRun, plain: list[Any]) -> None:
    if plain:
        raise CaseFailed(
            f"{name}() returned {plain[0]!r}, not a coroutine: make it an `async def` that "
            "awaits score() in a thread"
        )
    error = run.error
    if isinstance(error, TypeError) and "not callable" in str(error):
        raise CaseFailed(
            f"{name}() raised TypeError: {error}: pass the function and its argument, "
            "asyncio.to_thread(score, word); score(word) calls it at once, on the loop"
        )
    if error is not None:
        raise CaseFailed(f"{name}() raised {type(error).__name__}: {error}")


@exercise_check("Exercise 14.2: a lookup that does not block the event loop")
def check_lookup(checker: Checker, lookup: Any, *, time_limit: float = 5.0) -> None:
    """Await four lookups at once beside a heartbeat; then check their results and timing."""
    name = require_function(lookup)
    plain: list[Any] = []

    async def four_lookups() -> list[Any]:
        calls = [lookup(word) for word in WORDS]
        plain.extend(call for call in calls if not inspect.isawaitable(call))
        if plain:
            _close(calls)
            return calls
        return list(await asyncio.gather(*calls))

    four_lookups.__name__ = name
    with checker.case(f"4 lookups at once: the loop stays free (score() takes {SCORE_SECONDS} s)"):
        calls_before, start = len(_CALLS), time.monotonic()
        try:
            run = run_with_heartbeat(four_lookups, time_limit=time_limit)
        finally:
            seconds, called = time.monotonic() - start, _CALLS[calls_before:]
        _require_returned(name, run, plain)
        require_free_loop(run, "score()")
    if plain or run.error is not None:
        return  # nothing returned: nothing more to check
    with checker.case("each lookup returns score(word), and the four overlap"):
        _close(run.value)
        if run.value != [len(word) for word in WORDS]:
            got = run.value[0] if isinstance(run.value, list) and run.value else run.value
            raise CaseFailed(
                f"{name}('deadlock') gave {got!r}, not 8: return what score(word) returns "
                "(awaited, if it is an awaitable)"
            )
        if len(called) != len(WORDS):
            raise CaseFailed(
                f"score() was called {len(called)} times for {len(WORDS)} lookups: call it "
                "once for each word, in a thread"
            )
        if seconds > 2 * SCORE_SECONDS + 0.3:
            raise CaseFailed(f"4 lookups took {seconds:.2f} s: they should overlap")
