"""Bad input to the server: it always answers a 4xx with a message, never a 500, and keeps serving.

Hypothesis generates the bodies (arbitrary JSON, near-valid requests with wrong types and huge
ids, raw bytes, truncated JSON); fixed cases cover an oversized body, deep nesting, broken
encodings and broken HTTP; raw sockets play slow clients. After every bad request a good one
must still succeed, and the server's own stats must never show a 500.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.anilist.catalogue import MAX_MEDIA_ID
from lib.anilist.clients import MEDIA_QUERY, request_body
from lib.anilist.running import LocalAniList, ServerProcess
from tests.plugins import raw_http

pytestmark = pytest.mark.timeout(120)

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples every run: a fuzz test must not flake
    database=None,  # no .hypothesis/ folder in the repository
    suppress_health_check=[HealthCheck.too_slow],
)
TIMEOUT = 5.0


# --- fixtures and checks ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fuzz_server() -> Iterator[LocalAniList]:
    with LocalAniList(latency=0.0) as server:
        yield server


@pytest.fixture(scope="module")
def session() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def post_raw(
    session: requests.Session, url: str, data: bytes, headers: dict[str, str] | None = None
) -> requests.Response:
    headers = headers or {"Content-Type": "application/json"}
    return session.post(url, data=data, headers=headers, timeout=TIMEOUT)


def assert_answered_well(response: requests.Response) -> dict[str, Any]:
    """A 200 with a Media object, or a 4xx in AniList's error shape with a message."""
    status = response.status_code
    assert status == 200 or 400 <= status < 500, f"got {status}: {response.text[:200]}"
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    if status == 200:
        assert isinstance(body["data"]["Media"]["id"], int)
    else:
        assert body["data"] == {"Media": None}
        [error] = body["errors"]
        assert error["status"] == status
        assert isinstance(error["message"], str) and error["message"].strip()
    return body


def assert_still_serving(session: requests.Session, url: str) -> None:
    response = session.post(url, json=request_body(100), timeout=TIMEOUT)
    assert response.status_code == 200
    assert response.json()["data"]["Media"]["id"] == 100


def assert_never_500(server: LocalAniList) -> None:
    by_status = server.stats()["by_status"]
    assert not any(code.startswith("5") for code in by_status), by_status


# --- generated bodies -----------------------------------------------------------------------------

huge_ints = st.integers(min_value=-(10**40), max_value=10**40)
json_values = st.recursive(
    st.none() | st.booleans() | huge_ints | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
ids = st.one_of(
    st.integers(min_value=-5, max_value=MAX_MEDIA_ID + 5),
    huge_ints,
    json_values,
)
queries = st.one_of(st.just(MEDIA_QUERY), st.text(max_size=30), json_values)


@st.composite
def near_valid_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """A request body with each field present or missing, right or of the wrong type."""
    body: dict[str, Any] = {}
    if draw(st.booleans()):
        body["query"] = draw(queries)
    if draw(st.booleans()):
        variables = draw(st.dictionaries(st.text(max_size=5), json_values, max_size=2))
        if draw(st.booleans()):
            variables["id"] = draw(ids)
        body["variables"] = draw(st.one_of(st.just(variables), json_values))
    if draw(st.booleans()):
        body[draw(st.text(max_size=8))] = draw(json_values)
    return body


def expected_status(body: dict[str, Any]) -> int:
    """What AniList's rules say the server must answer to ``body``."""
    query, variables = body.get("query"), body.get("variables")
    if not isinstance(query, str) or not query.strip():
        return 400
    if not isinstance(variables, dict) or "id" not in variables:
        return 400
    media_id = variables["id"]
    if isinstance(media_id, bool) or not isinstance(media_id, int):
        return 400
    return 200 if 1 <= media_id <= MAX_MEDIA_ID else 404


@FUZZ
@given(body=near_valid_bodies())
def test_near_valid_bodies_get_exactly_the_right_answer(fuzz_server, session, body) -> None:
    data = json.dumps(body).encode()  # NaN and Infinity go out as JSON's common extension
    response = post_raw(session, fuzz_server.url, data)
    assert_answered_well(response)
    assert response.status_code == expected_status(body)
    assert_still_serving(session, fuzz_server.url)


@FUZZ
@given(value=json_values)
def test_any_json_value_gets_a_4xx_or_an_answer(fuzz_server, session, value) -> None:
    assert_answered_well(post_raw(session, fuzz_server.url, json.dumps(value).encode()))
    assert_still_serving(session, fuzz_server.url)


@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes_get_a_4xx(fuzz_server, session, data) -> None:
    response = post_raw(session, fuzz_server.url, data)
    assert_answered_well(response)
    assert_still_serving(session, fuzz_server.url)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=200), junk=st.text(max_size=5))
def test_truncated_or_spliced_json_gets_a_4xx(fuzz_server, session, cut, junk) -> None:
    valid = json.dumps(request_body(100))
    data = (valid[: cut % len(valid)] + junk).encode("utf-8", "surrogatepass")
    response = post_raw(session, fuzz_server.url, data)
    assert_answered_well(response)
    assert_still_serving(session, fuzz_server.url)


def test_the_fuzzing_never_produced_a_500(fuzz_server) -> None:
    assert fuzz_server.stats()["requests"] > 0
    assert_never_500(fuzz_server)


# --- fixed cases -------------------------------------------------------------------------------

JSON = {"Content-Type": "application/json"}
LONG_ID = b'{"query": "q", "variables": {"id": ' + b"9" * 5000 + b"}}"
LONG_QUERY = json.dumps({"query": "q" * 1_000_000, "variables": {"id": 100}}).encode()
ONE = b'{"query": "q", "variables": {"id": 1}}'
FIXED_CASES = [
    pytest.param(b" " * (1024**2 + 1), JSON, 413, id="oversized body (1 MiB + 1 byte)"),
    pytest.param(b"[" * 100_000, JSON, 400, id="arrays nested 100,000 deep"),
    pytest.param(b'{"a":' * 100_000, JSON, 400, id="objects nested 100,000 deep"),
    pytest.param(LONG_ID, JSON, 400, id="id with 5,000 digits"),
    pytest.param(b'{"query": "\xff\xfe"}', JSON, 400, id="invalid UTF-8"),
    pytest.param(b"", JSON, 400, id="empty body"),
    pytest.param(b"null", JSON, 400, id="null"),
    pytest.param(ONE, {"Content-Type": "application/json; charset=klingon"}, 400, id="charset"),
    pytest.param(b"not gzip at all", {**JSON, "Content-Encoding": "gzip"}, 400, id="bad gzip"),
    pytest.param(ONE.replace(b"1}", b"1e400}"), JSON, 400, id="id overflowing a float"),
    pytest.param(ONE, {"Content-Type": "text/plain"}, 200, id="a JSON body sent as text"),
    pytest.param(LONG_QUERY, JSON, 200, id="a long query just under 1 MiB"),
]


@pytest.mark.parametrize(("data", "headers", "status"), FIXED_CASES)
def test_fixed_bad_bodies(make_server, data, headers, status) -> None:
    server = make_server()
    with requests.Session() as session:
        response = post_raw(session, server.url, data, headers)
        assert_answered_well(response)
        assert response.status_code == status
        assert_still_serving(session, server.url)
    assert_never_500(server)


def test_wrong_method_and_unknown_path_are_4xx(server) -> None:
    with requests.Session() as session:
        response = session.get(server.url, timeout=TIMEOUT)
        assert response.status_code == 405
        assert_answered_well(response)
        assert session.post(server.url + "no/such/path", timeout=TIMEOUT).status_code == 404
        assert_still_serving(session, server.url)


def test_the_server_process_survives_bad_input_too() -> None:
    with ServerProcess(latency=0.0) as server, requests.Session() as session:
        for data, headers, _status in (case.values for case in FIXED_CASES[:4]):
            assert_answered_well(post_raw(session, server.url, data, headers))
        assert_still_serving(session, server.url)
        by_status = server.stats()["by_status"]
    assert set(by_status) == {"200", "400", "413"}


# --- broken HTTP and slow clients, over raw sockets -----------------------------------------------


def port_of(server: LocalAniList) -> int:
    assert server.port is not None
    return server.port


def raw_exchange(port: int, data: bytes, timeout: float = TIMEOUT) -> bytes:
    return raw_http.raw_exchange(port, data, timeout)


def http_request(body: bytes) -> bytes:
    head = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode() + body


START = b"POST / HTTP/1.1\r\nHost: x\r\n"
BROKEN_HTTP = [
    pytest.param(b"HELLO\r\n\r\n", id="garbage request line"),
    pytest.param(START + b"X-Big: " + b"a" * 20_000 + b"\r\n\r\n", id="header over 8 KiB"),
    pytest.param(START + b"Content-Length: -5\r\n\r\n", id="negative length"),
    pytest.param(START + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", id="bad chunk"),
    pytest.param(START + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\n", id="two lengths"),
]


@pytest.mark.parametrize("data", BROKEN_HTTP)
def test_broken_http_gets_a_400_with_a_message(server, data) -> None:
    reply = raw_exchange(port_of(server), data)
    status_line, _, rest = reply.partition(b"\r\n")
    assert re.fullmatch(rb"HTTP/1\.[01] 4\d\d [\w ]+", status_line), reply[:200]
    assert rest.partition(b"\r\n\r\n")[2].strip(), "the 4xx carries a message"
    with requests.Session() as session:
        assert_still_serving(session, server.url)


def test_request_sent_byte_by_byte_is_answered(server) -> None:
    data = http_request(json.dumps(request_body(300)).encode())
    with socket.create_connection(("127.0.0.1", port_of(server)), timeout=TIMEOUT) as sock:
        for byte in data:
            sock.sendall(bytes([byte]))
            time.sleep(0.001)
        reply = sock.recv(65536)
    assert reply.startswith(b"HTTP/1.1 200"), reply[:200]


def test_stalled_clients_do_not_stop_the_server_serving_others(server) -> None:
    """Fifty clients send half a request each and stall; everyone else is served meanwhile."""
    body = json.dumps(request_body(100)).encode()
    address = ("127.0.0.1", port_of(server))
    stalled = [socket.create_connection(address, timeout=TIMEOUT) for _ in range(50)]
    try:
        for number, sock in enumerate(stalled):
            partial = http_request(body)
            # Half stall inside the headers, half inside the body.
            sock.sendall(partial[: 20 if number % 2 else len(partial) - 10])
        started = time.perf_counter()
        with requests.Session() as session:
            for _ in range(20):
                assert_still_serving(session, server.url)
        assert time.perf_counter() - started < 5.0
    finally:
        for sock in stalled:
            sock.close()
    assert server.stats()["in_flight"] <= 25  # only the stalled bodies reached a handler


def test_slow_client_in_a_thread_while_others_are_served(server) -> None:
    """A byte-by-byte client and ordinary clients at the same time: both get their answers."""
    data = http_request(json.dumps(request_body(400)).encode())
    replies: list[bytes] = []

    def trickle() -> None:
        with socket.create_connection(("127.0.0.1", port_of(server)), timeout=TIMEOUT) as sock:
            for byte in data:
                sock.sendall(bytes([byte]))
                time.sleep(0.002)
            replies.append(sock.recv(65536))

    slow = threading.Thread(target=trickle, name="slow-client")
    slow.start()
    with requests.Session() as session:
        served = 0
        while slow.is_alive() and served < 200:
            assert_still_serving(session, server.url)
            served += 1
    slow.join(TIMEOUT)
    assert not slow.is_alive()
    assert served >= 5, "ordinary requests were served while the slow one trickled in"
    assert replies and replies[0].startswith(b"HTTP/1.1 200")


def test_client_that_hangs_up_mid_body_leaves_the_server_well(server) -> None:
    data = http_request(json.dumps(request_body(100)).encode())
    for _ in range(10):
        with socket.create_connection(("127.0.0.1", port_of(server)), timeout=TIMEOUT) as sock:
            sock.sendall(data[: len(data) - 5])
    with requests.Session() as session:
        assert_still_serving(session, server.url)
    deadline = time.monotonic() + 5
    while server.stats()["in_flight"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.stats()["in_flight"] == 0
