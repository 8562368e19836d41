"""An asyncio event loop with a virtual clock: a test of a 10 s timeout that takes milliseconds.

An event loop keeps its timers (``sleep``, ``timeout``, ``call_later``) by the time its
``time()`` method returns, and, when nothing is ready to run, waits in its selector for the
earliest timer. :class:`VirtualClockLoop` changes both: ``time()`` reads a clock of its own,
and its selector, instead of waiting ``t`` seconds for I/O, checks for I/O that is ready now
and moves the clock ``t`` seconds on. Whenever every task waits for a timer, time jumps to
the next timer at once; code that runs keeps the clock still, however long it takes.

Only the loop's own timers jump. A wait outside the loop (a thread started with
``asyncio.to_thread``, a child process, a real network peer) still takes real time, and
the loop's timers run ahead of it: use it for code whose waits are the loop's timers.
:func:`run_virtual` is ``asyncio.run`` on such a loop.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = [
    "VirtualClockLoop",
    "run_virtual",
]

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    """The platform's selector, except that a wait for a timer moves the clock instead."""

    def __init__(self, loop: VirtualClockLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[Any, int]]:
        ready: list[tuple[Any, int]] = super().select(0)  # what is ready now, without waiting
        if ready or timeout == 0:
            return ready
        if timeout is None:  # no timer at all: only real I/O (or another thread) can wake us
            return list(super().select(None))
        self._loop.advance(timeout)  # nothing to do until the next timer: jump to it
        return []


class VirtualClockLoop(asyncio.SelectorEventLoop):
    """A selector event loop whose ``time()`` starts at 0 and jumps from timer to timer."""

    def __init__(self) -> None:
        self._virtual_now = 0.0
        super().__init__(selector=_JumpingSelector(self))

    def time(self) -> float:
        """The virtual clock, in seconds since the loop was made."""
        return self._virtual_now

    def advance(self, seconds: float) -> None:
        """Move the virtual clock ``seconds`` on.

        Raises:
            ValueError: if ``seconds`` is negative: a clock never goes back.
        """
        if seconds < 0:
            raise ValueError(f"a clock never goes back: {seconds}")
        self._virtual_now += seconds

    async def shutdown_default_executor(self, timeout: float | None = None) -> None:
        """Join the executor's threads in real time: a timeout on this clock passes at once."""
        await super().shutdown_default_executor()  # as Python does at exit: unbounded


def run_virtual(main: Coroutine[Any, Any, T], *, debug: bool = False) -> T:
    """Run ``main`` to the end on a new :class:`VirtualClockLoop`, like ``asyncio.run``.

    Raises:
        Whatever ``main`` raises.
    """
    with asyncio.Runner(loop_factory=VirtualClockLoop, debug=debug) as runner:
        return runner.run(main)
