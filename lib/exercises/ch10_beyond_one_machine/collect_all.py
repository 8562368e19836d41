"""The check of exercise 10.1: every result and every exception, from a cluster."""

from __future__ import annotations

from typing import Any

from distributed import Client

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    require_accounted,
    require_function,
    require_type,
)
from lib.exercises.ch03_threading._common import compare, english_slug, raising, reference
from lib.exercises.ch10_beyond_one_machine._common import (
    ClientSource,
    CountingClient,
    require_values,
)

__all__ = [
    "IDS",
    "check_collect_all",
]

IDS = [100, 200, 300, 400, 600, 853, 1000, 0]  # four slugs, three AttributeError, one Lookup


def _run(
    collect_all: Any, source: ClientSource, ids: list[int], time_limit: float
) -> tuple[Any, ...]:
    counting = CountingClient(source)
    try:
        answer = call_bounded(collect_all, counting, english_slug, list(ids), time_limit=time_limit)
    except CaseFailed as failure:
        if any(
            f"raised {type(error).__name__}" in str(failure)
            for error in reference(ids).values()
            if isinstance(error, Exception)
        ):
            raise CaseFailed(
                f"{failure}, which fn raised on a worker: catch what future.result() raises "
                "and keep it in errors"
            ) from None
        raise
    require_type(answer, (tuple, list), "what collect_all returns")
    if len(answer) != 2:
        raise CaseFailed(f"collect_all should return (results, errors), not {len(answer)} values")
    results = require_type(answer[0], dict, "results (the first dict returned)")
    errors = require_type(answer[1], dict, "errors (the second dict returned)")
    require_values(results, "results")
    if any(not isinstance(key, int) for key in [*results, *errors]):
        raise CaseFailed("the keys should be the items themselves: map each future to its item")
    return results, errors, counting


@exercise_check("Exercise 10.1: every result and every exception, from a cluster")
def check_collect_all(
    checker: Checker, collect_all: Any, client: Client | None = None, *, time_limit: float = 10.0
) -> None:
    """Run ``collect_all(client, fn, items)`` on ids whose call returns or raises."""
    # On the client given, else the default client, else a cluster of the check's own.
    require_function(collect_all)
    with ClientSource(client) as source:
        _check(checker, collect_all, source, time_limit)


def _check(checker: Checker, collect_all: Any, source: ClientSource, time_limit: float) -> None:
    results, errors, counting = _run(collect_all, source, IDS, time_limit)
    expected = reference(IDS)
    with checker.case("8 ids: every id ends in results or in errors, once"):
        both = sorted(set(results) & set(errors))
        if both:
            raise CaseFailed(f"ids {both} are in both results and errors: each goes in one")
        require_accounted(
            IDS,
            results.keys() | errors.keys(),
            what="ids",
            failing=raising(IDS),
            keep="catch the exception that future.result() raises and keep it in errors",
        )
    with checker.case("results hold the slugs of the calls that returned"):
        compare(results, {k: v for k, v in expected.items() if isinstance(v, str)}, "results")
    with checker.case("errors hold the exceptions the workers raised"):
        compare(errors, {k: v for k, v in expected.items() if isinstance(v, Exception)}, "errors")
    with checker.case("one task per id, sent to the cluster"):
        if counting.tasks != len(IDS):
            raise CaseFailed(
                f"{counting.tasks} tasks were submitted for {len(IDS)} ids: call "
                "client.submit(fn, item) once for each item (or client.map once)"
            )
    with checker.case("with no items: two empty dicts"):
        results, errors, _ = _run(collect_all, source, [], time_limit)
        if results or errors:
            raise CaseFailed(f"got {results!r} and {errors!r}")
