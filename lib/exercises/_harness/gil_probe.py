"""Tools for chapter 2's checkers: does a call hold the GIL, and pretend interpreters.

:func:`gil_lockout` watches a probe thread rather than a stopwatch: a call that holds the GIL
locks the probe out for most of its run, on any machine, busy or idle, one core or many.
:func:`pretend_interpreter` makes this interpreter describe another one (a free-threaded
build, a 3.14 with ``InterpreterPoolExecutor``) for as long as a ``with`` block lasts.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import statistics
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

__all__ = [
    "HOLDS_GIL",
    "LOCKED_OUT",
    "PretendInterpreterPoolExecutor",
    "gil_lockout",
    "gil_verdict",
    "locked_out_share",
    "pretend_interpreter",
]

T = TypeVar("T")


# --- measuring whether a call lets go of the GIL -------------------------------------------

PROBE_SWITCH_INTERVAL = 0.2  # while measuring: a thread holding the GIL keeps it this long
PROBE_NAP = 0.0005  # the probe sleeps this long between bits of work, leaving the GIL free
LOCKED_OUT = 0.01  # a longer pause of the probe means the GIL was held against it
HOLDS_GIL = 0.8  # locked out for most of the time: the GIL was held (noise only adds)


def _spin() -> None:
    value = 1
    for _ in range(100):  # a few microseconds of pure-Python work
        value = (value * 31 + 7) % 1_000_003


def locked_out_share(ticks: list[float], start: float, end: float) -> float:
    """The fraction of ``start``..``end`` that lies in pauses longer than ``LOCKED_OUT``
    between the probe's ``ticks``. Never raises; 0.0 for an empty interval."""
    if not end > start:
        return 0.0
    moments = [start, *(tick for tick in ticks if start < tick < end), end]
    pauses = (later - earlier for earlier, later in itertools.pairwise(moments))
    return sum(pause for pause in pauses if pause > LOCKED_OUT) / (end - start)


def gil_lockout(
    call: Callable[[], T], window: Callable[[], tuple[float, float]] | None = None
) -> tuple[T, float]:
    """Run ``call()`` here while a probe thread runs Python code; return its result and share.

    The probe does a few microseconds of Python work, then naps, leaving the GIL free, over
    and over. The share is the fraction of the call (or of the ``(start, end)`` that
    ``window()`` returns afterwards) that the probe spent in pauses longer than
    ``LOCKED_OUT``. The switch interval is raised meanwhile, so a call that holds the GIL
    locks the probe out for all its run (share near 1); one that lets go of it hardly at all
    (near 0). Both hold on one core or many, busy or quiet, as the probe needs only a sliver
    of one core. Exceptions from ``call`` propagate, after the probe has stopped and the
    switch interval is back.
    """
    stop, ticks = threading.Event(), [time.perf_counter()]
    previous_interval = sys.getswitchinterval()

    def probe() -> None:
        while not stop.is_set():
            _spin()
            ticks.append(time.perf_counter())
            time.sleep(PROBE_NAP)  # leaves the GIL to any thread that wants it

    prober = threading.Thread(target=probe, name="gil-probe", daemon=True)
    sys.setswitchinterval(PROBE_SWITCH_INTERVAL)
    try:
        prober.start()
        while len(ticks) < 2:  # the probe is running
            time.sleep(0.001)
        start = time.perf_counter()
        result = call()
        end = time.perf_counter()
    finally:
        stop.set()
        prober.join()
        sys.setswitchinterval(previous_interval)
    if window is not None:
        start, end = window()
    return result, locked_out_share(ticks, start, end)


def gil_verdict(shares: Iterable[float], tries: int) -> tuple[bool, float]:
    """Whether a call held the GIL, by a majority of up to ``tries`` measured shares.

    ``shares`` is read lazily and only until one side has a majority, so a clear case costs
    about ``tries // 2 + 1`` measurements. One stray measurement (a busy machine, a thread
    of the test runner waking) can no more pass a call that holds the GIL than fail one
    that lets go of it. Returns the verdict and the median of the shares read. Raises
    ``ValueError`` if ``tries`` is not a positive odd number or ``shares`` runs out first.
    """
    if tries < 1 or tries % 2 == 0:
        raise ValueError(f"tries must be a positive odd number, not {tries!r}")
    majority = tries // 2 + 1
    read: list[float] = []
    for share in itertools.islice(shares, tries):
        read.append(share)
        held = sum(s >= HOLDS_GIL for s in read)
        if held >= majority or len(read) - held >= majority:
            return held >= majority, statistics.median(read)
    raise ValueError(f"{len(read)} shares for a majority of {tries}: measure {tries} times")


# --- pretend interpreters -----------------------------------------------------------------

_ABSENT = object()


class PretendInterpreterPoolExecutor(concurrent.futures.Executor):
    """Stands in for ``concurrent.futures.InterpreterPoolExecutor`` on a pretend 3.14."""


PretendInterpreterPoolExecutor.__name__ = "InterpreterPoolExecutor"
PretendInterpreterPoolExecutor.__qualname__ = "InterpreterPoolExecutor"


def _set_or_delete(namespace: dict[str, Any], name: str, value: Any) -> None:
    if value is _ABSENT:
        namespace.pop(name, None)
    else:
        namespace[name] = value


@contextmanager
def pretend_interpreter(
    gil_disabled_build: int | None, gil_enabled: bool | None, interpreter_pool: bool
) -> Iterator[None]:
    """Make ``sysconfig``, ``sys`` and ``concurrent.futures`` describe another interpreter.

    ``gil_disabled_build`` is what ``sysconfig.get_config_var("Py_GIL_DISABLED")`` returns;
    ``gil_enabled`` what ``sys._is_gil_enabled()`` returns (``None``: it does not exist);
    ``interpreter_pool`` whether ``concurrent.futures.InterpreterPoolExecutor`` exists. All is
    put back on the way out.
    """
    config = sysconfig.get_config_vars()  # the dictionary get_config_var reads from
    futures = vars(concurrent.futures)
    namespaces: list[tuple[dict[str, Any], str, Any]] = [
        (config, "Py_GIL_DISABLED", _ABSENT if gil_disabled_build is None else gil_disabled_build),
        (vars(sys), "_is_gil_enabled", _ABSENT if gil_enabled is None else lambda: gil_enabled),
        (
            futures,
            "InterpreterPoolExecutor",
            PretendInterpreterPoolExecutor if interpreter_pool else _ABSENT,
        ),
    ]
    if "_interpreters" in futures and not interpreter_pool:  # 3.14 imports the pool lazily
        namespaces.append((futures, "_interpreters", None))
    saved = [(namespace, name, namespace.get(name, _ABSENT)) for namespace, name, _ in namespaces]
    try:
        for namespace, name, value in namespaces:
            _set_or_delete(namespace, name, value)
        yield
    finally:
        for namespace, name, value in reversed(saved):
            _set_or_delete(namespace, name, value)
