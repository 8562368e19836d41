"""(b) asyncio, fifteen requests; (c), (d) asyncio at scale, against a server in its own process.

As chapters 6 and 8 run them: lib's ``AsyncAniListClient`` (one session, ``max_connections``),
``asyncio.gather``, a ``Stopwatch`` around each batch, lib.measure.speedup's ideal and efficiency, a
``ServerProcess`` and its ``peak_in_flight``, and lib.plumbing.fdlimits to raise the open-file
limit. Each run is on asyncio's own event loop or on uvloop (lib.plumbing.event_loops), client and
server alike. The ten-thousand rows send their batches as chapter 8 teaches, inside
lib.demos.gc_tuning's ``fewer_collections`` (what was alive before frozen, the youngest generation
collected every 50,000 allocations), and keep a batch with the collector's defaults and one with it
paused. The scale runs are kept (:func:`scale_runs`), so that the rows of CPU time per request
(:mod:`bench.suites.cpu_per_request`) read the same batches instead of sending them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import gc
import math
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import psutil
from aiohttp.http_parser import HttpResponseParser

from bench.config import ARTICLE_IDS, TIMEOUT
from bench.probes import (
    CollectorTime,
    cpu_seconds,
    limits_list,
    listen_overflows,
    profile_summary,
    waiting_for_cpu,
)
from bench.report import Result, at_least, at_most
from lib.anilist.clients import AsyncAniListClient
from lib.anilist.running import ServerProcess
from lib.demos.gc_tuning import YOUNG_THRESHOLD, fewer_collections
from lib.measure.speedup import efficiency, ideal_seconds
from lib.measure.timing import Stopwatch
from lib.plumbing import event_loops
from lib.plumbing.fdlimits import open_file_limits, raise_open_file_limit

__all__ = [
    "async_fifteen",
    "bench_asyncio_fifteen",
    "bench_asyncio_ten_thousand",
    "bench_asyncio_ten_thousand_uvloop",
    "bench_asyncio_thousand",
    "scale_result",
    "scale_runs",
    "timed_batches",
]

#: Measured scale runs, by (requests, connections, repeats, loop, tuned): each is sent once.
_RUNS: dict[tuple[int, int, int, str, bool], dict[str, Any]] = {}
#: How a tuned run's batches meet the collector, as the report words it.
TUNED = (
    "the client's batches inside lib.demos.gc_tuning.fewer_collections, as chapter 8 teaches: what "
    f"was alive before frozen, the youngest generation collected every {YOUNG_THRESHOLD:,} "
    "allocations"
)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def async_fifteen(url: str) -> tuple[float, float]:
    """The fifteen ids one at a time, then all at once with gather, on one session."""
    async with AsyncAniListClient(url, timeout=TIMEOUT) as client:
        await client.fetch_media(1)  # warm-up: the session's first connection
        with Stopwatch() as one_by_one:
            for media_id in ARTICLE_IDS:
                assert (await client.fetch_media(media_id))["id"] == media_id
        with Stopwatch() as together:
            media = await asyncio.gather(*(client.fetch_media(i) for i in ARTICLE_IDS))
    assert [m["id"] for m in media] == ARTICLE_IDS
    return one_by_one.seconds, together.seconds


def bench_asyncio_fifteen(repeats: int) -> Result:
    target = 0.95
    efficiencies: list[float] = []
    details: list[dict[str, Any]] = []
    with ServerProcess(latency=0.2) as server:
        for _ in range(repeats):
            sequential, concurrent = asyncio.run(async_fifteen(server.url))
            ideal = ideal_seconds(sequential, len(ARTICLE_IDS), len(ARTICLE_IDS))
            efficiencies.append(efficiency(ideal, concurrent))
            details.append({"sequential_s": round(sequential, 3), "gather_s": round(concurrent, 3)})
    value = statistics.median(efficiencies)
    result = Result(
        "asyncio-15",
        "asyncio: 15 requests with gather, one session, vs one at a time (latency 0.2 s)",
        f"efficiency ≥ {target}",
        value,
        "efficiency",
        at_least(value, target),
        efficiencies,
        {"repeats": details},
    )
    if not result.passed:
        result.reason = "see the repeats: the gather took longer than one request's round trip"
    return result


async def timed_batches(
    url: str,
    requests: int,
    connections: int,
    repeats: int,
    server: psutil.Process,
    tuned: bool = False,
) -> dict[str, Any]:
    """A cold batch (opening the connections), then ``repeats`` timed batches reusing them.

    With ``tuned``, every batch but the diagnostic ones runs inside ``fewer_collections``.
    """
    me = psutil.Process()
    runs = []
    as_run: Callable[[], AbstractContextManager[Any]] = (
        fewer_collections if tuned else contextlib.nullcontext
    )
    async with AsyncAniListClient(url, timeout=TIMEOUT, max_connections=connections) as client:

        async def batch(
            collector_mode: Callable[[], AbstractContextManager[Any]],
        ) -> dict[str, float]:
            overflows = listen_overflows()
            cpu, server_cpu = cpu_seconds(me), cpu_seconds(server)
            waited, server_waited = waiting_for_cpu(me.pid), waiting_for_cpu(server.pid)
            with CollectorTime() as collector, collector_mode(), Stopwatch() as watch:
                media = await asyncio.gather(
                    *(client.fetch_media(1 + i % 5000) for i in range(requests))
                )
            run = {
                "wall_s": watch.seconds,
                "client_cpu_s": cpu_seconds(me) - cpu,
                "client_collector_s": collector.seconds,
                "client_collections": collector.count,
                "client_full_collections": collector.full,
                "server_cpu_s": cpu_seconds(server) - server_cpu,
                "client_waited_for_cpu_s": waiting_for_cpu(me.pid) - waited,
                "server_waited_for_cpu_s": waiting_for_cpu(server.pid) - server_waited,
            }
            if overflows is not None:
                run["listen_overflows"] = (listen_overflows() or 0) - overflows
            assert len(media) == requests, "every request came back"
            return {k: round(v, 3) for k, v in run.items()}

        cold = await batch(as_run)
        for _ in range(repeats):
            runs.append(await batch(as_run))
        # One more batch under the profiler: kept in the report if the target is missed.
        profiler = cProfile.Profile(time.process_time)  # CPU time: a busy machine can't skew it
        profiler.enable()
        await batch(as_run)
        profiler.disable()
        # One with the collector's defaults (what the tuning saved), and one with it paused
        # (how much of a miss is still the collector's).
        default = await batch(contextlib.nullcontext) if tuned else None
        paused = await batch(_collector_paused)
    return {
        "cold": cold,
        "warm": runs,
        "profile": profile_summary(profiler),
        "collector_default": default,
        "collector_paused": paused,
    }


def scale_runs(
    requests: int, connections: int, repeats: int, loop: str, tuned: bool = False
) -> dict[str, Any]:
    """``repeats`` batches of ``requests`` at 100 ms on ``loop``, measured once per bench;
    with ``tuned``, inside ``fewer_collections``."""
    key = (requests, connections, repeats, loop, tuned)
    if key in _RUNS:
        return _RUNS[key]
    limits_before = limits_list(open_file_limits())
    limits_after = limits_list(raise_open_file_limit(max(65_536, 2 * connections + 1000)))
    with ServerProcess(latency=0.1, loop=loop) as server:
        assert server.pid is not None, "the server is running"
        server_process = psutil.Process(server.pid)
        server_limit = (
            server_process.rlimit(psutil.RLIMIT_NOFILE)
            if hasattr(psutil, "RLIMIT_NOFILE")
            else None
        )
        measured = event_loops.run(
            timed_batches(server.url, requests, connections, repeats, server_process, tuned),
            loop,
        )
        measured["peak_in_flight"] = server.stats()["peak_in_flight"]
    measured["limits"] = {"before": limits_before, "after": limits_after}
    measured["server_limit"] = list(server_limit) if server_limit else None
    _RUNS[key] = measured
    return measured


def scale_result(
    key: str,
    requests: int,
    connections: int,
    target: float,
    repeats: int,
    loop: str = "asyncio",
    tuned: bool = False,
) -> Result:
    what = (
        f"asyncio: {requests:,} concurrent requests at 100 ms, server in its own process "
        f"({connections:,} connections, reused)"
        + (f", both on {loop}" if loop != "asyncio" else "")
        + (f"; {TUNED}" if tuned else "")
    )
    if loop not in event_loops.available_loops():
        return Result(key, what, f"≤ {target:g} s", None, "s", None, reason=f"no {loop} here")
    measured = scale_runs(requests, connections, repeats, loop, tuned)
    walls = [run["wall_s"] for run in measured["warm"]]
    value = statistics.median(walls)
    median_run = sorted(measured["warm"], key=lambda r: r["wall_s"])[len(walls) // 2]
    ideal = math.ceil(requests / connections) * 0.1  # chapter 8: rounds of 100 ms
    result = Result(
        key,
        what,
        f"≤ {target:g} s",
        value,
        "s",
        at_most(value, target),
        walls,
        {
            "ideal_s": ideal,
            "efficiency_vs_ideal": round(efficiency(ideal, value), 2),
            "median_run": median_run,
            "cold_batch": measured["cold"],
            "batch_with_collector_defaults": measured["collector_default"],
            "batch_with_collector_paused": measured["collector_paused"],
            # aiohttp._http_parser is its C parser; aiohttp.http_parser the pure-Python one
            # (no wheel for this Python, or AIOHTTP_NO_EXTENSIONS set)
            "aiohttp_http_parser": HttpResponseParser.__module__,
            "peak_in_flight": measured["peak_in_flight"],
            "open_files_soft_limit": measured["limits"],
            "server_open_files_limit": measured["server_limit"],
        },
    )
    if not result.passed:
        run, paused = median_run, measured["collector_paused"]
        result.reason = (
            f"in the median run of {value:.2f} s the client computed for "
            f"{run['client_cpu_s']:.2f} s ({run['client_cpu_s'] / requests * 1e6:.0f} µs per "
            f"request: aiohttp, JSON and the event loop; see the profile), of which Python's "
            f"cycle collector took {run['client_collector_s']:.2f} s in "
            f"{run['client_full_collections']} full collections, and waited "
            f"{run['client_waited_for_cpu_s']:.2f} s for a CPU that other processes held; the "
            f"server computed for {run['server_cpu_s']:.2f} s and waited "
            f"{run['server_waited_for_cpu_s']:.2f} s for a CPU; the latency floor is "
            f"{ideal:.2f} s. One more batch with the collector paused took "
            f"{paused['wall_s']:.2f} s ({paused['client_cpu_s'] / requests * 1e6:.0f} µs of "
            "client CPU per request)"
        )
        default = measured["collector_default"]
        if default is not None:
            result.reason += (
                f"; one with the collector's defaults (not inside fewer_collections) took "
                f"{default['wall_s']:.2f} s, {default['client_collector_s']:.2f} s of it in "
                f"the collector"
            )
        result.details["client_profile_tottime"] = measured["profile"]
    return result


def bench_asyncio_thousand(repeats: int) -> Result:
    return scale_result("asyncio-1000", 1_000, 1_000, 0.30, repeats)


def bench_asyncio_ten_thousand(repeats: int) -> Result:
    return scale_result("asyncio-10000", 10_000, 1_000, 2.0, repeats, tuned=True)


def bench_asyncio_ten_thousand_uvloop(repeats: int) -> Result:
    return scale_result("asyncio-10000-uvloop", 10_000, 1_000, 2.0, repeats, "uvloop", tuned=True)
