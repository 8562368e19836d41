"""The check of exercise 13.2: jobs stopped at a deadline, after their clean-up."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from lib.exercises._harness.async_answers import call_answer, describe_error, run_answer
from lib.exercises._harness.checking import CaseFailed, Checker, Hung, exercise_check, function_name

__all__ = [
    "Job",
    "check_stop_at_deadline",
]


@dataclass
class Job:
    """A job of ``seconds``, whose clean-up after a cancellation takes 0.05 s."""

    seconds: float
    started: float | None = None
    finished: bool = False
    cleaned_up: bool = False
    cleanup_cancelled: bool = False

    async def __call__(self) -> None:
        self.started = time.perf_counter()
        try:
            await asyncio.sleep(self.seconds)
            self.finished = True
        except asyncio.CancelledError:
            try:
                await asyncio.sleep(0.05)  # clean-up that awaits
            except asyncio.CancelledError:
                self.cleanup_cancelled = True  # cancelled again: a level-triggered scope
                raise
            self.cleaned_up = True
            raise


def run_jobs(fn: Any, jobs: dict[str, Job], seconds: float) -> tuple[Any, float, list[str]]:
    """Run the answer; return its value, the seconds it took, and the jobs still cleaning up."""
    record: dict[str, Any] = {}

    async def main() -> Any:
        start = time.perf_counter()
        try:
            return await call_answer(fn, dict(jobs), seconds)
        finally:
            record["seconds"] = time.perf_counter() - start
            record["unclean"] = [
                name
                for name, job in jobs.items()
                if job.started is not None and not job.finished and not job.cleaned_up
            ]

    run = run_answer(fn, main, time_limit=seconds + 2.0)
    if run.timed_out:
        raise Hung(
            f"{function_name(fn)}() was still running {seconds + 2.0:g} s after it started, "
            f"with a deadline of {seconds:g} s: stop the jobs still running at the deadline"
        )
    if run.error is not None:
        raise CaseFailed(describe_error(fn, run.error))
    return run.value, record["seconds"], record["unclean"]


@exercise_check("Exercise 13.2: jobs stopped at a deadline, after their clean-up")
def check_stop_at_deadline(checker: Checker, stop_at_deadline: Any) -> None:
    """Quick, medium, slow and stuck jobs under a 0.3 s deadline; then all quick."""
    name = function_name(stop_at_deadline)
    jobs = {
        "quick": Job(0.05),
        "medium 1": Job(0.2),
        "medium 2": Job(0.2),
        "slow": Job(5.0),
        "stuck": Job(60.0),
    }
    value, seconds, unclean = run_jobs(stop_at_deadline, jobs, 0.3)
    expected = {
        "quick": "finished",
        "medium 1": "finished",
        "medium 2": "finished",
        "slow": "stopped",
        "stuck": "stopped",
    }
    with checker.case("each job reported as finished or stopped"):
        if not isinstance(value, dict):
            raise CaseFailed(f"{name}() returned {value!r}: return a dict, name -> outcome")
        if value != expected:
            starts = [job.started for job in jobs.values() if job.started is not None]
            late = [
                n
                for n, job in jobs.items()
                if job.started is None or job.started - min(starts) > 0.04
            ]
            hint = "; some jobs started late or never: start them all at once, as tasks"
            hint = hint if late else ""
            raise CaseFailed(f"expected {expected}, got {value}{hint}")
    with checker.case("it returns at the deadline, not when the slow jobs would end"):
        if seconds > 0.9:
            raise CaseFailed(f"it returned after {seconds:.2f} s, with a deadline of 0.3 s")
    with checker.case("the stopped jobs' clean-up has finished when it returns"):
        if any(job.cleanup_cancelled for job in jobs.values()):
            raise CaseFailed(
                "the stopped jobs' clean-up was cancelled too, in the middle: an anyio cancel "
                "scope cancels every await inside it (level-triggered), the clean-up's as well. "
                "Cancel each pending task once instead (asyncio.wait with a timeout, then "
                "cancel() and await them)"
            )
        if unclean:
            raise CaseFailed(
                f"{', '.join(unclean)} had not finished cleaning up when {name}() returned: "
                "after cancel(), await the cancelled tasks (asyncio.gather(*pending, "
                "return_exceptions=True))"
            )
    with checker.case("jobs that all end early: it returns as soon as they are done"):
        jobs = {"one": Job(0.05), "two": Job(0.1)}
        value, seconds, _ = run_jobs(stop_at_deadline, jobs, 2.0)
        if value != {"one": "finished", "two": "finished"}:
            raise CaseFailed(f"expected both finished, got {value!r}")
        if seconds > 0.7:
            raise CaseFailed(
                f"it returned after {seconds:.2f} s, though the jobs took 0.1 s: do not sleep "
                "until the deadline, wait for the jobs with a timeout (asyncio.wait(..., "
                "timeout=seconds))"
            )
