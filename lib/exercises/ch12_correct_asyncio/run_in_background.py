"""The check of exercise 12.1: background tasks that are never lost."""

from __future__ import annotations

import asyncio
import gc
import inspect
import weakref
from typing import Any

from lib.exercises._harness.async_answers import describe_error, run_answer
from lib.exercises._harness.asyncio_runs import close_coroutines
from lib.exercises._harness.checking import CaseFailed, Checker, Hung, exercise_check, function_name
from lib.plumbing.log_capture import captured_log

__all__ = [
    "BackgroundRun",
    "check_run_in_background",
    "expected_reports",
]

JOBS = 8
FAILING = (2, 5)  # the jobs that raise


def expected_reports() -> dict[int, Any]:
    """What each job should be reported as: its result, or the text of its exception."""
    return {n: f"job {n} failed" if n in FAILING else n * 10 for n in range(JOBS)}


class BackgroundRun:
    """Jobs that wait for a reply held only weakly, and the reports the answer makes."""

    def __init__(self) -> None:
        self.replies: weakref.WeakValueDictionary[int, asyncio.Future[int]] = (
            weakref.WeakValueDictionary()
        )
        self.reports: list[Any] = []
        self.destroyed = 0  # jobs whose reply future was garbage-collected
        self.destroyed_jobs: set[int] = set()
        self.tasks: weakref.WeakSet[asyncio.Task[Any]] = weakref.WeakSet()
        self.held_after = 0

    async def job(self, number: int) -> int:
        reply = asyncio.get_running_loop().create_future()
        self.replies[number] = reply
        value: int = await reply
        if number in FAILING:
            raise ValueError(f"job {number} failed")
        return value * 10

    async def main(self, fn: Any) -> None:
        before = asyncio.all_tasks()
        name = function_name(fn)
        jobs = [self.job(n) for n in range(JOBS)]
        try:
            returned = fn(list(jobs), self.reports.append)
        except BaseException:
            _close_unscheduled(jobs)
            raise
        if inspect.isawaitable(returned):
            close_coroutines(returned)
            _close_unscheduled(jobs)
            raise CaseFailed(
                f"{name}() returned a coroutine: make it a plain `def` that starts the tasks "
                "and returns at once, without waiting for them"
            )
        del jobs
        self.tasks.update(asyncio.all_tasks() - before - {asyncio.current_task()})
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # every job has started, and waits for its reply
        gc.collect()  # what Python does by itself, at any moment
        self.destroyed_jobs = set(range(JOBS)) - set(self.replies.keys())
        self.destroyed = len(self.destroyed_jobs)
        for number in range(JOBS):
            if (reply := self.replies.get(number)) is not None:
                reply.set_result(number)
        for _ in range(100):  # until every job still alive is done, at most a second
            if all(task.done() for task in self.tasks):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)  # the done callbacks run
        gc.collect()
        self.held_after = sum(1 for task in self.tasks if task.done())


def _close_unscheduled(jobs: list[Any]) -> None:
    """Close the jobs that the answer never started: Python would warn "never awaited"."""
    close_coroutines([job for job in jobs if inspect.getcoroutinestate(job) == "CORO_CREATED"])


WEAK_CONTAINERS = (weakref.WeakSet, weakref.WeakKeyDictionary, weakref.WeakValueDictionary)
WEAK_NAMES = frozenset(kind.__name__ for kind in WEAK_CONTAINERS)


def holds_weakly(fn: Any) -> bool:
    """Whether the answer keeps its tasks in a weak container: one it names (``WeakSet()``,
    ``weakref.WeakSet``) in its code or its nested functions, or one it reaches through a
    global, a closure cell or its class. Only a hint depends on it: anything odd is False."""
    try:
        return _holds_weakly(fn)
    except Exception:  # a property of the learner's class that raises, say
        return False


def _holds_weakly(fn: Any) -> bool:
    code = getattr(fn, "__code__", None) or getattr(getattr(fn, "__func__", None), "__code__", None)
    if code is None:
        return False
    names: set[str] = set()
    codes = [code]
    while codes:
        current = codes.pop()
        names.update(current.co_names)
        codes.extend(const for const in current.co_consts if inspect.iscode(const))
    if names & WEAK_NAMES:
        return True
    namespace = getattr(fn, "__globals__", None) or getattr(
        getattr(fn, "__func__", None), "__globals__", {}
    )
    reachable = [namespace.get(name) for name in names]
    reachable += [
        cell.cell_contents for cell in getattr(fn, "__closure__", None) or () if _filled(cell)
    ]
    owner = getattr(fn, "__self__", None)
    if owner is not None:
        reachable += [getattr(owner, name, None) for name in names]
    return any(isinstance(value, WEAK_CONTAINERS) for value in reachable)


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018  # an empty cell raises
    except ValueError:
        return False
    return True


def _require_alive(bench: BackgroundRun, number: int) -> None:
    """A job the garbage collector destroyed could not be reported: say so, not "report it".

    Raises:
        CaseFailed: if job ``number`` was destroyed while it waited.
    """
    if number in bench.destroyed_jobs:
        raise CaseFailed(
            f"job {number} was never reported, since the garbage collector destroyed its task "
            "while it waited (see the first check): no callback runs for a destroyed task; "
            "keep a strong reference to each task until it is done"
        )


def _reported_as(report: Any) -> Any:
    return str(report) if isinstance(report, BaseException) else report


@exercise_check("Exercise 12.1: background tasks that are never lost")
def check_run_in_background(
    checker: Checker, run_in_background: Any, *, time_limit: float = 3.0
) -> None:
    """Start 8 jobs through the learner's function, collect the garbage, then answer them."""
    bench = BackgroundRun()
    with captured_log("asyncio"):  # "Task was destroyed...": the hints below say it better
        run = run_answer(
            run_in_background, lambda: bench.main(run_in_background), time_limit=time_limit
        )
    name = function_name(run_in_background)
    if run.timed_out:
        raise Hung(f"{name}() was still running after {time_limit:g} s: it must return at once")
    if run.error is not None:
        raise CaseFailed(describe_error(run_in_background, run.error))
    expected = expected_reports()
    reported = [_reported_as(report) for report in bench.reports]
    with checker.case("8 jobs, garbage collected while they wait: none destroyed"):
        if bench.destroyed and holds_weakly(run_in_background):
            raise CaseFailed(
                f"{bench.destroyed} of {JOBS} tasks were destroyed by the garbage collector "
                "while they waited: a weakref.WeakSet (or any weak container) does not keep a "
                "task alive, and neither does the loop, so nothing held them strongly. Keep "
                "each task in a plain set that outlives the call (at module level) until it is "
                "done, then discard it"
            )
        if bench.destroyed:
            raise CaseFailed(
                f"{bench.destroyed} of {JOBS} tasks were destroyed by the garbage collector "
                "while they waited (the loop holds tasks only weakly): keep a strong reference "
                "to each task until it is done, in a set that outlives the call (at module "
                "level; a set local to the function is garbage too once it returns)"
            )
    with checker.case("each job's result is reported once, as it finishes"):
        for number, value in expected.items():
            if number in FAILING:
                continue
            _require_alive(bench, number)
            count = reported.count(value)
            if count == 0:
                raise CaseFailed(
                    f"job {number} returned {value!r}, which was never reported: call "
                    "report(task.result()) in a done callback (task.add_done_callback)"
                )
            if count > 1:
                raise CaseFailed(f"job {number}'s result was reported {count} times: once each")
    with checker.case("each job's exception is reported (the exception itself)"):
        for number in FAILING:
            _require_alive(bench, number)
            matching = [r for r in bench.reports if _reported_as(r) == expected[number]]
            if not matching:
                raise CaseFailed(
                    f"job {number} raised ValueError({expected[number]!r}), which was never "
                    "reported: when task.exception() is not None, report that exception "
                    "(task.result() would raise it inside your callback)"
                )
            if not isinstance(matching[0], ValueError):
                raise CaseFailed(
                    f"job {number} was reported as {matching[0]!r}: report the exception "
                    "object itself, task.exception()"
                )
        if len(bench.reports) != JOBS - bench.destroyed:
            raise CaseFailed(f"{len(bench.reports)} reports for {JOBS} jobs: one each")
    with checker.case("finished tasks are let go (the set does not grow for ever)"):
        if bench.held_after:
            raise CaseFailed(
                f"{bench.held_after} finished tasks are still held: remove each task from "
                "your set when it is done, with task.add_done_callback(tasks.discard)"
            )
