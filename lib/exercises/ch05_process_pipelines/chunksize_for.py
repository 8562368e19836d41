"""The check of exercise 5.3: a chunk size for many small calls."""

from __future__ import annotations

from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    require_type,
)

__all__ = ["CHUNK_CASES", "check_chunksize_for"]

# (calls, workers, what the case says)
CHUNK_CASES = [
    (5_000, 2, "5,000 calls, 2 workers: chunks of 625, four for each worker"),
    (5_001, 2, "5,001 calls, 2 workers: 626, so that no ninth chunk holds one call"),
    (100, 1, "100 calls, 1 worker: 25"),
    (10, 4, "10 calls, 4 workers: 1"),
    (0, 4, "no calls: still 1, which map accepts"),
]


def _pools(calls: int, workers: int) -> int:
    """What multiprocessing.Pool.map picks (0 calls: 0), made at least 1."""
    chunksize, extra = divmod(calls, workers * 4)
    return max(1, chunksize + (1 if extra else 0))


@exercise_check("Exercise 5.3: a chunk size for many small calls")
def check_chunksize_for(checker: Checker, chunksize_for: Any) -> None:
    """Call ``chunksize_for(calls, workers)`` on a few sizes, and with no workers."""
    for calls, workers, description in CHUNK_CASES:
        with checker.case(description):
            answer = call_bounded(chunksize_for, calls, workers, time_limit=2)
            answer = require_type(answer, int, f"chunksize_for({calls}, {workers})")
            expected = _pools(calls, workers)
            if answer < 1:
                raise CaseFailed(
                    f"chunksize {answer}: ProcessPoolExecutor.map raises ValueError for a "
                    "chunk size below 1, so return at least 1"
                )
            if answer == expected - 1 and calls % (4 * workers):
                raise CaseFailed(
                    f"{answer} rounds down, which leaves a last, small chunk beyond four per "
                    "worker: round up"
                )
            if answer != expected:
                chunks = -(-calls // answer)
                raise CaseFailed(
                    f"chunksize {answer} makes {chunks} chunk(s) of {calls} calls for "
                    f"{workers} worker(s): aim for four per worker, as multiprocessing.Pool.map "
                    f"does ({expected} here)"
                )
    with checker.case("no workers: ValueError"):
        try:
            answer = call_bounded(chunksize_for, 100, 0, time_limit=2)
        except CaseFailed as failure:
            if "raised ValueError" not in str(failure):
                raise CaseFailed(f"expected ValueError for 0 workers; {failure}") from None
        else:
            raise CaseFailed(
                f"chunksize_for(100, 0) returned {answer!r}: a pool has at least one worker, "
                "so raise ValueError"
            )
