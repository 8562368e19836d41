"""(f) The local server on its own: lib's ``ServerProcess`` at latency 0, under load, on each loop.

The load comes from ``wrk`` (Debian's package; C, so it is not the bottleneck) where it is
installed, and from :mod:`bench.loadgen` otherwise (Python processes: on two cores they
saturate before the server does, so the figure is then a floor); the row says which ran.
Either runs in processes of its own, so that the client's CPU does not compete with the
measured server in one process.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psutil

from bench.config import ROOT
from bench.loadgen import QUERY
from bench.probes import cpu_seconds
from bench.report import Result, at_least
from lib.anilist.running import ServerProcess
from lib.plumbing import event_loops

__all__ = [
    "CONNECTIONS",
    "SECONDS",
    "TARGET",
    "bench_server",
    "bench_server_uvloop",
    "load_with_python",
    "load_with_wrk",
]

TARGET = 10_000  # requests a second
CONNECTIONS, SECONDS = 64, 2.0


def load_with_wrk(wrk: str, url: str, script: Path) -> tuple[int, float, int]:
    """One run of ``wrk``: the answers, the seconds, and the answers that were not 200."""
    command = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS:g}s", "-s", str(script), url]
    output = subprocess.run(
        command, capture_output=True, text=True, timeout=SECONDS + 60, check=True
    ).stdout
    found = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output)
    if found is None:
        raise RuntimeError(f"wrk printed no count: {output!r}")
    seconds = float(found.group(2)) / (1000 if found.group(3) == "ms" else 1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return int(found.group(1)), seconds, int(bad.group(1)) if bad else 0


def load_with_python(url: str) -> tuple[int, float, int]:
    """Two :mod:`bench.loadgen` processes of half the connections each."""
    command = [sys.executable, "-m", "bench.loadgen", url, str(CONNECTIONS // 2), str(SECONDS)]
    procs = [
        subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [json.loads(p.communicate(timeout=SECONDS + 60)[0]) for p in procs]
    served = sum(o["ok"] for o in outputs)
    return served, max(o["seconds"] for o in outputs), sum(o["errors"] for o in outputs)


def server_result(key: str, loop: str, repeats: int) -> Result:
    wrk = shutil.which("wrk")
    generator = "wrk" if wrk else "Python load generator: no wrk here"
    what = (
        f"the local server alone on {loop}, latency 0, loopback ({generator}, "
        f"{CONNECTIONS} keep-alive connections)"
    )
    if loop not in event_loops.available_loops():
        return Result(key, what, f"≥ {TARGET:,} req/s", None, "req/s", None, reason=f"no {loop}")
    rates: list[float] = []
    details: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder, ServerProcess(latency=0.0, loop=loop) as server:
        script = Path(folder) / "post.lua"
        body = json.dumps({"query": QUERY, "variables": {"id": 100}})
        script.write_text(
            f'wrk.method = "POST"\nwrk.body = {json.dumps(body)}\n'
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        assert server.pid is not None, "the server is running"
        server_process = psutil.Process(server.pid)
        for _ in range(repeats):
            cpu = cpu_seconds(server_process)
            if wrk:
                served, wall, errors = load_with_wrk(wrk, server.url, script)
            else:
                served, wall, errors = load_with_python(server.url)
            assert not errors, f"{errors} answers were not 200"
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
        key,
        what,
        f"≥ {TARGET:,} req/s",
        value,
        "req/s",
        at_least(value, TARGET),
        rates,
        {
            "generator": "wrk" if wrk else "python",
            "capacity_req_s_per_core": round(1e6 / per_request),
            "repeats": details,
        },
    )
    if not result.passed:
        busy = statistics.median(d["server_busy"] for d in details)
        result.reason = (
            f"the server used {per_request:.0f} µs of CPU per request and was busy {busy:.0%} "
            "of the time: "
            + ("it is the bottleneck" if busy > 0.9 else f"it waited for {generator}")
        )
    return result


def bench_server(repeats: int) -> Result:
    return server_result("server", "asyncio", repeats)


def bench_server_uvloop(repeats: int) -> Result:
    return server_result("server-uvloop", "uvloop", repeats)
