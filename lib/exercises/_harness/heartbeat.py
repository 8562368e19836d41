"""The heartbeat harness for chapter 9's async exercises.

A *heartbeat* is a task on the same event loop that asks to wake every 10 ms and records how
late it wakes. A loop kept busy by computing, or blocked by a call that waits, wakes it late
by as long as the work takes; a free loop wakes it within a few milliseconds. A busy machine
delays every thread, the loop's too: so a plain thread beside the loop ticks at the same
period, and only the lateness beyond its own counts against the loop. Where the CPU time went
is *counted* (``time.thread_time``, ``time.process_time``), not timed, so the hints
"computing in the event loop" and "computing on threads" are immune to load.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lib.exercises._harness.asyncio_runs import within_deadline
from lib.exercises._harness.checking import (
    GRACE,
    CaseFailed,
    Hung,
    NotAttempted,
    Run,
    call_bounded,
    require_function,
)

__all__ = [
    "COMPUTING_SHARE",
    "HEARTBEAT_PERIOD",
    "IN_PROCESS_SHARE",
    "LATE_LIMIT",
    "Heartbeat",
    "HeartbeatRun",
    "require_free_loop",
    "run_with_heartbeat",
]

HEARTBEAT_PERIOD = 0.01  # seconds between the heartbeat's wake-ups
LATE_LIMIT = 0.25  # seconds: a heartbeat later than this means the loop was not free
COMPUTING_SHARE = 0.3  # loop-thread CPU over lateness above this: the loop was computing
IN_PROCESS_SHARE = 0.25  # of the jobs' CPU time: more than this in our process, it stayed here

# --- the heartbeat harness for the async exercises ------------------------------------------


@dataclass
class HeartbeatRun(Run):
    """A :class:`~lib.exercises._harness.checking.Run`, and how late the heartbeat beside it
    woke up.

    ``worst_late`` is the heartbeat's largest lateness in seconds, less ``machine_late``, the
    largest lateness of a plain thread ticking beside it (the machine's, not the loop's);
    ``loop_cpu`` the CPU time
    the event loop's thread spent meanwhile (high when the loop itself computed), and
    ``process_cpu`` the CPU time of every thread of this process (not of child processes).
    """

    worst_late: float = 0.0
    machine_late: float = 0.0
    loop_cpu: float = 0.0
    process_cpu: float = 0.0


class Heartbeat:
    """``async with Heartbeat() as beat:`` runs a task beside the block that asks to wake every
    :data:`HEARTBEAT_PERIOD` seconds and records in ``beat.late`` how late each wake-up was.

    It beats once before the block starts, and stops when the block ends, or earlier when
    ``abandoned`` (a ``threading.Event``) is set from another thread: a check that gave up on
    a hanging answer sets it, so the beat does not run on for ever.
    """

    def __init__(self, abandoned: threading.Event | None = None) -> None:
        self.late: list[float] = []
        self._abandoned = abandoned or threading.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def worst(self) -> float:
        """The largest lateness, in seconds (0.0 before any beat)."""
        return max(self.late, default=0.0)

    async def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        while not self._stop.is_set() and not self._abandoned.is_set():
            due = loop.time() + HEARTBEAT_PERIOD
            await asyncio.sleep(HEARTBEAT_PERIOD)
            self.late.append(max(0.0, loop.time() - due))

    @property
    def task(self) -> asyncio.Task[None] | None:
        """The beating task, while it runs (so a check can leave it out of its leftovers)."""
        return self._task

    async def __aenter__(self) -> Heartbeat:
        self._task = asyncio.create_task(self._beat())
        await asyncio.sleep(HEARTBEAT_PERIOD)  # one beat before the block starts
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task


class _Ticker:
    """A plain thread that asks to wake every :data:`HEARTBEAT_PERIOD` seconds, and records
    how late it woke: what the machine delays every thread by, the loop's included."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="heartbeat-ticker", daemon=True)

    def _tick(self) -> None:
        while True:
            due = time.monotonic() + HEARTBEAT_PERIOD
            if self._stop.wait(HEARTBEAT_PERIOD):
                return
            self.worst = max(self.worst, time.monotonic() - due)

    def __enter__(self) -> _Ticker:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)


async def _await_with_heartbeat(
    fn: Callable[..., Any], args: tuple[Any, ...], time_limit: float
) -> HeartbeatRun:
    loop = asyncio.get_running_loop()
    run = HeartbeatRun()
    try:
        with _Ticker() as machine:
            async with Heartbeat() as beat:
                cpu_start, process_start = time.thread_time(), time.process_time()
                try:
                    async with within_deadline(run, time_limit):
                        result = fn(*args)  # a plain function that blocks is measured too
                        if inspect.isawaitable(result):
                            run.value = await result
                        else:
                            run.value, run.not_awaitable = result, True
                finally:
                    run.loop_cpu = time.thread_time() - cpu_start
                    run.process_cpu = time.process_time() - process_start
        run.machine_late = machine.worst
        run.worst_late = max(0.0, beat.worst - machine.worst)
    finally:
        # asyncio.to_thread's threads end here (bounded: a thread stuck in a call may not).
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(loop.shutdown_default_executor(), GRACE / 2)
    return run


def run_with_heartbeat(fn: Any, *args: Any, time_limit: float = 10.0) -> HeartbeatRun:
    """Await the learner's ``fn(*args)`` on a fresh event loop with a heartbeat beside it.

    Raises:
        NotAttempted: if ``fn`` is ``...`` or raises ``NotImplementedError``.
        Hung: if it runs past ``time_limit`` seconds (or blocks the loop past the grace).
        CaseFailed: if ``fn`` is not a function (see :func:`require_function`), or is not an
            ``async def`` (it returned something that cannot be awaited).
    """
    name = require_function(fn)

    async def awaited() -> HeartbeatRun:
        return await _await_with_heartbeat(fn, args, time_limit)

    awaited.__name__ = name
    run: HeartbeatRun = call_bounded(awaited, time_limit=time_limit + GRACE)
    if isinstance(run.error, NotImplementedError):
        raise NotAttempted
    if run.timed_out:
        raise Hung(
            f"{name}() was still running after {time_limit:g} s: does it await something "
            "that never finishes?"
        )
    if run.not_awaitable:
        if run.value is None:  # a starter-like plain function that forgot everything
            raise CaseFailed(f"{name}() returned None: it should be an `async def` that returns")
        raise CaseFailed(
            f"{name}() returned a {type(run.value).__name__}, not a coroutine: make it an "
            "`async def`, so the event loop can await it while other tasks run"
        )
    return run


def require_free_loop(run: HeartbeatRun, blocking_calls: str) -> None:
    """Fail with a hint if the heartbeat woke later than :data:`LATE_LIMIT`.

    ``blocking_calls`` names the calls that most likely blocked, for the hint.

    Raises:
        CaseFailed: naming the lateness and what most likely held the loop.
    """
    if run.worst_late <= LATE_LIMIT:
        return
    late = f"the heartbeat was up to {run.worst_late:.1f} s late"
    if run.loop_cpu >= COMPUTING_SHARE * run.worst_late:
        raise CaseFailed(
            f"{late}, while its own thread computed: is work running in the event loop "
            "itself? Hand it to loop.run_in_executor and await the result"
        )
    raise CaseFailed(
        f"{late}, with the loop's thread idle: it was blocked waiting. Do you call "
        f"{blocking_calls} in the coroutine itself, instead of awaiting?"
    )
