"""What the server logs about hostile clients: one line each, no tracebacks.

Real hostile input against real servers, in a thread (the log captured with ``caplog``) and in
a process of its own (:attr:`ServerProcess.output`, its standard error): a 100 KB header and
other broken HTTP. A bug in a handler keeps its traceback.
"""

from __future__ import annotations

import logging
import re
import socket

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
from lib.anilist.running import ServerProcess
from lib.anilist.server_log import HTTP_LOG, OneLineForBadRequests, describe

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


def port_of(url: str) -> int:
    return int(url.rstrip("/").rsplit(":", 1)[1])


def exchange(port: int, data: bytes) -> bytes:
    """Send ``data`` on a fresh connection and read until the server closes it."""
    with socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def assert_refused_with_a_400(port: int, data: bytes) -> None:
    reply = exchange(port, data)
    assert re.match(rb"HTTP/1\.[01] 400 ", reply), reply[:200]
    with requests.Session() as session:  # and the server still serves
        good = session.post(f"http://127.0.0.1:{port}/", json=request_body(600), timeout=TIMEOUT)
    assert good.status_code == 200


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
