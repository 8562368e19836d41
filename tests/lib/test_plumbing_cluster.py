"""lib.plumbing.cluster: a real scheduler and workers on 127.0.0.1, nothing left after."""

from __future__ import annotations

import os
import threading

import psutil
import pytest

from lib.plumbing.cluster import (
    SCHEDULER_ENV,
    ClusterError,
    ExistingCluster,
    LoopbackCluster,
    book_cluster,
    client_from_env,
    scheduler_from_env,
)
from lib.plumbing.dask_tidy import stop_distributed_threads
from tests.plugins.leaks import listening_sockets, nothing_left_behind


def _runs_dask(process: psutil.Process) -> bool:
    """Whether ``process`` runs a ``dask scheduler`` or ``dask worker`` program."""
    try:
        return any("distributed.cli.dask_" in part for part in process.cmdline())
    except psutil.Error:  # gone, or a zombie
        return False


# Tasks are built-ins: pytest imports this file as a top-level module the workers cannot import.
def test_a_loopback_cluster_runs_tasks_and_leaves_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SCHEDULER_ENV, raising=False)
    with nothing_left_behind(grace=5.0), book_cluster(workers=2) as cluster:
        assert isinstance(cluster, LoopbackCluster) and cluster.local
        assert cluster.address.startswith("tcp://127.0.0.1:")
        scratch = cluster.scratch
        assert scratch.is_dir()
        assert cluster.worker_names() == ["worker-1", "worker-2"]
        pids = cluster.worker_pids()
        assert all(psutil.Process(pid).ppid() == os.getpid() for pid in pids.values())
        # Only the cluster's own programs: under xdist this process may have other children.
        everyone = [child.pid for child in psutil.Process().children() if _runs_dask(child)]
        assert len(everyone) == 3, everyone  # the scheduler and two workers
        assert set(pids.values()) < set(everyone)
        sockets = listening_sockets(everyone)
        assert sockets and {ip for _, ip, _ in sockets} == {"127.0.0.1"}  # loopback only
        with cluster.client() as client:
            assert client.gather(client.map(pow, range(10), [2] * 10)) == [x * x for x in range(10)]
            with client.get_executor() as executor:
                assert list(executor.map(abs, [3, -4])) == [3, 4]
    assert not scratch.exists()


def test_a_killed_worker_is_gone_and_the_rest_carry_on() -> None:
    with nothing_left_behind(grace=5.0), LoopbackCluster(workers=2) as cluster:
        pid = cluster.kill_worker("worker-1")
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie"
        assert list(cluster.worker_pids()) == ["worker-2"]
        with cluster.client() as client:
            assert client.submit(pow, 7, 2).result(timeout=30) == 49
        with pytest.raises(KeyError, match="worker-9"):
            cluster.kill_worker("worker-9")


def test_the_environment_variable_names_an_existing_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SCHEDULER_ENV, "  tcp://10.0.0.5:8786 ")
    assert scheduler_from_env() == "tcp://10.0.0.5:8786"
    with book_cluster() as cluster:  # nothing is started for an existing cluster
        assert isinstance(cluster, ExistingCluster) and not cluster.local
        assert cluster.address == "tcp://10.0.0.5:8786"
        with pytest.raises(ClusterError):
            cluster.kill_worker("worker-1")
    monkeypatch.setenv(SCHEDULER_ENV, " ")
    assert scheduler_from_env() is None and client_from_env() is None


def test_client_from_env_connects_to_that_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    with nothing_left_behind(grace=5.0), LoopbackCluster(workers=1) as cluster:
        monkeypatch.setenv(SCHEDULER_ENV, cluster.address)
        client = client_from_env()
        assert client is not None
        with client:
            assert client.submit(pow, 5, 2).result(timeout=30) == 25


def test_bad_sizes_are_refused() -> None:
    for bad in ({"workers": 0}, {"threads_per_worker": 1.5}, {"timeout": 0}):
        with pytest.raises(ValueError):
            LoopbackCluster(**bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ExistingCluster(" ")


def test_closing_stops_the_threads_distributed_leaves_behind() -> None:
    with nothing_left_behind(grace=5.0), LoopbackCluster(workers=1) as cluster:
        with cluster.client() as client:
            big = client.scatter(bytes(12_000_000))  # above distributed's offload threshold
            done = threading.Event()
            future = client.submit(len, big)
            future.add_done_callback(lambda _: done.set())  # on distributed's callback thread
            assert future.result(timeout=30) == 12_000_000 and done.wait(10)
            del big, future
        names = {thread.name for thread in threading.enumerate()}
        assert {"Dask-Offload_0", "Dask-Callback-Thread_0"} <= names
    assert stop_distributed_threads() == []  # nothing left to stop
