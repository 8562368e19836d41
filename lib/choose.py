"""The rule of thumb for picking a concurrency model, as a function you can call and test.

Describe the work with a :class:`Workload` and :func:`choose_model` returns a
:class:`Recommendation`: the model, how many workers to start, and the reasons::

    >>> rec = choose_model(Workload(cpu_share=0.05, concurrency=20), cores=2)
    >>> rec.model, rec.workers
    ('threads', 20)

The rule, in order:

1. One task at a time: nothing to overlap, so stay **sequential**.
2. CPU-bound (computing at least 70% of the time, like ``lib.workloads``' "CPU-bound"):
   **processes**, one per usable core; with one core nothing runs in parallel: sequential.
   More tasks at once than this machine has cores, and more machines to run them on: a
   **cluster** (chapter 10's Dask scheduler and workers), one worker thread per core.
3. I/O-bound (computing at most 30% of the time): **asyncio** if the I/O libraries are
   async, else **threads**, with the pool capped at ``max_threads``.
4. In between: overlap the waits with asyncio (or threads) and hand the computing to a
   process pool: **asyncio + processes** (or **threads + processes**).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lib.cpus import usable_cpus
from lib.workloads import CPU_BOUND_SHARE, IO_BOUND_SHARE, WorkloadProfile

__all__ = [
    "CPU_BOUND_SHARE",
    "DEFAULT_MAX_THREADS",
    "IO_BOUND_SHARE",
    "MODELS",
    "Recommendation",
    "Workload",
    "choose_model",
]

DEFAULT_MAX_THREADS = 200  # "a few hundred": past this, threads cost more than they overlap

MODELS = (
    "sequential",
    "threads",
    "processes",
    "asyncio",
    "threads + processes",
    "asyncio + processes",
    "cluster",
)


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


def _processes(count: int) -> str:
    return f"{count} process" if count == 1 else f"{count} processes"


@dataclass(frozen=True)
class Workload:
    """What a program does, in the terms that decide the model.

    Attributes:
        cpu_share: fraction of each task's wall time spent computing, 0 to 1
            (``lib.workloads.classify`` measures it).
        concurrency: how many tasks you want in progress at once.
        async_libraries: the I/O libraries have async APIs (aiohttp, asyncpg, ...).
        shared_state: the tasks update the same in-memory objects.
        machines: how many machines the work may use, each with as many usable cores as
            this one; more than one allows a cluster.

    Raises:
        TypeError: on a field of the wrong type.
        ValueError: if ``cpu_share`` is outside 0..1 (or NaN), or ``concurrency`` or
            ``machines`` < 1.
    """

    cpu_share: float
    concurrency: int
    async_libraries: bool = False
    shared_state: bool = False
    machines: int = 1

    def __post_init__(self) -> None:
        share = self.cpu_share
        if isinstance(share, bool) or not isinstance(share, int | float):
            raise TypeError(f"cpu_share must be a number, got {type(share).__name__}")
        if math.isnan(share) or not 0.0 <= share <= 1.0:
            raise ValueError(f"cpu_share must be between 0 and 1, got {share}")
        _check_count("concurrency", self.concurrency)
        _check_bool("async_libraries", self.async_libraries)
        _check_bool("shared_state", self.shared_state)
        _check_count("machines", self.machines)

    @classmethod
    def from_profile(
        cls,
        profile: WorkloadProfile,
        concurrency: int,
        async_libraries: bool = False,
        shared_state: bool = False,
        machines: int = 1,
    ) -> Workload:
        """A workload whose ``cpu_share`` is measured (``lib.workloads.classify``), capped at 1.

        Raises:
            TypeError: if ``profile`` is not a ``WorkloadProfile``; as the constructor otherwise.
        """
        if not isinstance(profile, WorkloadProfile):
            raise TypeError(f"expected a WorkloadProfile, got {type(profile).__name__}")
        share = min(1.0, max(0.0, profile.cpu_share))
        return cls(share, concurrency, async_libraries, shared_state, machines)

    @property
    def kind(self) -> str:
        """``"CPU-bound"``, ``"I/O-bound"`` or ``"mixed"``, with lib.workloads' thresholds."""
        if self.cpu_share >= CPU_BOUND_SHARE:
            return "CPU-bound"
        if self.cpu_share <= IO_BOUND_SHARE:
            return "I/O-bound"
        return "mixed"


@dataclass(frozen=True)
class Recommendation:
    """A model from :data:`MODELS`, how many workers to start, and why.

    ``workers`` is the number of threads, processes or asyncio tasks to run at once; for a
    mix of models it is the size of the process pool.
    """

    model: str
    workers: int
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        lines = [f"{self.model} ({self.workers} at once)"]
        lines += [f"  - {reason}" for reason in self.reasons]
        return "\n".join(lines)


_SHARED_STATE = {
    "threads": "shared state: guard each read-modify-write with a threading.Lock, because a "
    "thread can be switched out between any two bytecodes",
    "asyncio": "shared state: tasks switch only at an await, so an update with no await inside "
    "is safe; hold an asyncio.Lock across an await",
    "processes": "shared state: processes share no memory, so send inputs in and results back "
    "through the pool (pickled), or use multiprocessing.shared_memory",
    "cluster": "shared state: the workers share no memory, not even a machine: send inputs in "
    "and results back (scatter data that many tasks read)",
}


def _cluster(workload: Workload, cores: int, share: str) -> Recommendation:
    machines, n = workload.machines, workload.concurrency
    workers = min(n, cores * machines)
    reasons = [
        f"CPU-bound ({share}), {n} tasks at once and {cores} usable cores here: one machine "
        f"runs {cores} at a time",
        f"a cluster of {machines} machines runs {workers} at once, one worker thread per core",
        "each task must compute for far longer than a round trip to the scheduler costs "
        "(chapter 10 measures it), and its data must be worth sending",
    ]
    if workload.shared_state:
        reasons.append(_SHARED_STATE["cluster"])
    return Recommendation("cluster", workers, tuple(reasons))


def choose_model(
    workload: Workload, cores: int | None = None, max_threads: int = DEFAULT_MAX_THREADS
) -> Recommendation:
    """Apply the rule of thumb (see the module docstring) to ``workload``.

    ``cores`` defaults to :func:`lib.cpus.usable_cpus`. ``max_threads`` caps a thread pool.

    Raises:
        TypeError: if ``workload`` is not a :class:`Workload`, or a count is not an int.
        ValueError: if ``cores`` or ``max_threads`` is below 1.
    """
    if not isinstance(workload, Workload):
        raise TypeError(f"expected a Workload, got {type(workload).__name__}")
    cores = usable_cpus() if cores is None else _check_count("cores", cores)
    max_threads = _check_count("max_threads", max_threads)
    n = workload.concurrency
    share = f"{workload.cpu_share:.0%} of the time computing"

    if n == 1:
        return Recommendation(
            "sequential", 1, ("one task at a time: there is nothing to overlap or to split",)
        )

    if workload.kind == "CPU-bound":
        if cores == 1:
            return Recommendation(
                "sequential",
                1,
                (
                    f"CPU-bound ({share})",
                    "one usable core: no model computes in parallel here, and every one "
                    "adds overhead",
                ),
            )
        if workload.machines > 1 and n > cores:
            return _cluster(workload, cores, share)
        reasons = [
            f"CPU-bound ({share}): threads and asyncio take turns on one core under the GIL; "
            "processes each have their own interpreter",
            f"at most {_processes(min(n, cores))}: more than the usable cores only queue for "
            "the CPU and cost memory",
        ]
        if workload.shared_state:
            reasons.append(_SHARED_STATE["processes"])
        return Recommendation("processes", min(n, cores), tuple(reasons))

    if workload.kind == "I/O-bound":
        if workload.async_libraries:
            model = "asyncio"
            reasons = [
                f"I/O-bound ({share}): the waits overlap in one thread",
                "async libraries are available, and a waiting task costs about a kilobyte, "
                "not a thread stack: this scales to thousands",
            ]
            workers = n
        else:
            model = "threads"
            workers = min(n, max_threads)
            reasons = [
                f"I/O-bound ({share}): blocking calls release the GIL while they wait, so "
                "threads overlap them",
                "the libraries block, so asyncio would need a thread per call anyway",
            ]
            if n > max_threads:
                reasons.append(
                    f"cap the pool at {max_threads} threads: each one reserves a stack and "
                    "costs start-up time; for more, switch to async libraries"
                )
        if workload.shared_state:
            reasons.append(_SHARED_STATE[model])
        return Recommendation(model, workers, tuple(reasons))

    front = "asyncio" if workload.async_libraries else "threads"
    model = f"{front} + processes"
    reasons = [
        f"mixed ({share}): overlap the waits with {front}, and send the computing to a "
        "process pool with loop.run_in_executor"
        if front == "asyncio"
        else f"mixed ({share}): overlap the waits with threads, and send the computing to "
        "a process pool",
        f"a pool of {_processes(min(n, cores))}: one per usable core at most",
    ]
    if cores == 1:
        reasons.append("one usable core: the pool keeps the waiting side responsive, no faster")
    if workload.shared_state:
        reasons.append(_SHARED_STATE[front])
    return Recommendation(model, min(n, cores), tuple(reasons))
