"""The check of exercise 10.3: one task per batch."""

from __future__ import annotations

import functools
import math
import uuid
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    require_type,
)
from lib.exercises.ch10_beyond_one_machine._common import (
    SLOW_ITEM,
    ClientSource,
    CountingClient,
    cluster_check,
    magnitude,
    require_values,
)

__all__ = [
    "check_map_in_batches",
]

CASES = [(list(range(SLOW_ITEM, 12)), 5), (list(range(-3, 3)), 2), (list(range(4)), 10), ([], 3)]


def _run(answer: Any, source: ClientSource, items: list[int], size: int, limit: float) -> Any:
    counting = CountingClient(source)
    fn = functools.partial(magnitude, run=uuid.uuid4().hex)  # new task keys for every run
    got = call_bounded(answer, counting, fn, list(items), size, time_limit=limit)
    require_type(got, list, "what map_in_batches returns")
    require_values(got, "the list returned")
    return got, counting


@cluster_check("Exercise 10.3: one task per batch")
def check_map_in_batches(
    checker: Checker, map_in_batches: Any, source: ClientSource, time_limit: float
) -> None:
    """Run ``map_in_batches(client, fn, items, batch_size)``; ``fn`` is ``abs``, slow on the
    first item, so the first batch finishes last when the cluster has two workers or more."""
    for items, size in CASES:
        batches = math.ceil(len(items) / size)
        tasks = f"{batches} task" + ("" if batches == 1 else "s")
        with checker.case(f"{len(items)} items in batches of {size}: {tasks}, in order"):
            got, counting = _run(map_in_batches, source, items, size, time_limit)
            expected = [abs(item) for item in items]
            if any(isinstance(value, list) for value in got):
                raise CaseFailed(
                    "the result holds lists: each task returns its batch's results; join "
                    "them into one flat list"
                )
            if len(got) != len(expected):
                raise CaseFailed(
                    f"{len(got)} results for {len(items)} items: is the last, shorter batch "
                    "left out? (range(0, len(items), batch_size) covers every item)"
                )
            if got != expected:
                raise CaseFailed(
                    "the results are not in the order of the items: gather the batches' "
                    "futures in the order you submitted them"
                )
            if counting.tasks != batches:
                raise CaseFailed(
                    f"{counting.tasks} tasks were sent for {batches} batches: submit one task "
                    "per batch, a function that applies fn to every item of its batch"
                )
