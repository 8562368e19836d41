"""(f) The local server on its own: lib's ``ServerProcess`` at latency 0, under load.

The load comes from :mod:`bench.loadgen`, in processes of their own, so that the client's
CPU does not compete with the measured server in one process.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from typing import Any

import psutil

from bench.config import ROOT
from bench.probes import cpu_seconds
from bench.report import Result, at_least
from lib.anilist.running import ServerProcess

__all__ = [
    "bench_server",
]


def bench_server(repeats: int) -> Result:
    target, generators, connections, seconds = 3_000, 2, 32, 2.0
    rates: list[float] = []
    details: list[dict[str, Any]] = []
    with ServerProcess(latency=0.0) as server:
        assert server.pid is not None, "the server is running"
        server_process = psutil.Process(server.pid)
        for _ in range(repeats):
            cpu = cpu_seconds(server_process)
            command = [sys.executable, "-m", "bench.loadgen", server.url, str(connections)]
            procs = [
                subprocess.Popen(
                    [*command, str(seconds)], cwd=ROOT, stdout=subprocess.PIPE, text=True
                )
                for _ in range(generators)
            ]
            outputs = [json.loads(p.communicate(timeout=seconds + 60)[0]) for p in procs]
            served = sum(o["ok"] for o in outputs)
            assert not any(o["errors"] for o in outputs), outputs
            wall = max(o["seconds"] for o in outputs)
            server_cpu = cpu_seconds(server_process) - cpu
            rates.append(served / wall)
            details.append(
                {
                    "requests": served,
                    "wall_s": round(wall, 3),
                    "server_cpu_s": round(server_cpu, 3),
                    "server_cpu_us_per_request": round(server_cpu / served * 1e6, 1),
                    "server_busy": round(server_cpu / wall, 2),
                }
            )
    value = statistics.median(rates)
    per_request = statistics.median(d["server_cpu_us_per_request"] for d in details)
    result = Result(
        "server",
        f"the local server alone, latency 0, loopback ({generators} load-generator processes "
        f"× {connections} keep-alive connections)",
        f"≥ {target:,} req/s",
        value,
        "req/s",
        at_least(value, target),
        rates,
        {"capacity_req_s_per_core": round(1e6 / per_request), "repeats": details},
    )
    if not result.passed:
        busy = statistics.median(d["server_busy"] for d in details)
        result.reason = (
            f"the server used {per_request:.0f} µs of CPU per request and was busy {busy:.0%} "
            "of the time: " + ("it is the bottleneck" if busy > 0.9 else "it waited for clients")
        )
    return result
