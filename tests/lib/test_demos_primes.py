"""Counting primes in any process (lib.demos.primes), checked against a sieve, and run under spawn.

``spawn`` is the start method that needs the worker to live in an importable module; the
chapter's exercise relies on it working under every method.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from lib.demos.primes import PrimeCount, count_primes_below, is_prime


def sieve_count(limit: int) -> int:
    """The number of primes below ``limit``, by the sieve of Eratosthenes."""
    if limit <= 2:
        return 0
    marks = bytearray([1]) * limit
    marks[0] = marks[1] = 0
    for number in range(2, int(limit**0.5) + 1):
        if marks[number]:
            marks[number * number :: number] = bytearray(len(range(number * number, limit, number)))
    return sum(marks)


def test_small_numbers() -> None:
    assert [n for n in range(-3, 30) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
    assert is_prime(7_919) and not is_prime(7_917) and not is_prime(49)


@pytest.mark.parametrize("limit", [-5, 0, 1, 2, 3, 4, 10, 100, 7_919, 7_920, 20_000])
def test_counts_agree_with_a_sieve(limit: int) -> None:
    assert count_primes_below(limit) == PrimeCount(limit, sieve_count(limit), os.getpid())


@pytest.mark.parametrize("bad", [2.5, "10", None, True])
def test_only_ints(bad: object) -> None:
    with pytest.raises(TypeError, match="must be an int"):
        count_primes_below(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be an int"):
        is_prime(bad)  # type: ignore[arg-type]


def test_a_spawned_worker_counts_and_says_so() -> None:
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        answers = list(pool.map(count_primes_below, [100, 10], timeout=60))
    assert [(a.limit, a.count) for a in answers] == [(100, 25), (10, 4)]
    assert answers[0].pid == answers[1].pid != os.getpid()
