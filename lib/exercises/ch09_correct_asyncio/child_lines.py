"""The check of exercise 9.5: a child process's lines, streamed, and the child always ended."""

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

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    exercise_check,
    require_function,
)
from lib.exercises.ch09_correct_asyncio._common import describe_error, run_answer
from lib.log_capture import captured_log
from lib.processes import stop_processes

__all__ = [
    "CHATTY",
    "SILENT",
    "ChildWatch",
    "check_child_lines",
    "read_all",
    "read_first",
]

#: Prints three lines, 0.15 s apart.
CHATTY = (
    "import time\nfor n in range(3):\n    print(f'line {n}', flush=True)\n    time.sleep(0.15)\n"
)
#: Prints its pid, then says nothing for half a minute.
SILENT = "import os, time\nprint(os.getpid(), flush=True)\ntime.sleep(30)\n"


@dataclass
class ChildWatch:
    """What one run of the learner's generator yielded, when, and the children it started."""

    lines: list[str] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    pids: list[int] = field(default_factory=list)
    left_running: list[int] = field(default_factory=list)

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


@exercise_check("Exercise 9.5: a child's lines as they come, and no child left behind")
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
    """The three runs; each child is killed afterwards, whatever the answer did."""
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
                    "bound the reading with asyncio.timeout(timeout)"
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
