"""Speed-up arithmetic: how much faster, and how close to the best possible."""

from __future__ import annotations

import math

__all__ = [
    "efficiency",
    "ideal_seconds",
    "speedup",
]


def _positive(name: str, value: float) -> float:
    if not value > 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {value}")
    return value


def ideal_seconds(sequential_seconds: float, tasks: int, workers: int) -> float:
    """The best time ``workers`` can reach on ``tasks`` equal tasks that took
    ``sequential_seconds`` one after another: ``ceil(tasks / workers)`` rounds of one task.

    Raises:
        ValueError: on a non-positive time, or fewer than one task or worker.
    """
    _positive("sequential_seconds", sequential_seconds)
    if tasks < 1 or workers < 1:
        raise ValueError(f"need at least one task and one worker, got {tasks} and {workers}")
    return sequential_seconds * math.ceil(tasks / workers) / tasks


def speedup(baseline_seconds: float, seconds: float) -> float:
    """How many times faster than the baseline. Raises ValueError on a non-positive time."""
    return _positive("baseline_seconds", baseline_seconds) / _positive("seconds", seconds)


def efficiency(ideal: float, seconds: float) -> float:
    """The ideal time over the actual one: 1.0 means as fast as is possible.

    Raises:
        ValueError: on a non-positive time.
    """
    return _positive("ideal", ideal) / _positive("seconds", seconds)
