"""The client's and the server's CPU time per request, at chapter 8's scale.

CPU time, unlike wall time, hardly moves when other programs share the machine, so these rows
say what the book's client (lib's ``AsyncAniListClient`` on aiohttp) and its server each cost
per request. They read the batches of the 10,000-request row (:func:`scale_runs`: 10,000
requests at 100 ms over 1,000 connections, asyncio's own loop, the client's batches inside
lib.demos.gc_tuning's ``fewer_collections`` as chapter 8 teaches), sending them only if that row did
not run.
"""

from __future__ import annotations

import statistics
from typing import Any

from bench.report import Result, at_most
from bench.suites.asyncio_runs import TUNED, scale_runs

__all__ = [
    "CLIENT_TARGET_US",
    "REQUESTS",
    "SERVER_TARGET_US",
    "bench_client_cpu",
    "bench_server_cpu",
]

REQUESTS, CONNECTIONS = 10_000, 1_000
CLIENT_TARGET_US = 150.0
SERVER_TARGET_US = 100.0  # 10,000 requests a second on one core


def _per_request(repeats: int, field: str) -> tuple[list[float], dict[str, Any]]:
    measured = scale_runs(REQUESTS, CONNECTIONS, repeats, "asyncio", tuned=True)
    samples = [run[field] / REQUESTS * 1e6 for run in measured["warm"]]
    return samples, measured


def bench_client_cpu(repeats: int) -> Result:
    samples, measured = _per_request(repeats, "client_cpu_s")
    value = statistics.median(samples)
    collector = statistics.median(r["client_collector_s"] for r in measured["warm"])
    full = statistics.median(r["client_full_collections"] for r in measured["warm"])
    result = Result(
        "client-cpu",
        f"the client's CPU time per request, {REQUESTS:,} at once over {CONNECTIONS:,} "
        f"connections; {TUNED}",
        f"≤ {CLIENT_TARGET_US:.0f} µs",
        value,
        "µs",
        at_most(value, CLIENT_TARGET_US),
        samples,
        {
            "collector_us_per_request": round(collector / REQUESTS * 1e6, 1),
            "with_collector_defaults_us_per_request": round(
                measured["collector_default"]["client_cpu_s"] / REQUESTS * 1e6, 1
            ),
            "collector_defaults_us_per_request": round(
                measured["collector_default"]["client_collector_s"] / REQUESTS * 1e6, 1
            ),
        },
    )
    if not result.passed:
        result.reason = (
            f"of {value:.0f} µs, Python's cycle collector took {collector / REQUESTS * 1e6:.0f} "
            f"µs ({full:.0f} full collections a batch, each walking every object the "
            f"{REQUESTS:,} requests in flight hold); the rest is aiohttp, JSON and the event "
            "loop (the profile in the details). A batch with the collector paused cost "
            f"{measured['collector_paused']['client_cpu_s'] / REQUESTS * 1e6:.0f} µs, one with "
            "its defaults (not inside fewer_collections) "
            f"{measured['collector_default']['client_cpu_s'] / REQUESTS * 1e6:.0f} µs"
        )
        result.details["client_profile_tottime"] = measured["profile"]
    return result


def bench_server_cpu(repeats: int) -> Result:
    samples, measured = _per_request(repeats, "server_cpu_s")
    value = statistics.median(samples)
    waited = statistics.median(r["server_waited_for_cpu_s"] for r in measured["warm"])
    result = Result(
        "server-cpu",
        f"the server's CPU time per request (the same batches; {SERVER_TARGET_US:.0f} µs is "
        "10,000 req/s on one core)",
        f"≤ {SERVER_TARGET_US:.0f} µs",
        value,
        "µs",
        at_most(value, SERVER_TARGET_US),
        samples,
    )
    if not result.passed:
        result.reason = (
            f"the server computed {value:.0f} µs per request with {CONNECTIONS:,} connections "
            f"and requests waiting 100 ms (timers and more live objects than under the "
            f"throughput row's load), and waited {waited:.2f} s a batch for a CPU"
        )
    return result
