"""The check of exercise 12.5: a child process's lines, streamed, and the child always ended.

One case reads the lines the way a real consumer does, with an await of its own between two
lines. A generator that yields inside ``asyncio.timeout()`` fails it for certain, however
loaded the machine: the consumer's awaits add up to more than the timeout (a sleep only ever
takes longer), so the deadline expires while the generator is suspended at ``yield``, and the
timeout cancels the task that is running then, the consumer's (PEP 789). The consumer notes
the ``CancelledError`` its own await got.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import sys
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import psutil

from lib.exercises._harness.async_answers import describe_error, run_answer
from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    exercise_check,
    require_function,
)
from lib.plumbing.log_capture import captured_log
from lib.plumbing.processes import stop_processes

__all__ = [
    "CHATTY",
    "SILENT",
    "ChildWatch",
    "check_child_lines",
    "read_all",
    "read_first",
    "read_slowly",
]

#: Prints three lines, 0.15 s apart.
CHATTY = (
    "import time\nfor n in range(3):\n    print(f'line {n}', flush=True)\n    time.sleep(0.15)\n"
)
#: Prints its pid, then says nothing for half a minute.
SILENT = "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(30)\n"
#: The slow consumer awaits this long after each of CHATTY's three lines: 1.8 s in all, more
#: than SLOW_TIMEOUT, which a child that starts within SLOW_TIMEOUT still never exceeds
#: between two lines.
PAUSE = 0.6
SLOW_TIMEOUT = 1.5


@dataclass
class ChildWatch:
    """What one run of the learner's generator yielded, when, and the children it started."""

    lines: list[str] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)
    left_running: list[int] = field(default_factory=list)
    consumer_cancelled: bool = False  # the consumer's own await, between two lines

    def take(self, line: Any, start: float) -> None:
        self.lines.append(line)
        self.arrivals.append(time.perf_counter() - start)
        if isinstance(line, str) and line.strip().isdigit():
            self.pids.append(int(line))

    async def tidy(self) -> None:
        """On the answer's loop, before it closes: note which children the answer left
        running, kill them, and let asyncio see them end, so nothing outlives the loop."""
        self.left_running = [pid for pid in self.pids if _running(pid)]
        if self.left_running:
            await asyncio.to_thread(self.stop_all)
            await asyncio.sleep(0.05)  # the loop's child watcher notices the exits
        gc.collect()  # an abandoned process's transport is closed while its loop still runs

    def stop_all(self) -> None:
        """Kill whatever the answer left running: the check leaves nothing behind."""
        found = []
        for pid in self.pids:
            with contextlib.suppress(psutil.NoSuchProcess):
                found.append(psutil.Process(pid))
        for child in psutil.Process().children():  # one whose pid never reached the check
            with contextlib.suppress(psutil.Error):
                if child not in found and {CHATTY, SILENT} & set(child.cmdline()):
                    found.append(child)
        stop_processes(found, timeout=1.0)


def _running(pid: int) -> bool:
    try:
        return bool(psutil.Process(pid).status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def _command(code: str) -> list[str]:
    return [sys.executable, "-c", code]


async def read_all(fn: Any, watch: ChildWatch, code: str, timeout: float) -> None:
    """Read every line the learner's generator yields for a child running ``code``."""
    start = time.perf_counter()
    try:
        async for line in fn(_command(code), timeout):
            watch.take(line, start)
    finally:
        await watch.tidy()


async def read_first(fn: Any, watch: ChildWatch, code: str) -> None:
    """Read the first line only, then close the generator, as ``contextlib.aclosing`` does."""
    start = time.perf_counter()
    lines = fn(_command(code), 5.0)
    try:
        watch.take(await anext(lines), start)
        await lines.aclose()
    finally:
        await watch.tidy()


async def read_slowly(fn: Any, watch: ChildWatch, code: str, timeout: float, pause: float) -> None:
    """Read every line, awaiting ``pause`` seconds after each, as a consumer with work of its
    own does; note whether that await of the consumer's was cancelled."""
    start = time.perf_counter()
    try:
        async with contextlib.aclosing(fn(_command(code), timeout)) as lines:
            async for line in lines:
                watch.take(line, start)
                try:
                    await asyncio.sleep(pause)
                except asyncio.CancelledError:
                    watch.consumer_cancelled = True
                    raise
    finally:
        await watch.tidy()


@exercise_check("Exercise 12.5: a child's lines as they come, and no child left behind")
def check_child_lines(checker: Checker, child_lines: Any, *, time_limit: float = 1.0) -> None:
    """Stream a chatty child; stop early on a silent one; time out on another."""
    name = require_function(child_lines, "an async generator function")
    if not inspect.isasyncgenfunction(child_lines):
        raise CaseFailed(
            f"{name}() is not an async generator: write it as an `async def` that `yield`s "
            "each line, so the caller can `async for` over it"
        )
    # A wrong answer's abandoned child makes asyncio log and warn; the hints say it better.
    with captured_log("asyncio"), warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        _cases(checker, child_lines, name, time_limit)


def _cases(checker: Checker, child_lines: Any, name: str, time_limit: float) -> None:
    """The four runs; each child is killed afterwards, whatever the answer did."""
    watch = ChildWatch()
    try:
        run = run_answer(
            child_lines, lambda: read_all(child_lines, watch, CHATTY, 5.0), time_limit=time_limit
        )
        with checker.case("three lines, each as the child prints it"):
            if run.timed_out:
                raise Hung(f"{name}() was still yielding after {time_limit:g} s")
            if run.error is not None:
                raise CaseFailed(describe_error(child_lines, run.error))
            if watch.lines != ["line 0", "line 1", "line 2"]:
                raise CaseFailed(
                    "expected ['line 0', 'line 1', 'line 2'] (decoded, without the newline), "
                    f"got {watch.lines!r}"
                )
            spread = watch.arrivals[-1] - watch.arrivals[0]
            if spread < 0.15:
                raise CaseFailed(
                    f"the three lines arrived within {spread:.2f} s of each other, though the "
                    "child printed them 0.15 s apart: communicate() (or read()) waits "
                    "for the end; read process.stdout line by line, and yield each line"
                )
        with checker.case(
            f"a consumer that awaits {PAUSE:g} s after each line, timeout={SLOW_TIMEOUT:g}: "
            "its awaits are not cancelled"
        ):
            watch = ChildWatch()
            _slow_consumer(child_lines, name, watch, time_limit)
        with checker.case("stopped after the first line: the child is killed"):
            watch = ChildWatch()
            run = run_answer(
                child_lines, lambda: read_first(child_lines, watch, SILENT), time_limit=time_limit
            )
            if run.timed_out:
                raise Hung(
                    f"{name}() gave no first line within {time_limit:g} s, though the child "
                    "printed one at once: yield each line as it arrives"
                )
            if run.error is not None:
                raise CaseFailed(describe_error(child_lines, run.error))
            if watch.left_running:
                raise CaseFailed(
                    "the child was still running after the generator was closed: in a "
                    "`finally`, kill it if process.returncode is None, then await "
                    "process.wait()"
                )
        with checker.case("timeout=0.3 on a silent child: TimeoutError, and the child killed"):
            watch = ChildWatch()
            # A TimeoutError that never comes is bounded by time_limit (run.timed_out); its wall
            # time is not judged: a loaded machine starts the child late.
            run = run_answer(
                child_lines,
                lambda: read_all(child_lines, watch, SILENT, 0.3),
                time_limit=time_limit,
            )
            if run.timed_out:
                raise Hung(
                    f"{name}() was still waiting after {time_limit:g} s, given timeout=0.3: "
                    "bound each wait for a line with asyncio.timeout(timeout)"
                )
            if not isinstance(run.error, TimeoutError):
                got = (
                    "it ended without an error"
                    if run.error is None
                    else describe_error(child_lines, run.error)
                )
                raise CaseFailed(f"expected TimeoutError after 0.3 s; {got}")
            if watch.left_running:
                raise CaseFailed(
                    "the child was still running after the TimeoutError: kill it in a "
                    "`finally`, then await process.wait()"
                )
    finally:
        watch.stop_all()
        gc.collect()  # what an answer abandoned goes now, while its warnings are silenced


def _slow_consumer(child_lines: Any, name: str, watch: ChildWatch, time_limit: float) -> None:
    """The chatty child, read by a consumer that awaits PAUSE after each line.

    Raises:
        Hung: if the answer ran past its time limit.
        CaseFailed: if the consumer's await was cancelled, or the answer raised.
    """
    limit = time_limit + 4 * PAUSE
    run = run_answer(
        child_lines,
        lambda: read_slowly(child_lines, watch, CHATTY, SLOW_TIMEOUT, PAUSE),
        time_limit=limit,
    )
    if run.timed_out:
        raise Hung(f"{name}() was still yielding after {limit:g} s")
    if watch.consumer_cancelled:
        raise CaseFailed(
            "the consumer's own await between two lines was cancelled (CancelledError): "
            f"the asyncio.timeout() in {name}() expired while the generator was suspended at "
            "`yield`, and a timeout cancels the task running at that moment, the consumer's. "
            "Never `yield` inside asyncio.timeout() or a TaskGroup in an async generator: "
            "put the timeout around each single await, `async with asyncio.timeout(timeout): "
            "raw = await process.stdout.readline()`, and yield outside the block"
        )
    if isinstance(run.error, TimeoutError):
        raise CaseFailed(
            f"{name}() raised TimeoutError, though the child never went {SLOW_TIMEOUT:g} s "
            "without a line: the time the consumer spends between two lines is not the "
            "child's. Bound each wait for a line on its own: asyncio.timeout(timeout) around "
            "each readline()"
        )
    if run.error is not None:
        raise CaseFailed(describe_error(child_lines, run.error))
    if watch.lines != ["line 0", "line 1", "line 2"]:
        raise CaseFailed(f"expected ['line 0', 'line 1', 'line 2'], got {watch.lines!r}")
