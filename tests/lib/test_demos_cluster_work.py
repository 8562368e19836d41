"""lib.demos.cluster_work: chapter 10's tasks, and the measurements any executor can take."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lib.demos.cluster_work import (
    SweepPoint,
    echo,
    payload_size,
    seconds_per_task,
    spin,
    sweep_task_durations,
)


def test_the_tasks() -> None:
    start = time.perf_counter()
    assert spin(0.02) == 0.02
    assert time.perf_counter() - start >= 0.02
    assert echo(7) == 7
    assert payload_size(b"abc", 5) == 3
    with pytest.raises(ValueError):
        spin(-1)


def test_measurements_through_any_executor() -> None:
    with ThreadPoolExecutor(2) as pool:
        assert 0 < seconds_per_task(pool, tasks=20) < 0.1
        points = sweep_task_durations(pool, [0.002, 0.01], tasks=4)
    assert [point.task_seconds for point in points] == [0.002, 0.01]
    assert all(point.tasks == 4 and point.seconds > 0 for point in points)
    with pytest.raises(ValueError):
        seconds_per_task(pool, tasks=0)
    for bad in ([], [0.0]):
        with pytest.raises(ValueError):
            sweep_task_durations(pool, bad)


def test_a_sweep_point_compares_with_one_call_after_another() -> None:
    point = SweepPoint(task_seconds=0.01, tasks=16, seconds=0.1)
    assert point.one_by_one == pytest.approx(0.16)
    assert point.speedup == pytest.approx(1.6)
