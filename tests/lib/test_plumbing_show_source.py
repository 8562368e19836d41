"""Helpers that show things in a chapter (lib.plumbing.show_source)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lib.plumbing.show_source import last_exception_line, show_source

BROKEN_POOL = (
    "concurrent.futures.process.BrokenProcessPool: A process in the process pool was "
    "terminated abruptly while the future was running or pending."
)

# What an unguarded spawn script printed once: the resource tracker, a separate process,
# wrote its warning after the parent's traceback had ended.
TRACKER_AFTER_TRACEBACK = f"""\
Traceback (most recent call last):
  File "squares_unguarded.py", line 11, in <module>
    print(list(pool.map(square, range(8))))
{BROKEN_POOL}
/usr/lib/python3.12/multiprocessing/resource_tracker.py:254: UserWarning: resource_tracker: \
There appear to be 1 leaked semaphore objects to clean up at shutdown
  warnings.warn('resource_tracker: There appear to be %d '
"""


def test_the_last_line_when_it_is_the_exception() -> None:
    stderr = f'Traceback (most recent call last):\n  File "x.py", line 1\n{BROKEN_POOL}\n'
    assert last_exception_line(stderr) == BROKEN_POOL


def test_a_warning_printed_after_the_traceback_is_passed_over() -> None:
    assert last_exception_line(TRACKER_AFTER_TRACEBACK) == BROKEN_POOL


def test_colour_codes_are_removed() -> None:
    coloured = "\x1b[1;35mValueError\x1b[0m: \x1b[35mno good\x1b[0m\n"
    assert last_exception_line(coloured) == "ValueError: no good"


def test_the_last_of_several_exceptions_wins() -> None:
    stderr = "RuntimeError: in a child\nTraceback (most recent call last):\nKeyError: 'parent'\n"
    assert last_exception_line(stderr) == "KeyError: 'parent'"


@pytest.mark.parametrize("stderr", ["", "just a message\n", '  File "x.py": indented\n'])
def test_stderr_without_an_exception_is_a_clear_error(stderr: str) -> None:
    with pytest.raises(ValueError, match="no exception line"):
        last_exception_line(stderr)


def test_a_real_traceback_even_when_colour_is_forced() -> None:
    environment = {**os.environ, "FORCE_COLOR": "1"}  # as ipykernel sets for its children
    environment.pop("PYTHON_COLORS", None)
    environment.pop("NO_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-c", "import json; json.loads('{')"],
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )
    assert done.returncode == 1
    line = last_exception_line(done.stderr)
    assert line.startswith("json.decoder.JSONDecodeError: Expecting property name")


def test_show_source_shows_lib_code_and_refuses_builtins() -> None:
    assert "def last_exception_line" in show_source(last_exception_line).data
    with pytest.raises(TypeError, match="no Python source"):
        show_source(len)
