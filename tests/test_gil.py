"""Turns of CPU-bound threads on the GIL, and run-time detection of the build (lib.gil)."""

from __future__ import annotations

import concurrent.futures
import itertools
import sys
import sysconfig
import threading
import time

import pytest

from lib import gil
from lib.gil import (
    GilStatus,
    busy_ticks,
    gil_status,
    interpreter_pool_executor,
    overlap_seconds,
    record_turns,
    turns,
)
from lib.recorder import Span

# --- detection ----------------------------------------------------------------------------


def test_gil_status_matches_this_interpreter() -> None:
    status = gil_status()
    assert status.free_threaded_build == (sysconfig.get_config_var("Py_GIL_DISABLED") == 1)
    assert status.checked_at_run_time == hasattr(sys, "_is_gil_enabled")
    if hasattr(sys, "_is_gil_enabled"):
        assert status.gil_enabled == sys._is_gil_enabled()
    else:
        assert status.gil_enabled is True
        assert "always has the GIL" in status.describe()


@pytest.mark.parametrize(
    ("config", "enabled", "expected"),
    [
        (None, None, GilStatus(False, True, False)),
        (0, True, GilStatus(False, True, True)),
        (1, True, GilStatus(True, True, True)),
        (1, False, GilStatus(True, False, True)),
    ],
)
def test_gil_status_reads_sysconfig_and_sys(
    monkeypatch: pytest.MonkeyPatch, config: int | None, enabled: bool | None, expected: GilStatus
) -> None:
    monkeypatch.setattr(gil.sysconfig, "get_config_var", lambda name: config)
    if enabled is None:
        monkeypatch.delattr(gil.sys, "_is_gil_enabled", raising=False)
    else:
        monkeypatch.setattr(gil.sys, "_is_gil_enabled", lambda: enabled, raising=False)
    assert gil_status() == expected


def test_each_status_has_its_own_description() -> None:
    statuses = [
        GilStatus(False, True, False),
        GilStatus(False, True, True),
        GilStatus(True, True, True),
        GilStatus(True, False, True),
    ]
    descriptions = [status.describe() for status in statuses]
    assert len(set(descriptions)) == len(descriptions)
    assert "disabled" in descriptions[-1]
    assert all(len(text) < 120 for text in descriptions)


def test_interpreter_pool_executor_only_where_the_stdlib_has_it() -> None:
    found = interpreter_pool_executor()
    if sys.version_info >= (3, 14):
        assert found is concurrent.futures.InterpreterPoolExecutor
    else:
        assert found is None


# --- ticks and turns ----------------------------------------------------------------------


def test_busy_ticks_stamps_until_the_deadline() -> None:
    start = time.perf_counter()
    ticks = busy_ticks(start + 0.02, chunk_rounds=50)
    assert len(ticks) > 2
    assert ticks[0] >= start
    assert ticks[-1] >= start + 0.02
    assert ticks[-2] < start + 0.02
    assert all(a <= b for a, b in itertools.pairwise(ticks))


def test_busy_ticks_appends_to_a_given_list_and_checks_chunks() -> None:
    mine = [-1.0]
    assert busy_ticks(time.perf_counter(), ticks=mine) is mine
    assert mine[0] == -1.0 and len(mine) >= 2
    with pytest.raises(ValueError, match="chunk_rounds"):
        busy_ticks(0.0, chunk_rounds=0)


def test_turns_split_at_gaps() -> None:
    ticks = [0.0, 0.1, 0.2, 0.3, 5.0, 5.1, 5.2, 9.0, 20.0, 20.1]
    spans = turns(ticks, "thread 1", gap=0.5)
    assert [(s.task, s.start, s.end) for s in spans] == [
        ("1", 0.0, 0.3),
        ("2", 5.0, 5.2),
        ("3", 20.0, 20.1),  # 9.0 alone is no turn: no whole chunk ran without a break
    ]
    assert {s.worker for s in spans} == {"thread 1"}


def test_turns_of_too_few_ticks_are_empty() -> None:
    assert turns([], "t", gap=1.0) == []
    assert turns([1.0], "t", gap=1.0) == []
    assert turns([1.0, 3.0], "t", gap=1.0) == []


def test_turns_reject_bad_input() -> None:
    with pytest.raises(ValueError, match="gap"):
        turns([0.0, 1.0], "t", gap=0)
    with pytest.raises(ValueError, match="backwards"):
        turns([0.0, 2.0, 1.0], "t", gap=5.0)


# --- overlap ------------------------------------------------------------------------------


def test_overlap_counts_only_different_workers_at_once() -> None:
    spans = [
        Span("a", "w1", 0.0, 2.0),
        Span("b", "w1", 1.0, 3.0),  # the same worker overlapping itself: not counted
        Span("c", "w2", 2.5, 4.0),  # overlaps w1 for 0.5 s
        Span("d", "w3", 3.5, 5.0),  # overlaps w2 for 0.5 s
    ]
    assert overlap_seconds(spans) == pytest.approx(1.0)


def test_back_to_back_spans_do_not_overlap() -> None:
    spans = [Span("a", "w1", 0.0, 1.0), Span("b", "w2", 1.0, 2.0), Span("c", "w1", 2.0, 3.0)]
    assert overlap_seconds(spans) == 0.0
    assert overlap_seconds([]) == 0.0


# --- the real thing -----------------------------------------------------------------------


def test_record_turns_takes_turns_under_the_gil() -> None:
    before = {thread.ident for thread in threading.enumerate()}
    spans = record_turns(threads=2, seconds=0.1)
    assert {span.worker for span in spans} == {"thread 1", "thread 2"}
    assert all(span.end >= span.start for span in spans)
    if gil_status().gil_enabled:
        assert overlap_seconds(spans) == 0.0
        # Turns alternate: the GIL changed hands several times in 0.1 s.
        workers = [span.worker for span in spans]
        assert sum(a != b for a, b in itertools.pairwise(workers)) >= 4
    assert {thread.ident for thread in threading.enumerate()} <= before


def test_record_turns_one_thread_runs_without_a_break() -> None:
    spans = record_turns(threads=1, seconds=0.05, gap=0.05)
    assert {span.worker for span in spans} == {"thread 1"}
    assert sum(span.seconds for span in spans) > 0.025  # alone, it ran (nearly) throughout


def test_record_turns_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="thread"):
        record_turns(threads=0)
    with pytest.raises(ValueError, match="seconds"):
        record_turns(seconds=0)
    with pytest.raises(ValueError, match="gap"):
        record_turns(gap=-1.0)
    with pytest.raises(ValueError, match="chunk_rounds"):
        record_turns(chunk_rounds=0)
