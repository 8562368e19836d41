"""The check of exercise 4.3: the best speed-up Amdahl's law allows."""

from __future__ import annotations

import math
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    require_type,
)

__all__ = ["AMDAHL_CASES", "BAD_ARGUMENTS", "check_amdahl_speedup"]

# (serial fraction, workers, cores, what the case says)
AMDAHL_CASES = [
    (0.0, 4, 4, "no serial part, 4 workers on 4 cores: 4×"),
    (0.1, 4, 4, "s = 0.1, 4 workers on 4 cores"),
    (0.1, 8, 4, "s = 0.1, 8 workers on 4 cores: no better than 4"),
    (0.5, 2, 8, "s = 0.5, 2 workers on 8 cores"),
    (1.0, 8, 8, "all of it serial: 1×, however many workers"),
    (0.04, 1, 2, "one worker: 1×"),
]

BAD_ARGUMENTS = [(-0.1, 2, 2), (1.5, 2, 2), (0.1, 0, 2), (0.1, 2, 0)]


def _best(fraction: float, workers: int, cores: int) -> float:
    return 1 / (fraction + (1 - fraction) / min(workers, cores))


def _why(answer: float, fraction: float, workers: int, cores: int) -> str:
    """A hint for a wrong speed-up, from the formula it matches."""
    if workers > cores and math.isclose(answer, 1 / (fraction + (1 - fraction) / workers)):
        return "past the core count, extra workers only take turns: use min(workers, cores)"
    if fraction and math.isclose(answer, 1 / fraction):
        return "1 / s is the ceiling for endless workers; this many get less"
    if math.isclose(answer, fraction + (1 - fraction) / min(workers, cores)):
        return "that is the new time as a share of the old; the speed-up is its inverse"
    return "the speed-up is T / T', with T' = T × (s + (1 − s) / min(workers, cores))"


@exercise_check("Exercise 4.3: the best speed-up Amdahl's law allows")
def check_amdahl_speedup(checker: Checker, amdahl_speedup: Any) -> None:
    """Call ``amdahl_speedup(serial_fraction, workers, cores)`` on a few pools and bad input."""
    for fraction, workers, cores, description in AMDAHL_CASES:
        with checker.case(description):
            answer = call_bounded(amdahl_speedup, fraction, workers, cores, time_limit=2)
            call = f"amdahl_speedup({fraction}, {workers}, {cores})"
            answer = require_type(answer, (int, float), call)
            expected = _best(fraction, workers, cores)
            if not math.isclose(answer, expected, rel_tol=1e-6):
                raise CaseFailed(
                    f"{call} returned {answer:.3f}, not {expected:.3f}: "
                    + _why(answer, fraction, workers, cores)
                )
    with checker.case("a fraction outside 0 to 1, or no workers or cores, raises ValueError"):
        for arguments in BAD_ARGUMENTS:
            try:
                answer = call_bounded(amdahl_speedup, *arguments, time_limit=2)
            except CaseFailed as failure:
                if "raised ValueError" not in str(failure):
                    raise CaseFailed(f"expected ValueError for {arguments}; {failure}") from None
            else:
                raise CaseFailed(
                    f"amdahl_speedup{arguments} returned {answer!r}: a fraction is between 0 "
                    "and 1, and a pool needs a worker and a core, so raise ValueError"
                )
