"""(e) The CPU task in a process pool of 2, against one call after another.

As chapters 1, 4 and 9 run it: lib.demos.workloads' ``factorial_mod``, sized by
``calibrate_rounds``, a ``Stopwatch`` around each run, lib.measure.speedup's ideal and efficiency,
and the pool's workers found with lib.plumbing.processes' ``live_children`` (multiprocessing's
helpers left out).
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from bench.probes import cpu_seconds, load_average, waiting_for_cpu
from bench.report import Result, at_least
from lib.demos.workloads import calibrate_rounds, factorial_mod
from lib.measure.cores import usable_cpus
from lib.measure.speedup import efficiency, ideal_seconds
from lib.measure.timing import Stopwatch
from lib.plumbing.processes import live_children

__all__ = [
    "bench_cpu",
]


def bench_cpu(repeats: int) -> Result:
    target = 0.90
    workers = min(2, usable_cpus())
    tasks = 4 * workers
    rounds = calibrate_rounds(0.2)
    spawn = multiprocessing.get_context("spawn")  # the same on every platform
    efficiencies: list[float] = []
    details: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=spawn) as pool:
        list(pool.map(time.sleep, [0.2] * workers))  # start every worker before timing
        children = live_children(os.getpid())
        assert len(children) == workers, children
        for _ in range(repeats):
            cpu_before = time.process_time()
            with Stopwatch() as one_by_one:
                expected = [factorial_mod(1, 50, rounds) for _ in range(tasks)]
            sequential_cpu = time.process_time() - cpu_before
            before = {child.pid: cpu_seconds(child) for child in children}
            waited = {child.pid: waiting_for_cpu(child.pid) for child in children}
            with Stopwatch() as watch:
                results = list(pool.map(factorial_mod, [1] * tasks, [50] * tasks, [rounds] * tasks))
            sequential, pooled = one_by_one.seconds, watch.seconds
            assert results == expected
            worker_cpu = [cpu_seconds(c) - before[c.pid] for c in children]
            shares = [cpu / pooled for cpu in worker_cpu]
            waits = [waiting_for_cpu(c.pid) - waited[c.pid] for c in children]
            ideal = ideal_seconds(sequential, tasks, workers)
            efficiencies.append(efficiency(ideal, pooled))
            details.append(
                {
                    "sequential_s": round(sequential, 3),
                    "pool_s": round(pooled, 3),
                    "ideal_s": round(ideal, 3),
                    "worker_cpu_share": [round(share, 2) for share in shares],
                    # CPU time a task took in the pool, over what it took alone: above 1, the
                    # cores compute slower together than one does alone (shared caches, a
                    # shared physical core, the clock rate with both busy)
                    "cpu_per_task_together_vs_alone": round(sum(worker_cpu) / sequential_cpu, 3),
                    "worker_waited_for_cpu_s": [round(wait, 3) for wait in waits],
                    "load_average": load_average(),
                }
            )
    value = statistics.median(efficiencies)
    result = Result(
        "cpu",
        f"CPU task (factorial_mod, ~0.2 s each, {tasks} tasks), process pool of {workers} "
        "vs sequential",
        f"efficiency ≥ {target}",
        value,
        "efficiency",
        at_least(value, target),
        efficiencies,
        {"workers": workers, "usable_cpus": usable_cpus(), "rounds": rounds, "repeats": details},
    )
    if not result.passed:
        median_run = sorted(details, key=lambda d: d["pool_s"])[len(details) // 2]
        shares_text = ", ".join(f"{share:.0%}" for share in median_run["worker_cpu_share"])
        waits_text = ", ".join(f"{wait:.2f} s" for wait in median_run["worker_waited_for_cpu_s"])
        result.reason = (
            f"in the median run ({median_run['pool_s']:.2f} s against an ideal of "
            f"{median_run['ideal_s']:.2f} s) each worker got {shares_text} of a core (CPU time "
            f"/ wall time) and waited {waits_text} for a CPU that other processes held (load "
            f"average {median_run['load_average']:.1f} on {usable_cpus()} cores); a task took "
            f"{median_run['cpu_per_task_together_vs_alone']:.2f}× the CPU time in the pool "
            "that it took alone: the cores compute slower together (the hardware, not the "
            "book's code) when that is above 1"
        )
    return result
