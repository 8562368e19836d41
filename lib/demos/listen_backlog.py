"""Watch a listen backlog overflow: connections that do not fit wait for the client to try again.

A listening socket queues connections that have finished their handshake until the server
calls ``accept()``; ``listen(backlog)`` sets the length of that queue. :func:`connect_times`
opens a listener on 127.0.0.1 with a given backlog that does not accept at first (a server
busy elsewhere), starts ``count`` connections to it at once, starts accepting after
``accept_after`` seconds, and times each connection::

    trial = await connect_times(40, backlog=8)
    trial.seconds   # one per connection: on Linux, backlog + 1 near 0 s, the rest near 1 s

On Linux, a connection request (SYN) that arrives while the queue is full is dropped without
an answer, and the client's TCP stack sends it again after its initial retransmission
timeout, one second. Other systems may refuse the connection instead: those show up in
``errors``. Everything runs on loopback, is bounded by ``timeout``, and every socket is closed
before the function returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from dataclasses import dataclass

__all__ = ["HOST", "ConnectTimes", "connect_times"]

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ConnectTimes:
    """How long each of ``count`` simultaneous connections took to be established.

    ``seconds`` holds one time per connection that succeeded, sorted; ``errors`` the name of
    the exception of each that failed (``"TimeoutError"`` past the timeout).
    """

    count: int
    backlog: int
    accept_after: float
    seconds: list[float]
    errors: list[str]

    def split(self, at: float) -> tuple[list[float], list[float]]:
        """The times below ``at`` seconds, and the others."""
        return [t for t in self.seconds if t < at], [t for t in self.seconds if t >= at]


async def _accept_later(
    listener: socket.socket, delay: float, accepted: list[socket.socket]
) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(delay)
    while True:
        connection, _ = await loop.sock_accept(listener)
        accepted.append(connection)


async def _timed_connect(address: tuple[str, int], timeout: float) -> float | str:
    loop = asyncio.get_running_loop()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
        client.setblocking(False)
        start = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                await loop.sock_connect(client, address)
        except (OSError, TimeoutError) as error:
            return type(error).__name__
        return time.perf_counter() - start


async def connect_times(
    count: int, backlog: int, accept_after: float = 0.2, timeout: float = 5.0
) -> ConnectTimes:
    """Start ``count`` connections at once to a listener with ``backlog``; time each one.

    The listener accepts nothing for ``accept_after`` seconds, then accepts (and keeps open,
    until the end) every connection that reaches its queue. Each connection gets ``timeout``
    seconds.

    Raises:
        ValueError: if ``count`` or ``backlog`` is not a positive int, ``accept_after`` is
            negative, or ``timeout`` is not positive.
        OSError: if the listener cannot be opened.
    """
    for name, value in (("count", count), ("backlog", backlog)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if not accept_after >= 0:
        raise ValueError(f"accept_after must be >= 0 seconds, got {accept_after}")
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
    accepted: list[socket.socket] = []
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((HOST, 0))
        listener.listen(backlog)
        listener.setblocking(False)
        address = listener.getsockname()
        acceptor = asyncio.create_task(_accept_later(listener, accept_after, accepted))
        try:
            outcomes = await asyncio.gather(
                *(_timed_connect(address, timeout) for _ in range(count))
            )
        finally:
            acceptor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await acceptor
            for connection in accepted:
                connection.close()
    return ConnectTimes(
        count=count,
        backlog=backlog,
        accept_after=accept_after,
        seconds=sorted(o for o in outcomes if isinstance(o, float)),
        errors=[o for o in outcomes if isinstance(o, str)],
    )
