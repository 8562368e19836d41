"""Memory per thread, process and asyncio task (lib.measure.memory)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import threading
import time
from typing import Any

import psutil
import pytest

from lib.measure import memory
from lib.measure.memory import (
    Sample,
    fit_slope,
    per_unit,
    process_footprint,
    task_footprint,
    thread_footprint,
)
from lib.measure.units import format_bytes

# --- fitting and formatting ---------------------------------------------------------------


def test_fit_slope_recovers_a_line() -> None:
    xs = [0, 50, 100, 200]
    assert fit_slope(xs, [1000 + 16 * x for x in xs]) == pytest.approx(16)


def test_fit_slope_is_least_squares() -> None:
    # points (0,0), (1,1), (2,1): the least-squares slope is 1/2
    assert fit_slope([0, 1, 2], [0, 1, 1]) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("xs", "ys", "message"),
    [
        ([1], [1], "two points"),
        ([1, 2], [1], "as many"),
        ([3, 3, 3], [1, 2, 3], "equal"),
    ],
)
def test_fit_slope_rejects_what_has_no_slope(xs, ys, message) -> None:
    with pytest.raises(ValueError, match=message):
        fit_slope(xs, ys)


def test_per_unit_fits_a_field_and_skips_missing_ones() -> None:
    samples = [Sample(0, 0.0, 100, vms=10), Sample(10, 0.5, 300, vms=None)]
    assert per_unit(samples, "rss") == pytest.approx(20)
    assert per_unit(samples, "seconds") == pytest.approx(0.05)
    assert per_unit(samples, "vms") is None
    assert per_unit(samples, "uss") is None
    with pytest.raises(ValueError, match="unknown field"):
        per_unit(samples, "colour")
    with pytest.raises(ValueError, match="unknown field"):
        per_unit(samples, "count")


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (0, "0 bytes"),
        (812.4, "812 bytes"),
        (1536, "1.5 KiB"),
        (8 * 2**20, "8.0 MiB"),
        (3 * 2**30, "3.0 GiB"),
        (5 * 2**40, "5120.0 GiB"),
        (-2048, "-2.0 KiB"),
    ],
)
def test_format_bytes(size, text) -> None:
    assert format_bytes(size) == text


# --- counts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "error"),
    [
        ([], ValueError),
        ([5, 2], ValueError),
        ([-1, 2], ValueError),
        ([0, 1.5], TypeError),
        ([0, True], TypeError),
    ],
)
def test_counts_are_checked_before_anything_starts(counts, error) -> None:
    before = threading.active_count()
    with pytest.raises(error):
        thread_footprint(counts)
    with pytest.raises(error):
        task_footprint(counts)
    with pytest.raises(error):
        process_footprint(counts)
    assert threading.active_count() == before


# --- threads ------------------------------------------------------------------------------


def test_thread_footprint_grows_and_leaves_no_thread() -> None:
    before = threading.active_count()
    samples = thread_footprint([0, 10, 20])
    assert [s.count for s in samples] == [0, 10, 20]
    assert threading.active_count() == before
    assert all(s.rss > 0 and s.vms is not None and s.vms > 0 for s in samples)
    assert samples[0].seconds <= samples[1].seconds <= samples[2].seconds
    # each thread reserves a stack of address space, far more than it touches
    assert per_unit(samples, "vms") > 32 * 1024


def test_thread_footprint_restores_the_stack_size() -> None:
    default = threading.stack_size()
    samples = thread_footprint([0, 4], stack_size=256 * 1024)
    assert threading.stack_size() == default
    assert len(samples) == 2


def test_thread_footprint_refuses_a_tiny_stack() -> None:
    with pytest.raises(ValueError):
        thread_footprint([0, 1], stack_size=1024)
    assert threading.stack_size() == 0


# --- asyncio tasks ------------------------------------------------------------------------


def test_task_footprint_counts_python_allocations() -> None:
    samples = task_footprint([0, 200, 400])
    assert [s.count for s in samples] == [0, 200, 400]
    per_task = per_unit(samples, "traced")
    assert per_task is not None and 100 < per_task < 100_000


def test_task_footprint_refuses_a_running_loop() -> None:
    async def inside() -> None:
        task_footprint([0, 1])

    with pytest.raises(RuntimeError):
        asyncio.run(inside())


# --- processes ----------------------------------------------------------------------------

METHODS = [m for m in ("fork", "spawn") if m in multiprocessing.get_all_start_methods()]


@pytest.mark.parametrize("method", METHODS)
def test_process_footprint_measures_children_and_stops_them(method) -> None:
    # Earlier tests may leave multiprocessing helpers (a fork server, a resource tracker)
    # running; only the children this call starts must be gone afterwards.
    before = {child.pid for child in psutil.Process().children()}
    samples = process_footprint([0, 1, 2], start_method=method)
    assert [s.count for s in samples] == [0, 1, 2]
    assert samples[0].rss == 0
    assert samples[1].rss > 0 and samples[2].rss > samples[1].rss
    if sys.platform.startswith("linux"):
        assert samples[2].pss is not None and samples[2].uss is not None
        assert samples[2].uss <= samples[2].pss <= samples[2].rss
    live = [
        child
        for child in psutil.Process().children()
        if child.pid not in before and "resource_tracker" not in " ".join(child.cmdline())
    ]
    assert live == []


def test_process_footprint_rejects_an_unknown_method() -> None:
    with pytest.raises(ValueError):
        process_footprint([0, 1], start_method="teleport")


def stubborn_worker(ready: Any, stop: Any, timeout: float = 0.0) -> None:
    """An idle child that reports, then ignores ``stop``: it must be stopped by force."""
    ready.put(os.getpid())
    time.sleep(60)


@pytest.mark.skipif("fork" not in METHODS, reason="the stubborn child is passed by fork")
def test_process_footprint_stops_a_child_that_ignores_stop(monkeypatch) -> None:
    monkeypatch.setattr(memory, "idle_worker", stubborn_worker)
    monkeypatch.setattr(memory, "JOIN_TIMEOUT", 0.2)
    before = {child.pid for child in psutil.Process().children()}
    begin = time.perf_counter()
    samples = process_footprint([0, 2], start_method="fork")
    assert [s.count for s in samples] == [0, 2]
    assert time.perf_counter() - begin < 20, "the children were not left to their 60 s sleep"
    live = [
        child
        for child in psutil.Process().children()
        if child.pid not in before and "resource_tracker" not in " ".join(child.cmdline())
    ]
    assert live == []
