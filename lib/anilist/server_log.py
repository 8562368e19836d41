"""What the local API writes to its log when clients misbehave: a few short lines, not a flood.

Hostile or clumsy clients are normal on a network, and each one's mistake is its own, not the
server's, so none of them gets a traceback:

- **A malformed request** (a 100 KB header, a garbled request line, a bad ``Content-Length``)
  is refused by aiohttp's HTTP parser with a 400. aiohttp reports it with the full traceback of
  its parser; the server's connections log to :data:`HTTP_LOG` instead (aiohttp's ``logger``
  option), whose filter :class:`OneLineForBadRequests` turns each such report into one line::

      bad request from 127.0.0.1: got more than 8190 bytes when reading (LineTooLong, 400)

  Anything else there, such as a bug in a handler, keeps its traceback. aiohttp's own
  ``aiohttp.server`` logger is left alone, so other aiohttp servers in the process are not
  affected.
- **Clients that hang up mid-request** are counted exactly in the server's stats, but a burst
  of them is summarised (:class:`HangUpSummary`): the first is logged at once, the rest in one
  line per :data:`SUMMARY_INTERVAL` at most, and whatever is left when the server stops::

      client 127.0.0.1 hung up mid-request (1 so far)
      599 more clients hung up mid-request in the last 1.0 s (600 so far)
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import time

from aiohttp.http_exceptions import HttpProcessingError

__all__ = [
    "HTTP_LOG",
    "SUMMARY_INTERVAL",
    "HangUpSummary",
    "OneLineForBadRequests",
    "describe",
    "http_logger",
]

#: Where aiohttp's HTTP layer reports on the local API's connections (not ``aiohttp.server``).
HTTP_LOG = logging.getLogger("lib.anilist.http")
#: Seconds between two lines about clients that hung up.
SUMMARY_INTERVAL = 1.0
REASON_CHARS = 80  # at most this much of aiohttp's description of a bad request is logged
# aiohttp's descriptions quote the client's bytes after a colon, a newline or a quote.
_QUOTED = re.compile(r"""[:\n]|\s*b?['"]""")


def describe(error: HttpProcessingError) -> str:
    """What was wrong with a request, in a few words, without the bytes the client sent.

    ``"Got more than 8190 bytes when reading: b'aaa…'"`` becomes
    ``"got more than 8190 bytes when reading"``; a description with nothing before the
    client's bytes becomes the exception's class name. Raises nothing.
    """
    reason = _QUOTED.split(str(error.message), maxsplit=1)[0].strip()
    reason = "".join(char for char in reason if char.isprintable())[:REASON_CHARS]
    return reason[:1].lower() + reason[1:] if reason else type(error).__name__


class OneLineForBadRequests(logging.Filter):
    """Rewrite the log record of a request refused with a 4xx by aiohttp's parser into one line.

    The record keeps its logger and time, loses its traceback, and is a WARNING at most (the
    mistake is the client's; aiohttp says ERROR). Every other record passes unchanged.
    Raises nothing.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if not isinstance(error, HttpProcessingError) or not 400 <= error.code < 500:
            return True
        args = record.args
        # aiohttp's message is "Error handling request from %s", with the client's address.
        client = args[0] if isinstance(args, tuple) and len(args) == 1 else "a client"
        record.msg = "bad request from %s: %s (%s, %d)"
        record.args = (client, describe(error), type(error).__name__, error.code)
        record.exc_info = None
        record.exc_text = None
        if record.levelno > logging.WARNING:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


def http_logger() -> logging.Logger:
    """:data:`HTTP_LOG`, with its :class:`OneLineForBadRequests` filter (added once).

    Pass it to aiohttp as ``web.AppRunner(app, logger=http_logger())``. Raises nothing.
    """
    if not any(isinstance(f, OneLineForBadRequests) for f in HTTP_LOG.filters):
        HTTP_LOG.addFilter(OneLineForBadRequests())
    return HTTP_LOG


class HangUpSummary:
    """Log clients that hang up mid-request: the first at once, then a count per interval.

    After a quiet :data:`SUMMARY_INTERVAL`, a hang-up is logged on its own line; the ones that
    follow it within the interval are counted, and one line reports how many when the
    interval is over. :meth:`close` writes what is still counted. Use it on the server's
    event-loop thread only: it schedules the summary lines on the running loop.
    """

    def __init__(self, logger: logging.Logger, interval: float = SUMMARY_INTERVAL) -> None:
        """Raises ValueError if ``interval`` is not positive."""
        if not interval > 0:
            raise ValueError(f"interval must be positive, got {interval}")
        self.logger = logger
        self.interval = interval
        self._pending = 0  # hang-ups counted since the last line, not yet logged
        self._so_far = 0  # the server's count at the latest hang-up
        self._last_line = -math.inf  # when the last line was written (time.monotonic)
        self._timer: asyncio.TimerHandle | None = None

    def client_gone(self, client: str, so_far: int) -> None:
        """Report one hang-up by ``client``; ``so_far`` is the server's exact count.

        Raises:
            RuntimeError: when called with no event loop running.
        """
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        self._so_far = so_far
        if self._timer is None and now - self._last_line >= self.interval:
            self.logger.warning("client %s hung up mid-request (%d so far)", client, so_far)
            self._last_line = now
            return
        self._pending += 1
        if self._timer is None:
            self._timer = loop.call_later(self._last_line + self.interval - now, self.flush)

    def flush(self) -> None:
        """Log how many hung up since the last line, if any did. Raises nothing."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self._pending:
            return
        now = time.monotonic()
        clients = "client" if self._pending == 1 else "clients"
        self.logger.warning(
            "%d more %s hung up mid-request in the last %.1f s (%d so far)",
            self._pending,
            clients,
            now - self._last_line,
            self._so_far,
        )
        self._pending = 0
        self._last_line = now

    def close(self) -> None:
        """Log what is still counted and stop the timer: the server is stopping. Raises nothing."""
        self.flush()
