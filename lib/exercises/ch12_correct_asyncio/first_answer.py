"""The check of exercise 12.2: the first answer, and the others cancelled."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
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
    "Fetcher",
    "Race",
    "check_first_answer",
]


@dataclass
class Fetcher:
    """One source: answers ``value`` after ``delay`` seconds, or raises if ``fails``."""

    name: str
    delay: float
    value: str | None = None  # None: it fails

    started: float | None = None
    ended: float | None = None
    cancelled: bool = False
    task: asyncio.Task[Any] | None = None

    def cancel_requested(self) -> bool:
        """Cancelled already, or asked to be (the request arrives when it next runs)."""
        return self.cancelled or (self.task is not None and self.task.cancelling() > 0)

    async def __call__(self) -> str:
        self.started = time.perf_counter()
        self.task = asyncio.current_task()
        try:
            await asyncio.sleep(self.delay)
            if self.value is None:
                raise ConnectionError(f"{self.name} is down")
            return self.value
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        finally:
            await asyncio.sleep(0)  # cleaning up takes a step of the loop
            self.ended = time.perf_counter()


@dataclass
class Race:
    """The fetchers of one case, and what was true when the answer returned."""

    fetchers: list[Fetcher]
    timeout: float
    seconds: float = 0.0
    ended_at_return: list[str] = field(default_factory=list)
    cancelled_at_return: list[str] = field(default_factory=list)

    async def main(self, fn: Any) -> Any:
        start = time.perf_counter()
        try:
            return await call_answer(fn, list(self.fetchers), self.timeout)
        finally:
            self.seconds = time.perf_counter() - start
            self.ended_at_return = [f.name for f in self.fetchers if f.ended is not None]
            self.cancelled_at_return = [f.name for f in self.fetchers if f.cancel_requested()]


def run_race(fn: Any, race: Race, time_limit: float) -> Run:
    run = run_answer(fn, lambda: race.main(fn), time_limit=time_limit)
    if run.timed_out:
        raise Hung(
            f"{function_name(fn)}() was still running after {time_limit:g} s: with "
            f"timeout={race.timeout:g} it must give up by then (asyncio.timeout, or the "
            "timeout argument of asyncio.wait)"
        )
    return run


def require_all_stopped(fn: Any, run: Run, race: Race) -> None:
    running = [f.name for f in race.fetchers if f.name not in race.ended_at_return]
    if not running:
        return
    if not race.cancelled_at_return:
        raise CaseFailed(
            f"{len(running)} fetcher(s) were still running when {function_name(fn)}() "
            f"returned ({', '.join(running)}): cancel the pending tasks"
        )
    raise CaseFailed(
        f"{len(running)} fetcher(s) had not stopped when {function_name(fn)}() returned "
        f"({', '.join(running)}): after cancel(), await the cancelled tasks (asyncio.gather("
        "*pending, return_exceptions=True)) so that their clean-up ends before you return"
    )


@exercise_check("Exercise 12.2: the first answer, and the others cancelled")
def check_first_answer(checker: Checker, first_answer: Any, *, time_limit: float = 2.0) -> None:
    """Race fetchers that fail, answer, are slow or hang; look at what was left running."""
    name = function_name(first_answer)
    race = Race(
        [
            Fetcher("down", 0.01),
            Fetcher("near", 0.05, "from near"),
            Fetcher("far", 1.0, "from far"),
            Fetcher("stuck", 60.0, "from stuck"),
        ],
        timeout=1.5,
    )
    run = run_race(first_answer, race, time_limit + 1.0)
    with checker.case("the first success wins, even after a failure"):
        if run.error is not None:
            if isinstance(run.error, ConnectionError):
                raise CaseFailed(
                    f"{name}() raised {run.error!r}: the first fetcher to finish failed. Keep "
                    "waiting for the others: call asyncio.wait(..., FIRST_COMPLETED) again on "
                    "the pending ones until one succeeds"
                )
            raise CaseFailed(describe_error(first_answer, run.error))
        if run.value != "from near":
            raise CaseFailed(f"expected 'from near', the first success; got {run.value!r}")
        first_end = min(f.ended for f in race.fetchers if f.ended is not None)
        late = [f.name for f in race.fetchers if f.started is None or f.started > first_end]
        if late:
            raise CaseFailed(
                f"{', '.join(late)} started late: start every fetcher at once, as a task"
            )
    with checker.case("it returns as soon as it has the answer"):
        if race.seconds > 0.8:
            raise CaseFailed(
                f"it returned after {race.seconds:.2f} s, though the answer came at 0.05 s: "
                "use asyncio.wait(..., return_when=asyncio.FIRST_COMPLETED), not gather"
            )
    with checker.case("the other fetchers are cancelled and have stopped when it returns"):
        require_all_stopped(first_answer, run, race)
    with checker.case("every fetcher fails: returns None"):
        race = Race([Fetcher("down", 0.01), Fetcher("broken", 0.03)], timeout=1.0)
        run = run_race(first_answer, race, time_limit)
        if run.error is not None:
            raise CaseFailed(
                f"{describe_error(first_answer, run.error)}. When every fetcher fails, return None"
            )
        if run.value is not None:
            raise CaseFailed(f"expected None when every fetcher fails, got {run.value!r}")
    with checker.case("timeout=0.1 with slow fetchers: None, on time, nothing left running"):
        race = Race([Fetcher("slow", 30.0, "a"), Fetcher("slower", 60.0, "b")], timeout=0.1)
        run = run_race(first_answer, race, time_limit)
        if isinstance(run.error, TimeoutError):
            raise CaseFailed(
                f"{name}() raised TimeoutError: catch it and return None when time runs out"
            )
        if run.error is not None:
            raise CaseFailed(describe_error(first_answer, run.error))
        if run.value is not None:
            raise CaseFailed(f"expected None when time runs out, got {run.value!r}")
        if race.seconds > 0.6:
            raise CaseFailed(f"it returned after {race.seconds:.2f} s, with timeout=0.1")
        require_all_stopped(first_answer, run, race)
