"""Chapter 10's tasks and measurements: the same ones run on a process pool and on a cluster.

The tasks live in a module, not in the notebook, so that every worker imports them by name,
whether it is a process-pool worker started with ``spawn`` or a ``dask worker`` process.
Every measurement takes a ``concurrent.futures.Executor``: a ``ProcessPoolExecutor`` and a
Dask client's ``get_executor()`` are measured by the same code.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

__all__ = [
    "SweepPoint",
    "echo",
    "payload_size",
    "seconds_per_task",
    "spin",
    "sweep_task_durations",
]


def spin(seconds: float) -> float:
    """Keep a core busy for ``seconds`` of wall time (pure Python) and return ``seconds``.

    Raises:
        ValueError: if ``seconds`` is negative.
    """
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds!r}")
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        pass
    return seconds


def echo(value: int) -> int:
    """Return ``value``: a task that does nothing, to measure what a task costs on its own."""
    return value


def payload_size(payload: bytes, index: int) -> int:
    """The size of ``payload``: a task whose input is all it needs."""
    return len(payload) + 0 * index


def seconds_per_task(executor: Executor, tasks: int = 200) -> float:
    """Wall time per task of ``tasks`` calls of :func:`echo` through ``executor.map``.

    One warm-up round runs first, so workers that start on demand are running.

    Raises:
        ValueError: if ``tasks`` < 1.
        AssertionError: if a result comes back wrong.
    """
    if tasks < 1:
        raise ValueError(f"tasks must be >= 1, got {tasks!r}")
    list(executor.map(echo, range(8)))
    start = time.perf_counter()
    results = list(executor.map(echo, range(tasks)))
    seconds = time.perf_counter() - start
    assert results == list(range(tasks)), "a task came back wrong"
    return seconds / tasks


@dataclass(frozen=True)
class SweepPoint:
    """One task duration of a sweep: the time its batch took and the speed-up it got."""

    task_seconds: float
    tasks: int
    seconds: float

    @property
    def one_by_one(self) -> float:
        """What the batch takes with one call after another: tasks x task duration."""
        return self.tasks * self.task_seconds

    @property
    def speedup(self) -> float:
        return self.one_by_one / self.seconds


def sweep_task_durations(
    executor: Executor, durations: Sequence[float], tasks: int = 16
) -> list[SweepPoint]:
    """Run ``tasks`` calls of :func:`spin` for each duration, and time each batch.

    Raises:
        ValueError: if there are no durations, one is not positive, or ``tasks`` < 1.
        AssertionError: if a task comes back wrong.
    """
    if not durations or any(d <= 0 for d in durations) or tasks < 1:
        raise ValueError("need positive durations and at least one task")
    list(executor.map(echo, range(8)))  # warm up
    points = []
    for duration in durations:
        start = time.perf_counter()
        results = list(executor.map(spin, [duration] * tasks))
        points.append(SweepPoint(duration, tasks, time.perf_counter() - start))
        assert results == [duration] * tasks, "a task came back wrong"
    return points
