"""The check of exercise 3.1: every result and every exception."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from lib.exercises._harness.checking import CaseFailed, Checker, call_bounded, exercise_check
from lib.exercises._harness.outcomes import (
    compare,
    reference,
    require_results_and_errors,
    require_split,
)
from lib.exercises.ch03_threading._common import Overlap

__all__ = [
    "SLUG_IDS",
    "check_collect_all",
    "run_collect_all",
]


SLUG_IDS = [100, 200, 300, 400, 600, 853, 1000, 0]  # four slugs, three AttributeError, one Lookup


def run_collect_all(
    collect_all: Any, ids: list[int], workers: int, time_limit: float
) -> tuple[dict[Any, Any], dict[Any, Any], Overlap]:
    fn = Overlap(min(workers, len(ids)))
    try:
        answer = call_bounded(collect_all, fn, list(ids), workers, time_limit=time_limit)
    except CaseFailed as failure:
        if any(f"raised {type(error).__name__}: {error}" in str(failure) for error in fn.raised):
            raise CaseFailed(
                f"{failure}, which fn raised: catch what future.result() raises and keep it "
                "in errors"
            ) from None
        raise
    results, errors = require_results_and_errors(answer)
    if any(isinstance(key, Future) for key in [*results, *errors]):
        raise CaseFailed("the keys are futures: map each future back to its item, and use that")
    return results, errors, fn


@exercise_check("Exercise 3.1: every result and every exception")
def check_collect_all(checker: Checker, collect_all: Any, *, time_limit: float = 5.0) -> None:
    """Run ``collect_all(fn, items, max_workers)`` on ids that succeed and ids that fail."""
    results, errors, fn = run_collect_all(collect_all, SLUG_IDS, 3, time_limit)
    expected = reference(SLUG_IDS)
    with checker.case("8 ids on 3 threads: every id ends in results or in errors"):
        require_split(results, errors, SLUG_IDS)
    with checker.case("results hold the slugs of the calls that returned"):
        compare(results, {k: v for k, v in expected.items() if isinstance(v, str)}, "results")
    with checker.case("errors hold the exceptions of the calls that raised"):
        compare(errors, {k: v for k, v in expected.items() if isinstance(v, Exception)}, "errors")
    with checker.case("3 calls ran at the same time, never more"):
        if fn.peak < 3:
            raise CaseFailed(
                f"at most {fn.peak} call(s) ran at once: submit every item to a "
                "ThreadPoolExecutor(max_workers=max_workers) before waiting for any result"
            )
        if fn.peak > 3:
            raise CaseFailed(f"{fn.peak} calls ran at once: pass max_workers to the pool")
    with checker.case("when every call fails: no results, 3 errors"):
        results, errors, _ = run_collect_all(collect_all, [200, 600, 0], 2, time_limit)
        require_split(results, errors, [200, 600, 0])
        assert not results, f"results should be empty, got {results!r}"
    with checker.case("with no items: two empty dicts"):
        results, errors, _ = run_collect_all(collect_all, [], 2, time_limit)
        assert results == {} and errors == {}, f"got {results!r} and {errors!r}"
