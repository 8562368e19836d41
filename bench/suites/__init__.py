"""The benchmarks, one module a subject, and the registry that names them in report order.

- ``threads``: (a) fifteen requests on a pool of 5 threads, server in a process or in-kernel
- ``asyncio_runs``: (b) fifteen requests with gather; (c), (d) 1,000 and 10,000 at once, and
  10,000 on uvloop
- ``cpu_per_request``: the client's and the server's CPU time per request, at 10,000
- ``cpu``: (e) the CPU task in a process pool
- ``server``: (f) the local server's throughput on its own, on each event loop
- ``book``: (g) each notebook, (h) the nbval suite, (i) a cached rebuild (slow)
- ``project``: (j) ``make test`` from a fresh clone (slow), (k) the last ``.ci/run``

Each benchmark takes the number of repeats and returns one :class:`bench.report.Result`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from bench.report import Result
from bench.suites import asyncio_runs, book, cluster, cpu, cpu_per_request, project, server, threads

__all__ = [
    "BENCHMARKS",
    "Benchmark",
]


class Benchmark(NamedTuple):
    """A benchmark's function, and whether ``--quick`` skips it."""

    run: Callable[[int], Result]
    slow: bool = False


BENCHMARKS: dict[str, Benchmark] = {
    "threads": Benchmark(threads.bench_threads),
    "threads-in-kernel": Benchmark(threads.bench_threads_in_kernel),
    "asyncio-15": Benchmark(asyncio_runs.bench_asyncio_fifteen),
    "asyncio-1000": Benchmark(asyncio_runs.bench_asyncio_thousand),
    "asyncio-10000": Benchmark(asyncio_runs.bench_asyncio_ten_thousand),
    "asyncio-10000-uvloop": Benchmark(asyncio_runs.bench_asyncio_ten_thousand_uvloop),
    "client-cpu": Benchmark(cpu_per_request.bench_client_cpu),
    "server-cpu": Benchmark(cpu_per_request.bench_server_cpu),
    "cpu": Benchmark(cpu.bench_cpu),
    "cluster": Benchmark(cluster.bench_cluster),
    "server": Benchmark(server.bench_server),
    "server-uvloop": Benchmark(server.bench_server_uvloop),
    "notebooks": Benchmark(book.bench_notebooks, slow=True),
    "nbval": Benchmark(book.bench_nbval, slow=True),
    "rebuild": Benchmark(book.bench_rebuild, slow=True),
    "suite": Benchmark(project.bench_suite, slow=True),
    "ci": Benchmark(project.bench_ci),
}
