"""The book's CPU-bound workload, and a helper that tells CPU-bound from I/O-bound work.

The task multiplies a run of integers (a factorial) and then spins on modular arithmetic, in
pure Python, so it holds the GIL the whole time. Its size is set by ``rounds``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CPU_BOUND_SHARE",
    "IO_BOUND_SHARE",
    "MODULUS",
    "WorkloadProfile",
    "calibrate_rounds",
    "classify",
    "factorial_mod",
    "kind_of",
    "queued",
]

MODULUS = 1_000_000_007  # a large prime keeps the numbers small and the work honest
CPU_BOUND_SHARE = 0.7  # busy at least this share of the time it could run: CPU-bound
IO_BOUND_SHARE = 0.3  # busy at most this share: I/O-bound; in between: mixed


def kind_of(cpu_share: float) -> str:
    """``"CPU-bound"``, ``"I/O-bound"`` or ``"mixed"``: what a ``cpu_share`` makes work."""
    if cpu_share >= CPU_BOUND_SHARE:
        return "CPU-bound"
    if cpu_share <= IO_BOUND_SHARE:
        return "I/O-bound"
    return "mixed"


def factorial_mod(start: int, end: int, rounds: int) -> int:
    """Return ``start * (start+1) * ... * end``, then stirred ``rounds`` times, mod a prime.

    Every step is pure-Python bytecode, so the call is CPU-bound and holds the GIL.

    Raises:
        TypeError: if an argument is not an int.
        ValueError: if ``start < 1``, ``end < start`` or ``rounds < 0``.
    """
    for name, value in (("start", start), ("end", end), ("rounds", rounds)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if start < 1 or end < start:
        raise ValueError(f"need 1 <= start <= end, got start={start}, end={end}")
    if rounds < 0:
        raise ValueError(f"rounds must be >= 0, got {rounds}")
    result = 1
    for factor in range(start, end + 1):
        result *= factor
    result %= MODULUS
    for _ in range(rounds):
        result = (result * 31 + 7) % MODULUS
    return result


def calibrate_rounds(
    target_seconds: float = 0.3,
    start: int = 1,
    end: int = 50,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> int:
    """How many ``rounds`` make one :func:`factorial_mod` call take about ``target_seconds``.

    Measured on this machine, now: take the fastest of three short probes, then scale. The
    probes are timed on ``clock``: wall time by default. ``clock=time.thread_time`` counts the
    CPU time of this thread instead, so that a busy machine, which stretches every probe's
    wall time, does not make the calls shorter than asked.

    Raises:
        ValueError: if ``target_seconds`` is not positive.
    """
    if not target_seconds > 0:
        raise ValueError(f"target_seconds must be positive, got {target_seconds}")
    probe_rounds = 50_000
    fastest = min(_time_call(clock, factorial_mod, start, end, probe_rounds) for _ in range(3))
    return max(1, round(probe_rounds * target_seconds / fastest))


def _time_call(clock: Callable[[], float], fn: Callable[..., Any], *args: Any) -> float:
    begin = clock()
    fn(*args)
    return clock() - begin


@dataclass(frozen=True)
class WorkloadProfile:
    """Wall-clock time against the CPU time this thread spent, for one call.

    ``queued_seconds`` is the part of the wall time the thread was ready to run but waited for
    a core that other programs held (Linux reports it; elsewhere it is 0). That is not waiting
    for I/O, so it is left out of the share.
    """

    wall_seconds: float
    cpu_seconds: float
    queued_seconds: float = 0.0

    @property
    def cpu_share(self) -> float:
        """The fraction of the time it could run that the CPU was busy with it (0 to about 1)."""
        could_run = self.wall_seconds - self.queued_seconds
        return self.cpu_seconds / could_run if could_run > 0 else 0.0

    @property
    def kind(self) -> str:
        """``"CPU-bound"``, ``"I/O-bound"`` or ``"mixed"`` (:func:`kind_of` its share)."""
        return kind_of(self.cpu_share)

    def __str__(self) -> str:
        return (
            f"wall {self.wall_seconds:.3f} s, CPU {self.cpu_seconds:.3f} s "
            f"({self.cpu_share:.0%} busy): {self.kind}"
        )


def classify(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> WorkloadProfile:
    """Call ``fn`` once and compare its wall time with the CPU time of the calling thread.

    A call that mostly waits (on the network, a disk, a sleep) uses little CPU time; one
    that computes uses about as much CPU time as wall time. Work that ``fn`` hands to other
    threads or processes is not counted. Exceptions from ``fn`` propagate.
    """
    wall_start, cpu_start, queued_start = time.perf_counter(), time.thread_time(), queued()
    fn(*args, **kwargs)
    cpu_end, wall_end, queued_end = time.thread_time(), time.perf_counter(), queued()
    return WorkloadProfile(wall_end - wall_start, cpu_end - cpu_start, queued_end - queued_start)


def queued() -> float:
    """Seconds this thread has spent ready to run but waiting for a core (0.0 if unknown).

    Linux's scheduler counts it in ``/proc/thread-self/schedstat`` (its second number, in
    nanoseconds); other systems do not expose it, and there this returns 0.0.
    """
    try:
        with open("/proc/thread-self/schedstat", encoding="ascii") as stat:
            return int(stat.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0
