"""Record when each task ran, and on which worker, to draw timelines.

A :class:`Span` is one task's run: its label, the worker that ran it, and its start and end
on ``time.perf_counter()``, a clock that all processes of one machine share. The recorder
takes spans from many threads or asyncio tasks at once; a process-pool worker returns its
span with its result, through :func:`traced`, and the parent adds it.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = [
    "Recorder",
    "Span",
    "current_worker",
    "traced",
]

T = TypeVar("T")


@dataclass(frozen=True)
class Span:
    """One run of one task on one worker. Times are ``time.perf_counter()`` seconds."""

    task: str
    worker: str
    start: float
    end: float
    ok: bool = True  # False when the task raised

    @property
    def seconds(self) -> float:
        return self.end - self.start


def current_worker() -> str:
    """Name what is running this code: the asyncio task, else the process and thread."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no running event loop in this thread
        task = None
    if task is not None:
        return task.get_name()
    process = multiprocessing.current_process().name
    thread = threading.current_thread().name
    return thread if process == "MainProcess" else f"{process}/{thread}"


class Recorder:
    """A thread-safe collection of spans.

    >>> recorder = Recorder()
    >>> with recorder.span("task 1"):
    ...     pass
    >>> len(recorder)
    1
    """

    def __init__(self) -> None:
        self._spans: list[Span] = []
        self._lock = threading.Lock()  # list.append is atomic in CPython, but not by contract

    @contextmanager
    def span(self, task: object, worker: str | None = None) -> Iterator[None]:
        """Record the ``with`` block as one span of ``task``; works across ``await`` too."""
        worker = worker if worker is not None else current_worker()
        start = time.perf_counter()
        ok = False
        try:
            yield
            ok = True
        finally:
            self.add(Span(str(task), worker, start, time.perf_counter(), ok))

    def add(self, span: Span) -> None:
        """Add a span made elsewhere, for example in a worker process.

        Raises:
            TypeError: if ``span`` is not a :class:`Span`.
        """
        if not isinstance(span, Span):
            raise TypeError(f"expected a Span, got {type(span).__name__}")
        with self._lock:
            self._spans.append(span)

    def spans(self) -> list[Span]:
        """A copy of the spans so far, in order of start time."""
        with self._lock:
            return sorted(self._spans, key=lambda span: span.start)

    def clear(self) -> None:
        with self._lock:
            self._spans.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._spans)


def traced(fn: Callable[..., T], task: object, *args: Any, **kwargs: Any) -> tuple[T, Span]:
    """Run ``fn(*args, **kwargs)`` and return its result with the span it took.

    Made for process pools: ``pool.submit(traced, work, "task 1", ...)`` sends the span back
    to the parent with the result. ``fn`` must be importable (defined in a module) under the
    spawn and forkserver start methods. Exceptions from ``fn`` propagate.
    """
    worker = current_worker()
    start = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, Span(str(task), worker, start, time.perf_counter())
