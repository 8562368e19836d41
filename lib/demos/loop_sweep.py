"""Send the same batches of requests on a chosen event loop, in a thread of its own, and measure.

A notebook's kernel already runs an event loop (asyncio's own), so another loop, uvloop say,
needs a thread of its own: :func:`sweep` makes the loop there with ``asyncio.Runner`` and
:func:`lib.plumbing.event_loops.loop_factory`, opens one client with ``connections`` connections
(a warm-up batch opens them all, so no level pays for its handshakes), then sends each batch
through ``level`` workers (so ``level`` requests are in flight at a time) and measures it with
:class:`lib.measure.cpu_use.CpuMeter`, and the cycle collector's share of it with
:class:`lib.demos.gc_tuning.CollectorTime`::

    result = await asyncio.to_thread(sweep, url, "uvloop", {100: 300, 1000: 3000},
                                     server_pid=server.pid, connections=1000)

With ``tuned_requests`` it sends that many more at the top level, ``connections`` in flight,
inside :func:`lib.demos.gc_tuning.fewer_collections` (``LoopSweep.tuned``): the same client,
server and loop, only the collector's settings changed. With ``profile_requests`` it then sends
one more batch under ``cProfile``, timed in CPU time (so that other programs on the machine do
not count), and keeps the statistics, for :mod:`lib.measure.cpu_profile`. That batch runs in a
child process of its own, with a client of its own on the same loop: since Python 3.12,
cProfile sees every thread of the process it runs in, and a notebook's kernel has several (the
kernel's own, the server's in a test), whose calls would be mixed into the profile, each timed
on another thread's clock.

:func:`loops_here` says which loops this machine can run, and why it must skip the others
(uvloop on Windows).
"""

from __future__ import annotations

import asyncio
import cProfile
import multiprocessing
import os
import pstats
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from lib.anilist.clients import AsyncAniListClient
from lib.demos.gc_tuning import CollectorTime, fewer_collections
from lib.measure.cpu_use import CpuMeter, CpuUse
from lib.plumbing.event_loops import (
    LOOP_NAMES,
    available_loops,
    loop_factory,
    refuse_running_loop,
)

__all__ = ["Batch", "LoopSweep", "loops_here", "sweep"]

#: Anime ids are spread over the catalogue, 1 to ``ID_SPREAD``, so answers are not all one.
ID_SPREAD = 5000


@dataclass(frozen=True)
class Batch:
    """One batch: at most ``level`` requests in flight, ``requests`` sent, what it cost.

    ``errors`` names each request that failed (its exception's type), so that
    ``answered + len(errors) == requests`` always holds. ``collector`` is the cycle collector's
    time and collections in this process while the batch ran.
    """

    level: int
    requests: int
    answered: int
    errors: list[str]
    use: CpuUse
    collector: CollectorTime = field(default_factory=CollectorTime)

    @property
    def throughput(self) -> float:
        """Answers per second of wall time."""
        return self.answered / self.use.wall


@dataclass(frozen=True)
class LoopSweep:
    """The batches of one sweep on the loop named ``loop``, in the order they ran, the batch
    sent inside :func:`~lib.demos.gc_tuning.fewer_collections` (``tuned``, ``None`` unless it was
    asked for), and the profile of the extra batch (``None`` unless it was asked for), with the
    names of the errors of its requests that failed (``profile_errors``)."""

    loop: str
    batches: list[Batch]
    tuned: Batch | None = None
    profile: pstats.Stats | None = None
    profiled_requests: int = 0
    profile_errors: list[str] = field(default_factory=list)

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


def _measured(
    runner: asyncio.Runner,
    client: AsyncAniListClient,
    level: int,
    requests: int,
    pids: tuple[int, ...],
) -> Batch:
    """Send one batch on ``runner``'s loop, its CPU time and the collector's measured."""
    with CollectorTime() as collector, CpuMeter(*pids) as meter:
        answered, errors = runner.run(_send(client, level, requests))
    return Batch(level, requests, answered, errors, meter.use, collector)


def _check(
    url: str, batches: Mapping[int, int], connections: int, profile_requests: int, tuned: int
) -> None:
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
    if tuned < 0:
        raise ValueError(f"tuned_requests must be >= 0, got {tuned}")


def sweep(
    url: str,
    loop: str,
    batches: Mapping[int, int],
    *,
    server_pid: int | None = None,
    connections: int = 100,
    profile_requests: int = 0,
    tuned_requests: int = 0,
    timeout: float = 60.0,
) -> LoopSweep:
    """Send ``batches`` (``{level: requests}``, in that order) to ``url`` on the loop ``loop``.

    Call it where no event loop runs: in a notebook, ``await asyncio.to_thread(sweep, ...)``.
    ``server_pid`` is the server's process, whose CPU time each batch also measures. A request
    that fails is counted in its batch's ``errors``, not raised. ``tuned_requests`` more, if
    any, go last, ``connections`` at a time, inside ``fewer_collections()`` (``.tuned``).

    Raises:
        ValueError: on a bad url, an empty ``batches``, a level outside 1..``connections``, a
            batch of no requests, a negative ``profile_requests`` or ``tuned_requests``, or an
            unknown loop name.
        ModuleNotFoundError: ``loop`` is ``"uvloop"`` and uvloop is not installed here.
        RuntimeError: an event loop already runs in this thread, or the profiled batch's
            child process failed.
        TimeoutError: the profiled batch's child process did not finish in time.
    """
    _check(url, batches, connections, profile_requests, tuned_requests)
    factory = loop_factory(loop)
    refuse_running_loop("sweep()")
    pids = () if server_pid is None else (server_pid,)
    client = AsyncAniListClient(url, timeout=timeout, max_connections=connections)
    done: list[Batch] = []
    tuned: Batch | None = None
    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(client.__aenter__())
        try:
            runner.run(_send(client, connections, connections))  # warm-up: open them all
            for level, requests in batches.items():
                done.append(_measured(runner, client, level, requests, pids))
            if tuned_requests:
                with fewer_collections():
                    tuned = _measured(runner, client, connections, tuned_requests, pids)
        finally:
            runner.run(client.__aexit__(None, None, None))
    profile: pstats.Stats | None = None
    profile_errors: list[str] = []
    if profile_requests:
        level = min(connections, max(batches))
        profile, profile_errors = _profile_in_child(
            url, loop, level, profile_requests, connections, timeout
        )
    return LoopSweep(loop, done, tuned, profile, profile_requests, profile_errors)


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


def _profile_in_child(
    url: str, loop: str, level: int, requests: int, connections: int, timeout: float
) -> tuple[pstats.Stats, list[str]]:
    """Profile ``requests`` requests, ``level`` at a time, in a spawned child process.

    Raises:
        TimeoutError: the child had not finished after ``timeout`` and a minute to start (it
            is killed).
        RuntimeError: the child failed, with its exit code.
    """
    with tempfile.TemporaryDirectory(prefix="loop-profile-") as folder:
        path = os.path.join(folder, "batch.prof")
        args = (url, loop, level, requests, connections, timeout, path)
        child = multiprocessing.get_context("spawn").Process(target=_profiled_batch, args=args)
        child.start()
        child.join(timeout + 60)  # the requests' own limit, and a minute to start
        if child.is_alive():
            child.kill()
            child.join(5)
            raise TimeoutError(f"the profiled batch on {loop} did not finish in {timeout + 60} s")
        if child.exitcode != 0:
            raise RuntimeError(f"the profiled batch on {loop} failed: exit code {child.exitcode}")
        with open(path + ".errors", encoding="utf-8") as lines:
            errors = lines.read().split()
        return pstats.Stats(path), errors


def _profiled_batch(
    url: str, loop: str, level: int, requests: int, connections: int, timeout: float, path: str
) -> None:
    """In the child: open the connections the batch will use, then send the batch under
    cProfile (the child's only thread runs Python), and save the statistics to ``path`` and the
    names of the failed requests' errors to ``path + ".errors"``, one a line."""
    client = AsyncAniListClient(url, timeout=timeout, max_connections=connections)
    in_flight = min(level, requests)  # at most this many connections are ever in use
    with asyncio.Runner(loop_factory=loop_factory(loop)) as runner:
        runner.run(client.__aenter__())
        try:
            runner.run(_send(client, in_flight, in_flight))  # warm-up: no handshake profiled
            profiler = cProfile.Profile(time.thread_time)  # CPU time, not wall time
            profiler.enable()  # around runner.run, so the loop's own work is seen too
            _answered, errors = runner.run(_send(client, level, requests))
            profiler.disable()
        finally:
            runner.run(client.__aexit__(None, None, None))
    profiler.dump_stats(path)
    with open(path + ".errors", "w", encoding="utf-8") as lines:
        lines.writelines(f"{error}\n" for error in errors)
