"""Raw HTTP for the hostile-input tests: bytes no well-behaved client would send."""

from __future__ import annotations

import socket

__all__ = [
    "raw_exchange",
]


def raw_exchange(port: int, data: bytes, timeout: float) -> bytes:
    """Send ``data`` to ``127.0.0.1:port`` on a fresh connection; read until the server closes.

    A server that answers before reading all of ``data`` (a 400 for a 100 KB header) closes a
    socket with unread bytes in it, and the kernel sends a reset, not a normal close: once the
    answer has arrived, a reset ends it like a close, whether it comes while ``data`` is still
    being sent or after the answer (5 of 2,000 exchanges on a loaded machine).

    Raises:
        OSError: if the connection is refused, a send or read takes over ``timeout`` s, or the
            server resets the connection before sending anything.
    """
    chunks: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)  # the reset can come while this is still sending
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, BrokenPipeError):
            if not chunks and not (chunks := read_what_is_left(sock)):
                raise
    return b"".join(chunks)


def read_what_is_left(sock: socket.socket) -> list[bytes]:
    """What arrived before a reset cut a send short: often the whole answer."""
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return chunks
