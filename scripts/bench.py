"""Benchmarks for the book: are its speed-ups near the ideal, and is the book itself fast?

Run from the repository root::

    .venv/bin/python scripts/bench.py            # everything (several minutes)
    .venv/bin/python scripts/bench.py --quick    # skip notebooks, nbval, build, suite
    .venv/bin/python scripts/bench.py --only threads --only cpu

It writes ``_build/bench/report.json`` and ``_build/bench/report.md`` and prints the table.
A partial run (``--only``/``--quick``) updates its rows and keeps the others from earlier runs.

Every figure is a ratio, an efficiency or a time measured within one run, reported as the
median of several repeats, so that it means something on a noisy machine. Where a target is
missed, the row's note gives the reason as measured: client and server CPU time, the load on
the machine, a profile of the client.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import importlib.util
import io
import json
import math
import multiprocessing
import os
import platform
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if importlib.util.find_spec("lib") is None:  # `import lib` even without the editable install
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from lib.anilist.clients import AniListClient, AsyncAniListClient  # noqa: E402
from lib.anilist.guards import lift_open_file_limit  # noqa: E402
from lib.anilist.running import LocalAniList, ServerProcess  # noqa: E402
from lib.cpus import usable_cpus  # noqa: E402
from lib.processes import is_multiprocessing_helper  # noqa: E402
from lib.speedup import efficiency, ideal_seconds  # noqa: E402
from lib.workloads import calibrate_rounds, factorial_mod  # noqa: E402

OUT = ROOT / "_build" / "bench"
BIN = Path(sys.executable).parent
ARTICLE_IDS = [100, 200, 300, 400, 700, 628, 524, 377, 826, 451, 280, 395, 399, 124, 626]
TIMEOUT = 60.0  # seconds for any one request: generous, a bench must not fail on a timeout


# --- results ----------------------------------------------------------------------------------


@dataclass
class Result:
    """One row of the report."""

    key: str
    what: str
    target: str
    value: float | None  # the median; None if the benchmark could not run
    unit: str  # "efficiency", "s", "req/s"
    passed: bool | None
    samples: list[float] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None  # why a target was missed, as measured
    display: str | None = None  # what the table shows, when the median alone would mislead
    measured_at: str = ""
    load_average: list[float] = field(default_factory=list)  # 1-minute load, before and after

    def shown(self) -> str:
        if self.display:
            return self.display
        if self.value is None:
            return "not measured"
        text = format_value(self.value, self.unit)
        if len(self.samples) > 1:
            low, high = min(self.samples), max(self.samples)
            text += (
                f" (median of {len(self.samples)}; "
                f"{format_value(low, self.unit)}–{format_value(high, self.unit)})"
            )
        return text


def format_value(value: float, unit: str) -> str:
    if unit == "efficiency":
        return f"{value:.2f}"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    return f"{value:.2f} s"


def at_least(value: float, target: float) -> bool:
    return value >= target


def at_most(value: float, target: float) -> bool:
    return value <= target


def load() -> float:
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else float("nan")


BENCHMARKS: dict[str, tuple[Callable[[argparse.Namespace], Result], bool]] = {}


def benchmark(key: str, slow: bool = False) -> Callable[[Callable[..., Result]], Any]:
    def register(fn: Callable[[argparse.Namespace], Result]) -> Callable[..., Result]:
        BENCHMARKS[key] = (fn, slow)
        return fn

    return register


def profile_summary(profile: cProfile.Profile, lines: int = 12) -> str:
    """The functions that took the most time of their own, as pstats prints them."""
    stream = io.StringIO()
    pstats.Stats(profile, stream=stream).sort_stats("tottime").print_stats(lines)
    text = stream.getvalue()
    body = text[text.find("ncalls") :] if "ncalls" in text else text
    return re.sub(re.escape(str(ROOT)) + "/?|" + re.escape(sys.prefix) + "/?", "", body).strip()


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def waiting_for_cpu(pid: int) -> float:
    """Seconds the process's threads have spent runnable but not running, waiting for a CPU.

    Read from the scheduler's own accounting (/proc/PID/task/*/schedstat, Linux); 0.0 where
    it is not available. It is how much a busy machine delayed the process.
    """
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


# --- (a) threads: 15 requests, a pool of 5 ----------------------------------------------------


def threaded_batch(url: str, workers: int) -> tuple[float, list[float]]:
    """Fetch the article's ids with a pool; each thread has a client of its own."""
    local = threading.local()
    clients: list[AniListClient] = []
    durations: list[float] = []

    def fetch(media_id: int) -> int:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = AniListClient(url, timeout=TIMEOUT)
            clients.append(client)
        begin = time.perf_counter()
        media = client.fetch_media(media_id)
        durations.append(time.perf_counter() - begin)
        return media["id"]

    try:
        begin = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            ids = list(pool.map(fetch, ARTICLE_IDS))
        seconds = time.perf_counter() - begin
    finally:
        for client in clients:
            client.close()
    assert ids == ARTICLE_IDS, "every result came back, in order"
    return seconds, durations


def sequential_batch(url: str) -> tuple[float, list[float]]:
    durations: list[float] = []
    with AniListClient(url, timeout=TIMEOUT) as client:
        begin = time.perf_counter()
        for media_id in ARTICLE_IDS:
            start = time.perf_counter()
            assert client.fetch_media(media_id)["id"] == media_id
            durations.append(time.perf_counter() - start)
        seconds = time.perf_counter() - begin
    return seconds, durations


def thread_pool_result(key: str, server: Any, where: str, repeats: int) -> Result:
    workers, target = 5, 0.95
    efficiencies, details = [], []
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


@benchmark("threads")
def bench_threads(args: argparse.Namespace) -> Result:
    """Against a server in its own process: what is timed is the client's concurrency alone."""
    with ServerProcess(latency=0.2) as server:
        return thread_pool_result("threads", server, "server in its own process", args.repeats)


@benchmark("threads-in-kernel")
def bench_threads_in_kernel(args: argparse.Namespace) -> Result:
    """The same, against LocalAniList in this process, as chapter 3 runs it."""
    with LocalAniList(latency=0.2) as server:
        return thread_pool_result(
            "threads-in-kernel", server, "LocalAniList in the same process", args.repeats
        )


# --- (b) asyncio: 15 requests -----------------------------------------------------------------


async def async_fifteen(url: str) -> tuple[float, float]:
    async with AsyncAniListClient(url, timeout=TIMEOUT) as client:
        await client.fetch_media(1)  # warm-up: the session's first connection
        begin = time.perf_counter()
        for media_id in ARTICLE_IDS:
            assert (await client.fetch_media(media_id))["id"] == media_id
        sequential = time.perf_counter() - begin
        begin = time.perf_counter()
        media = await asyncio.gather(*(client.fetch_media(i) for i in ARTICLE_IDS))
        concurrent = time.perf_counter() - begin
    assert [m["id"] for m in media] == ARTICLE_IDS
    return sequential, concurrent


@benchmark("asyncio-15")
def bench_asyncio_fifteen(args: argparse.Namespace) -> Result:
    target = 0.90
    efficiencies, details = [], []
    with ServerProcess(latency=0.2) as server:
        for _ in range(args.repeats):
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


# --- (c), (d) asyncio at scale, against a server in its own process ---------------------------


def listen_overflows() -> int | None:
    """Connections the kernel dropped because a listen queue was full (Linux; else None)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=True))
            return int(table.get("ListenOverflows", 0))
    return None


async def timed_batches(
    url: str, requests: int, connections: int, repeats: int, server: psutil.Process
) -> dict[str, Any]:
    """A cold batch (opening the connections), then ``repeats`` timed batches reusing them."""
    me = psutil.Process()
    runs = []
    async with AsyncAniListClient(url, timeout=TIMEOUT, max_connections=connections) as client:

        async def batch() -> dict[str, float]:
            overflows = listen_overflows()
            wall, cpu, server_cpu = time.perf_counter(), cpu_seconds(me), cpu_seconds(server)
            waited, server_waited = waiting_for_cpu(me.pid), waiting_for_cpu(server.pid)
            media = await asyncio.gather(
                *(client.fetch_media(1 + i % 5000) for i in range(requests))
            )
            run = {
                "wall_s": time.perf_counter() - wall,
                "client_cpu_s": cpu_seconds(me) - cpu,
                "server_cpu_s": cpu_seconds(server) - server_cpu,
                "client_waited_for_cpu_s": waiting_for_cpu(me.pid) - waited,
                "server_waited_for_cpu_s": waiting_for_cpu(server.pid) - server_waited,
            }
            if overflows is not None:
                run["listen_overflows"] = (listen_overflows() or 0) - overflows
            assert len(media) == requests, "every request came back"
            return {k: round(v, 3) for k, v in run.items()}

        cold = await batch()
        for _ in range(repeats):
            runs.append(await batch())
        # One more batch under the profiler: kept in the report if the target is missed.
        profiler = cProfile.Profile(time.process_time)  # CPU time: a busy machine can't skew it
        profiler.enable()
        await batch()
        profiler.disable()
    return {"cold": cold, "warm": runs, "profile": profile_summary(profiler)}


def scale_result(
    key: str, requests: int, connections: int, target: float, args: argparse.Namespace
) -> Result:
    limits_before = open_file_limits()
    lift_open_file_limit(max(65_536, 2 * connections + 1000))
    limits_after = open_file_limits()
    with ServerProcess(latency=0.1) as server:
        server_process = psutil.Process(server.pid)
        server_limit = (
            server_process.rlimit(psutil.RLIMIT_NOFILE)
            if hasattr(psutil, "RLIMIT_NOFILE")
            else None
        )
        measured = asyncio.run(
            timed_batches(server.url, requests, connections, args.repeats, server_process)
        )
        peak = server.stats()["peak_in_flight"]
    walls = [run["wall_s"] for run in measured["warm"]]
    value = statistics.median(walls)
    median_run = sorted(measured["warm"], key=lambda r: r["wall_s"])[len(walls) // 2]
    ideal = math.ceil(requests / connections) * 0.1
    result = Result(
        key,
        f"asyncio: {requests:,} concurrent requests at 100 ms, server in its own process "
        f"({connections:,} connections, reused)",
        f"≤ {target:g} s",
        value,
        "s",
        at_most(value, target),
        walls,
        {
            "ideal_s": ideal,
            "efficiency_vs_ideal": round(ideal / value, 2),
            "median_run": median_run,
            "cold_batch": measured["cold"],
            "peak_in_flight": peak,
            "open_files_soft_limit": {"before": limits_before, "after": limits_after},
            "server_open_files_limit": list(server_limit) if server_limit else None,
        },
    )
    if not result.passed:
        run = median_run
        result.reason = (
            f"in the median run of {value:.2f} s the client computed for "
            f"{run['client_cpu_s']:.2f} s ({run['client_cpu_s'] / requests * 1e6:.0f} µs per "
            f"request: aiohttp, JSON and the event loop; see the profile) and waited "
            f"{run['client_waited_for_cpu_s']:.2f} s for a CPU that other processes held; the "
            f"server computed for {run['server_cpu_s']:.2f} s and waited "
            f"{run['server_waited_for_cpu_s']:.2f} s for a CPU; the latency floor is "
            f"{ideal:.2f} s"
        )
        result.details["client_profile_tottime"] = measured["profile"]
    return result


def open_file_limits() -> list[int] | None:
    try:
        import resource
    except ImportError:
        return None
    return list(resource.getrlimit(resource.RLIMIT_NOFILE))


@benchmark("asyncio-1000")
def bench_asyncio_thousand(args: argparse.Namespace) -> Result:
    return scale_result("asyncio-1000", 1_000, 1_000, 0.35, args)


@benchmark("asyncio-10000")
def bench_asyncio_ten_thousand(args: argparse.Namespace) -> Result:
    return scale_result("asyncio-10000", 10_000, 1_000, 3.0, args)


# --- (e) the CPU task in a process pool of 2 --------------------------------------------------


@benchmark("cpu")
def bench_cpu(args: argparse.Namespace) -> Result:
    target = 0.85
    workers = min(2, usable_cpus())
    tasks = 4 * workers
    rounds = calibrate_rounds(0.2)
    spawn = multiprocessing.get_context("spawn")  # the same on every platform
    efficiencies, details = [], []
    with ProcessPoolExecutor(max_workers=workers, mp_context=spawn) as pool:
        list(pool.map(time.sleep, [0.2] * workers))  # start every worker before timing
        children = [c for c in psutil.Process().children() if not is_multiprocessing_helper(c)]
        assert len(children) == workers, children
        for _ in range(args.repeats):
            begin = time.perf_counter()
            expected = [factorial_mod(1, 50, rounds) for _ in range(tasks)]
            sequential = time.perf_counter() - begin
            before = {child.pid: cpu_seconds(child) for child in children}
            waited = {child.pid: waiting_for_cpu(child.pid) for child in children}
            begin = time.perf_counter()
            results = list(pool.map(factorial_mod, [1] * tasks, [50] * tasks, [rounds] * tasks))
            pooled = time.perf_counter() - begin
            assert results == expected
            shares = [(cpu_seconds(c) - before[c.pid]) / pooled for c in children]
            waits = [waiting_for_cpu(c.pid) - waited[c.pid] for c in children]
            ideal = ideal_seconds(sequential, tasks, workers)
            efficiencies.append(efficiency(ideal, pooled))
            details.append(
                {
                    "sequential_s": round(sequential, 3),
                    "pool_s": round(pooled, 3),
                    "ideal_s": round(ideal, 3),
                    "worker_cpu_share": [round(share, 2) for share in shares],
                    "worker_waited_for_cpu_s": [round(wait, 3) for wait in waits],
                    "load_average": load(),
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
        shares = ", ".join(f"{share:.0%}" for share in median_run["worker_cpu_share"])
        waits = ", ".join(f"{wait:.2f} s" for wait in median_run["worker_waited_for_cpu_s"])
        result.reason = (
            f"in the median run ({median_run['pool_s']:.2f} s against an ideal of "
            f"{median_run['ideal_s']:.2f} s) each worker got {shares} of a core (CPU time / wall "
            f"time) and waited {waits} for a CPU that other processes held (load average "
            f"{median_run['load_average']:.1f} on {usable_cpus()} cores)"
        )
    return result


# --- (f) the server on its own ----------------------------------------------------------------


async def load_generator(url: str, connections: int, seconds: float) -> dict[str, float]:
    """Keep-alive HTTP/1.1 clients on raw asyncio streams: as little client CPU as possible."""
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    body = json.dumps(
        {"query": "query ($id: Int) { Media(id: $id) { id } }", "variables": {"id": 100}}
    )
    request = (
        f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n{body}"
    ).encode()
    counts = {"ok": 0, "errors": 0}
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            while time.perf_counter() < deadline:
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = re.search(rb"(?i)content-length:\s*(\d+)", head)
                await reader.readexactly(int(length.group(1)) if length else 0)
                counts["ok" if head.startswith(b"HTTP/1.1 200") else "errors"] += 1
        finally:
            writer.close()

    begin = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return {**counts, "seconds": time.perf_counter() - begin}


@benchmark("server")
def bench_server(args: argparse.Namespace) -> Result:
    target, generators, connections, seconds = 3_000, 2, 32, 2.0
    rates, details = [], []
    with ServerProcess(latency=0.0) as server:
        server_process = psutil.Process(server.pid)
        for _ in range(args.repeats):
            cpu = cpu_seconds(server_process)
            command = [sys.executable, __file__, "--loadgen", server.url, str(connections)]
            procs = [
                subprocess.Popen([*command, str(seconds)], stdout=subprocess.PIPE, text=True)
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


# --- (g) each notebook, (h) the nbval suite, (i) a cached rebuild -----------------------------


def notebooks() -> list[Path]:
    return sorted((ROOT / "chapters").glob("*.ipynb"))


def slowest_cells(notebook: Any, count: int = 3) -> list[dict[str, Any]]:
    """The code cells that took longest, numbered as nbval numbers them ("Cell 12")."""
    timings = []
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for index, cell in enumerate(code_cells):
        execution = cell.get("metadata", {}).get("execution", {})
        start, end = execution.get("iopub.execute_input"), execution.get("shell.execute_reply")
        if start and end:
            seconds = (
                dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
            ).total_seconds()
            timings.append(
                {"cell": index, "seconds": round(seconds, 2), "starts": cell.source[:60]}
            )
    return sorted(timings, key=lambda t: -t["seconds"])[:count]


@benchmark("notebooks", slow=True)
def bench_notebooks(args: argparse.Namespace) -> Result:
    import nbformat
    from nbclient import NotebookClient

    target = 30.0
    per_notebook: dict[str, Any] = {}
    for path in notebooks():
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=300,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        begin = time.perf_counter()
        error = None
        try:
            client.execute(stderr=subprocess.DEVNULL)  # the kernel's start-up chatter
        except Exception as exc:  # a broken notebook is reported, not fatal to the bench
            error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}"
        seconds = time.perf_counter() - begin
        per_notebook[path.stem] = {
            "seconds": round(seconds, 2),
            "error": error,
            "slowest_cells": slowest_cells(notebook),
            "load_average_after": load(),
        }
        print(f"  {path.stem}: {seconds:.1f} s" + (f" ({error})" if error else ""), flush=True)
    worst = max(per_notebook.items(), key=lambda item: item[1]["seconds"])
    broken = [name for name, info in per_notebook.items() if info["error"]]
    passed = worst[1]["seconds"] < target and not broken
    result = Result(
        "notebooks",
        "each notebook's execution time (nbclient, fresh kernel): the slowest one",
        f"each < {target:g} s",
        worst[1]["seconds"],
        "s",
        passed,
        [info["seconds"] for info in per_notebook.values()],
        {"notebooks": per_notebook},
        display=f"slowest: {worst[0]}, {worst[1]['seconds']:.1f} s (all {len(per_notebook)} below)",
    )
    slow = [f"{n} {i['seconds']:.1f} s" for n, i in per_notebook.items() if i["seconds"] >= target]
    reasons = []
    if slow:
        cells = worst[1]["slowest_cells"]
        reasons.append(
            f"over {target:g} s: {', '.join(slow)}; in {worst[0]} the slowest cells took "
            + ", ".join(f"Cell {c['cell']} {c['seconds']:.1f} s" for c in cells)
        )
    if broken:
        reasons.append("failed to execute: " + ", ".join(broken))
    result.reason = "; ".join(reasons) or None
    return result


def venv_env() -> dict[str, str]:
    return {**os.environ, "PATH": str(BIN) + os.pathsep + os.environ.get("PATH", "")}


@benchmark("nbval", slow=True)
def bench_nbval(args: argparse.Namespace) -> Result:
    target = 180.0
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-sanitize-with"]
    command += ["tests/nbval_sanitize.cfg", "--nbval-cell-timeout=120", "chapters", "-q"]
    command += ["-p", "no:cacheprovider", "--durations=5"]
    begin = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=venv_env())
    seconds = time.perf_counter() - begin
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-300:]
    slowest = re.findall(r"^\s*([\d.]+)s (?:call|setup|teardown)\s+(.+?)\s*$", run.stdout, re.M)
    result = Result(
        "nbval",
        "the whole nbval suite (strict outputs, every notebook)",
        f"< {target:g} s",
        seconds,
        "s",
        seconds < target,
        [seconds],
        {"exit_code": run.returncode, "summary": re.sub(r"\x1b\[[0-9;]*m", "", summary)},
        display=f"{seconds:.1f} s ({re.sub(r' in [0-9.]+s.*', '', summary).strip('= ')})",
    )
    result.details["slowest"] = [f"{s} s {name}" for s, name in slowest]
    if not result.passed:
        result.reason = "slowest items: " + "; ".join(result.details["slowest"])
    if run.returncode != 0:
        result.details["note"] = "the suite did not pass: see summary (the time still counts)"
    return result


@benchmark("rebuild", slow=True)
def bench_rebuild(args: argparse.Namespace) -> Result:
    target = 20.0
    subprocess.run([sys.executable, "scripts/cache_guard.py"], cwd=ROOT, check=True)
    command = [str(BIN / "jupyter-book"), "build", "--all", "-W", "-n", "--keep-going", "."]
    times, codes = [], []
    for _ in range(2):  # the first run fills the cache if it must; the second is timed
        begin = time.perf_counter()
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=venv_env())
        times.append(time.perf_counter() - begin)
        codes.append(run.returncode)
    executed = len(re.findall(r"Executing notebook|Executing:", run.stdout + run.stderr))
    result = Result(
        "rebuild",
        "a cached, no-change book rebuild (jupyter-book build --all, second run)",
        f"< {target:g} s",
        times[1],
        "s",
        times[1] < target and codes == [0, 0],
        [times[1]],
        {"first_run_s": round(times[0], 1), "exit_codes": codes, "notebooks_executed": executed},
        display=f"{times[1]:.1f} s (the run before it: {times[0]:.1f} s)",
    )
    if not result.passed:
        result.reason = (
            f"exit codes {codes}; {executed} notebooks re-executed in the second run"
            if codes != [0, 0] or executed
            else "no notebook was re-executed: the time is Sphinx reading and writing every page"
        )
    return result


# --- (j) `make test` from a fresh clone, (k) the last .ci/run -----------------------------------


@benchmark("suite", slow=True)
def bench_suite(args: argparse.Namespace) -> Result:
    """`make test` in a fresh clone of HEAD: venv, install, lint, unit tests, nbval, browser."""
    target = 360.0
    with tempfile.TemporaryDirectory(prefix="book-suite-") as work:
        clone = Path(work) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
        env["PATH"] = os.pathsep.join(
            p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != BIN
        )  # the clone makes and uses its own .venv
        begin = time.perf_counter()
        run = subprocess.run(
            ["make", "--no-print-directory", "test"],
            cwd=clone, capture_output=True, text=True, env=env, timeout=1800,
        )  # fmt: skip
        seconds = time.perf_counter() - begin
    summary = re.sub(r"\x1b\[[0-9;]*m", "", (run.stdout.strip().splitlines() or [""])[-1])
    result = Result(
        "suite",
        "`make test` from a fresh clone (install, lint, unit tests, nbval, browser)",
        f"<= {target:g} s",
        seconds,
        "s",
        seconds <= target and run.returncode == 0,
        [seconds],
        {"exit_code": run.returncode, "summary": summary},
        display=f"{seconds:.0f} s ({summary.strip('= ')})",
    )
    if run.returncode != 0:
        result.reason = f"make test failed: {summary or run.stderr[-300:]}"
    elif not result.passed:
        result.reason = "see `pytest --durations` for where the time went"
    return result


@benchmark("ci")
def bench_ci(args: argparse.Namespace) -> Result:
    """The last `bash .ci/run` in this folder, as it recorded itself (it takes ~40 min)."""
    target = 50 * 60.0
    record_path = ROOT / "_build" / "bench" / "ci-run.json"
    what = "the last `.ci/run` here: 3.11, 3.14, 3.15 in full, notebooks on 3.12, 3.13"
    if not record_path.exists():
        missing = "no record: run `bash .ci/run`, which writes _build/bench/ci-run.json"
        return Result("ci", what, f"< {target / 60:g} min", None, "s", None, reason=missing)
    record = json.loads(record_path.read_text(encoding="utf-8"))
    seconds = float(record["total_s"])
    steps = "; ".join(f"{name} {value} s" for name, value in record["steps"].items())
    result = Result(
        "ci", what, f"< {target / 60:g} min", seconds, "s", seconds < target, [seconds],
        {"finished": record["finished"], "steps": record["steps"], "versions": record["versions"]},
        display=f"{seconds / 60:.1f} min, finished {record['finished'][:16]} ({steps})",
    )  # fmt: skip
    if not result.passed:
        result.reason = "; ".join(record["versions"]) or steps
    return result


# --- the report -------------------------------------------------------------------------------


def markdown(report: dict[str, Any]) -> str:
    rows = [
        "| what | measured | target | result |",
        "| --- | --- | --- | --- |",
    ]
    notes = []
    # A partial run keeps the other rows: each kept row says that it is older than this run.
    this_run = report.get("started", "")
    kept = 0
    for key in BENCHMARKS:
        if key not in report["results"]:
            continue
        result = Result(**report["results"][key])
        verdict = {True: "PASS", False: "**FAIL**", None: "not run"}[result.passed]
        shown = result.shown()
        if result.measured_at < this_run:
            when = result.measured_at[:16].replace("T", " ")
            shown += f" (earlier run{', ' + when if when else ''})"
            kept += 1
        rows.append(f"| {result.what} | {shown} | {result.target} | {verdict} |")
        if result.reason:
            notes.append(f"- **{key}**: {result.reason}.")
    machine = report["machine"]
    text = [
        "# Benchmarks",
        "",
        f"Measured {report['generated']} on {machine['usable_cpus']} usable cores, "
        f"Python {machine['python']}; 1-minute load average "
        f"{machine['load_average_start']} at the start, {machine['load_average_end']} at the end.",
        "",
        *rows,
    ]
    if kept:
        text += [
            "",
            "Rows marked *earlier run* were kept from a previous run (report.json: when, load).",
        ]
    if notes:
        text += ["", "Why targets were missed (measured):", "", *notes]
    per_notebook = report["results"].get("notebooks", {}).get("details", {}).get("notebooks")
    if per_notebook:
        text += ["", "Each notebook (nbclient, fresh kernel):", ""]
        text += ["| notebook | seconds | slowest cells |", "| --- | --- | --- |"]
        for name, info in per_notebook.items():
            cells = ", ".join(
                f"Cell {c['cell']} {c['seconds']:.1f} s" for c in info["slowest_cells"]
            )
            status = f" (failed: {info['error']})" if info["error"] else ""
            text.append(f"| {name} | {info['seconds']:.1f}{status} | {cells} |")
    return "\n".join(text) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="skip the slow benchmarks")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only this (repeatable)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="repeats per figure (default 5)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the report")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--loadgen", nargs=3, help=argparse.SUPPRESS)  # URL CONNECTIONS SECONDS
    args = parser.parse_args(argv)
    if args.loadgen:
        url, connections, seconds = args.loadgen
        print(json.dumps(asyncio.run(load_generator(url, int(connections), float(seconds)))))
        return 0
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    os.chdir(ROOT)
    os.environ["PATH"] = venv_env()["PATH"]  # kernels start as `python`: this venv's
    chosen = args.only or [
        key for key, (_, slow) in BENCHMARKS.items() if not (slow and args.quick)
    ]

    report_path = args.out / "report.json"
    report: dict[str, Any] = {"results": {}}
    if report_path.exists():  # a partial run keeps the other rows
        report = json.loads(report_path.read_text())
        report["results"] = {k: v for k, v in report["results"].items() if k in BENCHMARKS}
    start_load = load()
    report["started"] = dt.datetime.now().isoformat(timespec="seconds")
    for key in chosen:
        fn, _ = BENCHMARKS[key]
        print(f"{key} ...", flush=True)
        before = load()
        try:
            result = fn(args)
        except Exception as exc:  # one broken benchmark must not lose the others
            result = Result(key, key, "", None, "", False, reason=f"{type(exc).__name__}: {exc}")
        result.measured_at = dt.datetime.now().isoformat(timespec="seconds")
        result.load_average = [before, load()]
        report["results"][key] = asdict(result)
        print(f"  {result.shown()} (target {result.target}): {result.passed}", flush=True)
    report["generated"] = dt.datetime.now().isoformat(timespec="seconds")
    report["machine"] = {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "usable_cpus": usable_cpus(),
        "load_average_start": start_load,
        "load_average_end": load(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    table = markdown(report)
    (args.out / "report.md").write_text(table, encoding="utf-8")
    print()
    print(table)
    missed = [key for key in chosen if report["results"][key]["passed"] is False]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
