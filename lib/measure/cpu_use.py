"""Measure the CPU time a block of code costs: in this process, in other processes, machine-wide.

Wall time says how long a batch took; CPU time says how much work it cost, and who did it::

    with CpuMeter(server.pid) as meter:
        ...  # send a batch of requests to a server running in another process
    use = meter.use
    print(use.own / requests, use.others / requests)  # CPU seconds per request, each side

``own`` is this process's CPU time (every thread, user and system, from
``time.process_time``); ``others`` is the summed CPU time of the processes whose ids were
given (from ``psutil``, which counts in clock ticks: about 10 ms on Linux, so measure
batches that run for a good fraction of a second); ``machine`` is how long the machine's cores
were busy in all, whoever was running. On Linux, ``waiting`` is how long the thread that
entered the meter (the event loop's, in a coroutine) was ready to run but waited for a free
core, from ``/proc/self/task/<id>/schedstat``; elsewhere it is ``None``.

:func:`ceiling` turns the CPU time per request into the most requests per second the CPU
allows, for a client and a server that each run one event loop, in one thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self

import psutil

__all__ = ["Ceiling", "CpuMeter", "CpuUse", "ceiling", "combined", "thread_waiting"]


@dataclass(frozen=True)
class CpuUse:
    """The wall time of a block, and the CPU seconds spent while it ran.

    ``cores`` is the number of logical cores ``psutil`` sees, for :meth:`machine_share`;
    ``waiting`` the seconds the measuring thread waited for a free core (Linux only).
    """

    wall: float
    own: float
    others: float
    machine: float
    cores: int
    waiting: float | None = None

    def share(self, cpu_seconds: float) -> float:
        """``cpu_seconds`` as a share of the wall time: 1.0 is one core busy all the time.

        Raises:
            ValueError: if the wall time is not positive.
        """
        if not self.wall > 0:
            raise ValueError(f"no wall time to share CPU time over (wall={self.wall})")
        return cpu_seconds / self.wall

    def machine_share(self) -> float:
        """How busy the machine's cores were, from 0.0 (idle) to 1.0 (every core, all along).

        Raises:
            ValueError: if the wall time is not positive.
        """
        return self.share(self.machine) / self.cores


def combined(uses: Iterable[CpuUse]) -> CpuUse:
    """Several measured blocks as one: their wall and CPU times added up.

    Raises:
        ValueError: if ``uses`` is empty, or the blocks were measured with different core counts.
    """
    uses = list(uses)
    if not uses:
        raise ValueError("nothing to combine: no measured blocks")
    cores = {use.cores for use in uses}
    if len(cores) != 1:
        raise ValueError(f"blocks measured on different core counts: {sorted(cores)}")
    waits = [use.waiting for use in uses]
    return CpuUse(
        wall=sum(use.wall for use in uses),
        own=sum(use.own for use in uses),
        others=sum(use.others for use in uses),
        machine=sum(use.machine for use in uses),
        cores=cores.pop(),
        waiting=None if None in waits else sum(w for w in waits if w is not None),
    )


@dataclass(frozen=True)
class Ceiling:
    """The most requests per second the measured CPU time allows, and what sets that limit.

    ``bounds`` holds each limit's requests per second by name, ``limit`` names the lowest.
    """

    per_second: float
    limit: str
    bounds: dict[str, float]


def ceiling(use: CpuUse, requests: int) -> Ceiling:
    """The CPU ceiling of a client and a server, each one event loop in one thread.

    From the CPU time per request of this process (the client, ``use.own``) and of the
    watched ones (the server, ``use.others``): one event loop keeps at most one core busy, so
    each side alone allows one request per its CPU time per request; and both together can use
    no more than all ``use.cores`` cores. The ceiling is the lowest of the three; ``limit``
    says which it is: ``"the client's core"``, ``"the server's core"`` or ``"all N cores"``.

    Raises:
        ValueError: if ``requests`` is not positive, or the client measured no CPU time.
    """
    if requests < 1:
        raise ValueError(f"requests must be at least 1, got {requests}")
    client, server = use.own / requests, use.others / requests
    if not client > 0:
        raise ValueError("the client measured no CPU time: measure a batch of requests")
    limits = {"the client's core": 1 / client}
    if server > 0:
        limits["the server's core"] = 1 / server
        limits[f"all {use.cores} cores"] = use.cores / (client + server)
    limit = min(limits, key=lambda name: limits[name])
    return Ceiling(limits[limit], limit, limits)


def thread_waiting() -> float | None:
    """Seconds the calling thread has spent so far ready to run but waiting for a free core.

    Linux's scheduler statistics (the second field of ``schedstat``); ``None`` where the
    system does not offer them.
    """
    try:
        path = f"/proc/self/task/{threading.get_native_id()}/schedstat"
        with open(path, encoding="ascii") as stats:
            fields = stats.read().split()
    except OSError:
        return None
    return int(fields[1]) / 1e9 if len(fields) >= 2 else None


def _busy(times: tuple[float, ...]) -> float:
    """Busy CPU seconds from psutil's machine-wide times: all but idle and waiting on disk.

    Linux already counts ``guest`` time in ``user`` (and ``guest_nice`` in ``nice``): those two
    are left out so that nothing counts twice.
    """
    fields = dict(zip(getattr(times, "_fields", ()), times, strict=True))
    left_out = ("idle", "iowait", "guest", "guest_nice")
    return float(sum(value for name, value in fields.items() if name not in left_out))


class CpuMeter:
    """A context manager that measures wall time and CPU time around its block.

    Pass the ids of other processes to watch (a server, say). After the block, :attr:`use`
    holds the figures; the meter can be used again for another block. Leave the block in the
    thread that entered it (a ``with`` in a coroutine does).

    Raises:
        ValueError: on a pid that is not a positive int.
        psutil.NoSuchProcess: if a watched process does not exist on entry, or has ended (and
            been waited for) by the end of the block: stop it after the block, not in it.
    """

    def __init__(self, *pids: int) -> None:
        for pid in pids:
            if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
                raise ValueError(f"a pid must be a positive int, got {pid!r}")
        self._pids = pids
        self._processes: list[psutil.Process] = []
        self._start: tuple[float, float, float, float] | None = None
        self._waiting: float | None = None
        self._use: CpuUse | None = None

    def _others(self) -> float:
        return sum(sum(process.cpu_times()[:2]) for process in self._processes)

    def _now(self) -> tuple[float, float, float, float]:
        machine = _busy(psutil.cpu_times())
        return time.perf_counter(), time.process_time(), self._others(), machine

    def __enter__(self) -> Self:
        self._processes = [psutil.Process(pid) for pid in self._pids]
        self._use = None
        self._waiting = thread_waiting()
        self._start = self._now()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._start is None:
            return
        end = self._now()
        waited = thread_waiting()
        wall, own, others, machine = (b - a for a, b in zip(self._start, end, strict=True))
        self._start = None
        waiting = None if waited is None or self._waiting is None else waited - self._waiting
        self._use = CpuUse(wall, own, others, machine, psutil.cpu_count() or 1, waiting)

    @property
    def use(self) -> CpuUse:
        """What the last block cost.

        Raises:
            RuntimeError: before a block has ended.
        """
        if self._use is None:
            raise RuntimeError("nothing measured yet: use the meter as `with meter: ...` first")
        return self._use
