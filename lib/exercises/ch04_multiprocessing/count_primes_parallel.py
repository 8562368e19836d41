"""The check of exercise 4.2: count primes on a process pool."""

from __future__ import annotations

import contextlib
import functools
import inspect
import multiprocessing.pool
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from itertools import accumulate
from types import FrameType
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    call_bounded,
    exercise_check,
    function_name,
    require_type,
)
from lib.exercises._harness.process_watch import NewProcesses, default_start_method

__all__ = [
    "PICKLE_FAILURE_SIGNS",
    "PICKLE_HINT",
    "PRIME_LIMITS",
    "check_count_primes_parallel",
    "keeping_pools",
    "require_counts",
    "require_workers",
    "run_count_primes",
    "sieve_counts",
]


PRIME_LIMITS = [120_000, 10, 0, 2, 3, 60_000, 100, 7_919, 1_000]

PICKLE_HINT = (
    "could a worker process not get the function? Send lib.demos.primes.count_primes_below itself: "
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


# The code of the constructors of the process pools an answer may create.
_POOL_INITS = (ProcessPoolExecutor.__init__.__code__, multiprocessing.pool.Pool.__init__.__code__)


def keeping_pools(fn: Any, pools: list[Any]) -> Any:
    """``fn``, made to append to ``pools`` every process pool it creates while it runs.

    Held there, a pool the answer never shuts down stays up, as it does in a notebook that
    keeps a reference to it (the last exception keeps the frame that holds it). Otherwise the
    garbage collector shuts it down as soon as ``fn`` returns, and it would look shut down.
    Anything that is not a plain function (``...``, an ``async def``) is returned as it is.
    """
    if not callable(fn) or inspect.iscoroutinefunction(fn):
        return fn

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in _POOL_INITS:
            pools.append(frame.f_locals["self"])

    @functools.wraps(fn)
    def keeping(*args: Any, **kwargs: Any) -> Any:
        sys.setprofile(profile)  # this thread's only: call_bounded runs fn on a thread of its own
        try:
            return fn(*args, **kwargs)
        finally:
            sys.setprofile(None)

    keeping.__name__ = function_name(fn)  # for the hints, as call_bounded would name fn
    return keeping


def _shut_down(pools: list[Any]) -> None:
    """Shut down the pools an answer left open, without waiting: NewProcesses stops their
    workers."""
    for pool in pools:
        # A pool whose __init__ raised (max_workers=0) is half built, and has no workers.
        with contextlib.suppress(Exception):
            if isinstance(pool, ProcessPoolExecutor):
                pool.shutdown(wait=False, cancel_futures=True)
            else:
                pool.terminate()
    pools.clear()


def run_count_primes(
    count_primes_parallel: Any, limits: list[int], workers: int, time_limit: float
) -> tuple[Any, int]:
    """Call the learner's function; return its answer and how many of the processes it
    started were still running after it returned (they are stopped now).

    Raises:
        Hung: if it ran past ``time_limit`` seconds.
        CaseFailed: if it raised; with :data:`PICKLE_HINT` when the function did not reach
            a worker.
    """
    pools: list[Any] = []  # the pools the answer created, kept up until it has been checked
    answer_fn = keeping_pools(count_primes_parallel, pools)
    with NewProcesses() as started:
        try:
            answer = call_bounded(answer_fn, list(limits), workers, time_limit=time_limit)
            return answer, len(started.still_running())
        except Hung:
            raise
        except CaseFailed as failure:
            if any(sign in str(failure).lower() for sign in PICKLE_FAILURE_SIGNS):
                raise CaseFailed(f"{failure}; {PICKLE_HINT}") from None
            raise
        finally:
            _shut_down(pools)


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
