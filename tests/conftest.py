"""Shared fixtures for the unit tests of ``lib/``.

Servers are started per test (a LocalAniList starts in a few milliseconds) and always stopped,
so no thread, socket or process outlives the test that made it.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: no windows, no GUI toolkit

import psutil
import pytest
import requests

from lib.anilist.clients import MEDIA_QUERY
from lib.anilist.running import LocalAniList
from tests.plugins.leaks import listening_sockets


@pytest.fixture
def make_server() -> Iterator[Callable[..., LocalAniList]]:
    """Start LocalAniList servers with the given knobs; every one is stopped after the test."""
    servers: list[LocalAniList] = []

    def start(**knobs: Any) -> LocalAniList:
        knobs.setdefault("latency", 0.0)
        server = LocalAniList(**knobs).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., LocalAniList]) -> LocalAniList:
    """A running server with no latency, failures, hangs or rate limit."""
    return make_server()


@pytest.fixture
def query() -> Callable[..., requests.Response]:
    """POST an AniList request for one id (or a raw body) and return the response.

    A fresh session per call is closed before returning, so no socket is left open.
    """

    def send(
        url: str,
        media_id: Any = None,
        *,
        body: Any = None,
        raw: bytes | None = None,
        timeout: float = 5.0,
    ) -> requests.Response:
        with requests.Session() as session:
            if raw is not None:
                return session.post(
                    url, data=raw, headers={"Content-Type": "application/json"}, timeout=timeout
                )
            if body is None:
                body = {"query": MEDIA_QUERY, "variables": {"id": media_id}}
            return session.post(url, json=body, timeout=timeout)

    return send


def listening_on(port: int) -> list[tuple[int, str, int]]:
    """This process's sockets in state LISTEN on ``port``, as (pid, ip, port)."""
    return sorted(found for found in listening_sockets([os.getpid()]) if found[2] == port)


def connection_refused(port: int) -> bool:
    """True when nothing accepts a TCP connection on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0):
            return False
    except ConnectionRefusedError:
        return True


def client_connections_to(port: int) -> list[Any]:
    """This process's ESTABLISHED client-side sockets whose remote end is ``port``."""
    return [
        conn
        for conn in psutil.Process().net_connections(kind="tcp")
        if conn.status == psutil.CONN_ESTABLISHED and conn.raddr and conn.raddr.port == port
    ]


@pytest.fixture
def net() -> Any:
    """Socket inspection helpers, as a fixture so test modules need not import conftest."""

    class Net:
        listening = staticmethod(listening_on)
        refused = staticmethod(connection_refused)
        clients_to = staticmethod(client_connections_to)

        @staticmethod
        def free_port() -> int:
            """A port that nothing listens on (bound, then released)."""
            with contextlib.closing(socket.socket()) as sock:
                sock.bind(("127.0.0.1", 0))
                return sock.getsockname()[1]

    return Net
