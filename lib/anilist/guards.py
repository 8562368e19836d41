"""What keeps the book's local server safe and well-behaved, whatever it is sent.

- **Binding**: the server listens on loopback only, unless the caller explicitly opts in to
  a network-facing address (:func:`check_bind_host`).
- **Clients that go away**: a client that hangs up before its body arrived is normal, not a
  server error: :func:`read_json_body` raises :class:`ClientGone`, which the server counts and
  logs with no traceback, a burst of them summarised (:mod:`lib.anilist.server_log`).
- **Errors in AniList's shape**: every error the API sends, including the ones aiohttp
  raises itself (a wrong method, a body over the 1 MiB limit), has a JSON body with a
  message (:func:`error_response`, :func:`anilist_errors`), and a request body that can't
  be read or parsed is a 4xx, never a 500 (:func:`read_json_body`).

A server process holding thousands of connections also needs as many file descriptors:
``python -m lib.anilist`` raises its own limit with :mod:`lib.plumbing.fdlimits`.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestPayloadError

__all__ = [
    "API_PATH",
    "LOOPBACK",
    "WILDCARD_HOSTS",
    "BadBody",
    "ClientGone",
    "Handler",
    "anilist_errors",
    "check_bind_host",
    "connect_host",
    "error_response",
    "is_loopback",
    "parse_media_id",
    "read_json_body",
]

LOOPBACK = "127.0.0.1"
API_PATH = "/"  # where the AniList-compatible API answers
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})  # "every interface": local clients use loopback


# --- binding --------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and for any loopback address (127.0.0.0/8, ``::1``).

    Host names other than ``localhost`` count as not loopback: they are never resolved here.
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind_host(host: str, allow_remote: bool = False) -> str:
    """Return ``host`` if the server may listen on it.

    Raises:
        ValueError: if ``host`` is not a loopback address and ``allow_remote`` is false.
    """
    if not is_loopback(host) and not allow_remote:
        raise ValueError(
            f"refusing to listen on {host!r}: the book's server binds loopback only "
            "(127.0.0.1); pass allow_remote=True (--allow-remote) to expose it to the network"
        )
    return host


def connect_host(host: str) -> str:
    """The address a client on this machine uses to reach a server bound to ``host``."""
    if host in WILDCARD_HOSTS:
        return LOOPBACK
    bare = host.strip("[]")
    return f"[{bare}]" if ":" in bare else bare  # an IPv6 address goes in brackets in a URL


# --- errors ---------------------------------------------------------------------------------


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None
) -> web.Response:
    """An error in AniList's shape, with the HTTP status to match."""
    body = {"errors": [{"message": message, "status": status}], "data": {"Media": None}}
    return web.json_response(body, status=status, headers=headers)


class BadBody(Exception):
    """A request body the server cannot use; ``status`` is the 4xx to answer with.

    ``close`` is true when the connection can't be trusted for another request (its body
    could not be read to the end): the answer must close it (see :meth:`answer`).
    """

    def __init__(self, status: int, message: str, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close

    def answer(self, headers: dict[str, str] | None = None, prefix: str = "") -> web.Response:
        """The AniList-shaped error response for this body."""
        response = error_response(self.status, prefix + self.message, headers)
        if self.close:
            response.force_close()
        return response


class ClientGone(Exception):
    """The client hung up before the whole request body arrived: there is no one to answer."""


async def read_json_body(request: web.Request) -> Any:
    """Read and decode the request's JSON body.

    Raises:
        ClientGone: when the client disconnected before sending the whole body.
        BadBody: with a 413 for a body over the size limit, else a 400, when the body can't
            be read (bad content encoding), decoded (unknown charset, invalid text) or parsed
            (invalid JSON, nesting too deep, an integer too long to convert).
    """
    try:
        return await request.json()
    except web.HTTPRequestEntityTooLarge as exc:
        raise BadBody(413, exc.text or "Request body too large.") from None
    except ConnectionResetError:  # aiohttp's "Connection lost": the client has gone
        raise ClientGone(request.remote or "a client") from None
    except RequestPayloadError:
        # The body stream is broken (e.g. a bad gzip encoding). Mark it finished, or aiohttp
        # tries to drain it after we answer, logs the error and resets the connection.
        request.content.feed_eof()
        raise BadBody(400, "The request body could not be read.", close=True) from None
    except LookupError:
        raise BadBody(400, f"Unknown charset {request.charset!r}.") from None
    except UnicodeDecodeError:
        raise BadBody(400, "The request body is not valid text in its charset.") from None
    except json.JSONDecodeError:
        raise BadBody(400, "The request body is not valid JSON.") from None
    except RecursionError:
        raise BadBody(400, "The request body is nested too deeply.") from None
    except ValueError as exc:  # e.g. an integer with more digits than Python converts
        raise BadBody(400, f"The request body could not be parsed: {exc}") from None


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def anilist_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn the HTTP errors aiohttp raises on the API's path (``GET /`` is a 405, ...) into
    AniList-shaped bodies, keeping headers such as ``Allow``.

    Only the API at ``/`` speaks AniList; the admin routes beside it keep aiohttp's plain
    errors. Other exceptions are left to aiohttp, which logs them: they are bugs.
    """
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400 or request.path != API_PATH:
            raise
        message = exc.text if exc.text and not exc.text.startswith(f"{exc.status}:") else None
        headers = {k: v for k, v in exc.headers.items() if k.lower() in {"allow", "retry-after"}}
        return error_response(exc.status, message or f"{exc.reason}.", headers)


def parse_media_id(payload: Any) -> int:
    """Pull the integer ``id`` out of a GraphQL request body.

    Raises:
        ValueError: with a message for the client, when the body is not a valid request.
    """
    if not isinstance(payload, dict):
        raise ValueError("The request body must be a JSON object.")
    if not isinstance(payload.get("query"), str) or not payload["query"].strip():
        raise ValueError('Must provide a "query" string.')
    variables = payload.get("variables")
    if not isinstance(variables, dict) or "id" not in variables:
        raise ValueError('Variable "$id" of type "Int" was not provided.')
    media_id = variables["id"]
    if isinstance(media_id, bool) or not isinstance(media_id, int):
        raise ValueError(f'Variable "$id" got invalid value {json.dumps(media_id)}; expected Int.')
    return media_id
