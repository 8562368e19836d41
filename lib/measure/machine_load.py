"""How much of the CPU other programs took while a block of code ran.

A speed-up measured while another program holds a core says more about that program than
about ours. :class:`MachineLoad` measures it, so a chapter can tell a slow result from a busy
machine::

    with MachineLoad() as load:
        ...  # the measurement
    print(load.describe())  # "other programs used 3% of the CPU during this measurement"

The machine's busy time comes from ``psutil.cpu_times()`` (all cores, every program); what
this program's own process tree used (this process, its live descendants, and the children
it has already waited for) is taken out, so the workers of a process pool or a cluster that
the block starts count as ours, not as other programs. Both are counted in clock ticks, about
10 ms on Linux: measure blocks that last a good fraction of a second.
"""

from __future__ import annotations

import os
from time import perf_counter
from typing import Self

import psutil

__all__ = ["MachineLoad", "busy_seconds", "own_tree_seconds"]


def busy_seconds() -> float:
    """CPU seconds the machine's cores have spent busy since boot, all programs together.

    ``guest`` time is already part of ``user`` time on Linux, so it is not added twice.
    """
    times = psutil.cpu_times()
    idle = times.idle + getattr(times, "iowait", 0.0)
    guests = getattr(times, "guest", 0.0) + getattr(times, "guest_nice", 0.0)
    return sum(times) - idle - guests


def _process_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system + times.children_user + times.children_system


def own_tree_seconds() -> float:
    """CPU seconds used by this process, its live descendants and the children it reaped.

    On Linux, ``psutil`` reports reaped children's time; elsewhere ``os.times()`` does on
    POSIX systems, and on Windows a child that has ended is no longer counted.
    """
    me = psutil.Process()
    times = me.cpu_times()
    total = times.user + times.system
    reaped = times.children_user + times.children_system
    if not reaped and hasattr(os, "times"):
        posix = os.times()
        reaped = posix.children_user + posix.children_system
    total += reaped
    for child in me.children(recursive=True):
        try:
            total += _process_seconds(child)
        except psutil.Error:  # it ended meanwhile: its parent has it, or it is gone
            continue
    return total


class MachineLoad:
    """How much of the machine's CPU other programs used during a ``with`` block.

    Raises:
        RuntimeError: if a reading is asked for before the block has ended.
    """

    def __init__(self) -> None:
        self.cores = psutil.cpu_count() or 1
        self._start: tuple[float, float, float] | None = None
        self._deltas: tuple[float, float, float] | None = None

    def __enter__(self) -> Self:
        self._deltas = None
        self._start = (perf_counter(), busy_seconds(), own_tree_seconds())
        return self

    def __exit__(self, *exc_info: object) -> None:
        end = (perf_counter(), busy_seconds(), own_tree_seconds())
        assert self._start is not None
        wall, busy, own = (after - before for after, before in zip(end, self._start, strict=True))
        self._deltas = (wall, busy, own)

    def _readings(self) -> tuple[float, float, float]:
        if self._deltas is None:
            raise RuntimeError("MachineLoad has no reading yet: read it after its `with` block")
        return self._deltas

    @property
    def wall_seconds(self) -> float:
        """How long the block took, in seconds."""
        return self._readings()[0]

    @property
    def others_share(self) -> float:
        """The share of all the machine's cores that other programs used, from 0.0 to 1.0."""
        wall, busy, own = self._readings()
        if wall <= 0:
            return 0.0
        return min(1.0, max(0.0, (busy - own) / (wall * self.cores)))

    def describe(self) -> str:
        """A sentence for the reader, such as "other programs used 3% of the CPU"."""
        return f"other programs used {self.others_share:.0%} of the CPU during this measurement"
