"""The check of exercise 8.3: how many in flight, and is it possible at all.

Little's law: ``rate`` answers a second, each after ``latency`` seconds, need ``rate *
latency`` requests in flight, rounded up. One event loop runs on one core, so it answers at
most ``1 / cpu_per_request`` a second, however many are in flight: above that, ValueError.
"""

from __future__ import annotations

import math
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    function_name,
    require_function,
)

__all__ = [
    "CASES",
    "check_in_flight_needed",
    "needed",
]

# (rate a second, latency in s, CPU time per request in s): what each case asks
CASES = [
    (1_000, 0.1, 0.000_3),
    (7, 0.1, 0.001),
    (25, 0.1, 0.001),
    (300, 0.1, 0.001),  # 30.000000000000004 in floating point: 31 is forgiven
    (2_500, 0.1, 0.000_3),
    (1_000, 0.05, 0.001),  # exactly at the ceiling: still possible
    (5_000, 0.1, 0.000_3),  # above it
    (4_000, 0.2, 0.000_3),  # above it, though 800 in flight would do without it
]


def needed(rate: float, latency: float, cpu_per_request: float) -> int | None:
    """The right answer, or None where the rate is above the CPU ceiling."""
    if rate * cpu_per_request > 1 + 1e-9:
        return None
    return math.ceil(rate * latency - 1e-9)


def _describe(rate: float, latency: float, cpu: float) -> str:
    return f"{rate:,} a second, {latency * 1000:g} ms each, {cpu * 1e6:,g} µs of CPU time each"


def _attempt(fn: Any, *args: float) -> tuple[str, Any]:
    def attempt() -> tuple[str, Any]:
        try:
            return ("returned", fn(*args))
        except NotImplementedError:
            raise
        except Exception as error:  # which exception it raised is part of the answer
            return ("raised", error)

    attempt.__name__ = function_name(fn)
    outcome: tuple[str, Any] = call_bounded(attempt, time_limit=2.0)
    return outcome


def _require(fn: Any, rate: float, latency: float, cpu: float) -> None:
    name, want = function_name(fn), needed(rate, latency, cpu)
    how, got = _attempt(fn, rate, latency, cpu)
    ceiling = 1 / cpu
    if want is None:
        if how == "raised" and isinstance(got, ValueError):
            return
        if how == "raised":
            raise CaseFailed(f"{name}() raised {type(got).__name__}: raise ValueError instead")
        raise CaseFailed(
            f"{name}() returned {got!r}, but {rate:,} requests a second at {cpu * 1e6:g} µs "
            f"of CPU time each need {rate * cpu:g} s of CPU time every second, more than the "
            f"one core an event loop runs on: the ceiling is {ceiling:,.0f} a second. Raise "
            "ValueError above it"
        )
    if how == "raised":
        at_ceiling = math.isclose(rate, ceiling)
        hint = f"{name}() raised {type(got).__name__}: {got}"
        if at_ceiling:
            hint += (
                f". {rate:,} a second is exactly the CPU ceiling, which is still possible: "
                "raise only when rate is above it"
            )
        raise CaseFailed(hint)
    if isinstance(got, bool) or not isinstance(got, int):
        kind = "None: did you forget a `return`?" if got is None else f"a {type(got).__name__}"
        raise CaseFailed(f"{name}() returned {kind}; return a whole number, an int")
    exact = rate * latency
    # A product a hair above a whole number (300 * 0.1) rounds up one too many: no fault of
    # the learner's. A product that is exactly whole (1_000 * 0.1) gets no such leeway.
    round_off = exact != want and math.isclose(exact, want, rel_tol=1e-9) and got == want + 1
    if got == want or round_off:
        return
    if got == math.floor(exact) or (got == round(exact) and got < exact):
        raise CaseFailed(
            f"{name}() returned {got}, but {got} in flight give only {got / latency:g} answers "
            f"a second, fewer than {rate:,}: {exact:g} requests in flight round up to {want}. "
            "Round up (math.ceil), not down or to the nearest"
        )
    if math.isclose(got, rate / latency):
        raise CaseFailed(
            f"{name}() returned {got}: in flight = rate × latency (Little's law), not "
            "rate / latency"
        )
    raise CaseFailed(f"{name}() returned {got}; {want} in flight give {rate:,} a second")


@exercise_check("Exercise 8.3: how many in flight, and is it possible at all")
def check_in_flight_needed(checker: Checker, in_flight_needed: Any) -> None:
    """Ask the learner's ``in_flight_needed(rate, latency, cpu_per_request)`` each case."""
    require_function(in_flight_needed)
    for rate, latency, cpu in CASES:
        want = needed(rate, latency, cpu)
        expect = "above the CPU ceiling" if want is None else f"{want} in flight"
        with checker.case(f"{_describe(rate, latency, cpu)}: {expect}"):
            _require(in_flight_needed, rate, latency, cpu)
