"""Binding: the local server listens on loopback only, unless the caller explicitly opts in.

The tests that do bind every interface (0.0.0.0) close the socket at once and send traffic to
127.0.0.1 only: nothing here ever talks to an address off this machine.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from lib.anilist.__main__ import parse_args, parse_command_line
from lib.anilist.guards import check_bind_host, connect_host, is_loopback
from lib.anilist.running import LocalAniList, ServerProcess
from lib.anilist.server import (
    HOST,
    ServerConfig,
    ServerState,
    start_site,
    stop_site,
)

pytestmark = pytest.mark.timeout(60)
REPO_ROOT = Path(__file__).resolve().parents[2]
REMOTE = ["0.0.0.0", "::", "", "192.168.1.10", "10.0.0.1", "8.8.8.8", "example.com", "2001:db8::1"]


def listening_addresses(pid: int, port: int) -> set[str]:
    """The local IPs that process ``pid`` listens on at ``port``."""
    return {
        conn.laddr.ip
        for conn in psutil.Process(pid).net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port
    }


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "127.255.255.254", "::1", "localhost"])
def test_loopback_addresses_are_allowed(host) -> None:
    assert is_loopback(host)
    assert check_bind_host(host) == host


@pytest.mark.parametrize("host", REMOTE)
def test_anything_else_is_refused_by_default(host) -> None:
    assert not is_loopback(host)
    with pytest.raises(ValueError, match="loopback only"):
        check_bind_host(host)


@pytest.mark.parametrize("host", REMOTE)
def test_anything_else_is_allowed_when_asked_explicitly(host) -> None:
    assert check_bind_host(host, allow_remote=True) == host


def test_the_default_host_is_loopback() -> None:
    assert HOST == "127.0.0.1"


@pytest.mark.parametrize(
    ("host", "expected"),
    [("0.0.0.0", "127.0.0.1"), ("::", "127.0.0.1"), ("127.0.0.1", "127.0.0.1"), ("::1", "[::1]")],
)
def test_local_clients_reach_a_wildcard_server_through_loopback(host, expected) -> None:
    assert connect_host(host) == expected


# --- LocalAniList -----------------------------------------------------------------------------


def test_local_anilist_refuses_every_interface_before_starting_a_thread() -> None:
    with pytest.raises(ValueError, match="allow_remote"):
        LocalAniList(host="0.0.0.0")


def test_start_site_refuses_every_interface() -> None:
    async def start() -> None:
        await start_site(ServerState(ServerConfig(latency=0.0)), host="0.0.0.0")

    with pytest.raises(ValueError, match="loopback only"):
        asyncio.run(start())


def test_start_site_binds_loopback_by_default() -> None:
    async def bound() -> set[str]:
        state = ServerState(ServerConfig(latency=0.0))
        runner, port = await start_site(state)
        try:
            return listening_addresses(psutil.Process().pid, port)
        finally:
            await stop_site(state, runner)

    assert asyncio.run(bound()) == {"127.0.0.1"}


def test_local_anilist_binds_every_interface_only_when_asked(query) -> None:
    with LocalAniList(latency=0.0, host="0.0.0.0", allow_remote=True) as server:
        port = server.port
        assert listening_addresses(psutil.Process().pid, port) == {"0.0.0.0"}
        assert server.url == f"http://127.0.0.1:{port}/"  # reached through loopback only
        assert query(server.url, 100).status_code == 200
    assert listening_addresses(psutil.Process().pid, port) == set()


# --- ServerProcess and the command line ---------------------------------------------------------


def test_server_process_refuses_every_interface_before_starting() -> None:
    with pytest.raises(ValueError, match="allow_remote"):
        ServerProcess(host="0.0.0.0")


def test_server_process_binds_loopback_by_default() -> None:
    with ServerProcess(latency=0.0) as server:
        port = int(server.url.rstrip("/").rsplit(":", 1)[1])
        assert listening_addresses(server.pid, port) == {"127.0.0.1"}


def test_server_process_binds_every_interface_only_when_asked(query) -> None:
    with ServerProcess(latency=0.0, host="0.0.0.0", allow_remote=True) as server:
        port = int(server.url.rstrip("/").rsplit(":", 1)[1])
        assert server.url == f"http://127.0.0.1:{port}/"
        assert listening_addresses(server.pid, port) == {"0.0.0.0"}
        assert query(server.url, 200).status_code == 200


def test_command_line_defaults_to_loopback() -> None:
    command = parse_command_line([])
    assert (command.host, command.allow_remote) == ("127.0.0.1", False)
    assert parse_args(["--host", "127.0.0.1"])[1] == 0


def test_command_line_refuses_every_interface_without_the_flag(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parse_command_line(["--host", "0.0.0.0"])
    assert exit_info.value.code == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_command_line_allows_every_interface_with_the_flag() -> None:
    command = parse_command_line(["--host", "0.0.0.0", "--allow-remote"])
    assert (command.host, command.allow_remote) == ("0.0.0.0", True)


def test_module_refuses_to_start_on_every_interface() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lib.anilist", "--host", "0.0.0.0"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "loopback only" in result.stderr
    assert "serving on" not in result.stdout
