"""(a) Threads: the chapters' fifteen requests, on a pool of 5 threads against one by one.

As chapters 1, 3 and 6 run it: lib's blocking ``AniListClient``, one per thread (a requests
session is not thread-safe), a ``Recorder`` span around each request, a ``Stopwatch`` around
each batch, and lib.measure.speedup's ideal time and efficiency.
"""

from __future__ import annotations

import statistics
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from bench.config import ARTICLE_IDS, TIMEOUT
from bench.report import Result, at_least
from lib.anilist.clients import AniListClient
from lib.anilist.running import LocalAniList, ServerProcess
from lib.measure.recorder import Recorder
from lib.measure.speedup import efficiency, ideal_seconds
from lib.measure.timing import Stopwatch

__all__ = [
    "bench_threads",
    "bench_threads_in_kernel",
    "sequential_batch",
    "thread_pool_result",
    "threaded_batch",
]


class Served(Protocol):
    """What the suite needs of a running server: LocalAniList or ServerProcess."""

    @property
    def url(self) -> str: ...


def threaded_batch(url: str, workers: int) -> tuple[float, list[float]]:
    """Fetch the article's ids with a pool; each thread has a client of its own."""
    local = threading.local()
    clients: list[AniListClient] = []
    recorder = Recorder()

    def fetch(media_id: int) -> int:
        client: AniListClient | None = getattr(local, "client", None)
        if client is None:
            client = local.client = AniListClient(url, timeout=TIMEOUT)
            clients.append(client)
        with recorder.span(media_id):
            media = client.fetch_media(media_id)
        return int(media["id"])

    try:
        with Stopwatch() as watch, ThreadPoolExecutor(max_workers=workers) as pool:
            ids = list(pool.map(fetch, ARTICLE_IDS))
    finally:
        for client in clients:
            client.close()
    assert ids == ARTICLE_IDS, "every result came back, in order"
    return watch.seconds, [span.seconds for span in recorder.spans()]


def sequential_batch(url: str) -> tuple[float, list[float]]:
    """The same ids one after another, with one client."""
    recorder = Recorder()
    with AniListClient(url, timeout=TIMEOUT) as client, Stopwatch() as watch:
        for media_id in ARTICLE_IDS:
            with recorder.span(media_id):
                media = client.fetch_media(media_id)
            assert media["id"] == media_id
    return watch.seconds, [span.seconds for span in recorder.spans()]


def thread_pool_result(key: str, server: Served, where: str, repeats: int) -> Result:
    workers, target = 5, 0.95
    efficiencies: list[float] = []
    details: list[dict[str, Any]] = []
    sequential_batch(server.url)  # warm-up: imports, first connections
    for _ in range(repeats):
        sequential, one_by_one = sequential_batch(server.url)
        pooled, in_pool = threaded_batch(server.url, workers)
        ideal = ideal_seconds(sequential, len(ARTICLE_IDS), workers)
        efficiencies.append(efficiency(ideal, pooled))
        details.append(
            {
                "sequential_s": round(sequential, 3),
                "pool_s": round(pooled, 3),
                "ideal_s": round(ideal, 3),
                "request_s_sequential_median": round(statistics.median(one_by_one), 4),
                "request_s_pool_median": round(statistics.median(in_pool), 4),
                "request_s_pool_max": round(max(in_pool), 4),
            }
        )
    value = statistics.median(efficiencies)
    result = Result(
        key,
        f"15 requests, pool of 5 threads vs sequential ({where}, latency 0.2 s)",
        f"efficiency ≥ {target}",
        value,
        "efficiency",
        at_least(value, target),
        efficiencies,
        {"repeats": details},
    )
    if not result.passed:
        worst = max(details, key=lambda d: d["pool_s"] - d["ideal_s"])
        result.reason = (
            f"in the pool a request took {worst['request_s_pool_median']:.3f} s (median; max "
            f"{worst['request_s_pool_max']:.3f} s) against "
            f"{worst['request_s_sequential_median']:.3f} s one by one: the extra time is spent "
            "per request, while waiting on a busy machine"
        )
    return result


def bench_threads(repeats: int) -> Result:
    """Against a server in its own process: what is timed is the client's concurrency alone."""
    with ServerProcess(latency=0.2) as server:
        return thread_pool_result("threads", server, "server in its own process", repeats)


def bench_threads_in_kernel(repeats: int) -> Result:
    """The same, against LocalAniList in this process, as chapter 3 runs it."""
    with LocalAniList(latency=0.2) as server:
        return thread_pool_result(
            "threads-in-kernel", server, "LocalAniList in the same process", repeats
        )
