"""How late an event loop runs a timer: the lag that a blocking coroutine causes.

``async with LoopLag() as lag:`` runs a heartbeat task beside the block. It asks to wake every
``period`` seconds and records how late it woke; ``lag.worst`` is the largest lateness. A free
loop wakes it within a millisecond or two; a coroutine that blocks the loop for 0.25 s makes
it 0.25 s late. :func:`short_report` shortens asyncio debug mode's slow-step warning for a
notebook.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

__all__ = ["LoopLag", "short_report"]


class LoopLag:
    """A heartbeat beside an ``async with`` block; ``worst`` is its largest lateness, in s.

    Raises (on entering):
        ValueError: if ``period`` is not positive.
    """

    def __init__(self, period: float = 0.01) -> None:
        if not period > 0:
            raise ValueError(f"period must be positive, got {period}")
        self.period = period
        self.late: list[float] = []
        self._task: asyncio.Task[None] | None = None
        self._due = 0.0

    @property
    def worst(self) -> float:
        return max(self.late, default=0.0)

    async def _beat(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            self._due = loop.time() + self.period
            await asyncio.sleep(self.period)
            self.late.append(max(0.0, loop.time() - self._due))

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._beat(), name="heartbeat")
        await asyncio.sleep(0)
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._task is not None:
            late = asyncio.get_running_loop().time() - self._due  # a beat not yet run counts
            if late > 0:
                self.late.append(late)
            self._task.cancel()
            await asyncio.wait([self._task])


_PATH = re.compile(r"(?P<path>(?:[A-Za-z]:)?[/\\][^\s:>]+\.py):(?P<line>\d+)")


def short_report(message: Any) -> str:
    """asyncio's ``Executing <Task ...> took 0.251 seconds``, each path cut to its file name
    (a notebook cell's to ``<cell>``), and the ``created at`` part left out."""
    text = re.sub(r" created at [^>]*>", ">", str(message))
    text = re.sub(r" cb=\[[^\]]*\]", "", text)

    def shorter(found: re.Match[str]) -> str:
        name = Path(found["path"]).name
        cell = "ipykernel" in found["path"] or name[:-3].isdigit()
        return f"{'<cell>' if cell else name}:{found['line']}"

    text = re.sub(r"took (\d+\.\d+) seconds", lambda m: f"took {float(m[1]):.2f} s", text)
    return _PATH.sub(shorter, text)
