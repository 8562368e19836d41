"""Chapter 10's checkers: what tests/exercises/mistakes/ch10_beyond_one_machine.md cannot say.

The common mistakes and their hints are data, in that file (see tests/plugins/mistakes.py);
the right answers and the starters are the chapter's own cells (tests/plugins/answers.py).
Here: other right answers, hangs, and the client a check runs on. Without a client, each check
runs on a cluster of its own inside this process, stopped when the check ends.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from distributed import as_completed, wait

from lib.exercises.ch10_beyond_one_machine import _common as common
from lib.exercises.ch10_beyond_one_machine import (
    check_collect_all,
    check_count_words,
    check_map_in_batches,
)
from lib.plumbing.cluster import LoopbackCluster
from tests.plugins.answers import starter
from tests.plugins.leaks import nothing_left_behind

CHECKS = {"10.1": check_collect_all, "10.2": check_count_words, "10.3": check_map_in_batches}


def hangs(*args: Any) -> Any:
    threading.Event().wait(2.0)  # longer than the time limit below; ends on its own


@pytest.mark.parametrize("number", list(CHECKS))
def test_starters_hangs_and_non_functions(number: str) -> None:
    check = CHECKS[number]
    assert check(starter(number)).not_attempted
    assert "hangs() was still running after 0.3 s" in check(hangs, time_limit=0.3).hints[0]
    assert check(...).not_attempted
    assert "expected a function" in check(42).hints[0]


def test_the_client_given_is_the_one_used() -> None:
    seen: list[Any] = []

    def collect(client: Any, fn: Any, items: list[int]) -> tuple[dict, dict]:
        seen.append(client._client)  # the counting wrapper around the given client
        return by_map(client, fn, items)

    with LoopbackCluster(workers=2) as cluster, cluster.client() as client:
        assert check_collect_all(collect, client).passed
    assert seen and all(real is client for real in seen)


def by_map(client: Any, fn: Any, items: list[int]) -> tuple[dict, dict]:
    futures = client.map(fn, items)
    wait(futures, timeout=30)
    results = {i: f.result() for i, f in zip(items, futures, strict=True) if f.status == "finished"}
    errors = {i: f.exception() for i, f in zip(items, futures, strict=True) if f.status == "error"}
    return results, errors


def test_collect_all_other_right_answers() -> None:
    assert check_collect_all(by_map).passed


def test_collect_all_paired_in_finish_order_fails_one_case() -> None:
    # Its hint is in ch10_beyond_one_machine.md; here, what a hint cannot say: the first id
    # is late, so the pairing is wrong on every run, even on one cluster that still holds the
    # results of the runs before (each run's tasks are new); and it is told once, not again
    # as the wrong values of the two cases that compare them.
    held: list[Any] = []  # the futures of every run, held as a notebook's variables would

    def zipped(client: Any, fn: Any, items: list[int]) -> tuple[dict, dict]:
        futures = [client.submit(fn, item) for item in items]
        held.extend(futures)
        results, errors = {}, {}
        for item, future in zip(items, as_completed(futures, timeout=30), strict=True):
            try:
                results[item] = future.result()
            except Exception as error:
                errors[item] = error
        return results, errors

    with LoopbackCluster(workers=2) as cluster, cluster.client() as client:
        for _ in range(3):
            feedback = check_collect_all(zipped, client)
            assert [case for case, _ in feedback.failed_cases] == [
                "8 ids: every id ends in results or in errors, once"
            ]
            assert feedback.passed_cases == [
                "one task per id, sent to the cluster",
                "with no items: two empty dicts",
            ]
        held.clear()  # released before the client closes


def count_by_map(client: Any, text: str, words: list[str]) -> dict[str, int]:
    [shared] = client.scatter([text], broadcast=True)  # to every worker at once
    counts = client.gather(client.map(str.count, [shared] * len(words), words))
    return dict(zip(words, counts, strict=True))


def test_count_words_other_right_answers() -> None:
    assert check_count_words(count_by_map).passed


def batches_sorted(client: Any, fn: Any, items: list[int], size: int) -> list[int]:
    # Local, so it is sent by value: pytest imports this file under a name workers cannot.
    def apply(fn: Any, batch: list[int]) -> list[int]:
        return [fn(item) for item in batch]

    futures = {client.submit(apply, fn, items[i : i + size]): i for i in range(0, len(items), size)}
    done = {futures[future]: future.result() for future in as_completed(futures, timeout=30)}
    return [value for start in sorted(done) for value in done[start]]


def batches_by_map(client: Any, fn: Any, items: list[int], size: int) -> list[int]:
    def apply(fn: Any, batch: list[int]) -> list[int]:
        return [fn(item) for item in batch]

    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    done = client.gather(client.map(apply, [fn] * len(chunks), chunks))
    return [value for batch in done for value in batch]


def test_map_in_batches_other_right_answers() -> None:
    assert check_map_in_batches(batches_sorted).passed
    assert check_map_in_batches(batches_by_map).passed


@pytest.mark.parametrize("number", list(CHECKS))
def test_an_untouched_starter_starts_no_cluster(
    number: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_cluster(client: Any) -> Any:
        raise AssertionError("a cluster was asked for")

    monkeypatch.setattr(common.ClientSource, "get", no_cluster)
    assert CHECKS[number](starter(number)).not_attempted


def test_without_a_client_a_check_runs_on_a_cluster_of_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_default() -> Any:
        raise ValueError("No clients found")

    monkeypatch.setattr(common, "default_client", no_default)
    with nothing_left_behind(grace=5.0):  # started for the check, and stopped after it
        for check, answer in [
            (check_collect_all, by_map),
            (check_count_words, count_by_map),
            (check_map_in_batches, batches_by_map),
        ]:
            assert check(answer).passed
