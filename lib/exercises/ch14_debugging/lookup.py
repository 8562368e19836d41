"""The check of exercise 14.2: a lookup that does not block the event loop.

``score(word)`` stands for a blocking library call: it takes :data:`SCORE_SECONDS` and
returns the word's length. The learner's ``async def lookup(word)`` must return
``score(word)`` without holding the event loop meanwhile. The check awaits four lookups at
once on a fresh loop, beside a heartbeat that measures how late the loop ran its timers.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from lib.exercises._harness.checking import CaseFailed, Checker, exercise_check, require_function
from lib.exercises._harness.heartbeat import require_free_loop, run_with_heartbeat

__all__ = ["SCORE_SECONDS", "WORDS", "check_lookup", "score"]

SCORE_SECONDS = 0.3
WORDS = ("deadlock", "stack", "loop", "await")


def score(word: str) -> int:
    """A blocking call: waits :data:`SCORE_SECONDS`, then returns ``len(word)``."""
    time.sleep(SCORE_SECONDS)
    return len(word)


@exercise_check("Exercise 14.2: a lookup that does not block the event loop")
def check_lookup(checker: Checker, lookup: Any, *, time_limit: float = 5.0) -> None:
    """Await four lookups at once beside a heartbeat; then check their results and timing."""
    name = require_function(lookup)

    async def four_lookups() -> list[Any]:
        return list(await asyncio.gather(*(lookup(word) for word in WORDS)))

    four_lookups.__name__ = name
    with checker.case(f"4 lookups at once: the loop stays free (score() takes {SCORE_SECONDS} s)"):
        start = time.monotonic()
        run = run_with_heartbeat(four_lookups, time_limit=time_limit)
        seconds = time.monotonic() - start
        if run.error is not None:
            raise CaseFailed(f"{name}() raised {type(run.error).__name__}: {run.error}")
        require_free_loop(run, "score()")
    with checker.case("each lookup returns score(word), and the four overlap"):
        expected = [len(word) for word in WORDS]
        for value in run.value if isinstance(run.value, list) else []:
            if asyncio.iscoroutine(value):
                value.close()  # never awaited: closed, so that no warning comes later
        if run.value != expected:
            got = run.value[0] if isinstance(run.value, list) and run.value else run.value
            raise CaseFailed(
                f"{name}('deadlock') gave {got!r}, not 8: return what score(word) returns "
                "(awaited, if it is an awaitable)"
            )
        if seconds > 2 * SCORE_SECONDS + 0.3:
            raise CaseFailed(f"4 lookups took {seconds:.2f} s: they should overlap")
