"""ServerProcess: the local API in a child process started with ``python -m lib.anilist``."""

from __future__ import annotations

import sys

import psutil
import pytest

from lib.anilist.catalogue import KNOWN_TITLES
from lib.anilist.running import ServerProcess
from lib.anilist.server import ServerConfig


def test_server_process_serves_reports_and_reconfigures(query) -> None:
    with ServerProcess(latency=0.0) as server:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.pid is not None and server.pid != psutil.Process().pid
        child = psutil.Process(server.pid)
        assert child.ppid() == psutil.Process().pid
        assert "lib.anilist" in child.cmdline()

        response = query(server.url, 600)
        assert response.status_code == 200
        assert response.json() == {"data": {"Media": {"id": 600, "title": KNOWN_TITLES[600]}}}
        assert query(server.url, 0).status_code == 404

        stats = server.stats()
        assert stats["requests"] == 2
        assert stats["by_status"] == {"200": 1, "404": 1}

        new = server.reconfigure(failure_rate=1.0)
        assert isinstance(new, ServerConfig)
        assert new.failure_rate == 1.0 and new.latency == 0.0
        assert server.config == new
        assert query(server.url, 600).status_code == 500

        server.reset_stats()
        assert server.stats()["requests"] == 0


def test_server_process_bad_reconfigure_raises_value_error() -> None:
    with ServerProcess(latency=0.0) as server:
        before = server.config
        for changes in ({"failure_rate": 2.0}, {"latency": -1}, {"bogus": 1}):
            with pytest.raises(ValueError, match="Bad config"):
                server.reconfigure(**changes)
            assert server.config == before
        assert server.reconfigure() == before, "the server's own config must be unchanged"


def test_server_process_gets_every_knob_on_its_command_line(query) -> None:
    config = ServerConfig(
        latency=0.0, jitter=0.0, seed=42, hang_seconds=7.5, rate_limit=2, rate_window=30.0
    )
    with ServerProcess(config) as server:
        # An empty change returns the config the child parsed from its command line.
        assert server.reconfigure() == config
        assert [query(server.url, 100).status_code for _ in range(3)] == [200, 200, 429]


def test_server_process_leaves_nothing_behind(query, net) -> None:
    server = ServerProcess(latency=0.0)
    with server:
        pid = server.pid
        port = int(server.url.rstrip("/").rsplit(":", 1)[1])
        assert query(server.url, 100).status_code == 200
        assert psutil.pid_exists(pid)

    assert not psutil.pid_exists(pid), "the child process should be gone and reaped"
    assert net.refused(port)
    assert server.pid is None
    assert server.url == ""
    assert "not running" in repr(server)
    server.stop()  # a second stop is harmless


def test_server_process_methods_need_a_running_server() -> None:
    server = ServerProcess()
    for method in (server.stats, server.reset_stats, server.reconfigure):
        with pytest.raises(RuntimeError, match="not running"):
            method()


def test_server_process_start_twice_raises() -> None:
    with ServerProcess(latency=0.0) as server, pytest.raises(RuntimeError, match="already"):
        server.start()


def test_server_process_rejects_bad_knobs_before_starting() -> None:
    with pytest.raises(ValueError):
        ServerProcess(failure_rate=3)
    with pytest.raises(TypeError):
        ServerProcess(ServerConfig(), latency=0.1)


def test_server_process_that_fails_to_start_raises_with_its_output(monkeypatch) -> None:
    command = [sys.executable, "-c", "print('port already in use, sorry')"]
    monkeypatch.setattr(ServerProcess, "_command", lambda self: command)
    server = ServerProcess()
    with pytest.raises(RuntimeError, match="port already in use, sorry"):
        server.start()
    assert server.pid is None


def test_the_server_program_tunes_its_own_garbage_collector() -> None:
    """Only ``python -m lib.anilist`` does this (its main), never a server in this process."""
    import gc

    from lib.anilist.__main__ import YOUNG_COLLECTION_EVERY, tune_garbage_collector

    threshold = gc.get_threshold()
    try:
        tune_garbage_collector()
        assert gc.get_threshold()[0] == YOUNG_COLLECTION_EVERY
        assert gc.get_freeze_count() > 0, "start-up objects are frozen out of collections"
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)
