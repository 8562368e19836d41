"""What the server logs about hostile clients: one line each, bursts summarised, no tracebacks.

Real hostile input against real servers, in a thread (the log captured with ``caplog``) and in
a process of its own (:attr:`ServerProcess.output`, its standard error): a 100 KB header and
other broken HTTP, and 600 clients hanging up mid-request. A bug in a handler keeps its
traceback. The summary's rules themselves are checked on :class:`HangUpSummary` alone.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import re
import socket
import sys
import time

import pytest
import requests
from aiohttp.http_exceptions import (
    BadHttpMessage,
    BadStatusLine,
    HttpProcessingError,
    InvalidHeader,
    LineTooLong,
)

from lib.anilist import server as server_module
from lib.anilist.clients import request_body
from lib.anilist.running import LocalAniList, ServerProcess
from lib.anilist.server_log import HTTP_LOG, HangUpSummary, OneLineForBadRequests, describe
from tests.plugins.raw_http import raw_exchange

TIMEOUT = 5.0
BIG_HEADER = b"POST / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n"
BROKEN_HTTP = [
    pytest.param(BIG_HEADER, "LineTooLong", id="100 KB header"),
    pytest.param(b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n", "LineTooLong", id="100 KB URL"),
    pytest.param(b"HELLO\r\n\r\n", "BadHttpMethod", id="garbage request line"),
    pytest.param(b"GET / HTTP/9.9\r\n\r\n", "BadStatusLine", id="unknown version"),
    pytest.param(b"POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", "BadHttpMessage", id="length"),
    pytest.param(b"GET / HTTP/1.1\r\nBad Header\r\n\r\n", "BadHttpMessage", id="header token"),
]
BODY = json.dumps(request_body(100)).encode()
HALF_REQUEST = (
    "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    f"Content-Length: {len(BODY)}\r\n\r\n"
).encode() + BODY[: len(BODY) // 2]
ONE = re.compile(r"client 127\.0\.0\.1 hung up mid-request \((\d+) so far\)")
SOME = re.compile(r"(\d+) more clients? hung up mid-request in the last \d+\.\d s \((\d+) so far\)")


def port_of(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def exchange(port: int, data: bytes) -> bytes:
    return raw_exchange(port, data, TIMEOUT)


def assert_refused_with_a_400(port: int, data: bytes) -> None:
    reply = exchange(port, data)
    assert re.match(rb"HTTP/1\.[01] 400 ", reply), reply[:200]
    with requests.Session() as session:  # and the server still serves
        good = session.post(f"http://127.0.0.1:{port}/", json=request_body(600), timeout=TIMEOUT)
    assert good.status_code == 200


def hang_up_in_bursts(port: int, bursts: int = 3, clients: int = 200, pause: float = 0.6) -> None:
    """``bursts`` times: ``clients`` connections each send half a request and close."""
    for burst in range(bursts):
        if burst:
            time.sleep(pause)
        sockets = []
        try:
            for _ in range(clients):
                sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
                sockets.append(sock)
                sock.sendall(HALF_REQUEST)
            time.sleep(0.2)  # the handlers are waiting for the rest of the body
        finally:
            for sock in sockets:
                sock.close()


def wait_for_disconnected(server: LocalAniList | ServerProcess, count: int) -> int:
    deadline = time.monotonic() + 30
    while (seen := server.stats()["disconnected"]) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return int(seen)


def hang_up_counts(lines: list[str]) -> list[tuple[int, int]]:
    """(clients, so far) for each hang-up line; fails on any other kind of line."""
    counts = []
    for line in lines:
        one, some = ONE.fullmatch(line), SOME.fullmatch(line)
        assert one or some, f"not a hang-up line: {line!r}"
        counts.append((1, int(one[1])) if one else (int(some[1]), int(some[2])))
    return counts


def assert_summarised(lines: list[str], clients: int) -> None:
    counts = hang_up_counts(lines)
    assert 2 <= len(lines) <= 10, lines  # a line a second at most, whatever the machine's speed
    assert sum(n for n, _ in counts) == clients, lines
    assert counts[-1][1] == clients, "the last line has the exact count"
    assert [so_far for _, so_far in counts] == sorted(so_far for _, so_far in counts)


# --- malformed requests -----------------------------------------------------------------------


@pytest.mark.parametrize(("data", "error"), BROKEN_HTTP)
def test_thread_server_logs_a_malformed_request_in_one_line(make_server, caplog, data, error):
    caplog.set_level(logging.DEBUG)
    server = make_server()
    assert_refused_with_a_400(port_of(server.url), data)
    server.stop()
    http = [r for r in caplog.records if r.name.startswith(("aiohttp", "lib.anilist"))]
    assert len(http) == 1, [r.getMessage() for r in http]
    line = http[0].getMessage()
    assert re.fullmatch(rf"bad request from 127\.0\.0\.1: [\w -]+ \({error}, 400\)", line), line
    assert http[0].name == HTTP_LOG.name and http[0].levelno <= logging.WARNING
    assert not [r for r in caplog.records if r.exc_info]
    assert "Traceback" not in caplog.text


def test_process_server_logs_a_100_kb_header_in_one_line() -> None:
    with ServerProcess(latency=0.0) as server:
        assert_refused_with_a_400(port_of(server.url), BIG_HEADER)
    assert server.output == [
        "bad request from 127.0.0.1: got more than 8190 bytes when reading (LineTooLong, 400)"
    ]


def test_a_bug_in_a_handler_keeps_its_traceback(make_server, caplog, monkeypatch) -> None:
    def broken(media_id: int) -> bytes:
        raise ZeroDivisionError("a bug in the server")

    monkeypatch.setattr(server_module, "media_answer", broken)
    server = make_server()
    with requests.Session() as session:
        answer = session.post(server.url, json=request_body(600), timeout=TIMEOUT)
    server.stop()
    assert answer.status_code == 500
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.name == HTTP_LOG.name and record.levelno == logging.ERROR
    assert "Traceback" in caplog.text and "ZeroDivisionError: a bug in the server" in caplog.text


def test_aiohttp_own_logger_is_left_alone(make_server) -> None:
    """Other aiohttp servers in the process keep aiohttp's reports as they are."""
    make_server()
    assert logging.getLogger("aiohttp.server").filters == []
    record = logging.LogRecord("aiohttp.server", logging.ERROR, __file__, 1, "x", (), None)
    assert OneLineForBadRequests().filter(record) and record.msg == "x"


def test_only_a_clients_mistake_is_shortened() -> None:
    """A 4xx from the parser is one line and a WARNING; a 5xx keeps its traceback."""
    for code, shortened in ((400, True), (413, True), (500, False)):
        error = HttpProcessingError(code=code, message="What: b'x'")
        info = (type(error), error, None)
        args = ("127.0.0.1",)
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Error from %s", args, info)
        assert OneLineForBadRequests().filter(record)
        assert (record.exc_info is None) is shortened
        assert (record.levelno == logging.WARNING) is shortened
        if shortened:
            said = f"bad request from 127.0.0.1: what (HttpProcessingError, {code})"
            assert record.getMessage() == said


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (LineTooLong(b"a\r\nForged: yes" * 10, 8190), "got more than 8190 bytes when reading"),
        (BadStatusLine("GARBAGE\nForged"), "bad status line"),
        (InvalidHeader(b"X\r\nForged: yes"), "invalid HTTP header"),
        (BadHttpMessage("Invalid header token:\n\n  b'Bad Header'\n   ^"), "invalid header token"),
        (BadHttpMessage("'quoted from the start'"), "BadHttpMessage"),
        (BadHttpMessage("x" * 500), "x" * 80),
    ],
)
def test_describe_never_repeats_what_the_client_sent(error, said) -> None:
    assert describe(error) == said


# --- clients hanging up -------------------------------------------------------------------------


def test_thread_server_summarises_600_hang_ups(make_server, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    server = make_server(latency=1.0)
    hang_up_in_bursts(port_of(server.url))
    assert wait_for_disconnected(server, 600) == 600
    stats = server.stats()
    server.stop()  # flushes what is still counted
    assert stats["disconnected"] == 600 and stats["in_flight"] == 0
    records = [r for r in caplog.records if r.name == "lib.anilist.server"]
    assert_summarised([r.getMessage() for r in records], 600)
    assert not [r for r in caplog.records if r.exc_info]
    # The lines come a second apart at least; only the last, written on stopping, may be sooner.
    gaps = [later.created - earlier.created for earlier, later in itertools.pairwise(records)]
    assert all(gap >= 0.9 for gap in gaps[:-1]), gaps


@pytest.mark.skipif(
    sys.platform == "win32", reason="terminate() ends the process there before its last summary"
)
def test_process_server_summarises_600_hang_ups() -> None:
    with ServerProcess(latency=1.0) as server:
        hang_up_in_bursts(port_of(server.url))
        assert wait_for_disconnected(server, 600) == 600
        assert server.stats()["disconnected"] == 600
    assert "Traceback" not in "\n".join(server.output)
    assert_summarised(server.output, 600)


def test_a_burst_after_a_quiet_interval_starts_with_a_line_of_its_own(make_server, caplog):
    caplog.set_level(logging.DEBUG)
    server = make_server(latency=1.0)
    port = port_of(server.url)
    hang_up_in_bursts(port, bursts=1, clients=5)
    wait_for_disconnected(server, 5)
    time.sleep(2.5)  # the summary of the first burst is out, and a quiet second has passed
    hang_up_in_bursts(port, bursts=1, clients=5)
    wait_for_disconnected(server, 10)
    server.stop()
    lines = [r.getMessage() for r in caplog.records if r.name == "lib.anilist.server"]
    counts = hang_up_counts(lines)
    assert sum(n for n, _ in counts) == 10
    assert [line for line in lines if ONE.fullmatch(line)] == [
        "client 127.0.0.1 hung up mid-request (1 so far)",
        "client 127.0.0.1 hung up mid-request (6 so far)",
    ]


# --- the summary on its own ---------------------------------------------------------------------


def summary_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "test.hang_ups"]


def test_summary_logs_the_first_at_once_and_counts_the_rest(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    summary = HangUpSummary(logging.getLogger("test.hang_ups"), interval=60.0)

    async def burst() -> None:
        for so_far in range(1, 5):
            summary.client_gone("127.0.0.1", so_far)
        assert summary_lines(caplog) == ["client 127.0.0.1 hung up mid-request (1 so far)"]
        summary.close()  # the server stops long before the minute is out
        summary.close()  # nothing more to say

    asyncio.run(burst())
    assert len(summary_lines(caplog)) == 2
    assert SOME.fullmatch(summary_lines(caplog)[1])
    assert summary_lines(caplog)[1].startswith("3 more clients hung up")
    assert summary_lines(caplog)[1].endswith("(4 so far)")


def test_summary_writes_its_line_when_the_interval_is_over(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    summary = HangUpSummary(logging.getLogger("test.hang_ups"), interval=0.5)

    async def two() -> None:
        summary.client_gone("127.0.0.1", 1)
        summary.client_gone("127.0.0.1", 2)
        await asyncio.sleep(1.5)  # the timer has fired, without a close()

    asyncio.run(two())
    first, second = summary_lines(caplog)
    assert first == "client 127.0.0.1 hung up mid-request (1 so far)"
    assert SOME.fullmatch(second) and second.startswith("1 more client hung up")
    assert second.endswith("(2 so far)")


def test_summary_needs_a_positive_interval_and_a_loop() -> None:
    with pytest.raises(ValueError, match="interval must be positive"):
        HangUpSummary(logging.getLogger("test.hang_ups"), interval=0)
    with pytest.raises(RuntimeError):
        HangUpSummary(logging.getLogger("test.hang_ups")).client_gone("127.0.0.1", 1)
