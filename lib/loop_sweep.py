"""Send the same batches of requests on a chosen event loop, in a thread of its own, and measure.

A notebook's kernel already runs an event loop (asyncio's own), so another loop, uvloop say,
needs a thread of its own: :func:`sweep` makes the loop there with ``asyncio.Runner`` and
:func:`lib.event_loops.loop_factory`, opens one client with ``connections`` connections
(a warm-up batch opens them all, so no level pays for its handshakes), then sends each batch
through ``level`` workers (so ``level`` requests are in flight at a time) and measures it with
:class:`lib.cpu_use.CpuMeter`::

    result = await asyncio.to_thread(sweep, url, "uvloop", {100: 300, 1000: 3000},
                                     server_pid=server.pid, connections=1000)

With ``profile_requests`` it then sends one more batch under ``cProfile`` (in that thread
only, timed in its CPU time, so that other programs on the machine do not count) and keeps
the statistics, for :mod:`lib.loop_profile`. :func:`loops_here` says which loops this machine
can run, and why it must skip the others (uvloop on Windows).
"""

from __future__ import annotations

import asyncio
import cProfile
import pstats
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from lib.anilist.clients import AsyncAniListClient
from lib.cpu_use import CpuMeter, CpuUse
from lib.event_loops import LOOP_NAMES, available_loops, loop_factory

__all__ = ["Batch", "LoopSweep", "loops_here", "sweep"]

#: Anime ids are spread over the catalogue, 1 to ``ID_SPREAD``, so answers are not all one.
ID_SPREAD = 5000


@dataclass(frozen=True)
class Batch:
    """One batch: at most ``level`` requests in flight, ``requests`` sent, what it cost.

    ``errors`` names each request that failed (its exception's type), so that
    ``answered + len(errors) == requests`` always holds.
    """

    level: int
    requests: int
    answered: int
    errors: list[str]
    use: CpuUse

    @property
    def throughput(self) -> float:
        """Answers per second of wall time."""
        return self.answered / self.use.wall


@dataclass(frozen=True)
class LoopSweep:
    """The batches of one sweep on the loop named ``loop``, in the order they ran, and the
    profile of the extra batch (``None`` unless it was asked for)."""

    loop: str
    batches: list[Batch]
    profile: pstats.Stats | None = None
    profiled_requests: int = 0

    def batch(self, level: int) -> Batch:
        """The batch sent at ``level``. Raises KeyError if there was none."""
        for batch in self.batches:
            if batch.level == level:
                return batch
        raise KeyError(f"no batch at level {level} on {self.loop}")


async def _send(client: AsyncAniListClient, level: int, requests: int) -> tuple[int, list[str]]:
    """``requests`` requests through ``level`` workers: exactly ``level`` in flight at a time."""
    numbers = iter(range(requests))  # shared: each worker takes the next number
    answered, errors = 0, []

    async def worker() -> None:
        nonlocal answered
        for number in numbers:
            try:
                await client.fetch_media(1 + number % ID_SPREAD)
            except Exception as error:  # counted, not raised: every request is accounted for
                errors.append(type(error).__name__)
            else:
                answered += 1

    await asyncio.gather(*(worker() for _ in range(min(level, requests))))
    return answered, errors


def _check(url: str, batches: Mapping[int, int], connections: int, profile_requests: int) -> None:
    if not url.startswith("http://"):
        raise ValueError(f"url must be the server's http:// address, got {url!r}")
    if not batches:
        raise ValueError("no batches to send: give {level: requests, ...}")
    for level, requests in batches.items():
        if not 0 < level <= connections:
            raise ValueError(f"level {level} must be between 1 and connections={connections}")
        if requests < 1:
            raise ValueError(f"level {level}: requests must be at least 1, got {requests}")
    if profile_requests < 0:
        raise ValueError(f"profile_requests must be >= 0, got {profile_requests}")


def sweep(
    url: str,
    loop: str,
    batches: Mapping[int, int],
    *,
    server_pid: int | None = None,
    connections: int = 100,
    profile_requests: int = 0,
    timeout: float = 60.0,
) -> LoopSweep:
    """Send ``batches`` (``{level: requests}``, in that order) to ``url`` on the loop ``loop``.

    Call it where no event loop runs: in a notebook, ``await asyncio.to_thread(sweep, ...)``.
    ``server_pid`` is the server's process, whose CPU time each batch also measures. A request
    that fails is counted in its batch's ``errors``, not raised.

    Raises:
        ValueError: on a bad url, an empty ``batches``, a level outside 1..``connections``, a
            batch of no requests, a negative ``profile_requests``, or an unknown loop name.
        ModuleNotFoundError: ``loop`` is ``"uvloop"`` and uvloop is not installed here.
        RuntimeError: an event loop already runs in this thread.
    """
    _check(url, batches, connections, profile_requests)
    factory = loop_factory(loop)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # no loop runs in this thread: good
    else:
        raise RuntimeError("sweep() makes its own event loop: call it in a thread of its own")
    pids = () if server_pid is None else (server_pid,)
    client = AsyncAniListClient(url, timeout=timeout, max_connections=connections)
    done: list[Batch] = []
    profile = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(client.__aenter__())
        try:
            runner.run(_send(client, connections, connections))  # warm-up: open them all
            for level, requests in batches.items():
                with CpuMeter(*pids) as meter:
                    answered, errors = runner.run(_send(client, level, requests))
                done.append(Batch(level, requests, answered, errors, meter.use))
            if profile_requests:
                level = min(connections, max(batches))
                profiler = cProfile.Profile(time.thread_time)  # CPU time, not wall time
                profiler.enable()  # around runner.run, so the loop's own work is seen too
                runner.run(_send(client, level, profile_requests))
                profiler.disable()
                profile = pstats.Stats(profiler)
        finally:
            runner.run(client.__aexit__(None, None, None))
    return LoopSweep(loop, done, profile, profile_requests)


def loops_here(loops: Sequence[str] = LOOP_NAMES) -> tuple[list[str], dict[str, str]]:
    """Which of ``loops`` this machine can run, and, for each one it cannot, why not.

    uvloop has no Windows build: there, ``loops_here()`` is ``(["asyncio"], {"uvloop": ...})``.

    Raises:
        ValueError: on an unknown loop name.
    """
    unknown = [name for name in loops if name not in LOOP_NAMES]
    if unknown:
        raise ValueError(f"unknown loops {unknown}: expected some of {', '.join(LOOP_NAMES)}")
    here = available_loops()
    runnable = [name for name in loops if name in here]
    skipped = {
        name: f"{name} is not installed here (it has no Windows build)"
        for name in loops
        if name not in here
    }
    return runnable, skipped
