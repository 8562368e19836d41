"""Chapter 4's checkers: what tests/exercises/mistakes/ch04_multiprocessing.md cannot say as data.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py);
the right answers and the starters are the chapter's own cells (tests/plugins/answers.py).
Here: the chapter's answer under every start method, an answer that hangs and its time
limit, a worker from the notebook (monkeypatched, start-method specific), processes left
running, and what a hint alone cannot say: how many cases fail, or two texts in one hint. And
whatever the answer did, the checkers leave no process behind.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import pytest

from lib.demos.primes import count_primes_below
from lib.exercises._harness.process_watch import default_start_method
from lib.exercises.ch04_multiprocessing import (
    check_amdahl_speedup,
    check_count_primes_parallel,
    check_worker_count,
)
from lib.exercises.ch04_multiprocessing.count_primes_parallel import sieve_counts
from tests.plugins.answers import answer, starter
from tests.plugins.leaks import nothing_left_behind
from tests.plugins.mistakes import feedback_on

METHODS = [
    m for m in ("fork", "spawn", "forkserver") if m in multiprocessing.get_all_start_methods()
]
# The checkers run an answer in a thread of their own, so an answer that forks does so in a
# process with threads, which Python 3.12 and later may warn about (3.15 does, here). The tests
# that fork on purpose let that one warning through; pytest turns every other into an error.
FORK_WITH_THREADS = pytest.mark.filterwarnings(
    r"ignore:This process \(pid=\d+\) is multi-threaded, use of fork\(\):DeprecationWarning"
)


@pytest.fixture(autouse=True)
def no_process_left() -> Iterator[None]:
    """Whatever an answer did, the checker stopped every process it started."""
    with nothing_left_behind(threads=False):
        yield


CHECKS = {
    "4.1": check_worker_count,
    "4.2": check_count_primes_parallel,
    "4.3": check_amdahl_speedup,
}


@pytest.mark.parametrize("number", ["4.1", "4.2", "4.3"])
def test_the_starters_are_not_attempted(number: str) -> None:
    assert CHECKS[number](starter(number)).not_attempted
    assert CHECKS[number](...).not_attempted


@FORK_WITH_THREADS
@pytest.mark.parametrize("method", METHODS)
def test_the_chapters_answer_passes_under_every_start_method(method: str) -> None:
    with default_start_method(method):
        feedback = check_count_primes_parallel(answer("4.2"))
    assert feedback.passed, str(feedback)
    assert str(feedback).endswith("All 7 checks passed.")


# Exercise 4.1 ----------------------------------------------------------------------------


def test_worker_count_right() -> None:
    feedback = check_worker_count(answer("4.1"))
    assert feedback.passed, str(feedback)
    assert str(feedback).endswith("All 7 checks passed.")


# Exercise 4.2 ----------------------------------------------------------------------------


def test_sieve_counts() -> None:
    assert sieve_counts([0, 1, 2, 3, 10, 100, 7_919, 7_920, -4]) == [
        0,
        0,
        0,
        1,
        4,
        25,
        999,
        1000,
        0,
    ]
    assert sieve_counts([]) == []


@pytest.mark.parametrize(
    "title",
    [
        "Counted in the kernel's own process",
        "Counted on threads, which run in the kernel's process too",
    ],
)
def test_count_primes_in_the_parent_or_on_threads_fails_all_3_cases(title: str) -> None:
    feedback, _ = feedback_on("4.2", title)
    assert len(feedback.hints) == 3, feedback.hints  # the main case, workers=1, under spawn
    assert feedback.hints[0].startswith("9 of 9 counts were made in this kernel's own process")


def test_count_primes_that_leaves_its_pool_running_is_stopped() -> None:
    kept: list[ProcessPoolExecutor] = []

    def never_shuts_down(limits: list[int], workers: int) -> list[Any]:
        pool = ProcessPoolExecutor(max_workers=workers)
        kept.append(pool)  # still referenced, so it never shuts itself down
        return list(pool.map(count_primes_below, limits, timeout=60))

    feedback = check_count_primes_parallel(never_shuts_down)
    assert feedback.hints[0].startswith("2 worker process(es) were still running afterwards")
    assert not [h for h in feedback.hints[1:] if "still running" not in h]
    for pool in kept:
        pool.shutdown(wait=True)  # its workers were terminated: it is broken, and ends at once


def test_count_primes_that_returns_only_counts_fails_one_case() -> None:
    # What a hint cannot say: the check stops at that case.
    feedback, _ = feedback_on("4.2", "Only the counts, without where they were made")
    assert (
        len(feedback.failed_cases) == 1
        and "numbers like " + str(sieve_counts([120_000])[0]) in feedback.hints[0]
    )


def test_count_primes_whose_worker_dies() -> None:
    # Not an answer a learner writes, and both texts must be in one hint: not data.
    def worker_dies(limits: list[int], workers: int) -> list[Any]:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(os._exit, [1] * len(limits), timeout=60))

    hints = check_count_primes_parallel(worker_dies).hints
    assert "raised BrokenProcessPool" in hints[0] and "under spawn or forkserver" in hints[0]


def notebook_worker(limit: int) -> Any:
    return count_primes_below(limit)


@FORK_WITH_THREADS
@pytest.mark.parametrize("method", METHODS)
def test_count_primes_with_a_worker_from_the_notebook(
    monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    # As if defined in a notebook: it pickles as __main__.notebook_worker, which a forked
    # worker has, and a spawned one, or one from the fork server, does not.
    monkeypatch.setattr(notebook_worker, "__module__", "__main__")
    monkeypatch.setattr(sys.modules["__main__"], "notebook_worker", notebook_worker, raising=False)

    def own_worker(limits: list[int], workers: int) -> list[Any]:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(notebook_worker, limits, timeout=60))

    # The kernel's default: fork on Linux up to Python 3.13, forkserver from 3.14, spawn on
    # macOS and Windows.
    with default_start_method(method):
        feedback = check_count_primes_parallel(own_worker)
    assert len(feedback.failed_cases) == 1, str(feedback)
    case, hint = feedback.failed_cases[0]
    if method == "fork":
        assert case.startswith("under spawn"), "under fork only the check's spawn run fails"
    else:
        assert case == "your answer", "the first run fails already, and the check stops there"
    assert "raised BrokenProcessPool" in hint
    assert "cannot find a function defined in the notebook" in hint
    assert "the default on Linux from Python 3.14" in hint


def test_count_primes_that_hangs_is_bounded() -> None:
    def hangs(limits: list[int], workers: int) -> list[Any]:
        time.sleep(3)
        return []

    start = time.perf_counter()
    hints = check_count_primes_parallel(hangs, time_limit=0.5).hints
    assert len(hints) == 1 and "still running after 0.5 s" in hints[0]
    assert time.perf_counter() - start < 2.5
