"""Turns of CPU-bound threads on the GIL, and run-time detection of the build (lib.demos.gil)."""

from __future__ import annotations

import concurrent.futures
import itertools
import sys
import sysconfig
import time

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from lib.charts.common import MODEL_COLOURS, Run, model_colour, plot_speedup
from lib.demos import gil
from lib.demos.gil import (
    STARTUP_PAUSE,
    GilStatus,
    busy_ticks,
    gil_status,
    interpreter_pool_executor,
    overlap_seconds,
    pool_startup_seconds,
    record_turns,
    turns,
)
from lib.measure.recorder import Span

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


# --- what a pool costs to start -----------------------------------------------------------


class NeverAnswers(concurrent.futures.Executor):
    """A pool whose tasks never finish; records how it was shut down."""

    def __init__(self, max_workers: int) -> None:
        self.shutdowns: list[bool] = []

    def submit(self, fn: object, /, *args: object, **kwargs: object) -> concurrent.futures.Future:
        return concurrent.futures.Future()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.shutdowns.append(wait)


def test_pool_startup_starts_one_thread_per_task(nothing_left: object) -> None:
    started: list[int] = []

    def make_pool(max_workers: int) -> concurrent.futures.ThreadPoolExecutor:
        return concurrent.futures.ThreadPoolExecutor(
            max_workers, initializer=started.append, initargs=(1,)
        )

    begun = time.perf_counter()
    seconds = pool_startup_seconds(make_pool, workers=3, repeat=2)
    assert started == [1] * 6, "each of the two pools started all three of its threads"
    assert 0.0 <= seconds < time.perf_counter() - begun - 2 * STARTUP_PAUSE + 1e-3


def test_pool_startup_of_processes_and_interpreters() -> None:
    makers = [concurrent.futures.ProcessPoolExecutor]
    if interpreter_pool_executor() is not None:
        makers.append(interpreter_pool_executor())
    for make_pool in makers:
        assert 0.0 <= pool_startup_seconds(make_pool, workers=2) < 30


def test_pool_startup_times_out_without_waiting_for_a_stuck_pool() -> None:
    pools: list[NeverAnswers] = []

    def make_pool(max_workers: int) -> NeverAnswers:
        pools.append(NeverAnswers(max_workers))
        return pools[-1]

    start = time.perf_counter()
    with pytest.raises(TimeoutError, match="2 of 2 tasks unanswered"):
        pool_startup_seconds(make_pool, workers=2, timeout=0.1)
    assert time.perf_counter() - start < 2
    assert pools[0].shutdowns == [False]


def test_pool_startup_passes_on_a_task_error_and_rejects_bad_arguments() -> None:
    class Broken(concurrent.futures.ThreadPoolExecutor):
        def submit(
            self, fn: object, /, *args: object, **kwargs: object
        ) -> concurrent.futures.Future:
            future: concurrent.futures.Future = concurrent.futures.Future()
            future.set_exception(OSError("no worker could start"))
            return future

    with pytest.raises(OSError, match="no worker could start"):
        pool_startup_seconds(Broken, workers=1)
    with pytest.raises(ValueError, match="worker"):
        pool_startup_seconds(concurrent.futures.ThreadPoolExecutor, workers=0)
    with pytest.raises(ValueError, match="run"):
        pool_startup_seconds(concurrent.futures.ThreadPoolExecutor, workers=1, repeat=0)


def test_sub_interpreters_have_a_colour_of_their_own() -> None:
    colour = model_colour("interpreters")
    assert colour.lower() not in {known.lower() for known in MODEL_COLOURS.values()}
    figure = plot_speedup(
        [Run("sequential", "sequential", 1.0), Run("2", "interpreters", 0.6)], "t"
    )
    [_, bar] = figure.axes[0].patches
    assert to_hex(bar.get_facecolor()) == colour.lower()
    plt.close(figure)


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


def test_record_turns_takes_turns_under_the_gil(nothing_left: object) -> None:
    spans = record_turns(threads=2, seconds=0.1)
    assert {span.worker for span in spans} == {"thread 1", "thread 2"}
    assert all(span.end >= span.start for span in spans)
    if gil_status().gil_enabled:
        assert overlap_seconds(spans) == 0.0
        # Turns alternate: the GIL changes hands every 5 ms, so 0.1 s holds about twenty.
        # A busy machine can stop the whole process for most of that, so up to three more
        # runs get 0.3 s each; GIL turns that never alternate fail them all.
        switches = []
        for _ in range(4):
            workers = [span.worker for span in spans]
            switches.append(sum(a != b for a, b in itertools.pairwise(workers)))
            if switches[-1] >= 4:
                break
            spans = record_turns(threads=2, seconds=0.3)
        assert switches[-1] >= 4, switches


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
