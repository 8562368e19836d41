"""Start a program of :mod:`lib.demos.hung_programs` as a child process, and look inside it.

:class:`HungChild` runs ``python -m lib.demos.hung_programs NAME`` and waits (bounded) until the
program says it is stuck; it collects what the program writes to stderr, can wait for a
dump to arrive there, and stops the program for good when its ``with`` block ends (closing
its standard input, then killing it if need be). :func:`run_tool` runs an outside tool
against it with a time limit, and :func:`trim` keeps only the lines of a dump that a reader
needs: the threads, and the frames in the hung program's own file.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HOUSEKEEPING", "HungChild", "ToolRun", "columns", "run_tool", "trim"]

PROGRAM = "lib.demos.hung_programs"
QUIET = 0.15  # seconds without a new byte on stderr after which a dump is taken as complete


class HungChild:
    """``with HungChild("deadlock") as child:`` runs the program until the block ends.

    Entering waits at most ``timeout`` seconds for the program's ``ready``; ``child.ready_at``
    is then the ``time.monotonic()`` of that moment, and ``child.pid`` its process id.

    Raises (on entering):
        RuntimeError: if the program ends, or ``timeout`` passes, before it is ready (the
            program is stopped; its stderr is in the message).
    """

    def __init__(self, name: str, *options: str, timeout: float = 20.0, limit: float = 60.0):
        self.command = [sys.executable, "-m", PROGRAM, name, *options, "--limit", str(limit)]
        self.timeout = timeout
        self.ready_at = 0.0
        self.returncode: int | None = None
        self._process: subprocess.Popen[str] | None = None
        self._stderr: list[str] = []
        self._stdout: list[str] = []
        self._changed = threading.Condition()
        self._last_change = 0.0
        self._readers: list[threading.Thread] = []

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the program is not running: use `with HungChild(...)`")
        return self._process.pid

    @property
    def stderr(self) -> str:
        with self._changed:
            return "".join(self._stderr)

    @property
    def stdout_lines(self) -> list[str]:
        with self._changed:
            return list(self._stdout)

    def _read(self, pipe: object, into: list[str], by_char: bool) -> None:
        while True:
            chunk = pipe.read(1) if by_char else pipe.readline()  # type: ignore[attr-defined]
            if not chunk:
                break
            with self._changed:
                into.append(chunk)
                self._last_change = time.monotonic()
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def __enter__(self) -> HungChild:
        self._process = process = subprocess.Popen(
            self.command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pipe, into, by_char in (
            (process.stdout, self._stdout, False),
            (process.stderr, self._stderr, True),
        ):
            reader = threading.Thread(target=self._read, args=(pipe, into, by_char), daemon=True)
            reader.start()
            self._readers.append(reader)
        with self._changed:
            found = self._changed.wait_for(
                lambda: "ready\n" in self._stdout or process.poll() is not None, self.timeout
            )
        if not found or "ready\n" not in self.stdout_lines:
            self.stop()
            raise RuntimeError(f"{self.command[3]} was not ready; its stderr:\n{self.stderr}")
        self.ready_at = time.monotonic()
        return self

    def wait_for_dump(self, marker: str = "File", timeout: float = 10.0) -> float | None:
        """Wait until stderr holds ``marker`` and then stays quiet for a moment, or the
        program has ended; return the ``time.monotonic()`` of the marker's arrival, or None."""
        deadline = time.monotonic() + timeout
        arrived: float | None = None
        with self._changed:
            while time.monotonic() < deadline:
                text = "".join(self._stderr)
                if marker in text and arrived is None:
                    arrived = self._last_change
                ended = self._process is None or self._process.poll() is not None
                if arrived is not None and (ended or time.monotonic() - self._last_change > QUIET):
                    return arrived
                self._changed.wait(0.02)
        return arrived

    def wait(self, timeout: float = 10.0) -> int | None:
        """Wait for the program to exit by itself; return its exit status (None: still running)."""
        if self._process is None:
            return self.returncode
        try:
            return self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self) -> None:
        """Close the program's input (it exits), kill it if it does not; never raises."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(5)
        except (subprocess.TimeoutExpired, OSError):
            process.kill()
            process.wait(5)
        for reader in self._readers:
            reader.join(5)
        for pipe in (process.stdout, process.stderr):
            if pipe is not None:
                pipe.close()
        self.returncode = process.returncode

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass(frozen=True)
class ToolRun:
    """What an outside tool printed, whether it worked, and how long it took."""

    ok: bool
    text: str
    seconds: float


def run_tool(command: Sequence[str], timeout: float = 20.0) -> ToolRun:
    """Run ``command``, with no input, for at most ``timeout`` seconds; never raises for it.

    ``text`` is what it printed (stdout, then stderr). ``ok`` is False when the command is
    missing, exits with an error, or runs out of time; ``text`` then says why.
    """
    start = time.monotonic()
    try:
        done = subprocess.run(
            list(command), stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
        )
    except FileNotFoundError:
        return ToolRun(False, f"{command[0]} is not installed here", 0.0)
    except subprocess.TimeoutExpired:
        return ToolRun(False, f"{Path(command[0]).name} took more than {timeout:g} s", timeout)
    seconds = time.monotonic() - start
    said = _COLOUR.sub("", done.stdout + done.stderr).strip()  # py-spy colours under Jupyter
    return ToolRun(done.returncode == 0, said or f"exit status {done.returncode}", seconds)


_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
_FILE_LINE = re.compile(r'File "(?P<path>[^"]+)", line (?P<line>\d+)')
_SPY_FRAME = re.compile(r"\((?P<file>[\w.]+\.py):(?P<line>\d+)\)")
_THREAD = re.compile(r"\b(Thread|thread) (0x[0-9a-fA-F]+|\d+)")
_HEADER = re.compile(r"(Current thread|Thread) ")
HOUSEKEEPING = ("_watch_stdin", "_give_up")  # the program's own threads that end it


def trim(dump: str, keep: str = "hung_programs.py", threads_in: str = "") -> str:
    """The thread headers of a dump and its frames in ``keep``'s file, paths shortened.

    Understands faulthandler's, traceback's and py-spy's formats. Thread ids become ``<TID>``;
    each run of other frames (the standard library's) becomes one ``...`` line; the threads
    that only watch the program's input and time limit (:data:`HOUSEKEEPING`) are left out,
    and so is every thread none of whose frames mention ``threads_in``. Python 3.14's thread
    names in brackets are dropped, so the result reads the same on every version.
    """
    blocks: list[list[str]] = []
    for line in dump.splitlines():
        if _HEADER.match(line):
            blocks.append([re.sub(r" \[[^\]]*\]", "", _THREAD.sub(r"\1 <TID>", line))])
        elif not blocks:
            continue
        elif keep in line:
            short = _FILE_LINE.sub(
                lambda m: f'File "{Path(m["path"]).name}", line {m["line"]}', line
            )
            blocks[-1].append(short)
        elif (_FILE_LINE.search(line) or _SPY_FRAME.search(line)) and blocks[-1][-1] != "    ...":
            blocks[-1].append("    ...")
    kept = [b for b in blocks if not any(name in line for line in b for name in HOUSEKEEPING)]
    kept = [b for b in kept if any(threads_in in line for line in b[1:])]
    return "\n".join(line for block in kept for line in block)


def columns(table: str, names: Sequence[str]) -> str:
    """Only the named columns of a fixed-width table (``python -m asyncio ps``'s), in order.

    Raises:
        ValueError: if a name is not a column of the table's first line.
    """
    lines = [line for line in table.splitlines() if line.strip() and set(line) != {"-"}]
    header = lines[0]
    starts = [m.start() for m in re.finditer(r"(?:^|(?<=\s\s))\S", header)]
    spans = {}
    for name in names:
        at = header.find(name)
        if at not in starts:
            raise ValueError(f"no column {name!r} in {header!r}")
        after = [start for start in starts if start > at]
        spans[name] = (at, after[0] if after else None)
    widths = {name: max(len(line[a:b].strip()) for line in lines) for name, (a, b) in spans.items()}
    return "\n".join(
        "  ".join(line[a:b].strip().ljust(widths[n]) for n, (a, b) in spans.items()).rstrip()
        for line in lines
    )
