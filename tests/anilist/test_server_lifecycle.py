"""The local API's life: it listens on loopback only, leaves no thread or socket behind, starts
and stops as often as asked; and ``python -m lib.anilist``, its command line."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading

import aiohttp
import pytest
import requests

from lib.anilist.__main__ import parse_args
from lib.anilist.catalogue import KNOWN_TITLES
from lib.anilist.clients import MEDIA_QUERY
from lib.anilist.running import LocalAniList
from lib.anilist.server import ServerConfig

# --- sockets, threads and shutdown --------------------------------------------------------


def test_listens_on_loopback_only(server, net) -> None:
    listeners = net.listening(server.port)
    assert listeners, "no listening socket found for the server's port"
    assert {ip for _, ip, _ in listeners} == {"127.0.0.1"}
    assert server.url == f"http://127.0.0.1:{server.port}/"


def server_threads() -> int:
    return sum(1 for thread in threading.enumerate() if thread.name == "local-anilist")


def test_with_block_leaves_no_thread_and_no_socket(query, net) -> None:
    before = server_threads()
    with LocalAniList(latency=0.0) as server:
        assert server_threads() == before + 1
        port = server.port
        thread = server._thread
        assert thread is not None and thread.name == "local-anilist" and thread.is_alive()
        assert query(server.url, 100).status_code == 200

    assert not thread.is_alive()
    assert thread not in threading.enumerate()
    assert server_threads() == before
    assert net.refused(port)
    assert net.listening(port) == []
    assert server.port is None


def test_stop_is_safe_twice_and_before_start() -> None:
    never_started = LocalAniList()
    never_started.stop()
    server = LocalAniList().start()
    server.stop()
    server.stop()
    assert server.port is None


def test_url_before_start_and_after_stop_raises() -> None:
    server = LocalAniList()
    with pytest.raises(RuntimeError, match="not running"):
        _ = server.url
    assert "not running" in repr(server)
    with server:
        assert server.url in repr(server)
    with pytest.raises(RuntimeError):
        _ = server.url


def test_start_twice_raises(server) -> None:
    with pytest.raises(RuntimeError, match="already running"):
        server.start()


def test_server_can_be_restarted_after_stop(query) -> None:
    server = LocalAniList(latency=0.0)
    with server:
        first_port = server.port
        assert query(server.url, 100).status_code == 200
    with server:
        assert server.port is not None
        assert query(server.url, 100).status_code == 200
    assert first_port is not None


def test_aiohttp_client_gets_the_same_answer(server) -> None:
    async def fetch() -> tuple[int, dict]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(server.url, json={"query": MEDIA_QUERY, "variables": {"id": 300}}) as r,
        ):
            return r.status, await r.json()

    status, payload = asyncio.run(fetch())
    assert status == 200
    assert payload == {"data": {"Media": {"id": 300, "title": KNOWN_TITLES[300]}}}


# --- command line -------------------------------------------------------------------------


def test_parse_args_reads_every_knob() -> None:
    config, port = parse_args(
        [
            "--port", "8080", "--latency", "0.5", "--jitter", "0.1", "--seed", "9",
            "--failure-rate", "0.25", "--hang-rate", "0.5", "--hang-seconds", "2",
            "--rate-limit", "90", "--rate-window", "30",
        ]
    )  # fmt: skip
    assert port == 8080
    assert config == ServerConfig(
        latency=0.5,
        jitter=0.1,
        seed=9,
        failure_rate=0.25,
        hang_rate=0.5,
        hang_seconds=2.0,
        rate_limit=90,
        rate_window=30.0,
    )


def test_parse_args_defaults() -> None:
    assert parse_args([]) == (ServerConfig(), 0)


@pytest.mark.parametrize(
    "argv",
    [
        ["--failure-rate", "2"],
        ["--hang-rate", "-0.5"],
        ["--port", "70000"],
        ["--port", "-1"],
        ["--latency", "-0.1"],
        ["--latency", "fast"],
        ["--rate-limit", "0"],
        ["--rate-window", "0"],
        ["--seed", "1.5"],
        ["--unknown-flag"],
    ],
)
def test_parse_args_rejects_bad_input(argv, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_args(argv)
    assert exit_info.value.code == 2
    assert "error" in capsys.readouterr().err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM handling is POSIX-only")
def test_module_serves_and_exits_cleanly_on_sigterm(net, anilist_program) -> None:
    process = anilist_program("--latency", "0", env={**os.environ, "PYTHONWARNINGS": "error"})
    line = process.stdout.readline()
    assert line.startswith("serving on http://127.0.0.1:"), line
    port = int(line.rstrip().rstrip("/").rsplit(":", 1)[1])
    with requests.Session() as session:
        response = session.get(f"http://127.0.0.1:{port}/health", timeout=5)
    assert response.json() == {"status": "ok", "loop": "asyncio"}
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=5) == 0, "SIGTERM should end the server cleanly"
    assert net.refused(port)
