"""Chapter 4's checkers: what tests/exercises/mistakes/ch04_multiprocessing.md cannot say as data.

The common mistakes and their hints are data, in that file (see test_mistakes.py). Here: the
right answers under every start method, the starters, answers that return nothing, raise or
hang and their time limits, a worker from the notebook (monkeypatched, start-method
specific), processes left running, and what a hint alone cannot say: how many cases fail, or
two texts in one hint. And whatever the answer did, the checkers leave no process behind.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest

from lib.demos.pipeline import join_all, producer, transformer, writer
from lib.demos.primes import count_primes_below
from lib.exercises._harness.process_watch import NewProcesses, default_start_method
from lib.exercises.ch04_multiprocessing import (
    check_count_primes_parallel,
    check_save_transformed,
    check_worker_count,
)
from lib.exercises.ch04_multiprocessing.count_primes_parallel import sieve_counts
from tests.plugins.leaks import nothing_left_behind

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


def starter(*args: Any) -> Any:
    raise NotImplementedError("replace this line with your solution")


# Exercise 4.1 ----------------------------------------------------------------------------


def worker_count(cpus: int | None, fraction: float) -> int:
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    return max(1, int((cpus or 1) * fraction))


def test_worker_count_right() -> None:
    feedback = check_worker_count(worker_count)
    assert feedback.passed, str(feedback)
    assert str(feedback).endswith("All 7 checks passed.")


def test_worker_count_none_and_starter() -> None:
    assert any("forget a `return`" in h for h in check_worker_count(lambda c, f: None).hints)
    assert check_worker_count(starter).not_attempted
    assert check_worker_count(...).not_attempted


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


def count_primes_parallel(limits: list[int], workers: int) -> list[Any]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(count_primes_below, limits, timeout=60))


@FORK_WITH_THREADS
@pytest.mark.parametrize("method", METHODS)
def test_count_primes_right_under_every_start_method(method: str) -> None:
    def right(limits: list[int], workers: int) -> list[Any]:
        context = multiprocessing.get_context(method)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            return list(pool.map(count_primes_below, limits, timeout=60))

    feedback = check_count_primes_parallel(right)
    assert feedback.passed, str(feedback)
    assert str(feedback).endswith("All 7 checks passed.")


def test_count_primes_in_the_parent_or_on_threads_is_told_so() -> None:
    def in_parent(limits: list[int], workers: int) -> list[Any]:
        return [count_primes_below(limit) for limit in limits]

    def on_threads(limits: list[int], workers: int) -> list[Any]:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(count_primes_below, limits))

    # Both are in the mistakes file too; here, what a hint cannot say: all 3 cases fail.
    for answer in (in_parent, on_threads):
        hints = check_count_primes_parallel(answer).hints
        assert len(hints) == 3, hints  # the main case, workers=1, and under spawn
        assert hints[0].startswith("9 of 9 counts were made in this kernel's own process")


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
    # In the mistakes file too; here, what a hint cannot say: the check stops at that case.
    def counts_only(limits: list[int], workers: int) -> list[Any]:
        return [result.count for result in count_primes_parallel(limits, workers)]

    feedback = check_count_primes_parallel(counts_only)
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


def test_count_primes_none_hanging_and_starter() -> None:
    assert "forget a `return`" in check_count_primes_parallel(lambda limits, w: None).hints[0]

    def hangs(limits: list[int], workers: int) -> list[Any]:
        time.sleep(3)
        return []

    start = time.perf_counter()
    hints = check_count_primes_parallel(hangs, time_limit=0.5).hints
    assert len(hints) == 1 and "still running after 0.5 s" in hints[0]
    assert time.perf_counter() - start < 2.5
    assert check_count_primes_parallel(starter).not_attempted


# Exercise 4.3 ----------------------------------------------------------------------------


def save_transformed(
    items: list[int],
    path: str,
    transformers: int,
    factor: float,
    stops: int | None = None,
    method: str | None = None,
    timeout: float = 5.0,
) -> None:
    """The right answer; ``stops`` overrides the sentinels the producer sends."""
    context = multiprocessing.get_context(method)
    to_transform, to_write = context.Queue(), context.Queue()
    stops = transformers if stops is None else stops
    stages = [context.Process(target=producer, args=(items, to_transform, stops))]
    stages += [
        context.Process(target=transformer, args=(to_transform, to_write, factor))
        for _ in range(transformers)
    ]
    stages.append(context.Process(target=writer, args=(to_write, path, transformers)))
    for stage in stages:
        stage.start()
    join_all(stages, timeout)


@FORK_WITH_THREADS
@pytest.mark.parametrize("method", METHODS)
def test_pipeline_right_under_every_start_method(method: str) -> None:
    def right(items: list[int], path: str, transformers: int, factor: float) -> None:
        save_transformed(items, path, transformers, factor, method=method)

    feedback = check_save_transformed(right)
    assert feedback.passed, str(feedback)
    assert str(feedback).endswith("All 4 checks passed.")


def test_pipeline_with_one_sentinel_is_a_hang_reported_and_stopped() -> None:
    def one_sentinel(items: list[int], path: str, transformers: int, factor: float) -> None:
        save_transformed(items, path, transformers, factor, stops=1, timeout=1.0)

    start = time.perf_counter()
    feedback = check_save_transformed(one_sentinel)
    assert time.perf_counter() - start < 5
    assert feedback.hints == [
        "one_sentinel() raised TimeoutError, so the pipeline hung: each transformer stops at "
        "its own sentinel, so the producer must send one per transformer, and the writer "
        "must wait for one from each (2 here)"
    ]
    assert len(feedback.failed_cases) == 1, "the check stops at the first hang"


def test_pipeline_that_waits_for_ever_is_stopped() -> None:
    def joins(items: list[int], path: str, transformers: int, factor: float) -> None:
        context = multiprocessing.get_context()
        to_transform, to_write = context.Queue(), context.Queue()
        stages = [context.Process(target=producer, args=(items, to_transform, 1))]
        stages += [
            context.Process(target=transformer, args=(to_transform, to_write, factor))
            for _ in range(transformers)
        ]
        stages.append(context.Process(target=writer, args=(to_write, path, transformers)))
        for stage in stages:
            stage.start()
        for stage in stages:
            stage.join()  # no timeout: it never returns while a transformer waits

    start = time.perf_counter()
    feedback = check_save_transformed(joins, time_limit=1.5)
    assert time.perf_counter() - start < 5
    assert feedback.hints == [
        "joins() was still running after 1.5 s, so its 2 process(es) were terminated: each "
        "transformer stops at its own sentinel, so the producer must send one per "
        "transformer, and the writer must wait for one from each (2 here); and wait for them "
        "with a timeout (join_all does)"
    ]


@FORK_WITH_THREADS
def test_pipeline_that_does_not_wait_is_told_so() -> None:
    def no_wait(items: list[int], path: str, transformers: int, factor: float) -> list[Any]:
        context = multiprocessing.get_context("fork")
        queues = context.Queue(), context.Queue()
        stages = [context.Process(target=producer, args=(items, queues[0], transformers))]
        stages += [
            context.Process(target=transformer, args=(*queues, factor)) for _ in range(transformers)
        ]
        stages.append(context.Process(target=writer, args=(queues[1], path, transformers)))
        for stage in stages:
            stage.start()
        return [stages, queues]  # kept alive, but never waited for

    hints = check_save_transformed(no_wait).hints
    assert "were still running when no_wait() returned" in hints[0]


def test_pipeline_raising_and_starter() -> None:
    def raises(items: list[int], path: str, transformers: int, factor: float) -> None:
        raise RuntimeError("oops")

    assert check_save_transformed(raises).hints[0] == "raises() raised RuntimeError: oops"
    assert check_save_transformed(starter).not_attempted


def test_new_processes_stops_what_is_left() -> None:
    with NewProcesses() as new:
        sleeper = multiprocessing.Process(target=time.sleep, args=(30,))
        sleeper.start()
        assert new.alive() == [sleeper]
        assert new.still_running(0.1) == [sleeper]
    assert not sleeper.is_alive() and sleeper.exitcode is not None
    assert sleeper not in multiprocessing.active_children()


def test_default_start_method_is_put_back() -> None:
    before = multiprocessing.get_start_method(allow_none=True)
    with default_start_method("spawn"):
        assert multiprocessing.get_start_method() == "spawn"
    assert multiprocessing.get_start_method(allow_none=True) == before
