"""Timing that is right for both plain functions and coroutines.

The trap this module exists for: wrapping an ``async def`` in an ordinary timing decorator
times how long it takes to *create* the coroutine object (microseconds), not to run it. Here,
:func:`timed` and :func:`measure_async` await the coroutine inside the timed region.
"""

from __future__ import annotations

import functools
import inspect
import math
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Self, TypeVar

__all__ = [
    "MEASURE_VARIABLE",
    "Stopwatch",
    "Timed",
    "best_of",
    "best_of_each",
    "measure",
    "measure_async",
    "print_timing",
    "repeats",
    "timed",
]

T = TypeVar("T")

#: ``BOOK_MEASURE=quick`` makes every repeated measurement run once (:func:`repeats`).
MEASURE_VARIABLE = "BOOK_MEASURE"


def repeats(wanted: int) -> int:
    """How many times to repeat a measurement: ``wanted``, or 1 under ``BOOK_MEASURE=quick``.

    ``make test`` sets it: its nbval runs compare what the chapters print, with every claim's
    line masked (tests/nbval_sanitize.cfg), so repeats there buy nothing; ``make execute``,
    ``make book`` and ``make check-claims`` repeat in full, where the claims are checked.

    Raises:
        ValueError: if ``wanted`` is less than 1, or ``BOOK_MEASURE`` is neither ``quick``
            nor ``full`` (nor unset).
    """
    if wanted < 1:
        raise ValueError(f"repeats must be at least 1, got {wanted}")
    mode = os.environ.get(MEASURE_VARIABLE, "").strip().lower() or "full"
    if mode not in ("full", "quick"):
        raise ValueError(f"{MEASURE_VARIABLE} must be 'full' or 'quick', not {mode!r}")
    return 1 if mode == "quick" else wanted


@dataclass(frozen=True)
class Timed(Generic[T]):
    """A result together with the wall-clock seconds it took."""

    result: T
    seconds: float


class Stopwatch:
    """Wall-clock time of a ``with`` block; works around ``await`` too.

    >>> with Stopwatch() as watch:
    ...     pass
    >>> watch.seconds >= 0
    True
    """

    def __init__(self) -> None:
        self._start: float | None = None
        self._end: float | None = None

    def __enter__(self) -> Self:
        self._start, self._end = time.perf_counter(), None
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._end = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Seconds so far (inside the block) or in total (after it). RuntimeError before it."""
        if self._start is None:
            raise RuntimeError("the stopwatch has not been started: use it in a `with` block")
        end = self._end if self._end is not None else time.perf_counter()
        return end - self._start


def measure(fn: Callable[..., T], *args: Any, **kwargs: Any) -> Timed[T]:
    """Call a plain function and time it.

    Raises:
        TypeError: if ``fn`` returned a coroutine, which would be timed without running;
            use ``await measure_async(fn, ...)`` for async functions.
    """
    with Stopwatch() as watch:
        result = fn(*args, **kwargs)
    if inspect.isawaitable(result):
        if inspect.iscoroutine(result):
            result.close()  # never awaited on purpose: close it to avoid a warning
        raise TypeError(
            f"{getattr(fn, '__name__', fn)!s} returned an awaitable, which has not run yet: "
            "use `await measure_async(...)` to time async code"
        )
    return Timed(result, watch.seconds)


async def measure_async(fn: Callable[..., Awaitable[T]], *args: Any, **kwargs: Any) -> Timed[T]:
    """Call an async function, await it, and time the whole run.

    Raises:
        TypeError: if ``fn`` does not return an awaitable.
    """
    with Stopwatch() as watch:
        awaitable = fn(*args, **kwargs)
        if not inspect.isawaitable(awaitable):
            raise TypeError(f"{getattr(fn, '__name__', fn)!s} is not async: use measure(...)")
        result = await awaitable
    return Timed(result, watch.seconds)


def best_of(times: int, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> float:
    """The shortest wall time of ``times`` calls of ``fn(*args, **kwargs)``, in seconds
    (one call under ``BOOK_MEASURE=quick``: :func:`repeats`).

    The shortest run is the one least disturbed by the rest of the machine, which can only
    ever add time; warm up (start pools, fill caches) before calling this.

    Raises:
        ValueError: if ``times`` is less than 1.
        TypeError: if ``fn`` returns an awaitable (see :func:`measure`).
    """
    return min(measure(fn, *args, **kwargs).seconds for _ in range(repeats(times)))


def best_of_each(rounds: int, contenders: Mapping[str, Callable[[], Any]]) -> dict[str, float]:
    """The shortest wall time of each contender over ``rounds`` rounds, by name (one round
    under ``BOOK_MEASURE=quick``: :func:`repeats`).

    Each round runs every contender once, in turn, so that a program that takes the CPU for a
    while slows each of them alike, instead of the one that happened to run then.

    Raises:
        ValueError: if ``rounds`` is less than 1 or there are no contenders.
        TypeError: if a contender returns an awaitable (see :func:`measure`).
    """
    if not contenders:
        raise ValueError("nothing to time: no contenders")
    best = dict.fromkeys(contenders, math.inf)
    for _ in range(repeats(rounds)):
        for name, fn in contenders.items():
            best[name] = min(best[name], measure(fn).seconds)
    return best


def print_timing(name: str, seconds: float) -> None:
    print(f"{name} took {seconds:.3f} s")


def timed(
    fn: Callable[..., Any] | None = None, *, report: Callable[[str, float], None] = print_timing
) -> Any:
    """Decorator that reports how long each call took; correct for ``async def`` too.

    For a coroutine function it returns a coroutine function whose timing covers the await.
    Use as ``@timed`` or ``@timed(report=my_callback)``.
    """
    if fn is None:
        return functools.partial(timed, report=report)

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return await fn(*args, **kwargs)  # the await is inside the timed region
            finally:
                report(fn.__name__, time.perf_counter() - start)

        return async_wrapper

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            report(fn.__name__, time.perf_counter() - start)

    return wrapper
