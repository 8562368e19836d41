"""Chapter 5's checkers: what tests/exercises/mistakes/ch05_process_pipelines.md cannot say as data.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py);
the right answers and the starters are the chapter's own cells (tests/plugins/answers.py).
Here: the chapter's answers under every start method, pipelines that hang and their time
limits, another right answer to exercise 5.2 and the race a wrong one runs (its losses vary
from run to run), and the blocks and processes the checkers leave: none.
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from multiprocessing.shared_memory import SharedMemory
from typing import Any

import pytest

from lib.demos.pipeline import join_all
from lib.demos.shared_sums import ITEM_SIZE, add_shared_to, fill_block, slices
from lib.exercises._harness.process_watch import default_start_method
from lib.exercises.ch05_process_pipelines import (
    check_chunksize_for,
    check_save_transformed,
    check_sum_in_shared_memory,
)
from lib.exercises.ch05_process_pipelines.sum_in_shared_memory import (
    blocks_created,
    unlink_leftovers,
)
from tests.plugins.answers import answer, starter
from tests.plugins.leaks import nothing_left_behind
from tests.plugins.mistakes import feedback_on

METHODS = [
    m for m in ("fork", "spawn", "forkserver") if m in multiprocessing.get_all_start_methods()
]
# As in test_ch04_multiprocessing.py: the checkers run an answer in a thread of their own, so
# an answer that forks does so in a process with threads, which Python 3.12 and later may warn
# about. The tests that fork on purpose let that one warning through.
FORK_WITH_THREADS = pytest.mark.filterwarnings(
    r"ignore:This process \(pid=\d+\) is multi-threaded, use of fork\(\):DeprecationWarning"
)

CHECKS = {
    "5.1": check_save_transformed,
    "5.2": check_sum_in_shared_memory,
    "5.3": check_chunksize_for,
}


@pytest.fixture(autouse=True)
def no_process_left() -> Iterator[None]:
    """Whatever an answer did, the checker stopped every process it started."""
    with nothing_left_behind(threads=False):
        yield


@pytest.mark.parametrize("number", ["5.1", "5.2", "5.3"])
def test_the_starters_are_not_attempted(number: str) -> None:
    assert CHECKS[number](starter(number)).not_attempted
    assert CHECKS[number](...).not_attempted


@FORK_WITH_THREADS
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("number", "cases"), [("5.1", 4), ("5.2", 7)])
def test_the_chapters_answers_pass_under_every_start_method(
    number: str, cases: int, method: str
) -> None:
    with default_start_method(method):
        feedback = CHECKS[number](answer(number))
    assert feedback.passed, str(feedback)
    assert str(feedback).endswith(f"All {cases} checks passed.")


# Exercise 5.1 ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "One sentinel for two transformers: the second waits for ever",
        "One sentinel, and joins with no timeout: it waits for ever",
    ],
)
def test_pipeline_that_hangs_is_stopped_in_time_and_ends_the_check(title: str) -> None:
    start = time.perf_counter()
    feedback, _ = feedback_on("5.1", title)
    assert time.perf_counter() - start < 5
    assert len(feedback.failed_cases) == 1, "the check stops at the first hang"


# Exercise 5.2 ----------------------------------------------------------------------------


def adding_into_a_value(lock: bool) -> Any:
    """An answer that has each worker add its range into one shared Value, with or without
    the Value's lock (processes, not a pool: a Value reaches a child only by inheritance)."""

    def sum_in_shared_memory(numbers: list[int], workers: int) -> int:
        block = SharedMemory(create=True, size=max(1, len(numbers) * ITEM_SIZE))
        try:
            fill_block(block, numbers)
            total = multiprocessing.Value("q", 0)
            adders = [
                multiprocessing.Process(
                    target=add_shared_to, args=(total, block.name, start, stop, lock)
                )
                for start, stop in slices(len(numbers), workers)
            ]
            for adder in adders:
                adder.start()
            join_all(adders, timeout=20)
            return int(total.value)
        finally:
            block.close()
            block.unlink()

    return sum_in_shared_memory


@FORK_WITH_THREADS
def test_another_right_answer_adds_into_a_value_under_its_lock() -> None:
    feedback = check_sum_in_shared_memory(adding_into_a_value(lock=True))
    assert feedback.passed, str(feedback)


@FORK_WITH_THREADS
def test_adding_into_a_value_without_its_lock_is_told_of_the_race() -> None:
    # Not data: how many updates the race loses, if any, varies from run to run.
    feedback = check_sum_in_shared_memory(adding_into_a_value(lock=False))
    if feedback.passed:
        pytest.skip("the two adders lost no update this time (one ran before the other)")
    assert "`+=` without its lock loses updates" in feedback.hints[0]


def test_blocks_created_sees_each_new_block_and_unlink_leftovers_removes_it() -> None:
    original = SharedMemory.__init__
    with blocks_created() as created:
        block = SharedMemory(create=True, size=16)
        same = SharedMemory(name=block.name)  # attached, not created: not counted
    assert SharedMemory.__init__ is original
    assert created == [block]
    same.close()
    view = block.buf.cast("q")  # type: ignore[union-attr]  # a view the answer kept alive
    assert unlink_leftovers(created) == 1
    view[0] = 7  # the mapping is the view's now, and outlives the block's handle
    view.release()
    assert unlink_leftovers(created) == 0  # gone now
    with pytest.raises(FileNotFoundError):
        SharedMemory(name=block.name)


def test_a_block_left_linked_is_unlinked_by_the_check() -> None:
    names: list[str] = []

    def leaves_its_block(numbers: list[int], workers: int) -> int:
        block = SharedMemory(create=True, size=max(1, len(numbers) * ITEM_SIZE))
        names.append(block.name)
        block.close()
        return sum(numbers)  # right, but computed here, and the block never unlinked

    feedback = check_sum_in_shared_memory(leaves_its_block)
    assert any("still there afterwards" in hint for hint in feedback.hints), feedback.hints
    for name in names:
        with pytest.raises(FileNotFoundError):
            SharedMemory(name=name)


def test_sum_in_shared_memory_that_hangs_is_bounded() -> None:
    def hangs(numbers: list[int], workers: int) -> int:
        time.sleep(3)
        return 0

    start = time.perf_counter()
    hints = check_sum_in_shared_memory(hangs, time_limit=0.5).hints
    assert len(hints) == 1 and "still running after 0.5 s" in hints[0]
    assert time.perf_counter() - start < 2.5
