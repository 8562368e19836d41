"""Checkers for chapter 4, "Multiprocessing".

A function defined in a notebook cannot be sent to a worker under ``spawn`` or
``forkserver``, so the learner's functions here run in this process, and the processes they
start run only workers from ``lib`` (``lib.primes``, ``lib.pipeline``). The checkers see
where the work ran from the pids the workers report, and :class:`NewProcesses` stops any
process an answer leaves running, so that a wrong answer never leaves one behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from itertools import accumulate
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    call_bounded,
    exercise_check,
    require_type,
)
from lib.exercises._harness.process_watch import NewProcesses, default_start_method

__all__ = [
    "BAD_FRACTIONS",
    "FACTOR",
    "PICKLE_FAILURE_SIGNS",
    "PICKLE_HINT",
    "PRIME_LIMITS",
    "SENTINEL_HINT",
    "WORKER_CASES",
    "check_count_primes_parallel",
    "check_save_transformed",
    "check_worker_count",
    "require_counts",
    "require_exactly_once",
    "require_workers",
    "run_count_primes",
    "run_learner_pipeline",
    "sieve_counts",
]

# Exercise 4.1 ----------------------------------------------------------------------------

# (cpus, fraction, the right worker count, what the case says)
WORKER_CASES = [
    (8, 0.5, 4, "8 cores, fraction 0.5: 4 workers"),
    (4, 1.0, 4, "4 cores, fraction 1.0: all 4"),
    (7, 0.5, 3, "7 cores, fraction 0.5: 3 (3.5 rounded down)"),
    (1, 0.5, 1, "1 core, fraction 0.5: 1 worker, not the article's 0"),
    (2, 0.25, 1, "2 cores, fraction 0.25: still 1 worker"),
    (None, 0.5, 1, "os.cpu_count() gave None: 1 worker"),
]
BAD_FRACTIONS = [0, -0.5, 1.5]


@exercise_check("Exercise 4.1: a worker count that is never zero")
def check_worker_count(checker: Checker, worker_count: Any) -> None:
    """Call ``worker_count(cpus, fraction)`` on ordinary machines, tiny ones and bad input."""
    for cpus, fraction, expected, description in WORKER_CASES:
        with checker.case(description):
            try:
                answer = call_bounded(worker_count, cpus, fraction, time_limit=2)
            except CaseFailed as failure:
                if cpus is None:
                    raise CaseFailed(
                        f"{failure}. os.cpu_count() returns None when it cannot tell: count "
                        "that as 1 core"
                    ) from None
                raise
            answer = require_type(answer, int, f"worker_count({cpus}, {fraction})")
            if answer < 1:
                raise CaseFailed(
                    f"{answer} workers: ProcessPoolExecutor(max_workers={answer}) raises "
                    "ValueError. Never return less than 1"
                )
            if cpus is not None and answer > cpus:
                raise CaseFailed(f"{answer} workers for {cpus} cores: never more than the cores")
            if answer != expected:
                raise CaseFailed(
                    f"expected {expected}, got {answer}: take the fraction of the cores, "
                    "rounded down (as int() does), but at least 1"
                )
    with checker.case(f"fractions {', '.join(map(str, BAD_FRACTIONS))} raise ValueError"):
        for fraction in BAD_FRACTIONS:
            try:
                answer = call_bounded(worker_count, 4, fraction, time_limit=2)
            except CaseFailed as failure:
                if "raised ValueError" not in str(failure):
                    raise CaseFailed(
                        f"expected ValueError for fraction {fraction}; {failure}"
                    ) from None
            else:
                raise CaseFailed(
                    f"worker_count(4, {fraction}) returned {answer!r}: a fraction must be more "
                    "than 0 and at most 1, so raise ValueError for anything else"
                )


# Exercise 4.2 ----------------------------------------------------------------------------

PRIME_LIMITS = [120_000, 10, 0, 2, 3, 60_000, 100, 7_919, 1_000]
PICKLE_HINT = (
    "could a worker process not get the function? Send lib.primes.count_primes_below itself: "
    "a lambda does not pickle, and under spawn or forkserver (the default on Linux from Python "
    "3.14) a worker cannot find a function defined in the notebook"
)
# What a function that cannot reach a worker looks like: the parent fails to pickle it (a
# lambda; Python 3.13 words it "Can't get local object"), or a spawned worker cannot find it.
PICKLE_FAILURE_SIGNS = (
    "pickle",
    "can't get local object",
    "can't get attribute",
    "brokenprocesspool",
)


def sieve_counts(limits: list[int]) -> list[int]:
    """The number of primes below each limit, by one sieve of Eratosthenes."""
    size = max([2, *limits])
    marks = bytearray([1]) * size
    marks[:2] = b"\0\0"
    for number in range(2, int(size**0.5) + 1):
        if marks[number]:
            marks[number * number :: number] = bytes(len(range(number * number, size, number)))
    below = [0, *accumulate(marks)]  # below[n]: the primes less than n
    return [below[max(0, limit)] for limit in limits]


def run_count_primes(
    count_primes_parallel: Any, limits: list[int], workers: int, time_limit: float
) -> tuple[Any, int]:
    """Call the learner's function; return its answer and how many of the processes it
    started were still running after it returned (they are stopped now)."""
    with NewProcesses() as started:
        try:
            answer = call_bounded(
                count_primes_parallel, list(limits), workers, time_limit=time_limit
            )
        except Hung:
            raise
        except CaseFailed as failure:
            if any(sign in str(failure).lower() for sign in PICKLE_FAILURE_SIGNS):
                raise CaseFailed(f"{failure}; {PICKLE_HINT}") from None
            raise
        return answer, len(started.still_running())


def require_counts(answer: Any, limits: list[int]) -> list[tuple[int, int, int]]:
    """The answer as a list of PrimeCounts, one per limit in the order of ``limits``.

    Raises:
        CaseFailed: with a hint, if it is not.
    """
    answer = list(require_type(answer, (list, tuple), "what count_primes_parallel returns"))
    for item in answer:
        if isinstance(item, int):
            raise CaseFailed(
                f"the result holds numbers like {item!r}: return the PrimeCount that "
                "count_primes_below gives for each limit (its pid says where it ran)"
            )
        if not isinstance(item, tuple) or len(item) != 3:
            raise CaseFailed(
                f"the result holds a {type(item).__name__}: return the PrimeCount that "
                "count_primes_below gives for each limit"
            )
    got = [item[0] for item in answer]
    if sorted(got) == sorted(limits) and got != limits:
        raise CaseFailed(
            "the results are not in the order of limits: keep it (pool.map does; "
            "as_completed gives them as they finish)"
        )
    if got != limits:
        raise CaseFailed(f"the results are for the limits {got}, not {limits}: one per limit")
    counts: list[tuple[int, int, int]] = answer
    return counts


def require_workers(answer: list[tuple[int, int, int]], workers: int) -> None:
    in_kernel = sum(pid == os.getpid() for _, _, pid in answer)
    if in_kernel:
        raise CaseFailed(
            f"{in_kernel} of {len(answer)} counts were made in this kernel's own process: "
            "submit count_primes_below to a ProcessPoolExecutor (a thread pool's threads "
            "run in this process too)"
        )
    processes = len({pid for _, _, pid in answer})
    if processes > workers:
        raise CaseFailed(
            f"the counts came from {processes} different processes, but workers={workers}: "
            "send every limit to one ProcessPoolExecutor(max_workers=workers)"
        )


@exercise_check("Exercise 4.2: count primes on a process pool")
def check_count_primes_parallel(
    checker: Checker, count_primes_parallel: Any, *, time_limit: float = 30.0
) -> None:
    """Run ``count_primes_parallel(limits, workers)``; compare with a sieve, and check the
    pids the workers reported and the processes left running."""
    answer, left = run_count_primes(count_primes_parallel, PRIME_LIMITS, 2, time_limit)
    counts = None
    with checker.case(f"{len(PRIME_LIMITS)} limits, 2 workers: a PrimeCount per limit, in order"):
        counts = require_counts(answer, PRIME_LIMITS)
    if counts is None:
        return  # the other cases need one count per limit
    with checker.case("each count matches a sequential count"):
        for (limit, count, _), expected in zip(counts, sieve_counts(PRIME_LIMITS), strict=True):
            assert count == expected, f"primes below {limit}: expected {expected}, got {count!r}"
    with checker.case("the counts were made in at most 2 worker processes, not in this one"):
        require_workers(counts, 2)
    with checker.case("the pool has shut down when count_primes_parallel returns"):
        if left:
            raise CaseFailed(
                f"{left} worker process(es) were still running afterwards (now stopped): use "
                "the pool in a `with` block, which shuts it down"
            )
    with checker.case("workers=1: every count made in one worker process"):
        limits = [1_000, 100, 10]
        counts = require_counts(
            run_count_primes(count_primes_parallel, limits, 1, time_limit)[0], limits
        )
        require_workers(counts, 1)
        assert [count for _, count, _ in counts] == sieve_counts(limits), "the counts are wrong"
    with checker.case("under spawn, the default on macOS and Windows: the same counts"):
        limits = [2_000, 10, 500]
        with default_start_method("spawn"):
            answer, _ = run_count_primes(count_primes_parallel, limits, 2, time_limit)
        counts = require_counts(answer, limits)
        require_workers(counts, 2)
        assert [count for _, count, _ in counts] == sieve_counts(limits), "the counts are wrong"
    with checker.case("no limits: an empty list"):
        answer, _ = run_count_primes(count_primes_parallel, [], 2, time_limit)
        assert require_counts(answer, []) == [], f"expected [], got {answer!r}"


# Exercise 4.3 ----------------------------------------------------------------------------

FACTOR = 3  # ints times an int stay ints, so the saved values compare exactly
SENTINEL_HINT = (
    "each transformer stops at its own sentinel, so the producer must send one per "
    "transformer, and the writer must wait for one from each"
)


def run_learner_pipeline(
    save_transformed: Any, items: list[int], transformers: int, time_limit: float
) -> Any:
    """Run the learner's pipeline (``time_limit`` s at most), stop whatever it left running,
    and return what it saved.

    Raises:
        Hung: if it ran out of time, or raised TimeoutError: the pipeline hung.
        CaseFailed: if it raised, returned before its processes ended, or saved nothing.
    """
    name = getattr(save_transformed, "__name__", "your function")
    with tempfile.TemporaryDirectory(prefix="book-ex-pipeline-") as folder, NewProcesses() as new:
        path = os.path.join(folder, "data.json")
        args = (list(items), path, transformers, FACTOR)
        try:
            call_bounded(save_transformed, *args, time_limit=time_limit)
        except Hung:
            raise Hung(
                f"{name}() was still running after {time_limit:g} s, so its {new.stop()} "
                f"process(es) were terminated: {SENTINEL_HINT} ({transformers} here); and "
                "wait for them with a timeout (join_all does)"
            ) from None
        except CaseFailed as failure:
            if "raised TimeoutError" in str(failure):
                raise Hung(
                    f"{name}() raised TimeoutError, so the pipeline hung: {SENTINEL_HINT} "
                    f"({transformers} here)"
                ) from None
            raise
        running = len(new.alive())
        if running:
            raise CaseFailed(
                f"{running} process(es) were still running when {name}() returned (now "
                "stopped): wait for every stage, with a timeout (join_all does)"
            )
        try:
            with open(path, encoding="utf-8") as file:
                return json.load(file)
        except FileNotFoundError:
            raise CaseFailed("nothing was saved: is the writer started, with `path`?") from None


def require_exactly_once(saved: Any, items: list[int], transformers: int) -> None:
    saved = require_type(saved, list, "the saved JSON")
    expected = Counter(item * FACTOR for item in items)
    found = Counter(saved)
    missing, extra = expected - found, found - expected
    if missing:
        raise CaseFailed(
            f"{sum(missing.values())} of {len(items)} items are missing from the file: with "
            f"{transformers} transformers, the writer must wait for {transformers} stop "
            "sentinels before it saves"
        )
    if extra:
        raise CaseFailed(
            f"{sum(extra.values())} saved value(s) are extra, like {next(iter(extra))!r}: put "
            "each item on the queue once (one producer), and multiply by factor once"
        )


@exercise_check("Exercise 4.3: a pipeline with two transformers")
def check_save_transformed(
    checker: Checker, save_transformed: Any, *, time_limit: float = 10.0
) -> None:
    """Run ``save_transformed(items, path, transformers, factor)`` with 2, 3 and 1
    transformers, and with no items; read back the file it saved each time."""
    for items, transformers, description in [
        (list(range(40)), 2, "2 transformers, 40 items: no hang, every item saved once"),
        ([5, 3, 8, 1, 9, 2, 7], 3, "3 transformers, 7 items: every item saved once"),
    ]:
        with checker.case(description):
            saved = run_learner_pipeline(save_transformed, items, transformers, time_limit)
            require_exactly_once(saved, items, transformers)
    with checker.case("1 transformer: every item saved once, in order"):
        items = [4, 1, 3, 2]
        saved = run_learner_pipeline(save_transformed, items, 1, time_limit)
        require_exactly_once(saved, items, 1)
        assert saved == [item * FACTOR for item in items], f"the order changed: {saved!r}"
    with checker.case("2 transformers, no items: an empty list saved"):
        saved = run_learner_pipeline(save_transformed, [], 2, time_limit)
        assert saved == [], f"expected [], got {saved!r}"
