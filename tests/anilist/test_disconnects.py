"""A client that hangs up mid-request is normal: a count and short lines, no traceback.

Held against hundreds of clients that send half a body and hang up, the server stays up,
serves everyone else, counts each in ``stats()["disconnected"]`` and logs them without a
traceback, a burst in a few lines (their rules: ``test_server_log.py``), in a thread of this
process (:class:`LocalAniList`) as in a process of its own.
"""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
import requests

from lib.anilist.clients import request_body
from lib.anilist.running import STOP_TIMEOUT, LocalAniList, ServerProcess

BODY = json.dumps(request_body(100)).encode()
HEAD = (
    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    f"Content-Length: {len(BODY)}\r\n\r\n"
).encode()


def hang_up(url: str, clients: int, whole_body: bool = False) -> None:
    """``clients`` connections each send a request's head and half its body (or all of it),
    then close; the server must notice every one."""
    host, port = url.split("//")[1].rstrip("/").rsplit(":", 1)
    sent = BODY if whole_body else BODY[: len(BODY) // 2]
    sockets = []
    try:
        for _ in range(clients):
            sock = socket.create_connection((host, int(port)), timeout=5)
            sockets.append(sock)
            sock.sendall(HEAD + sent)
        time.sleep(0.2)  # the handlers are waiting for the rest of the body (or the latency)
    finally:
        for sock in sockets:
            sock.close()


def wait_for(server: LocalAniList | ServerProcess, disconnected: int) -> dict[str, object]:
    deadline = time.monotonic() + 10
    stats = server.stats()
    while stats["disconnected"] < disconnected and time.monotonic() < deadline:
        time.sleep(0.05)
        stats = server.stats()
    return stats


def still_serving(url: str) -> None:
    with requests.Session() as session:
        answer = session.post(url, json=request_body(600), timeout=5)
    assert answer.status_code == 200


@pytest.mark.parametrize("clients", [50, 300])
def test_thread_server_counts_half_bodies_in_a_few_short_lines(clients: int, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with LocalAniList(latency=0.0) as server:
        hang_up(server.url, clients)
        stats = wait_for(server, clients)
        still_serving(server.url)
        stats = server.stats()
    assert stats["disconnected"] == clients
    assert stats["by_status"] == {"200": 1}, "a client that went away is not an answer"
    assert stats["in_flight"] == 0
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a client gone"
    lines = [r.getMessage() for r in caplog.records if r.name == "lib.anilist.server"]
    assert 1 <= len(lines) < 10, "a burst is summarised"
    assert all("hung up mid-request" in line and "\n" not in line for line in lines)
    assert lines[-1].endswith(f"({clients} so far)"), "no count is lost when the server stops"


def test_a_client_that_leaves_during_the_latency_is_counted(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    with LocalAniList(latency=0.4) as server:
        hang_up(server.url, 20, whole_body=True)
        stats = wait_for(server, 20)
    assert stats["disconnected"] == 20 and stats["by_status"] == {}
    assert not [r for r in caplog.records if r.exc_info]


def test_reset_stats_clears_the_count() -> None:
    with LocalAniList(latency=0.0) as server:
        hang_up(server.url, 5)
        assert wait_for(server, 5)["disconnected"] == 5
        server.reset_stats()
        assert server.stats()["disconnected"] == 0


def test_process_server_counts_them_too() -> None:
    with ServerProcess(latency=0.0) as server:
        hang_up(server.url, 200)
        stats = wait_for(server, 200)
        still_serving(server.url)
    assert stats["disconnected"] == 200 and stats["in_flight"] == 0


def test_the_program_writes_a_few_short_lines_and_no_traceback(anilist_program) -> None:
    """``python -m lib.anilist`` itself, with its output read to the end: 500 clients."""
    program = anilist_program("--latency", "0")
    url = program.stdout.readline().removeprefix("serving on ").strip()
    hang_up(url, 500)
    still_serving(url)
    time.sleep(0.3)
    program.terminate()
    output, _ = program.communicate(timeout=STOP_TIMEOUT)
    lines = output.splitlines()
    assert "Traceback" not in output
    assert 1 <= len(lines) < 10, lines[:5]
    assert all(" hung up mid-request " in line for line in lines)
    assert lines[-1].endswith("(500 so far)")
