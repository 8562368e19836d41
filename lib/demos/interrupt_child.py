"""Run a small Python program as a child process, press Ctrl-C on it, and report what it did.

:func:`run_child` starts ``python -m lib.demos.ctrl_c_demos NAME`` in a process group of its own,
waits until the program prints ``working`` (and ``SETTLE`` seconds more), then sends SIGINT
to the whole group, as a terminal does when you press Ctrl-C. It waits for the program to
end, and kills it after a time limit, so nothing is left running. The :class:`ChildRun` it
returns prints what the program printed, whether it ended within a bound, and its exit code.

On Windows there is no SIGINT to send to one process group (Ctrl-C reaches a console's
processes as ``CTRL_C_EVENT``): there the program runs without the signal, and the report
says so.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

__all__ = ["ChildRun", "run_child"]

READY = "working"  # the line after which the child is interrupted
# How long after ``working`` Ctrl-C comes: long enough for the program to reach its wait (a
# person is slower still). A signal that lands while a pool's code is taking its futures'
# locks one by one (in ``as_completed``, right after ``working``) can leave one of them held
# for good, and the program then hangs instead of showing what the chapter is about.
SETTLE = 0.3


@dataclass
class ChildRun:
    """What one run of a child program did: its lines, exit code and timing.

    ``seconds`` is the time from Ctrl-C (or, without it, from the start) to the exit;
    ``killed`` says the time limit ran out and the program was killed.
    """

    name: str
    lines: list[str] = field(default_factory=list)
    stderr: str = ""
    returncode: int | None = None
    seconds: float = 0.0
    interrupted: bool = False
    killed: bool = False
    signal_skipped: bool = False  # asked for, but this is Windows

    def exit_description(self) -> str:
        if self.killed:
            return "killed after the time limit"
        code = self.returncode
        if code is not None and code < 0:
            return f"exit code {code} (ended by {signal.Signals(-code).name})"
        return f"exit code {code}"

    def report(self, within: float | None = None) -> str:
        """The child's lines, then how it ended; with ``within``, how long after Ctrl-C, and
        whether within ``within`` seconds."""
        lines = [f"python -m lib.demos.ctrl_c_demos {self.name} printed:"]
        lines += [f"  | {line}" for line in self.lines]
        if self.signal_skipped:
            lines.append("no Ctrl-C sent: Windows has no SIGINT to send to a process group")
        lines.append(self.exit_description())
        if within is not None:
            verdict = "yes" if self.seconds <= within and not self.killed else "no"
            when = "after Ctrl-C" if self.interrupted else "after it started"
            lines.append(f"ended {self.seconds:.2f} s {when} (within {within:g} s: {verdict})")
        return "\n".join(lines)


def run_child(name: str, *, interrupt: bool = True, time_limit: float = 15.0) -> ChildRun:
    """Run demo ``name`` of :mod:`lib.demos.ctrl_c_demos`, with Ctrl-C once it prints ``working``.

    Raises:
        ValueError: if ``time_limit`` is not positive.
        RuntimeError: if the child ends, or the time runs out, before it is ready to be
            interrupted (its stderr is in the message).
    """
    if time_limit <= 0:
        raise ValueError(f"time_limit must be positive, got {time_limit}")
    skipped = interrupt and sys.platform == "win32"
    interrupt = interrupt and not skipped
    options: dict[str, object] = {} if sys.platform == "win32" else {"start_new_session": True}
    run = ChildRun(name, interrupted=interrupt, signal_skipped=skipped)
    start = time.monotonic()
    child = subprocess.Popen(
        [sys.executable, "-m", "lib.demos.ctrl_c_demos", name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **options,  # type: ignore[call-overload]
    )
    ready = threading.Event()
    errors: list[str] = []

    def read_stdout() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            run.lines.append(line.rstrip("\n"))
            if line.strip() == READY:
                ready.set()
        ready.set()  # the end of the output: ready or not, stop waiting

    def read_stderr() -> None:
        assert child.stderr is not None
        errors.append(child.stderr.read())

    readers = [
        threading.Thread(target=read, name=f"child-{read.__name__}")
        for read in (read_stdout, read_stderr)
    ]
    for reader in readers:
        reader.start()
    try:
        ready.wait(time_limit)
        if READY not in run.lines:
            raise RuntimeError(f"{name} never got to work")
        if interrupt:
            time.sleep(SETTLE)
            start = time.monotonic()
            os.killpg(child.pid, signal.SIGINT)
        try:
            child.wait(max(0.1, time_limit - (time.monotonic() - start)))
        except subprocess.TimeoutExpired:
            run.killed = True
        run.seconds = time.monotonic() - start
    finally:
        if child.poll() is None:
            if sys.platform == "win32":
                child.kill()
            else:
                os.killpg(child.pid, signal.SIGKILL)
            child.wait(5)
        for reader in readers:
            reader.join(5)
        for pipe in (child.stdout, child.stderr):
            if pipe is not None:
                pipe.close()
        run.returncode = child.returncode
        run.stderr = "".join(errors)
        if READY not in run.lines and not run.killed:
            raise RuntimeError(f"{name} never got to work; its stderr:\n{run.stderr}")
    run.lines.remove(READY)
    return run
