"""How far ahead ``Executor.map`` reads its input, with and without ``buffersize``.

``executor.map(fn, items)`` submits a task for every item before it hands back its first
result: on a long input that is one future per item, all in memory at once, and on an
endless one (``itertools.count()``) it never returns at all. Python 3.14 adds
``buffersize=n``: map then submits the first ``n`` items, and one more for each result it
hands out, so at most ``n`` tasks wait to be collected.

:class:`Drawn` wraps an iterator and counts the items taken from it, which shows how far
ahead map has read; :func:`first_result` takes the first result of one map and measures what
getting it cost (items read, memory, time).
"""

from __future__ import annotations

import inspect
import time
import tracemalloc
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import Executor
from typing import Any, NamedTuple, TypeVar, cast

__all__ = ["HAS_BUFFERSIZE", "Drawn", "FirstResult", "first_result"]

T = TypeVar("T")

#: Whether this Python's ``Executor.map`` takes ``buffersize`` (new in Python 3.14).
HAS_BUFFERSIZE = "buffersize" in inspect.signature(Executor.map).parameters


class Drawn(Iterator[T]):
    """An iterator over ``iterable`` that counts, in :attr:`count`, the items taken so far.

    Count it from one thread only (``Executor.map`` reads its input in the caller's thread).
    """

    def __init__(self, iterable: Iterable[T]) -> None:
        self._items = iter(iterable)
        self.count = 0

    def __iter__(self) -> Drawn[T]:
        return self

    def __next__(self) -> T:
        item = next(self._items)  # StopIteration ends the iteration, uncounted
        self.count += 1
        return item


class FirstResult(NamedTuple):
    """What getting the first result of one ``map`` cost."""

    value: Any  # the first result
    drawn: int  # items map had taken from its input by the time it handed that result back
    peak_bytes: int  # the most memory (traced by tracemalloc) in use meanwhile, above the start
    seconds: float  # from calling map to having the first result


def first_result(
    executor: Executor,
    fn: Callable[[Any], Any],
    items: Iterable[Any],
    buffersize: int | None = None,
    timeout: float = 60.0,
) -> FirstResult:
    """Call ``executor.map(fn, items)`` (with ``buffersize`` if given), take its first
    result, then close the map, which cancels the tasks not yet started.

    Memory is traced with :mod:`tracemalloc` meanwhile (started and stopped here unless it
    was already tracing), so allocations in every thread of this process count.

    Raises:
        TypeError: if ``buffersize`` is given on a Python older than 3.14, which lacks it.
        ValueError: if ``items`` is empty, or ``buffersize`` is below 1 (from ``map``).
        TimeoutError: if the first result takes longer than ``timeout`` seconds.
        Exception: whatever ``fn`` raised for the first item.
    """
    if buffersize is not None and not HAS_BUFFERSIZE:
        raise TypeError("Executor.map(..., buffersize=...) is new in Python 3.14")
    options = {} if buffersize is None else {"buffersize": buffersize}
    drawn = Drawn(items)
    tracing = tracemalloc.is_tracing()
    if tracing:
        tracemalloc.reset_peak()
    else:
        tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    start = time.perf_counter()
    try:
        results = cast(
            "Generator[Any, None, None]", executor.map(fn, drawn, timeout=timeout, **options)
        )
        try:
            value = next(results)
        except StopIteration:
            raise ValueError("no items: map has no first result") from None
        finally:
            results.close()  # cancels every task still waiting to start
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] - baseline
    finally:
        if not tracing:
            tracemalloc.stop()
    return FirstResult(value, drawn.count, max(0, peak), seconds)
