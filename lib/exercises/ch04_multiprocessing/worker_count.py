"""The check of exercise 4.1: a worker count that is never zero."""

from __future__ import annotations

from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    require_type,
)

__all__ = [
    "BAD_FRACTIONS",
    "WORKER_CASES",
    "check_worker_count",
]


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
