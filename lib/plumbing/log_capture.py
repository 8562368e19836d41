"""Collect what a logger reports inside a ``with`` block, to print it in a notebook.

asyncio reports some mistakes only through its logger ("Task was destroyed but it is
pending!", "Task exception was never retrieved"), from wherever the garbage collector happens
to run. :func:`captured_log` catches those reports so that a cell can print them, one line
each, instead of letting them land on stderr at some later, unrelated moment.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

__all__ = [
    "captured_log",
    "describe_record",
]


def describe_record(record: logging.LogRecord) -> str:
    """One line for ``record``: its message's first line, and the exception it carries."""
    line = record.getMessage().splitlines()[0] if record.getMessage() else ""
    if record.exc_info and record.exc_info[1] is not None:
        error = record.exc_info[1]
        line += f" ({type(error).__name__}: {error})"
    return line


class _ListHandler(logging.Handler):
    def __init__(self, lines: list[str]) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines = lines

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(describe_record(record))


@contextlib.contextmanager
def captured_log(name: str, level: int = logging.WARNING) -> Iterator[list[str]]:
    """Yield a list that receives one line per record of logger ``name`` at ``level`` or above.

    While the block runs, the logger's records go only to that list (not to its parents'
    handlers); its level and propagation are put back when the block ends, whatever happened.

    Raises:
        ValueError: if ``name`` is empty (the root logger is not captured this way).
    """
    if not name:
        raise ValueError("name the logger to capture, such as 'asyncio'")
    logger = logging.getLogger(name)
    lines: list[str] = []
    handler = _ListHandler(lines)
    handler.setLevel(level)
    saved_level, saved_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    if logger.level == logging.NOTSET or logger.level > level:
        logger.setLevel(level)
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved_level)
        logger.propagate = saved_propagate
