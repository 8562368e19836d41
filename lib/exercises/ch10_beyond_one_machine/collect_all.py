"""The check of exercise 10.1: every result and every exception, from a cluster."""

from __future__ import annotations

import functools
import time
import uuid
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
)
from lib.exercises._harness.outcomes import (
    compare,
    english_slug,
    reference,
    require_results_and_errors,
    require_split,
)
from lib.exercises.ch10_beyond_one_machine._common import (
    ClientSource,
    CountingClient,
    cluster_check,
    require_values,
)

__all__ = [
    "FIRST_LATE",
    "IDS",
    "PAIRING_HINT",
    "check_collect_all",
    "late_first_slug",
    "require_own_outcomes",
]

IDS = [100, 200, 300, 400, 600, 853, 1000, 0]  # four slugs, three AttributeError, one Lookup
FIRST_LATE = 0.5  # seconds the first id's call waits, so that it finishes after the others

PAIRING_HINT = (
    "the futures finish (or are left out) in an order of their own, so pairing them with the "
    "items by position, as a zip does, mixes them up: keep each future with its own item, in "
    "a dict {future: item}, and look the item up as each future finishes"
)


def late_first_slug(anime_id: int, run: str = "") -> str:
    """:func:`english_slug`, :data:`FIRST_LATE` seconds late for ``IDS[0]``: on two or more
    workers the ids sent after it finish first, so an answer that pairs the items with the
    futures in the order they finish pairs them wrongly on every run, not only when the
    tasks happen to finish in the order they were sent.

    ``run`` changes only the tasks' keys (Dask names a task by its function and arguments):
    each check passes a new one, so that no run is handed the results of an earlier one still
    held on the cluster, all finished already, which come back in the order they were sent.

    Raises:
        LookupError: if no anime has this id.
        AttributeError: if the anime has no English title.
    """
    if anime_id == IDS[0]:
        time.sleep(FIRST_LATE)
    return english_slug(anime_id)


def require_own_outcomes(results: dict[Any, Any], errors: dict[Any, Any], ids: list[int]) -> None:
    """Every slug and exception in ``results`` and ``errors`` must be under the id whose call
    gave it.

    Raises:
        CaseFailed: with :data:`PAIRING_HINT`, naming how many ids hold another's outcome
            and one of them.
    """
    expected = reference(ids)
    owner = {slug: anime_id for anime_id, slug in expected.items() if isinstance(slug, str)}
    raised = {type(error) for error in expected.values() if isinstance(error, Exception)}
    wrong: dict[int, str] = {}
    for anime_id, got in results.items():
        if isinstance(got, str) and owner.get(got, anime_id) != anime_id:
            wrong[anime_id] = f"results[{anime_id}] is {got!r}, what fn({owner[got]}) returned"
    for anime_id, got in errors.items():
        want = expected.get(anime_id)
        if isinstance(got, Exception) and type(got) in raised and type(got) is not type(want):
            kind = type(got).__name__
            kind = f"{'an' if kind[0] in 'AEIOU' else 'a'} {kind}"
            did = f"returned {want!r}" if isinstance(want, str) else f"raised {type(want).__name__}"
            wrong.setdefault(anime_id, f"errors[{anime_id}] holds {kind}, but fn({anime_id}) {did}")
    if wrong:
        first = next((anime_id for anime_id in ids if anime_id in wrong), next(iter(wrong)))
        raise CaseFailed(
            f"{len(wrong)} of {len(ids)} ids hold another id's outcome ({wrong[first]}): "
            + PAIRING_HINT
        )


def _run(
    collect_all: Any, source: ClientSource, ids: list[int], time_limit: float
) -> tuple[Any, ...]:
    counting = CountingClient(source)
    fn = functools.partial(late_first_slug, run=uuid.uuid4().hex)  # new tasks, not old results
    try:
        answer = call_bounded(collect_all, counting, fn, list(ids), time_limit=time_limit)
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
    results, errors = require_results_and_errors(answer)
    require_values(results, "results")
    if any(not isinstance(key, int) for key in [*results, *errors]):
        raise CaseFailed("the keys should be the items themselves: map each future to its item")
    return results, errors, counting


@cluster_check("Exercise 10.1: every result and every exception, from a cluster")
def check_collect_all(
    checker: Checker, collect_all: Any, source: ClientSource, time_limit: float
) -> None:
    """Run ``collect_all(client, fn, items)`` on ids whose call returns or raises."""
    results, errors, counting = _run(collect_all, source, IDS, time_limit)
    expected = reference(IDS)
    paired = False
    with checker.case("8 ids: every id ends in results or in errors, once"):
        require_own_outcomes(results, errors, IDS)  # before what a wrong pairing also causes
        paired = True
        require_split(results, errors, IDS)
    if paired:  # else the outcomes under the wrong ids would be told again, as wrong values
        with checker.case("results hold the slugs of the calls that returned"):
            compare(results, {k: v for k, v in expected.items() if isinstance(v, str)}, "results")
        with checker.case("errors hold the exceptions the workers raised"):
            failed = {k: v for k, v in expected.items() if isinstance(v, Exception)}
            compare(errors, failed, "errors")
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
