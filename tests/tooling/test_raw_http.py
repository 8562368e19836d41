"""The raw-HTTP helper reads a reply that ends in a reset, and still reports a bare reset."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Iterator

import pytest

from tests.plugins.raw_http import raw_exchange

REPLY = b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n"


def reset(conn: socket.socket) -> None:
    """Close ``conn`` with a reset, as a server does with unread bytes in its socket."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[int]:
    """A one-connection server: it reads a little, sends ``REPLY`` if asked to, then resets."""
    reply: bytes = request.param
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(5)

    def serve() -> None:
        conn, _ = listener.accept()
        conn.recv(10)
        if reply:
            conn.sendall(reply)
        reset(conn)

    thread = threading.Thread(target=serve)
    thread.start()
    yield listener.getsockname()[1]
    thread.join(timeout=5)
    listener.close()
    assert not thread.is_alive()


SENT_IN_FULL = pytest.param(b"x" * 1000, id="after the send")
CUT_SHORT = pytest.param(b"x" * 50_000_000, id="during the send")


@pytest.mark.parametrize("server", [pytest.param(REPLY, id="a reply")], indirect=True)
@pytest.mark.parametrize("data", [SENT_IN_FULL, CUT_SHORT])
def test_a_reset_after_the_reply_ends_it_like_a_close(server: int, data: bytes) -> None:
    assert raw_exchange(server, data, timeout=5) == REPLY


@pytest.mark.parametrize("server", [pytest.param(b"", id="no reply")], indirect=True)
@pytest.mark.parametrize("data", [SENT_IN_FULL, CUT_SHORT])
def test_a_reset_before_any_reply_raises(server: int, data: bytes) -> None:
    with pytest.raises((ConnectionResetError, BrokenPipeError)):
        raw_exchange(server, data, timeout=5)
