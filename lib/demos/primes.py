"""Counting primes: a CPU-bound task for a process pool, that says which process ran it.

:func:`count_primes_below` is pure-Python trial division, so it holds the GIL the whole
time it runs: only processes can run several counts at once. It lives in a module, not in a
notebook, so that a worker started with ``spawn`` or ``forkserver`` can import it.

Each answer carries the process id of the process that counted, so whoever sent the work
can see where it ran: in a worker process, or (by mistake) in its own.
"""

from __future__ import annotations

import math
import os
from typing import NamedTuple

__all__ = [
    "PrimeCount",
    "count_primes_below",
    "is_prime",
]


class PrimeCount(NamedTuple):
    """How many primes are below ``limit``, and the id of the process that counted them."""

    limit: int
    count: int  # type: ignore[assignment]  # the field shadows tuple.count, on purpose
    pid: int


def is_prime(number: int) -> bool:
    """Whether ``number`` is a prime, by trial division with 2 and the odd numbers up to its
    square root. Numbers below 2 are not primes.

    Raises:
        TypeError: if ``number`` is not an int (a bool is not accepted either).
    """
    _require_int(number, "number")
    if number < 2:
        return False
    if number % 2 == 0:
        return number == 2
    return all(number % divisor for divisor in range(3, math.isqrt(number) + 1, 2))


def count_primes_below(limit: int) -> PrimeCount:
    """Count the primes ``p`` with ``p < limit``, in this process, one by one.

    Returns a :class:`PrimeCount`: ``limit``, the count, and ``os.getpid()`` of the process
    that did the counting. A ``limit`` of 2 or less has no primes below it.

    Raises:
        TypeError: if ``limit`` is not an int (a bool is not accepted either).
    """
    _require_int(limit, "limit")
    count = sum(1 for number in range(2, max(2, limit)) if is_prime(number))
    return PrimeCount(limit, count, os.getpid())


def _require_int(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
