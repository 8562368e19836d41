"""What the local API writes to its log when clients misbehave: short lines, not tracebacks.

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
"""

from __future__ import annotations

import logging
import re

from aiohttp.http_exceptions import HttpProcessingError

__all__ = [
    "HTTP_LOG",
    "OneLineForBadRequests",
    "describe",
    "http_logger",
]

#: Where aiohttp's HTTP layer reports on the local API's connections (not ``aiohttp.server``).
HTTP_LOG = logging.getLogger("lib.anilist.http")
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
