"""The check of exercise 5.2: sum numbers that worker processes read from shared memory.

The check sees every shared-memory block the answer creates (:func:`blocks_created` wraps
``SharedMemory.__init__`` for the length of one call), so it can tell an answer that put the
numbers in a block from one that pickled them to the workers, and it unlinks any block the
answer left behind, with a hint. :class:`NewProcesses` stops any worker left running.
"""

from __future__ import annotations

import contextlib
import pickle
from collections.abc import Iterator
from multiprocessing import shared_memory
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    call_bounded,
    exercise_check,
    require_type,
)
from lib.exercises._harness.process_watch import NewProcesses

__all__ = [
    "NUMBERS",
    "blocks_created",
    "check_sum_in_shared_memory",
    "run_sum",
    "unlink_leftovers",
]

# 200,000 numbers, negative ones among them, in no particular order: 1.6 MB as 8-byte ints.
NUMBERS = [(n * 7_919) % 20_001 - 10_000 for n in range(200_000)]

_HINTS = {  # a sign in the error message -> what to look at
    "exported pointers exist": (
        "close() refuses while a memoryview of the block's buf is alive: release it first "
        "(view.release(), or write with fill_block, which keeps none)"
    ),
    "inheritance": (
        "a multiprocessing.Value cannot be sent to a pool: give it to each "
        "multiprocessing.Process in args, where the child inherits it"
    ),
    "positive number": (
        "SharedMemory refuses a size of 0: for no numbers make the block 1 byte, or return 0 "
        "without one"
    ),
    "do not fit a block": "a block's size is in bytes: ITEM_SIZE (8) for each number",
    "No such file or directory": (
        "a worker found no block of that name: unlink the block only after every worker "
        "is done with it (in a finally, after the pool's with block)"
    ),
}


@contextlib.contextmanager
def blocks_created() -> Iterator[list[shared_memory.SharedMemory]]:
    """The shared-memory blocks created in this process inside the ``with`` block
    (``SharedMemory(create=True, ...)``, however the answer imported the class)."""
    created: list[shared_memory.SharedMemory] = []
    original = shared_memory.SharedMemory.__init__

    def init(self: shared_memory.SharedMemory, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        if kwargs.get("create", args[1] if len(args) > 1 else False):
            created.append(self)

    shared_memory.SharedMemory.__init__ = init  # type: ignore[method-assign]
    try:
        yield created
    finally:
        shared_memory.SharedMemory.__init__ = original  # type: ignore[method-assign]


def _let_go(block: shared_memory.SharedMemory) -> None:
    """Close the answer's handle on ``block``. If a memoryview the answer made of its memory
    is still alive, the mapping cannot close: the block gives it up to the view (which unmaps
    it when it goes), so that the block's own ``__del__`` does not fail later, unseen."""
    try:
        block.close()
    except BufferError:
        setattr(block, "_mmap", None)  # noqa: B010 (private: the view owns the mapping now)
        block.close()  # and the file descriptor is closed


def unlink_leftovers(blocks: list[shared_memory.SharedMemory]) -> int:
    """Close the answer's handles on ``blocks``, and unlink every one that still exists;
    return how many did."""
    left = 0
    for created in blocks:
        _let_go(created)
        try:
            block = shared_memory.SharedMemory(name=created.name)
        except FileNotFoundError:
            continue  # unlinked, as it should be
        left += 1
        block.close()
        block.unlink()
    return left


def run_sum(answer: Any, numbers: list[int], workers: int, time_limit: float) -> dict[str, Any]:
    """Call ``answer(numbers, workers)``; return what it returned (``total``), the blocks it
    created (``blocks``), how many it left linked (``leftover``, now unlinked) and how many
    of its processes still ran afterwards (``running``, now stopped).

    Raises:
        Hung: if it ran past ``time_limit`` seconds.
        CaseFailed: if it raised, with a hint for the usual causes.
    """
    with blocks_created() as blocks, NewProcesses() as started:
        try:
            total = call_bounded(answer, list(numbers), workers, time_limit=time_limit)
        except Hung:
            raise
        except CaseFailed as failure:
            hint = next((h for sign, h in _HINTS.items() if sign in str(failure)), None)
            raise CaseFailed(f"{failure}; {hint}" if hint else str(failure)) from None
        finally:
            leftover = unlink_leftovers(blocks)
        running = len(started.still_running())
    names = [block.name for block in blocks]
    return {"total": total, "blocks": names, "leftover": leftover, "running": running}


def require_total(total: Any, numbers: list[int]) -> None:
    total = require_type(total, int, "what sum_in_shared_memory returns")
    expected = sum(numbers)
    if total != expected:
        raise CaseFailed(
            f"the total is {total:,}, not {expected:,}: does every position go to exactly one "
            "worker (slices does that)? And if workers add to a shared Value, `+=` without "
            "its lock loses updates when two run at once"
        )


@exercise_check("Exercise 5.2: sum numbers in shared memory")
def check_sum_in_shared_memory(
    checker: Checker, sum_in_shared_memory: Any, *, time_limit: float = 30.0
) -> None:
    """Run ``sum_in_shared_memory(numbers, workers)`` on 200,000 numbers with 2 workers, then
    on a few with 1 and 4 workers and on none; check the total, the blocks and the workers."""
    run = run_sum(sum_in_shared_memory, NUMBERS, 2, time_limit)
    with checker.case(f"{len(NUMBERS):,} numbers, 2 workers: the right total"):
        require_total(run["total"], NUMBERS)
    with checker.case("the numbers reached the workers in a shared-memory block"):
        if not run["blocks"]:
            megabytes = len(pickle.dumps(NUMBERS)) / 1e6
            raise CaseFailed(
                f"no SharedMemory block was created, so the numbers went to the workers "
                f"pickled: {megabytes:.1f} MB for these {len(NUMBERS):,} numbers (measured by "
                "pickling them), copied once more for every worker that gets them all; put "
                "them in one block and send each worker only its name and a range"
            )
    with checker.case("every block unlinked when the function returns"):
        if run["leftover"]:
            raise CaseFailed(
                f"{run['leftover']} shared-memory block(s) were still there afterwards (now "
                "unlinked): call unlink() on the block you created, once, in a finally; "
                "otherwise it outlives every process until the machine restarts"
            )
    with checker.case("no worker process left running"):
        if run["running"]:
            raise CaseFailed(
                f"{run['running']} process(es) were still running afterwards (now stopped): "
                "use the pool in a `with` block, or join every Process"
            )
    for numbers, workers in [([5, -3, 8], 1), ([7, 1, 2], 4)]:
        with checker.case(f"{numbers}, {workers} worker(s): the total {sum(numbers)}"):
            require_total(
                run_sum(sum_in_shared_memory, numbers, workers, time_limit)["total"], numbers
            )
    with checker.case("no numbers: 0, and no block left behind"):
        run = run_sum(sum_in_shared_memory, [], 2, time_limit)
        require_total(run["total"], [])
        assert not run["leftover"], "the block was not unlinked: unlink it in a finally"
