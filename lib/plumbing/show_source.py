"""Show lib's own code in a chapter, so no helper is ever hidden magic."""

from __future__ import annotations

import inspect
import re
from typing import Any

__all__ = [
    "last_exception_line",
    "show_source",
]


def show_source(obj: Any) -> Any:
    """Return the source of a function or class from lib, syntax-highlighted in Jupyter.

    Raises:
        TypeError: if ``obj`` has no Python source (a built-in, for example).
    """
    from IPython.display import Code  # imported here: lib works without IPython too

    try:
        source = inspect.getsource(obj)
    except (OSError, TypeError) as exc:
        raise TypeError(f"no Python source for {obj!r}") from exc
    return Code(source, language="python")  # type: ignore[no-untyped-call]  # IPython's own


#: A terminal colour code, as Python 3.13+ puts in tracebacks when FORCE_COLOR is set.
_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")

#: The line that ends a traceback: an exception's (dotted) name, a colon, its message.
_EXCEPTION_LINE = re.compile(r"[A-Za-z_][\w.]*: ")


def last_exception_line(stderr: str) -> str:
    """Return the last ``SomeError: message`` line in a program's stderr, without colours.

    Not simply the last line: a process the program started (multiprocessing's resource
    tracker, say) can outlive it and print a warning after the traceback, and lines such as
    ``/path/file.py:12: UserWarning: ...`` or indented source lines are not exception lines.

    Raises:
        ValueError: if no line in ``stderr`` names an exception.
    """
    lines = [_ANSI_COLOUR.sub("", line) for line in stderr.splitlines()]
    exception_lines = [line for line in lines if _EXCEPTION_LINE.match(line)]
    if not exception_lines:
        raise ValueError("no exception line (such as 'ValueError: ...') in this stderr")
    return exception_lines[-1]
