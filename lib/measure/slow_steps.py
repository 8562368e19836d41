"""Read what asyncio's debug mode says about steps that held the event loop too long.

In debug mode, asyncio logs a warning for every step of a task that runs longer than
``loop.slow_callback_duration`` without giving the loop back: ``Executing <Task ...
coro=<fetch_blocking() running at ...> ...> took 0.203 seconds``. Chapter 6 turns debug mode on
for one cell and reads those warnings back:

- :func:`kept_messages`: collect the messages a logger emits inside a ``with`` block, instead of
  printing them;
- :func:`slow_steps`: pick the slow-step reports out of those messages, as :class:`SlowStep`.

Turning debug mode on and off stays in the chapter: that is the part to learn.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

__all__ = ["SlowStep", "kept_messages", "slow_steps"]

# "coro=<name()" names the coroutine (its qualified name, so a nested one reads
# "outer.<locals>.name"); "took 0.203 seconds" ends the report.
_REPORT = re.compile(r"coro=<([\w.<>]+)\(\).* took (\d+\.\d+) seconds")


class SlowStep(NamedTuple):
    """One report: the coroutine whose step held the loop, and for how many seconds.

    ``coroutine`` is the coroutine function's qualified name: ``fetch_blocking`` for one defined
    at the top level, ``outer.<locals>.inner`` for one defined inside ``outer``.
    """

    coroutine: str
    seconds: float


class _KeepMessages(logging.Handler):
    """A logging handler that keeps each record's message text in a list."""

    def __init__(self, level: int | str) -> None:
        super().__init__(level=level)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def kept_messages(
    logger_name: str = "asyncio", level: int | str = logging.WARNING
) -> Iterator[list[str]]:
    """Collect the messages logged to ``logger_name`` at ``level`` or above inside the block.

    Yields the list the messages are appended to, in the order they were logged. While the
    block runs, the logger has a handler of its own, so Python's last-resort handler does not
    print them to standard error. The handler is removed when the block ends, also when it
    raises, and whatever the block raised goes on unchanged.

    Raises:
        ValueError: if ``level`` is a name that :mod:`logging` does not know (from logging).
        TypeError: if ``level`` is neither an int nor a str (from logging).
    """
    keeper = _KeepMessages(level)
    logger = logging.getLogger(logger_name)
    logger.addHandler(keeper)
    try:
        yield keeper.messages
    finally:
        logger.removeHandler(keeper)


def slow_steps(messages: Iterable[str]) -> list[SlowStep]:
    """The slow-step reports among ``messages``, in order; other messages are skipped.

    Raises nothing for messages it does not recognise; an empty list means no step was
    reported (debug mode off, or no step slower than ``slow_callback_duration``).
    """
    steps = []
    for message in messages:
        found = _REPORT.search(message)
        if found:
            steps.append(SlowStep(found[1], float(found[2])))
    return steps
