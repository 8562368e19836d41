"""See the GIL at work: which thread ran Python code when, and what kind of build this is.

:func:`record_turns` runs a few CPU-bound threads at once. Each one computes in small chunks
and notes the time after every chunk; a thread that lost the GIL shows a gap in its notes. The
stretches without a gap are its *turns*, returned as :class:`lib.measure.recorder.Span`
objects so that :func:`lib.charts.common.plot_timeline` can draw them. In a build with the GIL
the turns of different threads never overlap; in a free-threaded build they do.

:func:`gil_status` and :func:`interpreter_pool_executor` detect, at run time, what this
interpreter offers: a free-threaded build (3.13+), and sub-interpreter pools (3.14+).
:func:`pool_startup_seconds` measures what a new pool of threads, processes or
sub-interpreters costs before it can do any work.
"""

from __future__ import annotations

import concurrent.futures
import itertools
import sys
import sysconfig
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lib.demos.workloads import MODULUS
from lib.measure.recorder import Span

__all__ = [
    "CHUNK_ROUNDS",
    "STARTUP_PAUSE",
    "GilStatus",
    "busy_ticks",
    "gil_status",
    "interpreter_pool_executor",
    "overlap_seconds",
    "pool_startup_seconds",
    "record_turns",
    "turns",
]

#: Rounds of arithmetic between two time stamps: about 10-20 µs of pure-Python work.
CHUNK_ROUNDS = 200
#: How long each task of :func:`pool_startup_seconds` sleeps (s): while one worker sleeps,
#: the pool cannot hand it the next task, so it must start another worker.
STARTUP_PAUSE = 0.05


@dataclass(frozen=True)
class GilStatus:
    """What this interpreter says about its GIL."""

    free_threaded_build: bool  # compiled with Py_GIL_DISABLED (a "3.13t"/"3.14t" build)
    gil_enabled: bool  # a GIL is in force right now
    checked_at_run_time: bool  # sys._is_gil_enabled() exists (3.13+) and was asked

    def describe(self) -> str:
        """One line for a reader, the same text every time on the same interpreter."""
        if not self.checked_at_run_time:
            return "sys._is_gil_enabled() does not exist here: this build always has the GIL"
        if not self.free_threaded_build:
            return "a default build: the GIL is always enabled"
        if self.gil_enabled:
            return "a free-threaded build, but the GIL is back on (PYTHON_GIL=1, or an extension)"
        return "a free-threaded build with the GIL disabled: threads run Python code in parallel"


def gil_status() -> GilStatus:
    """Detect the build (sysconfig ``Py_GIL_DISABLED``) and the GIL now (``sys._is_gil_enabled``).

    A free-threaded build may still run with the GIL: it turns it back on for an extension
    module that is not marked as safe without it, or when asked with ``PYTHON_GIL=1``.
    Never raises.
    """
    free_threaded = sysconfig.get_config_var("Py_GIL_DISABLED") == 1
    is_enabled = getattr(sys, "_is_gil_enabled", None)
    if is_enabled is None:
        return GilStatus(free_threaded, gil_enabled=True, checked_at_run_time=False)
    return GilStatus(free_threaded, gil_enabled=bool(is_enabled()), checked_at_run_time=True)


def interpreter_pool_executor() -> type[concurrent.futures.Executor] | None:
    """``concurrent.futures.InterpreterPoolExecutor`` (Python 3.14+, PEP 734), or ``None``.

    Its workers are sub-interpreters in this process, each with its own GIL, so pure-Python
    work runs in parallel. Functions and arguments sent to it must be picklable, like for a
    process pool: define the functions in a module. Never raises.
    """
    return getattr(concurrent.futures, "InterpreterPoolExecutor", None)


def pool_startup_seconds(
    make_pool: Callable[..., concurrent.futures.Executor],
    workers: int,
    repeat: int = 1,
    timeout: float = 60.0,
) -> float:
    """Seconds a new pool takes to start ``workers`` workers and get one trivial answer from each.

    Makes ``make_pool(max_workers=workers)`` and submits ``workers`` tasks at once, each a
    ``time.sleep(STARTUP_PAUSE)``: a sleeping worker is busy, so the pool starts one worker per
    task. The time from making the pool to the last answer, less the pause, is the start-up:
    starting the workers (threads, processes or sub-interpreters) and sending each one a task
    and its answer back. Shutting the pool down afterwards is not counted. ``time.sleep`` is
    a built-in, so every kind of pool can run it. Runs ``repeat`` times, with a new pool each
    time, and returns the fastest.

    Raises:
        ValueError: if ``workers`` or ``repeat`` is less than 1.
        TimeoutError: if a task has not answered ``timeout`` seconds after the pool was made.
        Exception: whatever the pool raises, such as ``BrokenProcessPool``.
    """
    if workers < 1 or repeat < 1:
        raise ValueError(f"need at least one worker and one run, got {workers} and {repeat}")
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        pool = make_pool(max_workers=workers)
        pending: set[concurrent.futures.Future[None]] = set()
        try:
            tasks = [pool.submit(time.sleep, STARTUP_PAUSE) for _ in range(workers)]
            done, pending = concurrent.futures.wait(tasks, timeout=timeout)
            answered = time.perf_counter()
            if pending:
                raise TimeoutError(f"{len(pending)} of {workers} tasks unanswered in {timeout} s")
            for task in done:
                task.result()  # raises what the task raised
        finally:
            pool.shutdown(wait=not pending, cancel_futures=True)  # never wait for a stuck one
        best = min(best, answered - start - STARTUP_PAUSE)
    return max(best, 0.0)


def _compute(rounds: int) -> int:
    """``rounds`` steps of pure-Python arithmetic: the GIL is held throughout."""
    value = 1
    for _ in range(rounds):
        value = (value * 31 + 7) % MODULUS
    return value


def busy_ticks(
    deadline: float, chunk_rounds: int = CHUNK_ROUNDS, ticks: list[float] | None = None
) -> list[float]:
    """Compute in small chunks until ``time.perf_counter()`` passes ``deadline``.

    Returns the time stamps: one before the first chunk and one after each chunk, the last
    one at or past ``deadline``. Pass ``ticks`` to have them appended to a list of your own.

    Raises:
        ValueError: if ``chunk_rounds`` is less than 1.
    """
    if chunk_rounds < 1:
        raise ValueError(f"chunk_rounds must be at least 1, got {chunk_rounds}")
    ticks = [] if ticks is None else ticks
    now = time.perf_counter()
    ticks.append(now)
    while now < deadline:
        _compute(chunk_rounds)
        now = time.perf_counter()
        ticks.append(now)
    return ticks


def turns(ticks: Sequence[float], worker: str, gap: float) -> list[Span]:
    """Split one thread's time stamps into the stretches it ran without a break.

    Two stamps further apart than ``gap`` seconds mean the thread was stopped in between
    (waiting for the GIL, or descheduled by the OS); that interval belongs to no turn. Each
    turn is a :class:`Span` whose task is its number: ``"1"``, ``"2"``, ... A thread that
    never ran a whole chunk without a break has no turns.

    Raises:
        ValueError: if ``gap`` is not positive or the stamps go backwards.
    """
    if not gap > 0:
        raise ValueError(f"gap must be a positive number of seconds, got {gap}")
    if any(later < earlier for earlier, later in itertools.pairwise(ticks)):
        raise ValueError("time stamps must not go backwards")
    spans: list[Span] = []
    start: float | None = None
    previous: float | None = None
    for tick in ticks:
        if previous is not None and tick - previous <= gap:
            if start is None:
                start = previous
        elif start is not None and previous is not None:
            spans.append(Span(str(len(spans) + 1), worker, start, previous))
            start = None
        previous = tick
    if start is not None and previous is not None:
        spans.append(Span(str(len(spans) + 1), worker, start, previous))
    return spans


def record_turns(
    threads: int = 2,
    seconds: float = 0.2,
    gap: float | None = None,
    chunk_rounds: int = CHUNK_ROUNDS,
) -> list[Span]:
    """Run ``threads`` CPU-bound threads at once for ``seconds``; return their turns.

    The threads start together (a :class:`threading.Barrier`) and stop together (a shared
    deadline). Workers are named ``thread 1``, ``thread 2``, ... ``gap`` defaults to a fifth
    of ``sys.getswitchinterval()``: well above one chunk, well below one turn.

    Raises:
        ValueError: if ``threads`` < 1, ``seconds`` or ``gap`` is not positive, or
            ``chunk_rounds`` < 1.
        RuntimeError: if a thread does not finish within ``seconds`` + 10 s.
    """
    if threads < 1:
        raise ValueError(f"need at least one thread, got {threads}")
    if not seconds > 0:
        raise ValueError(f"seconds must be positive, got {seconds}")
    if chunk_rounds < 1:
        raise ValueError(f"chunk_rounds must be at least 1, got {chunk_rounds}")
    gap = sys.getswitchinterval() / 5 if gap is None else gap
    if not gap > 0:
        raise ValueError(f"gap must be a positive number of seconds, got {gap}")
    deadline = [0.0]

    def set_deadline() -> None:  # run by one thread once all have arrived at the barrier
        deadline[0] = time.perf_counter() + seconds

    barrier = threading.Barrier(threads, action=set_deadline)
    all_ticks: list[list[float]] = [[] for _ in range(threads)]

    finished = [0]
    finished_lock = threading.Lock()

    def work(ticks: list[float]) -> None:
        barrier.wait()
        busy_ticks(deadline[0], chunk_rounds, ticks)
        with finished_lock:
            finished[0] += 1
        # Stay busy until every thread has passed the deadline: a thread that stopped early
        # would hand the others a last turn cut short, too short to tell from a pause.
        while finished[0] < threads:
            _compute(chunk_rounds)

    workers = [
        threading.Thread(target=work, args=(ticks,), name=f"gil-turns-{i + 1}", daemon=True)
        for i, ticks in enumerate(all_ticks)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 10)
        if worker.is_alive():
            barrier.abort()
            raise RuntimeError(f"{worker.name} did not finish in time")
    spans = [
        span for i, ticks in enumerate(all_ticks) for span in turns(ticks, f"thread {i + 1}", gap)
    ]
    return sorted(spans, key=lambda span: span.start)


def overlap_seconds(spans: Sequence[Span]) -> float:
    """Total time during which spans of two or more different workers ran at once.

    With the GIL, the turns of CPU-bound threads overlap for 0 s; without it, for most of the
    run. Spans of one worker that overlap each other count once. Never raises.
    """
    events: list[tuple[float, int, str]] = []
    for span in spans:
        if span.end > span.start:
            events.append((span.start, 1, span.worker))
            events.append((span.end, -1, span.worker))
    events.sort(key=lambda event: (event[0], event[1]))  # ends before starts at one instant
    running: dict[str, int] = {}
    total = 0.0
    previous = None
    for moment, change, worker in events:
        if previous is not None and sum(1 for n in running.values() if n > 0) >= 2:
            total += moment - previous
        running[worker] = running.get(worker, 0) + change
        previous = moment
    return total
