"""The rule of thumb for picking a concurrency model, as a function you can call and test.

Describe the work with a :class:`Workload` and :func:`choose_model` returns a
:class:`Recommendation`: the model, how many workers to start, and the reasons::

    >>> rec = choose_model(Workload(cpu_share=0.05, concurrency=20), cores=2)
    >>> rec.model, rec.workers
    ('threads', 20)

The rule, in order (each step is a function below; its reasons are worded in
``lib.demos.choose_reasons``):

1. One task at a time: nothing to overlap, so stay **sequential**.
2. CPU-bound (computing at least 70% of the time, like ``lib.demos.workloads``' "CPU-bound"):
   **processes**, one per usable core; with one core nothing runs in parallel: sequential.
   More tasks at once than this machine has cores, and more machines to run them on: a
   **cluster** (chapter 10's Dask scheduler and workers), one worker thread per core. The
   reasons name an ``InterpreterPoolExecutor`` (3.14+), or threads where the GIL is off.
3. I/O-bound (computing at most 30% of the time): **asyncio** if the I/O libraries are
   async, else **threads**; never unbounded: at most ``max_threads`` threads, or
   ``max_in_flight`` tasks in flight (an ``asyncio.Semaphore``).
4. In between: overlap the waits with asyncio (or threads) and hand the computing to a
   process pool: **asyncio + processes** (or **threads + processes**).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lib.demos.choose_reasons import OTHER_POOL, SHARED_STATE, bound, processes
from lib.demos.gil import gil_status
from lib.demos.workloads import CPU_BOUND_SHARE, IO_BOUND_SHARE, WorkloadProfile, kind_of
from lib.measure.cores import usable_cpus

__all__ = [
    "CPU_BOUND_SHARE",
    "DEFAULT_MAX_IN_FLIGHT",
    "DEFAULT_MAX_THREADS",
    "IO_BOUND_SHARE",
    "MODELS",
    "Recommendation",
    "Workload",
    "choose_model",
]

DEFAULT_MAX_THREADS = 200  # "a few hundred": past this, threads cost more than they overlap
DEFAULT_MAX_IN_FLIGHT = 500  # asyncio: well below the usual limit of 1,024 open files

_ALONE = ("sequential", "threads", "processes", "asyncio")  # the models on their own
MODELS = (*_ALONE, "threads + processes", "asyncio + processes", "cluster")


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__}")


def _check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{name} must be at least 1, got {value}")
    return value


@dataclass(frozen=True)
class Workload:
    """What a program does, in the terms that decide the model.

    Attributes:
        cpu_share: fraction of each task's wall time spent computing, 0 to 1
            (``lib.demos.workloads.classify`` measures it).
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
        """A workload whose ``cpu_share`` is measured (``lib.demos.workloads.classify``), capped at
        1.

        Raises:
            TypeError: if ``profile`` is not a ``WorkloadProfile``; as the constructor otherwise.
        """
        if not isinstance(profile, WorkloadProfile):
            raise TypeError(f"expected a WorkloadProfile, got {type(profile).__name__}")
        share = min(1.0, max(0.0, profile.cpu_share))
        return cls(share, concurrency, async_libraries, shared_state, machines)

    @property
    def kind(self) -> str:
        """``"CPU-bound"``, ``"I/O-bound"`` or ``"mixed"``, with lib.demos.workloads' thresholds."""
        return kind_of(self.cpu_share)


@dataclass(frozen=True)
class Recommendation:
    """A model from :data:`MODELS`, how many workers to start, and why.

    ``workers`` is the number of threads, processes or asyncio tasks to run at once, always
    bounded (for asyncio, the tasks in flight); for a mix, the size of the process pool.
    """

    model: str
    workers: int
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        lines = [f"{self.model} ({self.workers} at once)"]
        lines += [f"  - {reason}" for reason in self.reasons]
        return "\n".join(lines)


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
        reasons.append(SHARED_STATE["cluster"])
    return Recommendation("cluster", workers, tuple(reasons))


def choose_model(
    workload: Workload,
    cores: int | None = None,
    max_threads: int = DEFAULT_MAX_THREADS,
    max_in_flight: int = DEFAULT_MAX_IN_FLIGHT,
    gil: bool | None = None,
) -> Recommendation:
    """Apply the rule of thumb (see the module docstring) to ``workload``.

    ``cores`` defaults to :func:`lib.measure.cores.usable_cpus`. ``max_threads`` caps a thread pool,
    ``max_in_flight`` the asyncio tasks in flight. ``gil`` says whether the interpreter that
    will run the work has its GIL on; ``None`` asks the running one (``lib.demos.gil.gil_status``).

    Raises:
        TypeError: if ``workload`` is not a :class:`Workload`, a count is not an int, or
            ``gil`` is neither a bool nor ``None``.
        ValueError: if ``cores``, ``max_threads`` or ``max_in_flight`` is below 1.
    """
    limits = _Limits.checked(workload, cores, max_threads, max_in_flight, gil)
    if workload.concurrency == 1:
        alone = "one task at a time: there is nothing to overlap or to split"
        return Recommendation("sequential", 1, (alone,))
    if workload.kind == "CPU-bound":
        return _for_computing(workload, limits)
    if workload.kind == "I/O-bound":
        return _for_waiting(workload, limits)
    return _for_both(workload, limits)


@dataclass(frozen=True)
class _Limits:
    """What bounds a recommendation: the cores, the caps on threads and tasks, the GIL."""

    cores: int
    max_threads: int
    max_in_flight: int
    gil: bool

    @classmethod
    def checked(
        cls, workload: object, cores: int | None, threads: int, in_flight: int, gil: bool | None
    ) -> _Limits:
        if not isinstance(workload, Workload):
            raise TypeError(f"expected a Workload, got {type(workload).__name__}")
        cores = usable_cpus() if cores is None else _check_count("cores", cores)
        gil = gil_status().gil_enabled if gil is None else gil
        _check_bool("gil", gil)
        threads = _check_count("max_threads", threads)
        return cls(cores, threads, _check_count("max_in_flight", in_flight), gil)


def _share(workload: Workload) -> str:
    return f"{workload.cpu_share:.0%} of the time computing"


def _for_computing(workload: Workload, limits: _Limits) -> Recommendation:
    n, cores, share = workload.concurrency, limits.cores, _share(workload)
    if cores == 1:
        alone = "one usable core: no model computes in parallel here, and each adds overhead"
        return Recommendation("sequential", 1, (f"CPU-bound ({share})", alone))
    if workload.machines > 1 and n > cores:
        return _cluster(workload, cores, share)
    pool = min(n, cores)
    turns = "threads and asyncio take turns under the GIL"
    turns = turns if limits.gil else "asyncio runs one task at a time"
    reasons = [
        f"CPU-bound ({share}): {turns}; processes each have their own interpreter",
        f"at most {processes(pool)}: more than the usable cores only queue for "
        "the CPU and cost memory",
        OTHER_POOL[limits.gil].format(n=pool),
    ]
    if workload.shared_state:
        reasons.append(SHARED_STATE["processes"])
    return Recommendation("processes", pool, tuple(reasons))


def _for_waiting(workload: Workload, limits: _Limits) -> Recommendation:
    n, share = workload.concurrency, _share(workload)
    if workload.async_libraries:
        model = "asyncio"
        workers = min(n, limits.max_in_flight)
        reasons = [
            f"I/O-bound ({share}): the waits overlap in one thread",
            "async libraries are available, and a waiting task costs about a kilobyte, "
            "not a thread stack: this scales to thousands",
            bound(workers, n, limits.max_in_flight),
        ]
    else:
        model = "threads"
        workers = min(n, limits.max_threads)
        reasons = [
            f"I/O-bound ({share}): blocking calls release the GIL while they wait, so "
            "threads overlap them",
            "the libraries block, so asyncio would need a thread per call anyway",
        ]
        if n > limits.max_threads:
            reasons.append(
                f"cap the pool at {limits.max_threads} threads: each one reserves a stack and "
                "costs start-up time; for more, switch to async libraries"
            )
    if workload.shared_state:
        reasons.append(SHARED_STATE[model])
    return Recommendation(model, workers, tuple(reasons))


def _for_both(workload: Workload, limits: _Limits) -> Recommendation:
    n, share = workload.concurrency, _share(workload)
    front = "asyncio" if workload.async_libraries else "threads"
    pool = min(n, limits.cores)
    in_flight = min(n, limits.max_in_flight if front == "asyncio" else limits.max_threads)
    how = " with loop.run_in_executor" if front == "asyncio" else ""
    reasons = [
        f"mixed ({share}): overlap the waits with {front}, and send the computing to a "
        f"process pool{how}",
        f"a pool of {processes(pool)}: one per usable core at most; at most {in_flight} "
        f"tasks waiting at once on the {front} side",
    ]
    if limits.cores == 1:
        reasons.append("one usable core: the pool keeps the waiting side responsive, no faster")
    elif limits.gil:
        reasons.append("from Python 3.14, an InterpreterPoolExecutor can take the pool's place")
    else:
        reasons.append("without the GIL, a thread pool can do the computing too")
    if workload.shared_state:
        reasons.append(SHARED_STATE[front])
    return Recommendation(f"{front} + processes", pool, tuple(reasons))
