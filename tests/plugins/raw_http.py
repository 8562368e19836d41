"""Raw HTTP for the hostile-input tests: bytes no well-behaved client would send."""

from __future__ import annotations

import socket

__all__ = [
    "raw_exchange",
]


def raw_exchange(port: int, data: bytes, timeout: float) -> bytes:
    """Send ``data`` to ``127.0.0.1:port`` on a fresh connection; read until the server closes.

    Raises:
        OSError: if the connection is refused, or a send or read takes over ``timeout`` s.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)
