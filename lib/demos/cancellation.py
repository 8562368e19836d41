"""Chapter 13's programs: a small server that stops gracefully, its clients, and stuck workers.

The server speaks one line each way: a client sends the seconds of work it asks for, the
server works that long (an ``asyncio.sleep``) and answers ``done``. :func:`shut_down` stops it
the graceful way: no new connections, the requests in flight get a deadline to finish, and
whatever is left after it is cancelled and its connection closed. :func:`ask` is one client,
and tells how its request ended. :func:`stuck_for` is a process-pool worker's job that does
not return for a while, like a call stuck on a lock or a network read.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "WorkServer",
    "ask",
    "shut_down",
    "stuck_for",
]

STOP_TIMEOUT = 1.0  # seconds for cancelled handlers, and the server, to end


@dataclass
class WorkServer:
    """An ``asyncio.start_server`` on 127.0.0.1 whose handlers the program keeps track of."""

    server: Any = None
    handlers: set[asyncio.Task[Any]] = field(default_factory=set)
    answered: int = 0

    async def start(self) -> int:
        """Listen on a free port of 127.0.0.1 and return it.

        Raises:
            OSError: if the socket cannot be opened.
        """
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.handlers.add(task)  # a strong reference, and the list of requests in flight
        try:
            seconds = float(await reader.readline())
            await asyncio.sleep(seconds)  # the work the client asked for
            writer.write(b"done\n")
            await writer.drain()
            self.answered += 1
        except asyncio.CancelledError:  # stopped by shut_down: the top of this task, where a
            pass  # cancellation may end (Python 3.11's server logs a handler that ends cancelled)
        finally:  # done, failed or cancelled: the connection is closed
            writer.close()
            self.handlers.discard(task)


async def shut_down(work: WorkServer, deadline: float) -> tuple[int, int]:
    """Stop ``work``'s server gracefully; return (requests finished, requests cut off).

    Raises:
        TimeoutError: if the cancelled handlers or the server do not end within a second.
    """
    work.server.close()  # 1. stop accepting: new clients are refused from now on
    in_flight = set(work.handlers)
    done, late = await asyncio.wait(in_flight, timeout=deadline) if in_flight else (set(), set())
    for task in late:  # 2. past the deadline: stop the work, each handler closes its connection
        task.cancel()
    if hasattr(work.server, "abort_clients"):  # 3. Python 3.13+: any connection still open
        work.server.abort_clients()
    async with asyncio.timeout(STOP_TIMEOUT):
        if late:
            await asyncio.wait(late)
        await work.server.wait_closed()
    return len(done), len(late)


async def ask(port: int, seconds: float, timeout: float = 5.0) -> str:
    """Ask the server on ``port`` for ``seconds`` of work; say how the request ended:
    ``answered``, ``cut off`` (the connection closed before the answer) or ``refused``.

    Raises:
        TimeoutError: if nothing happens within ``timeout`` seconds.
    """
    async with asyncio.timeout(timeout):
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except ConnectionRefusedError:
            return "refused"
        try:
            writer.write(f"{seconds}\n".encode())
            await writer.drain()
            answer = await reader.readuntil(b"\n")
            return "answered" if answer == b"done\n" else f"odd answer {answer!r}"
        except (ConnectionError, asyncio.IncompleteReadError):
            return "cut off"
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()


def stuck_for(seconds: float) -> int:
    """A pool worker's job that does not return for ``seconds``; returns the worker's pid."""
    time.sleep(seconds)
    return os.getpid()
