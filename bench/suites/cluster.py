"""(l) Per-task overhead: a Dask cluster against a process pool, on the same empty tasks.

As chapter 10 measures it: lib.plumbing.cluster's ``LoopbackCluster`` (a scheduler and two
single-thread workers as separate processes on 127.0.0.1), its client's executor, and a
``ProcessPoolExecutor`` of two (spawn), each timed by lib.demos.cluster_work's ``seconds_per_task``
on 200 calls of ``echo``. The row is the cluster's cost per task; its details hold the pool's.
"""

from __future__ import annotations

import multiprocessing
import statistics
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from bench.probes import load_average
from bench.report import Result, at_most
from lib.demos.cluster_work import seconds_per_task
from lib.plumbing.cluster import LoopbackCluster

__all__ = [
    "bench_cluster",
]

TASKS = 200
TARGET_US = 5_000.0  # a task over loopback TCP should cost well under 5 ms


def bench_cluster(repeats: int) -> Result:
    spawn = multiprocessing.get_context("spawn")
    cluster_us: list[float] = []
    details: list[dict[str, Any]] = []
    with (
        ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool,
        LoopbackCluster(workers=2, threads_per_worker=1) as cluster,
        cluster.client() as client,
    ):
        executor = client.get_executor(pure=False)
        for _ in range(repeats):
            on_pool = seconds_per_task(pool, TASKS) * 1e6
            on_cluster = seconds_per_task(executor, TASKS) * 1e6
            cluster_us.append(on_cluster)
            details.append(
                {
                    "pool_us_per_task": round(on_pool, 1),
                    "cluster_us_per_task": round(on_cluster, 1),
                    "cluster_over_pool": round(on_cluster / on_pool, 1),
                    "load_average": load_average(),
                }
            )
    value = statistics.median(cluster_us)
    pool_median = statistics.median(d["pool_us_per_task"] for d in details)
    result = Result(
        "cluster",
        f"per-task overhead, Dask cluster (2 workers on 127.0.0.1) against a process pool of 2, "
        f"{TASKS} empty tasks",
        f"≤ {TARGET_US:,.0f} µs per task",
        value,
        "µs",
        at_most(value, TARGET_US),
        cluster_us,
        {"tasks": TASKS, "repeats": details},
        display=f"{value:,.0f} µs per task (process pool: {pool_median:,.0f} µs, "
        f"the cluster {value / pool_median:.0f}× more)",
    )
    if not result.passed:
        result.reason = (
            f"the cluster took {value:,.0f} µs per task with a load average of "
            f"{details[-1]['load_average']}: its messages wait for a CPU when the cores are busy"
        )
    return result
