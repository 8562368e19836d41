"""Ideal times, speed-ups and efficiency (lib.measure.speedup)."""

from __future__ import annotations

import math

import pytest

from lib.measure.speedup import efficiency, ideal_seconds, speedup


@pytest.mark.parametrize(
    ("sequential", "tasks", "workers", "ideal"),
    [
        (3.0, 15, 5, 0.6),  # three rounds of five 0.2 s tasks
        (3.0, 16, 5, 0.75),  # a 16th task needs a fourth round
        (2.0, 4, 8, 0.5),  # more workers than tasks: one task's time
        (2.0, 4, 1, 2.0),  # one worker: no gain
        (1.0, 1, 1, 1.0),
        (10.0, 10, 3, 4.0),
    ],
)
def test_ideal_seconds(sequential, tasks, workers, ideal) -> None:
    assert ideal_seconds(sequential, tasks, workers) == pytest.approx(ideal)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0.0, 15, 5), "sequential_seconds"),
        ((-3.0, 15, 5), "sequential_seconds"),
        ((math.nan, 15, 5), "sequential_seconds"),
        ((3.0, 0, 5), "task"),
        ((3.0, 15, 0), "worker"),
        ((3.0, -1, -1), "task"),
    ],
)
def test_ideal_seconds_rejects_bad_input(args, message) -> None:
    with pytest.raises(ValueError, match=message):
        ideal_seconds(*args)


def test_speedup() -> None:
    assert speedup(10.0, 2.5) == pytest.approx(4.0)
    assert speedup(2.0, 4.0) == pytest.approx(0.5)  # slower than the baseline
    assert speedup(3.0, 3.0) == 1.0


@pytest.mark.parametrize(("baseline", "seconds"), [(0, 1), (1, 0), (-1, 1), (1, -2), (math.nan, 1)])
def test_speedup_rejects_non_positive_times(baseline, seconds) -> None:
    with pytest.raises(ValueError, match="positive"):
        speedup(baseline, seconds)


def test_efficiency() -> None:
    assert efficiency(0.6, 0.8) == pytest.approx(0.75)
    assert efficiency(0.6, 0.6) == 1.0
    assert efficiency(ideal_seconds(3.0, 15, 5), 1.2) == pytest.approx(0.5)


@pytest.mark.parametrize(("ideal", "seconds"), [(0, 1), (1, 0), (-0.5, 1), (1, -1)])
def test_efficiency_rejects_non_positive_times(ideal, seconds) -> None:
    with pytest.raises(ValueError, match="positive"):
        efficiency(ideal, seconds)
