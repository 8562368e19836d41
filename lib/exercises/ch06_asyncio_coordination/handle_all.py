"""The check of exercise 6.2: a bounded queue whose consumers all stop."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from lib.exercises._harness.async_answers import call_answer, describe_error, run_answer
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    Run,
    exercise_check,
    function_name,
    require_type,
)

__all__ = [
    "Workbench",
    "check_handle_all",
    "require_each_once",
    "result_for",
    "run_pipeline",
]


def result_for(item: int) -> str:
    return f"item {item} done"


class Workbench:
    """The items and the ``handle`` coroutine given to the learner, watching both."""

    def __init__(self) -> None:
        self.calls: Counter[int] = Counter()
        self.busy = 0
        self.peak = 0  # the most handle() calls running at once
        self.pulled = 0  # items the producer has taken from the iterator
        self.finished = 0  # handle() calls that have ended
        self.lead = 0  # the most items pulled but not yet handled

    def items(self, values: list[int]) -> Any:
        for value in values:
            self.pulled += 1
            self.lead = max(self.lead, self.pulled - self.finished)
            yield value

    async def handle(self, item: int) -> str:
        self.calls[item] += 1
        self.busy += 1
        self.peak = max(self.peak, self.busy)
        try:
            await asyncio.sleep(0.005 * (1 + item % 3))
        finally:
            self.busy -= 1
            self.finished += 1
        return result_for(item)


def run_pipeline(
    fn: Any, values: list[int], consumers: int, maxsize: int, time_limit: float
) -> tuple[Run, Workbench]:
    """Run the learner's pipeline on ``values``.

    Raises:
        Hung: with a hint that says whether every item was handled before it hung.
        CaseFailed: if it raised, or returned something other than a dict.
    """
    bench = Workbench()

    async def main() -> Any:
        return await call_answer(fn, bench.items(values), bench.handle, consumers, maxsize)

    run = run_answer(fn, main, time_limit=time_limit)
    name = function_name(fn)
    if run.timed_out:
        handled = sum(1 for value in values if bench.calls[value])
        if not values:
            raise Hung(
                f"{name}() was still running after {time_limit:g} s with no items to handle: "
                "do the consumers get their stop signal when there is nothing to do?"
            )
        if handled == len(values):
            raise Hung(
                f"{name}() was still running after {time_limit:g} s, though all {len(values)} "
                "items had been handled: its consumers still wait on queue.get(). Stop them: "
                "put one sentinel per consumer, or await queue.join() (with queue.task_done() "
                "after each item) and then cancel them"
            )
        raise Hung(
            f"{name}() was still running after {time_limit:g} s with {handled} of "
            f"{len(values)} items handled: did the consumers stop early (a check of "
            "queue.empty()?) while the producer waits to put into a full queue?"
        )
    if run.error is not None:
        raise CaseFailed(describe_error(fn, run.error))
    require_type(run.value, dict, f"the result of {name}()")
    return run, bench


def require_each_once(values: list[int], bench: Workbench) -> None:
    missing = [value for value in values if not bench.calls[value]]
    if 0 in missing:
        raise CaseFailed(
            "item 0 was never handled: is 0 taken for the stop signal? Compare the item "
            "with `is None`, not by its truth value"
        )
    if missing:
        raise CaseFailed(
            f"{len(missing)} of {len(values)} items were never handled (the first: "
            f"{missing[0]}): does every consumer keep going until it gets a stop signal?"
        )
    twice = [value for value in values if bench.calls[value] > 1]
    if twice:
        raise CaseFailed(
            f"{len(twice)} items were handled more than once (the first: {twice[0]}): "
            "put each item on the queue once, and let each consumer take items with get()"
        )


@exercise_check("Exercise 6.2: a bounded queue whose consumers all stop")
def check_handle_all(checker: Checker, handle_all: Any, *, time_limit: float = 2.0) -> None:
    """Run the learner's ``handle_all`` on a watched iterator and ``handle``."""
    values, consumers, maxsize = list(range(20)), 3, 2
    run, bench = run_pipeline(handle_all, values, consumers, maxsize, time_limit)
    with checker.case("20 items, 3 consumers: each item handled exactly once"):
        require_each_once(values, bench)
    with checker.case("the result maps each item to what handle() returned"):
        wrong = [value for value in values if run.value.get(value) != result_for(value)]
        if wrong:
            got = run.value.get(wrong[0])
            raise CaseFailed(
                f"{len(wrong)} of {len(values)} items have no result or a wrong one (item "
                f"{wrong[0]}: {got!r}, expected {result_for(wrong[0])!r})"
            )
    with checker.case("the 3 consumers handled items at the same time"):
        if bench.peak < consumers:
            raise CaseFailed(
                f"at most {bench.peak} item(s) were handled at a time by {consumers} "
                "consumers: start them all (a TaskGroup, or asyncio.create_task) before you "
                "produce, and let each one run until it gets its stop signal"
            )
        if bench.peak > consumers:
            raise CaseFailed(
                f"{bench.peak} items were handled at once by {consumers} consumers: only the "
                "consumers should call handle(), one item at a time each"
            )
    with checker.case("maxsize=2: the producer waited for room (backpressure)"):
        bound = maxsize + consumers + 1
        if bench.lead > bound:
            raise CaseFailed(
                f"the producer read {bench.lead} items ahead of the consumers; at most {bound} "
                f"fit ({maxsize} in the queue, {consumers} being handled, 1 being put): create "
                "the queue with asyncio.Queue(maxsize=maxsize), so put() waits while it is full"
            )
    with checker.case("no task is left running after it returns"):
        if run.leftover_tasks:
            raise CaseFailed(
                f"{run.leftover_tasks} task(s) were still running when "
                f"{function_name(handle_all)}() returned: wait for the consumers (a TaskGroup "
                "does) before returning"
            )
    with checker.case("no items at all: returns {} and stops every consumer"):
        run, bench = run_pipeline(handle_all, [], consumers, maxsize, time_limit)
        if run.value:
            raise CaseFailed(f"expected {{}}, got {run.value!r}")
        if run.leftover_tasks:
            raise CaseFailed(f"{run.leftover_tasks} task(s) were still running when it returned")
    with checker.case("2 items, 5 consumers, maxsize=1: each handled once, all stopped"):
        values = [7, 0]
        run, bench = run_pipeline(handle_all, values, 5, 1, time_limit)
        require_each_once(values, bench)
        if run.value != {value: result_for(value) for value in values}:
            raise CaseFailed(f"expected results for items 7 and 0, got {run.value!r}")
        if run.leftover_tasks:
            raise CaseFailed(f"{run.leftover_tasks} task(s) were still running when it returned")
