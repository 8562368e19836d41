"""Run pytest on a folder of test files, in a child process, and read what it said.

Chapter 15 writes small test files and runs pytest on them, as a reader would in a terminal.
:class:`TrialFolder` is a temporary folder with a ``pytest.ini`` of its own (so no settings
of an enclosing project apply), removed when the ``with`` block ends. :meth:`TrialFolder.run`
starts ``python -m pytest`` with only the plugins the chapter teaches (anyio's and
pytest-timeout), under a time limit: a run that outlives it is killed, and says so.
:class:`PytestRun` holds the counts, the summary line, each test's duration and the output.

This module is also a pytest plugin that the runs load: its two hooks report how long each
test's call took, to the microsecond (pytest's own ``--durations`` rounds to 10 ms).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

__all__ = [
    "PLUGINS",
    "PytestRun",
    "TrialFolder",
    "read_run",
]

#: The plugins a trial run loads (every other installed plugin is left out: they cost start-up
#: time, and a reader's set differs from ours); the last is this module, for the durations.
PLUGINS = ("anyio.pytest_plugin", "pytest_timeout", __name__)
_MARK = "call-seconds:"  # how this module's hook marks a duration line
_CALLS: dict[str, float] = {}  # in the child process: test id -> its call's seconds
_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)\b")
_SUMMARY = re.compile(r"^=*\s*(\d+ (passed|failed|errors?|skipped|xfailed|xpassed|deselected)\b.*)")
_FOLDERS = re.compile(r"""(?:(?<=[\s"'(])|^)(?:[A-Za-z]:)?[/\\][^\s"']*[/\\]""")
_LIB_ROOT = str(Path(__file__).resolve().parents[2])  # the folder that holds lib


@dataclass
class PytestRun:
    """What one run of pytest reported. ``finished`` is False when it was killed, out of time."""

    output: str
    seconds: float
    finished: bool = True
    passed: int = 0
    failed: int = 0
    errors: int = 0
    summary: str = ""
    durations: dict[str, float] = field(default_factory=dict)  # test id -> its call's seconds

    def lines(self, containing: str) -> list[str]:
        """The output's lines that contain ``containing``, stripped, without pytest's ``E``
        margin (its width varies by Python version), and each path in them cut to its file's
        name (``"/a/b/test_x.py"`` becomes ``"test_x.py"``)."""
        found = [line.strip() for line in self.output.splitlines() if containing in line]
        return [_FOLDERS.sub("", re.sub(r"^E\s+", "", line)) for line in found]

    def __str__(self) -> str:
        if not self.finished:
            return f"killed after {self.seconds:.1f} s, still running: no summary"
        return self.summary or "(no summary line)"


def read_run(output: str, seconds: float, finished: bool = True) -> PytestRun:
    """A :class:`PytestRun` from pytest's output (``-q`` or not)."""
    run = PytestRun("", seconds, finished)
    kept = []
    for line in output.splitlines():
        if line.startswith(_MARK):  # this module's own hook, below
            _, taken, test_id = line.split(maxsplit=2)
            run.durations[test_id] = float(taken)
            continue
        kept.append(line)
        summary = _SUMMARY.match(line.strip())
        if summary:
            run.summary = summary.group(1).rstrip(" =")
    run.output = "\n".join(kept)
    for count, word in _COUNT.findall(run.summary):
        if word == "passed":
            run.passed = int(count)
        elif word == "failed":
            run.failed = int(count)
        elif word.startswith("error"):
            run.errors = int(count)
    return run


def pytest_runtest_logreport(report: Any) -> None:
    """A hook of this module as a pytest plugin: note how long each test's call took."""
    if report.when == "call":
        _CALLS[report.nodeid] = report.duration


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """A hook of this module as a pytest plugin: print the durations, one a line, marked."""
    for test_id, seconds in _CALLS.items():
        terminalreporter.write_line(f"{_MARK} {seconds:.6f} {test_id}")


class TrialFolder:
    """A temporary folder of test files, and pytest run on it. Use it as a context manager.

    Raises:
        OSError: if the folder cannot be made.
    """

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="book-tests-"))
        (self.path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")

    def __str__(self) -> str:
        return str(self.path)

    def __enter__(self) -> TrialFolder:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    def remove(self) -> None:
        """Delete the folder and everything in it."""
        shutil.rmtree(self.path, ignore_errors=True)

    def write(self, name: str, source: str) -> Path:
        """Write ``source`` as the file ``name`` in the folder, and return its path."""
        path = self.path / name
        path.write_text(source, encoding="utf-8")
        return path

    def add_magic(self, name: str = "testfile") -> None:
        """Make the cell magic ``%%testfile NAME`` in IPython: it writes the rest of its cell
        to the file NAME in this folder (like ``%%writefile``, without printing the folder).

        Raises:
            RuntimeError: outside IPython.
        """
        from IPython import get_ipython  # imported here: lib works without IPython too

        shell = get_ipython()
        if shell is None:
            raise RuntimeError("cell magics need IPython (Jupyter)")

        def write_cell(line: str, cell: str) -> None:
            path = self.write(line.strip(), cell)
            print(f"wrote {path.name}: {len(cell.splitlines())} lines")

        shell.register_magic_function(write_cell, magic_kind="cell", magic_name=name)

    def run(self, *args: str, time_limit: float = 60.0) -> PytestRun:
        """Run ``python -m pytest -q`` on the folder (or on ``args``, relative to it).

        A run still going after ``time_limit`` seconds is killed; its :class:`PytestRun` then
        has ``finished=False`` and whatever it had printed.

        Raises:
            OSError: if the child process cannot start.
        """
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--color=no"]
        for plugin in PLUGINS:
            command += ["-p", plugin]
        command += list(args) or ["."]
        # The same report everywhere: no colour, and no CI variable, which changes pytest's
        # summary lines; 200 columns, so a summary line is cut at the same place on every
        # machine (pytest cuts them to the terminal's width, and a pipe has none).
        dropped = ("FORCE_COLOR", "PY_COLORS", "CI", "BUILD_NUMBER")
        env = {k: v for k, v in os.environ.items() if k not in dropped}
        env["COLUMNS"] = "200"
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [_LIB_ROOT, env.get("PYTHONPATH")]))
        start = time.perf_counter()
        try:
            done = subprocess.run(
                command,
                cwd=self.path,
                env=env,
                capture_output=True,
                text=True,
                timeout=time_limit,
            )
        except subprocess.TimeoutExpired as expired:  # subprocess.run killed and reaped it
            printed = expired.stdout or b""
            text = printed.decode(errors="replace") if isinstance(printed, bytes) else printed
            return read_run(text, time.perf_counter() - start, finished=False)
        return read_run(done.stdout + done.stderr, time.perf_counter() - start)
