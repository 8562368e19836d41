"""Measure what one unit of concurrency costs: an idle thread, an idle process, an asyncio task.

Each ``*_footprint`` function starts idle units *cumulatively* (say 50, then 50 more, then
100 more), measures memory with that many alive, and finally stops every unit it started,
even when something fails. Fit a straight line through the samples with :func:`fit_slope`:
its slope is the cost of one more unit, and the baseline drops out.

Memory words, as the operating system reports them (through ``psutil``):

- **RSS**, resident set size: pages in RAM, shared ones counted in full by every sharer;
- **VMS**, virtual memory size: address space reserved, whether or not it is in RAM;
- **PSS**, proportional set size (Linux only): shared pages split evenly between sharers;
- **USS**, unique set size: pages no other process shares, freed when the process ends.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "IDLE_TIMEOUT",
    "JOIN_TIMEOUT",
    "START_TIMEOUT",
    "Sample",
    "fit_slope",
    "idle_worker",
    "per_unit",
    "process_footprint",
    "task_footprint",
    "thread_footprint",
]

IDLE_TIMEOUT = 120.0  # seconds an idle unit waits at most: nothing outlives a crashed caller
JOIN_TIMEOUT = 10.0  # seconds to wait for each unit to end once told to stop
START_TIMEOUT = 60.0  # seconds to wait for a new process to report that it is up


@dataclass(frozen=True)
class Sample:
    """Memory in bytes with ``count`` idle units alive.

    For threads and tasks the numbers are the whole measuring process's; for processes they
    are summed over the idle children (and 0 when there are none). ``seconds`` is the time
    spent starting the units so far. A field is ``None`` where it was not measured or the
    operating system does not offer it.
    """

    count: int
    seconds: float
    rss: int
    vms: int | None = None
    pss: int | None = None
    uss: int | None = None
    traced: int | None = None  # bytes held by Python's allocator (tracemalloc)


def _check_counts(counts: Sequence[int]) -> list[int]:
    counts = list(counts)
    if not counts:
        raise ValueError("need at least one count")
    for count in counts:
        if isinstance(count, bool) or not isinstance(count, int):
            raise TypeError(f"counts must be ints, got {type(count).__name__}")
    if counts[0] < 0 or any(b < a for a, b in itertools.pairwise(counts)):
        raise ValueError(f"counts must be >= 0 and never decrease, got {counts}")
    return counts


def _own_memory() -> tuple[int, int]:
    import psutil  # imported here: an idle child process should not pay for psutil

    info = psutil.Process().memory_info()
    return info.rss, info.vms


def thread_footprint(counts: Sequence[int], stack_size: int = 0) -> list[Sample]:
    """Start idle threads up to each count in turn; sample this process's RSS and VMS.

    ``stack_size`` is passed to ``threading.stack_size`` for these threads only (0: the
    platform's default) and restored afterwards.

    Raises:
        TypeError, ValueError: on bad counts, or a stack size the platform refuses.
        RuntimeError: if a thread does not end within ``JOIN_TIMEOUT`` seconds.
    """
    counts = _check_counts(counts)
    gate = threading.Event()
    threads: list[threading.Thread] = []
    samples: list[Sample] = []
    starting = 0.0
    previous = threading.stack_size(stack_size)
    try:
        for count in counts:
            begin = time.perf_counter()
            while len(threads) < count:
                thread = threading.Thread(target=gate.wait, args=(IDLE_TIMEOUT,), daemon=True)
                thread.start()
                threads.append(thread)
            starting += time.perf_counter() - begin
            rss, vms = _own_memory()
            samples.append(Sample(count, starting, rss, vms))
    finally:
        threading.stack_size(previous)
        gate.set()
        for thread in threads:
            thread.join(JOIN_TIMEOUT)
    if any(thread.is_alive() for thread in threads):
        raise RuntimeError("an idle thread did not end")
    return samples


async def _task_samples(counts: list[int], trace: bool) -> list[Sample]:
    import asyncio
    import tracemalloc

    gate = asyncio.Event()
    tasks: list[asyncio.Task[Any]] = []
    samples: list[Sample] = []
    starting = 0.0
    if trace:
        tracemalloc.start()
    try:
        for count in counts:
            begin = time.perf_counter()
            while len(tasks) < count:
                tasks.append(asyncio.create_task(gate.wait()))
            await asyncio.sleep(0)  # let every new task run up to its first await
            starting += time.perf_counter() - begin
            traced = tracemalloc.get_traced_memory()[0] if trace else None
            rss, vms = _own_memory()
            samples.append(Sample(count, starting, rss, vms, traced=traced))
    finally:
        if trace:
            tracemalloc.stop()
        gate.set()
        await asyncio.gather(*tasks)
    return samples


def task_footprint(counts: Sequence[int]) -> list[Sample]:
    """Create idle asyncio tasks up to each count in turn; sample RSS, VMS and, in a second
    pass with ``tracemalloc`` on, the bytes Python allocated (kept out of the first pass,
    which it would slow down).

    It runs its own event loop, so call it where none is running: in a script, or in a worker
    process when you are in a notebook.

    Raises:
        TypeError, ValueError: on bad counts.
        RuntimeError: if called while an event loop is running in this thread.
    """
    import asyncio

    from lib.plumbing.event_loops import refuse_running_loop

    counts = _check_counts(counts)
    refuse_running_loop("task_footprint")
    plain = asyncio.run(_task_samples(counts, trace=False))
    traced = asyncio.run(_task_samples(counts, trace=True))
    return [
        Sample(s.count, s.seconds, s.rss, s.vms, traced=t.traced)
        for s, t in zip(plain, traced, strict=True)
    ]


def idle_worker(ready: Any, stop: Any, timeout: float = IDLE_TIMEOUT) -> None:
    """Body of an idle child process: report its pid on ``ready``, then wait for ``stop``.

    Lives in a module so that every start method (spawn included) can import it.
    """
    ready.put(os.getpid())
    stop.wait(timeout)


def _child_memory(pids: list[int]) -> tuple[int, int | None, int | None]:
    import psutil

    rss, pss, uss = 0, 0, 0
    has_pss = has_uss = True
    for pid in pids:
        process = psutil.Process(pid)
        info: Any  # pfullmem where this platform has it, pmem otherwise
        try:
            info = process.memory_full_info()
        except (psutil.AccessDenied, NotImplementedError):
            info = process.memory_info()
        rss += info.rss
        has_pss = has_pss and hasattr(info, "pss")
        has_uss = has_uss and hasattr(info, "uss")
        pss += getattr(info, "pss", 0)
        uss += getattr(info, "uss", 0)
    return rss, (pss if has_pss else None), (uss if has_uss else None)


def process_footprint(counts: Sequence[int], start_method: str | None = None) -> list[Sample]:
    """Start idle child processes up to each count in turn; sample their summed RSS, PSS, USS.

    ``start_method`` is ``"fork"``, ``"spawn"`` or ``"forkserver"`` (``None``: the platform's
    default). ``seconds`` includes waiting until each child has reported that it is up.

    Raises:
        TypeError, ValueError: on bad counts, or a start method this platform lacks.
        RuntimeError: if a child does not start within ``START_TIMEOUT`` seconds.
    """
    import queue

    from lib.plumbing.processes import stop_processes  # here: the idle children skip psutil

    counts = _check_counts(counts)
    context: Any = multiprocessing.get_context(start_method)  # any start method's context
    ready = context.Queue()
    stop = context.Event()
    children: list[Any] = []
    pids: list[int] = []
    samples: list[Sample] = []
    starting = 0.0
    try:
        for count in counts:
            begin = time.perf_counter()
            new = []
            while len(children) < count:
                child = context.Process(target=idle_worker, args=(ready, stop), daemon=True)
                child.start()
                children.append(child)
                new.append(child)
            for _ in new:
                try:
                    pids.append(ready.get(timeout=START_TIMEOUT))
                except queue.Empty:
                    raise RuntimeError("an idle process did not start in time") from None
            starting += time.perf_counter() - begin
            rss, pss, uss = _child_memory(pids)
            samples.append(Sample(count, starting, rss, pss=pss, uss=uss))
    finally:
        stop.set()  # each idle child returns from its wait and exits
        for child in children:
            child.join(JOIN_TIMEOUT)
        stop_processes(children)  # any still running: terminated, killed if need be
        ready.close()
        ready.join_thread()
    return samples


def fit_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The least-squares slope of ``ys`` against ``xs``: the cost of one more unit.

    Raises:
        ValueError: with fewer than two points, sequences of different lengths, or all
            ``xs`` equal.
    """
    if len(xs) != len(ys):
        raise ValueError(f"need as many xs as ys, got {len(xs)} and {len(ys)}")
    if len(xs) < 2:
        raise ValueError("need at least two points to fit a slope")
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        raise ValueError("all xs are equal: no slope to fit")
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def per_unit(samples: Sequence[Sample], field: str) -> float | None:
    """Fitted bytes (or seconds, for ``"seconds"``) per unit; ``None`` if ``field`` is missing.

    Raises:
        ValueError: if ``field`` is not a :class:`Sample` field, or from :func:`fit_slope`.
    """
    if field not in Sample.__dataclass_fields__ or field == "count":
        raise ValueError(f"unknown field {field!r}")
    values = [getattr(sample, field) for sample in samples]
    if any(value is None for value in values):
        return None
    return fit_slope([sample.count for sample in samples], values)
