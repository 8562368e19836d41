"""Small tools for watching asyncio programs while they run, for the asyncio chapters.

- :class:`ConnectionCounter` counts the TCP connections an aiohttp session opens and reuses.
- :func:`sample_every` samples a value (a queue's size, the open files) in a background task
  while a block runs, and stops that task when the block ends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import aiohttp

__all__ = [
    "ConnectionCounter",
    "Samples",
    "sample_every",
]


class ConnectionCounter:
    """Count the connections that aiohttp sessions open, and how often they reuse one.

    Attach it when making a session::

        counter = ConnectionCounter()
        async with aiohttp.ClientSession(trace_configs=[counter.trace_config()]) as session:
            ...
        counter.opened, counter.reused

    One counter may be attached to many sessions; it adds them all up.
    """

    def __init__(self) -> None:
        self.opened = 0  # new TCP connections (each one a handshake, on a real network a TLS one)
        self.reused = 0  # requests that went out on a connection kept open from before

    def trace_config(self) -> aiohttp.TraceConfig:
        """A fresh ``aiohttp.TraceConfig`` that reports to this counter (one per session)."""
        config = aiohttp.TraceConfig()
        config.on_connection_create_end.append(self._on_create)
        config.on_connection_reuseconn.append(self._on_reuse)
        return config

    async def _on_create(
        self, session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        self.opened += 1

    async def _on_reuse(
        self, session: aiohttp.ClientSession, context: SimpleNamespace, params: Any
    ) -> None:
        self.reused += 1

    def __repr__(self) -> str:
        return f"<ConnectionCounter opened={self.opened} reused={self.reused}>"


@dataclass
class Samples:
    """Values sampled over time. ``times`` are seconds since sampling started."""

    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    @property
    def peak(self) -> float:
        """The largest value seen. Raises ValueError when nothing was sampled."""
        if not self.values:
            raise ValueError("no samples were taken")
        return max(self.values)


@asynccontextmanager
async def sample_every(interval: float, probe: Callable[[], float]) -> AsyncIterator[Samples]:
    """Call ``probe()`` every ``interval`` seconds while the ``async with`` block runs.

    A sample is taken at the start, every ``interval`` seconds after, and once more at the end.
    The sampling runs in a task of its own, which is cancelled and awaited when the block ends,
    so nothing is left running. A sample is taken only when the event loop is free to run the
    sampler: a block that blocks the loop shows up as a gap.

    Raises:
        ValueError: if ``interval`` is not positive.
        Exception: whatever ``probe()`` raised, when the block ends.
    """
    if not interval > 0:
        raise ValueError(f"interval must be a positive number of seconds, got {interval}")
    samples = Samples()
    start = time.perf_counter()

    def take() -> None:
        value = probe()
        samples.times.append(time.perf_counter() - start)
        samples.values.append(value)

    async def keep_sampling() -> None:
        while True:
            await asyncio.sleep(interval)
            take()

    take()
    sampler = asyncio.create_task(keep_sampling(), name="sampler")
    try:
        yield samples
    finally:
        sampler.cancel()
        # wait() never raises the sampler's outcome, so our own cancellation still propagates.
        await asyncio.wait([sampler])
        failure = None if sampler.cancelled() else sampler.exception()  # marks it retrieved
    if failure is not None:
        raise failure
    take()
