"""A small asyncio program with a tree of named tasks, and a look inside it from outside.

Python 3.14 added ``python -m asyncio ps PID`` and ``python -m asyncio pstree PID``: they read
another process's memory and print its asyncio tasks, as a table or as the tree of which task
awaits which. Chapter 6 points them at a live program:

- ``python -m lib.demos.task_tree`` is that program: a ``crawler`` task whose ``TaskGroup`` runs one
  task per page, each with a ``TaskGroup`` of ``request`` tasks that wait for an answer that
  never comes. It prints ``ready`` once every request is waiting, and ends cleanly when its
  standard input closes, or after ``--limit`` seconds whatever happens (exit status 3).
- :class:`TaskTreeProgram` starts that program as a child process and stops it, leaving
  nothing behind.
- :func:`inspect_tasks` runs ``python -m asyncio pstree`` (or ``ps``) against a process and
  returns the report with file paths shortened, or, when it cannot, a readable reason.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import re
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PAGES", "Inspection", "TaskTreeProgram", "inspect_tasks", "shorten_paths"]

#: The program's pages, and the ids each page requests: one task per page, one per request.
PAGES = {"page 1": (100, 200), "page 2": (300, 400)}

COMMANDS = ("ps", "pstree")
GAVE_UP = 3  # the program's exit status when its --limit ran out


# --- the program, run as ``python -m lib.demos.task_tree`` -------------------------------------


async def wait_for_answer(answered: asyncio.Event, waiting: list[int]) -> None:
    """One request: note that it is waiting, then wait until ``answered`` is set."""
    waiting[0] -= 1
    if waiting[0] == 0:  # the last one: say "ready" once this step has ended
        asyncio.get_running_loop().call_soon(functools.partial(print, "ready", flush=True))
    await answered.wait()


async def fetch_page(ids: Sequence[int], answered: asyncio.Event, waiting: list[int]) -> None:
    """One page: a TaskGroup with one task per request."""
    async with asyncio.TaskGroup() as group:
        for anime_id in ids:
            group.create_task(wait_for_answer(answered, waiting), name=f"request {anime_id}")


def _this_task() -> asyncio.Task[Any]:
    task = asyncio.current_task()
    if task is None:
        raise RuntimeError("not inside an asyncio task")
    return task


async def crawl(limit: float) -> None:
    """The program's main task: one task per page, until stdin closes or ``limit`` passes.

    Raises:
        TimeoutError: if ``limit`` seconds pass first.
    """
    _this_task().set_name("crawler")
    answered = asyncio.Event()
    loop = asyncio.get_running_loop()

    def watch_stdin() -> None:  # a thread, not a task, so it stays out of the tree
        while os.read(sys.stdin.fileno(), 1024):  # b"" at end of input: the parent closed it
            pass
        with contextlib.suppress(RuntimeError):  # the loop may have closed already
            loop.call_soon_threadsafe(answered.set)

    threading.Thread(target=watch_stdin, name="stdin-watcher", daemon=True).start()
    waiting = [sum(len(ids) for ids in PAGES.values())]
    async with asyncio.timeout(limit), asyncio.TaskGroup() as group:
        for page, ids in PAGES.items():
            group.create_task(fetch_page(ids, answered, waiting), name=page)


def allow_any_inspector() -> None:
    """Let a process that is not this one's parent read it, where Linux's Yama forbids that.

    With Yama's ``ptrace_scope`` at 1 (the default on Ubuntu, and so on GitHub's runners), only
    an ancestor may read a process's memory, and ``python -m asyncio pstree`` runs as a sibling.
    ``prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY)`` lifts that for this process alone. Elsewhere
    (other systems, or no Yama) it does nothing; it never raises.
    """
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        pr_set_ptracer, pr_set_ptracer_any = 0x59616D61, -1
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(pr_set_ptracer, ctypes.c_ulong(pr_set_ptracer_any & 0xFFFFFFFFFFFFFFFF), 0, 0, 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the program; return its exit status: 0 when stopped, 3 when ``--limit`` ran out."""
    parser = argparse.ArgumentParser(prog="python -m lib.demos.task_tree")
    parser.add_argument("--limit", type=float, default=120.0, help="seconds before giving up")
    limit = parser.parse_args(argv).limit
    allow_any_inspector()
    try:
        asyncio.run(crawl(limit))
    except TimeoutError:
        print(f"gave up after {limit:.2f} s: nobody closed my standard input", file=sys.stderr)
        return GAVE_UP
    return 0


# --- the parent's side -------------------------------------------------------------------------


class TaskTreeProgram:
    """``with TaskTreeProgram() as program:`` runs ``python -m lib.demos.task_tree`` as a child.

    Entering starts the program and waits, at most ``timeout`` seconds, until every one of its
    tasks is waiting; ``program.pid`` is then its process id. Leaving (or :meth:`stop`) closes
    its standard input, which ends it cleanly, and waits for it to exit; a program that has
    not exited after ``timeout`` seconds is killed. ``limit`` bounds the program's own life,
    should the parent never stop it.

    Raises (on entering):
        TimeoutError: if the program is not ready within ``timeout`` seconds (it is killed).
        RuntimeError: if it exits before it is ready (its stderr is in the message).
    """

    def __init__(self, timeout: float = 30.0, limit: float = 120.0) -> None:
        self.timeout = timeout
        self.limit = limit
        self.process: subprocess.Popen[str] | None = None
        self.returncode: int | None = None  # how it exited, once stopped

    @property
    def pid(self) -> int:
        """The program's process id.

        Raises:
            RuntimeError: if the program is not running.
        """
        if self.process is None:
            raise RuntimeError("the program is not running: use `with TaskTreeProgram():`")
        return self.process.pid

    def start(self) -> TaskTreeProgram:
        """Start the program and wait until it is ready (see the class for what it raises)."""
        command = [sys.executable, "-m", "lib.demos.task_tree", "--limit", str(self.limit)]
        self.process = process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        output = process.stdout
        if output is None:  # never: stdout is a pipe
            raise RuntimeError("the program has no output pipe")
        first_line: list[str] = []
        reader = threading.Thread(target=lambda: first_line.append(output.readline()), daemon=True)
        reader.start()
        reader.join(self.timeout)
        if reader.is_alive():  # not ready in time
            self.stop(kill=True)
            reader.join(self.timeout)  # the kill ended its output, so readline() returns
            raise TimeoutError(f"the task tree program was not ready after {self.timeout} s")
        if first_line != ["ready\n"]:
            stderr = self.stop()
            raise RuntimeError(f"the task tree program ended before it was ready: {stderr}")
        return self

    def stop(self, kill: bool = False) -> str:
        """Close the program's input (or kill it) and wait for it to exit; return its stderr.

        Does nothing, and returns ``""``, if it is not running.
        """
        process, self.process = self.process, None
        if process is None:
            return ""
        if kill:
            process.kill()
        try:
            _, stderr = process.communicate(timeout=self.timeout)  # closes its stdin first
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate(timeout=self.timeout)
        self.returncode = process.returncode
        return stderr

    def __enter__(self) -> TaskTreeProgram:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass(frozen=True)
class Inspection:
    """What ``python -m asyncio ps`` or ``pstree`` said: its report, or why there is none."""

    ok: bool
    text: str

    def __str__(self) -> str:
        return self.text


_LOCATION = re.compile(r"(?P<path>\S*?(?P<file>[^\s/\\]+\.py)):(?P<line>\d+)")
_OWN_FILE = Path(__file__).resolve()

PERMISSION_HELP = (
    "Reading another process's memory needs permission. On Linux: the same user, and ptrace "
    "allowed (see /proc/sys/kernel/yama/ptrace_scope), or root, or the CAP_SYS_PTRACE "
    "capability; in a container, one started with that capability. On macOS: sudo."
)


def shorten_paths(report: str) -> str:
    """Shorten each ``/a/path/file.py:12`` in a report, so no folder of this machine shows.

    This module's own file becomes ``lib/demos/task_tree.py:12``; any other file keeps its folder
    and name but no line number (``asyncio/locks.py``), since those lines move from one
    Python release to the next.
    """

    def shorter(found: re.Match[str]) -> str:
        path = Path(found["path"])
        with contextlib.suppress(OSError):
            if path.resolve() == _OWN_FILE:
                return f"lib/demos/{found['file']}:{found['line']}"
        return f"{path.parent.name}/{found['file']}" if path.parent.name else found["file"]

    return _LOCATION.sub(shorter, report)


def inspect_tasks(
    pid: int,
    command: str = "pstree",
    *,
    timeout: float = 30.0,
    python: Sequence[str] | None = None,
) -> Inspection:
    """Run ``python -m asyncio COMMAND PID`` and return its report, paths shortened.

    ``python`` is the command that starts Python (default: this interpreter). When the
    command cannot read the process (no permission, no such process, a Python before 3.14),
    the result has ``ok=False`` and a ``text`` that says why, instead of a traceback.

    Raises:
        ValueError: if ``command`` is neither ``"ps"`` nor ``"pstree"``.
        subprocess.TimeoutExpired: if the command takes longer than ``timeout`` seconds.
    """
    if command not in COMMANDS:
        raise ValueError(f"command must be one of {COMMANDS}, not {command!r}")
    if python is None and sys.version_info < (3, 14):
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        return Inspection(
            False, f"python -m asyncio {command} is new in Python 3.14, not in {version}"
        )
    starter = list(python) if python is not None else [sys.executable]
    finished = subprocess.run(
        [*starter, "-m", "asyncio", command, str(pid)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    said = (finished.stdout + finished.stderr).strip()
    if finished.returncode == 0 and said:
        return Inspection(True, shorten_paths(finished.stdout.rstrip("\n")))
    reason = said.splitlines()[0] if said else f"exit status {finished.returncode}"
    text = f"python -m asyncio {command} could not read pid {pid}: {reason}"
    if "permission" in said.lower():
        text += "\n" + PERMISSION_HELP
    return Inspection(False, text)


if __name__ == "__main__":
    sys.exit(main())
