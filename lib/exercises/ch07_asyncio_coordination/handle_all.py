"""The check of exercise 7.2: a bounded queue whose consumers all stop.

The last case's ``handle`` raises for one item. A pipeline that stops with ``queue.join()``
must still call ``task_done()`` for that item (in a ``finally``), or ``join()`` waits for
ever; sentinels in a ``TaskGroup`` end on the error by themselves. Either may raise the error
or return without that item; neither may hang or leave a consumer running.
"""

from __future__ import annotations

import asyncio
import gc
from collections import Counter
from typing import Any

from lib.exercises._harness.async_answers import call_answer, describe_error, leaves, run_answer
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    Run,
    exercise_check,
    function_name,
    require_type,
)
from lib.plumbing.log_capture import captured_log

__all__ = [
    "FAILING_ITEM",
    "Workbench",
    "check_handle_all",
    "leftover_hint",
    "require_each_once",
    "result_for",
    "run_pipeline",
]

FAILING_ITEM = 4  # the item whose handle() raises, in the last case
SETTLE = 0.1  # seconds the tasks an answer left running get to end by themselves


def result_for(item: int) -> str:
    return f"item {item} done"


class Workbench:
    """The items and the ``handle`` coroutine given to the learner, watching both."""

    def __init__(self, failing: int | None = None) -> None:
        self.failing = failing  # the item whose handle() raises, if any
        self.raised: BaseException | None = None  # what it raised
        self.calls: Counter[int] = Counter()
        self.busy = 0
        self.peak = 0  # the most handle() calls running at once
        self.pulled = 0  # items the producer has taken from the iterator
        self.finished = 0  # handle() calls that have ended
        self.lead = 0  # the most items pulled but not yet handled
        # When the answer returned (or raised): how many handle() calls had ended, how many
        # were running, how many of its tasks were still running, and how many of those were
        # still waiting after SETTLE seconds more (stuck: they would never end by themselves).
        self.finished_at_return = -1
        self.busy_at_return = -1
        self.left_at_return = 0
        self.stuck = 0

    async def note_return(self) -> None:
        """Note what the answer left running as it returned, then give those tasks SETTLE
        seconds to end by themselves (a consumer about to take its sentinel does)."""
        self.finished_at_return, self.busy_at_return = self.finished, self.busy
        left = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        self.left_at_return = len(left)
        if left:
            await asyncio.wait(left, timeout=SETTLE)
            self.stuck = sum(1 for task in left if not task.done())

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
            if item == self.failing:
                self.raised = ValueError(f"item {item} is broken")
                raise self.raised
        finally:
            self.busy -= 1
            self.finished += 1
        return result_for(item)


def run_pipeline(
    fn: Any,
    values: list[int],
    consumers: int,
    maxsize: int,
    time_limit: float,
    *,
    failing: int | None = None,
) -> tuple[Run, Workbench]:
    """Run the learner's pipeline on ``values``; with ``failing``, handle() raises for it.

    Raises:
        Hung: with a hint that says whether every item was handled before it hung.
        CaseFailed: if it raised (but for the error of the failing item), or returned
            something other than a dict.
    """
    bench = Workbench(failing)

    async def main() -> Any:
        try:
            value = await call_answer(fn, bench.items(values), bench.handle, consumers, maxsize)
        except Exception:
            await bench.note_return()
            raise
        returned = dict(value) if isinstance(value, dict) else value  # as it was on return
        await bench.note_return()
        return returned

    run = run_answer(fn, main, time_limit=time_limit)
    name = function_name(fn)
    if run.timed_out:
        handled = sum(1 for value in values if bench.calls[value])
        if bench.raised is not None and handled == len(values):
            raise Hung(
                f"{name}() was still running after {time_limit:g} s, though every item had "
                f"been handled: handle({failing}) raised, and the consumer that got that error "
                f"never called queue.task_done() for item {failing}, so queue.join() waits for "
                "ever. Call task_done() in a `finally`, so an item counts as done even when "
                "handle() raised (or stop the consumers with sentinels, in a TaskGroup)"
            )
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
        if bench.raised is not None and any(leaf is bench.raised for leaf in leaves(run.error)):
            return run, bench  # the failing item's own error: raising it is right
        raise CaseFailed(describe_error(fn, run.error))
    require_type(run.value, dict, f"the result of {name}()")
    return run, bench


def leftover_hint(bench: Workbench, values: list[int], name: str) -> str:
    """Why tasks were left running: consumers stuck on get() after the work, or still busy."""
    left = f"{bench.left_at_return} task(s) were still running when {name}() returned"
    idle = bench.busy_at_return == 0 and bench.finished_at_return >= len(values)
    if idle and bench.stuck:
        done = "every item had been handled" if values else "there was no item to handle"
        return (
            f"{left}, though {done}: its consumers still waited on queue.get(). "
            "queue.join() waits for the items, not for the consumers: after it, cancel each "
            "consumer and await them (asyncio.gather(*consumers, return_exceptions=True)), or "
            "put one sentinel per consumer, or (Python 3.13 and later) call queue.shutdown()"
        )
    return (
        f"{left}, some of them still handling items or stop signals: wait for the consumers "
        "(a TaskGroup does) before returning"
    )


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


@exercise_check("Exercise 7.2: a bounded queue whose consumers all stop")
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
    name = function_name(handle_all)
    with checker.case("no task is left running after it returns"):
        if bench.left_at_return:
            raise CaseFailed(leftover_hint(bench, values, name))
    with checker.case("no items at all: returns {} and stops every consumer"):
        run, bench = run_pipeline(handle_all, [], consumers, maxsize, time_limit)
        if run.value:
            raise CaseFailed(f"expected {{}}, got {run.value!r}")
        if bench.left_at_return:
            raise CaseFailed(leftover_hint(bench, [], name))
    with checker.case("2 items, 5 consumers, maxsize=1: each handled once, all stopped"):
        values = [7, 0]
        run, bench = run_pipeline(handle_all, values, 5, 1, time_limit)
        require_each_once(values, bench)
        if run.value != {value: result_for(value) for value in values}:
            raise CaseFailed(f"expected results for items 7 and 0, got {run.value!r}")
        if bench.left_at_return:
            raise CaseFailed(leftover_hint(bench, values, name))
    with checker.case(
        f"handle() raises for item {FAILING_ITEM}: it still ends, and stops every consumer"
    ):
        _failing_case(handle_all, name, time_limit)


def _failing_case(handle_all: Any, name: str, time_limit: float) -> None:
    """10 items, 3 consumers, maxsize=2, and handle() raising for FAILING_ITEM.

    Raises:
        Hung: if it never ended (a join() that waits for a task_done() that never came).
        CaseFailed: if a task was left running, or it returned without the other results.
    """
    values = list(range(10))
    # A consumer that died of the error and was never awaited makes asyncio log "Task
    # exception was never retrieved"; the hints say it better.
    with captured_log("asyncio"):
        run, bench = run_pipeline(handle_all, values, 3, 2, time_limit, failing=FAILING_ITEM)
        gc.collect()
    if bench.left_at_return:
        raise CaseFailed(leftover_hint(bench, values, name))
    if run.error is None:
        wrong = [v for v in values if v != FAILING_ITEM and run.value.get(v) != result_for(v)]
        if wrong:
            raise CaseFailed(
                f"it returned without raising, yet {len(wrong)} other items have no result or "
                f"a wrong one (item {wrong[0]}: {run.value.get(wrong[0])!r}): if you return, "
                "the consumers that did not fail must handle every other item"
            )
