"""A Dask cluster for the book: a scheduler and workers as real processes on 127.0.0.1.

:class:`LoopbackCluster` starts what a multi-machine deployment runs, ``dask scheduler`` and
``dask worker``, as separate processes that talk TCP over the loopback interface, with no
dashboard and their scratch space in a temporary folder. Leaving its ``with`` block stops
every worker and the scheduler and removes the folder: nothing is left running.

:func:`start_cluster` (or :func:`book_cluster`, its ``with`` form) is what the chapters use:
it connects to the scheduler that ``BOOK_DASK_SCHEDULER`` names (a cluster on other machines)
when that is set (:func:`client_from_env`), and starts a :class:`LoopbackCluster` otherwise.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Self

from distributed import Client

from lib.plumbing.dask_tidy import quiet_distributed, stop_distributed_threads

__all__ = [
    "SCHEDULER_ENV",
    "START_TIMEOUT",
    "Cluster",
    "ClusterError",
    "ExistingCluster",
    "LoopbackCluster",
    "book_cluster",
    "client_from_env",
    "quiet_distributed",
    "scheduler_from_env",
    "start_cluster",
]

SCHEDULER_ENV = "BOOK_DASK_SCHEDULER"  # e.g. tcp://10.0.0.5:8786: use that cluster instead
START_TIMEOUT = 60.0  # seconds for the scheduler and every worker to be ready
STOP_TIMEOUT = 10.0  # seconds a process gets to exit after SIGTERM, before SIGKILL
HOST = "127.0.0.1"
LOOPBACK = f"{HOST}:0"  # even without a dashboard, each process serves /health over HTTP
_QUIET = {"DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "error", "PYTHONWARNINGS": "ignore"}


class ClusterError(RuntimeError):
    """The cluster could not start, or was asked for something it cannot do."""


def scheduler_from_env() -> str | None:
    """The scheduler address in ``BOOK_DASK_SCHEDULER``, or ``None`` when unset or blank."""
    return os.environ.get(SCHEDULER_ENV, "").strip() or None


def client_from_env(timeout: float = START_TIMEOUT) -> Client | None:
    """A client of ``BOOK_DASK_SCHEDULER``'s scheduler (the caller closes it), or ``None``
    when that is unset. Raises OSError if the scheduler is not reached within ``timeout`` s."""
    address = scheduler_from_env()
    if address is None:
        return None
    return _connect(address, timeout)


def _connect(address: str, timeout: float) -> Client:
    quiet_distributed()
    return Client(address, timeout=f"{timeout}s")  # type: ignore[no-untyped-call]


class Cluster:
    """A running cluster: its scheduler's address, clients for it, the workers' names."""

    address: str
    local: bool  # True when this process started the scheduler and workers

    def client(self, timeout: float = START_TIMEOUT) -> Client:
        """A new client of this cluster; close it (``with cluster.client() as client:``).
        Raises OSError if the scheduler cannot be reached within ``timeout`` seconds."""
        return _connect(self.address, timeout)

    def worker_names(self) -> list[str]:
        """The names of the workers connected to the scheduler now, sorted."""
        with self.client() as client:
            workers = client.scheduler_info(n_workers=-1)["workers"].values()
            return sorted(str(info.get("name", info["id"])) for info in workers)

    def kill_worker(self, name: str) -> int:
        """Kill a worker's process (SIGKILL, as in a crash) and return its pid. Raises
        ClusterError for a cluster this process did not start, KeyError for an unknown name."""
        raise ClusterError("only a LoopbackCluster's workers can be killed from here")

    def close(self) -> None:
        """Stop what this process started: for a cluster someone else runs, only the threads
        ``distributed`` may have left here (``lib.plumbing.dask_tidy``); close the clients first."""
        stop_distributed_threads()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class ExistingCluster(Cluster):
    """A cluster someone else runs: only its address is known. Nothing to stop."""

    def __init__(self, address: str) -> None:
        if not address.strip():
            raise ValueError("need a scheduler address such as tcp://10.0.0.5:8786")
        self.address, self.local = address.strip(), False


class LoopbackCluster(Cluster):
    """``dask scheduler`` and ``workers`` x ``dask worker`` as child processes on 127.0.0.1.

    Use it as a context manager (or :meth:`start`, then :meth:`close`): its end stops them all
    (SIGTERM, then SIGKILL after a grace period) and removes the scratch folder. Workers run
    without a nanny, so a killed worker stays dead and the scheduler re-runs its tasks on the
    others.

    Raises:
        ValueError: for fewer than one worker or thread per worker, or a bad timeout.
        ClusterError: (on starting) if a process exits early or is not ready in time.
    """

    def __init__(
        self, workers: int = 2, threads_per_worker: int = 1, timeout: float = START_TIMEOUT
    ) -> None:
        for label, value in (("workers", workers), ("threads_per_worker", threads_per_worker)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{label} must be an int >= 1, got {value!r}")
        if not timeout > 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        self.workers, self.threads_per_worker, self.timeout = workers, threads_per_worker, timeout
        self.local, self.address, self.scratch = True, "", Path()
        self._scheduler: subprocess.Popen[bytes] | None = None
        self._workers: dict[str, subprocess.Popen[bytes]] = {}
        self._files: list[IO[bytes]] = []
        self._started = 0  # workers started so far, killed ones included

    def start(self) -> Self:
        """Start the scheduler and the workers, unless started already; return the cluster.
        Raises ClusterError if one exits early or is late (all are stopped again first)."""
        if self._scheduler is None:
            self.scratch = Path(tempfile.mkdtemp(prefix="book-dask-"))
            try:
                self._start()
            except BaseException:
                self.close()
                raise
        return self

    def __enter__(self) -> Self:
        return self.start()

    def _spawn(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        log = open(self.scratch / f"{name}.log", "wb")  # noqa: SIM115 (closed in close())
        # This working directory (tasks import from the same places); ended with this process.
        process = subprocess.Popen(
            [sys.executable, "-m", "lib.plumbing.parent_watch", *args],
            stdin=subprocess.PIPE,  # kept open, never written: it closes when this process ends
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **_QUIET, "DASK_TEMPORARY_DIRECTORY": str(self.scratch)},
        )
        self._files += [log, process.stdin] if process.stdin else [log]
        return process

    def _start(self) -> None:
        deadline = time.monotonic() + self.timeout
        scheduler_file = self.scratch / "scheduler.json"
        self._scheduler = self._spawn(
            "scheduler",
            "distributed.cli.dask_scheduler",
            *("--host", HOST, "--port", "0", "--no-dashboard", "--dashboard-address", LOOPBACK),
            *("--scheduler-file", str(scheduler_file)),
        )
        while not self._read_address(scheduler_file):
            self._check_alive("scheduler", self._scheduler, deadline)
            time.sleep(0.05)
        for _ in range(self.workers):
            self._spawn_worker()
        self._wait_for_workers(deadline)

    def _spawn_worker(self) -> str:
        name = f"worker-{self._started + 1}"
        self._started += 1
        self._workers[name] = self._spawn(
            name,
            "distributed.cli.dask_worker",
            self.address,
            *("--name", name, "--nthreads", str(self.threads_per_worker)),
            *("--no-nanny", "--no-dashboard", "--dashboard-address", LOOPBACK, "--host", HOST),
            *("--local-directory", str(self.scratch), "--death-timeout", "60"),
        )
        return name

    def _wait_for_workers(self, deadline: float) -> None:
        with self.client(max(deadline - time.monotonic(), 1.0)) as client:
            while len(client.scheduler_info(n_workers=-1)["workers"]) < len(self.worker_pids()):
                for name, process in self._workers.items():
                    self._check_alive(name, process, deadline)
                time.sleep(0.05)

    def _read_address(self, scheduler_file: Path) -> bool:
        with contextlib.suppress(OSError, ValueError):
            self.address = str(json.loads(scheduler_file.read_text())["address"])
        return bool(self.address)

    def _check_alive(self, name: str, process: subprocess.Popen[bytes], deadline: float) -> None:
        if process.poll() is not None:
            log = (self.scratch / f"{name}.log").read_text(errors="replace")[-1500:]
            raise ClusterError(f"the {name} exited with {process.returncode}:\n{log}")
        if time.monotonic() > deadline:
            raise ClusterError(f"the {name} was not ready within {self.timeout} s")

    def worker_pids(self) -> dict[str, int]:
        """Each running worker's name and process id."""
        return {n: p.pid for n, p in self._workers.items() if p.poll() is None}

    def add_worker(self) -> str:
        """Start one more worker, wait until the scheduler knows it, and return its name.
        Raises ClusterError if the cluster is not running, or the worker is not ready in time."""
        if self._scheduler is None or self._scheduler.poll() is not None:
            raise ClusterError("the cluster is not running")
        name = self._spawn_worker()
        self._wait_for_workers(time.monotonic() + self.timeout)
        return name

    def kill_worker(self, name: str) -> int:
        """Kill a worker's process with SIGKILL, as a crash would, and return its pid.
        Raises KeyError if no running worker of this cluster has that name."""
        if name not in self._workers:
            raise KeyError(f"no running worker {name!r}: they are {sorted(self._workers)}")
        process = self._workers.pop(name)  # gone for good: no nanny restarts it
        process.kill()
        process.wait(STOP_TIMEOUT)
        return process.pid

    def close(self) -> None:
        """Stop every worker, then the scheduler, remove the scratch folder, and stop the
        threads ``distributed`` may have left here (close the clients first). Idempotent."""
        # Workers first, so they leave the scheduler cleanly; then the scheduler.
        _stop(list(self._workers.values()))
        _stop([self._scheduler] if self._scheduler is not None else [])
        self._workers.clear()
        self._scheduler = None
        for file in self._files:  # logs, and pipes whose closing would end a process
            file.close()
        self._files.clear()
        if self.scratch != Path():
            shutil.rmtree(self.scratch, ignore_errors=True)
        stop_distributed_threads()


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    """SIGTERM each process still running, wait, then SIGKILL what has not exited."""
    for process in (p for p in processes if p.poll() is None):
        process.terminate()
    for process in processes:
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)


def start_cluster(
    workers: int = 2, threads_per_worker: int = 1, timeout: float = START_TIMEOUT
) -> Cluster:
    """The chapters' cluster, started: ``BOOK_DASK_SCHEDULER``'s when set, else a new
    :class:`LoopbackCluster` of ``workers`` workers with ``threads_per_worker`` threads each.
    Call ``.close()`` at the end (or use :func:`book_cluster`).

    Raises:
        ValueError: for bad sizes (local cluster).
        ClusterError: if the local cluster cannot start within ``timeout`` seconds.
    """
    address = scheduler_from_env()
    if address is not None:
        return ExistingCluster(address)
    return LoopbackCluster(workers, threads_per_worker, timeout).start()


@contextlib.contextmanager
def book_cluster(
    workers: int = 2, threads_per_worker: int = 1, timeout: float = START_TIMEOUT
) -> Iterator[Cluster]:
    """:func:`start_cluster` as a ``with`` block: a local cluster is stopped at its end, an
    existing one (``BOOK_DASK_SCHEDULER``) is left running as it was found. Raises as
    :func:`start_cluster` does."""
    with start_cluster(workers, threads_per_worker, timeout) as cluster:
        yield cluster
