"""Clients for the AniList GraphQL API: one with ``requests``, one with ``aiohttp``.

Both take the API's base URL and a timeout, and both turn an error response into
:class:`ApiError`. They talk to the book's local server unless you opt in to the real API
by setting the environment variable ``BOOK_REAL_ANILIST=1`` and passing ``api_url(...)``.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from typing import Any, Self

import aiohttp
import requests

__all__ = [
    "DEFAULT_TIMEOUT",
    "MEDIA_QUERY",
    "REAL_ANILIST_URL",
    "REAL_API_SWITCH",
    "AniListClient",
    "ApiError",
    "AsyncAniListClient",
    "admin_request",
    "api_url",
    "media_from",
    "request_body",
]

REAL_ANILIST_URL = "https://graphql.anilist.co"
REAL_API_SWITCH = "BOOK_REAL_ANILIST"

MEDIA_QUERY = """
query ($id: Int) {
  Media(id: $id, type: ANIME) {
    id
    title { romaji english native }
  }
}
"""

DEFAULT_TIMEOUT = 10.0  # seconds for a whole request; every network wait in the book is bounded


def api_url(local_url: str) -> str:
    """The URL the book's clients should use: the local server, unless the reader opted in.

    Set ``BOOK_REAL_ANILIST=1`` to send the demos to the real AniList API instead.
    """
    return REAL_ANILIST_URL if os.environ.get(REAL_API_SWITCH) == "1" else local_url


class ApiError(Exception):
    """The API answered with an error. ``retry_after`` is set on a 429 (seconds)."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message
        self.retry_after = retry_after

    def __reduce__(self) -> tuple[type[ApiError], tuple[int, str, float | None]]:
        # Rebuild from our own arguments: a process-pool worker's error must reach the parent.
        return (type(self), (self.status, self.message, self.retry_after))


def request_body(media_id: int) -> dict[str, Any]:
    """The JSON body that asks for one anime by id.

    Raises:
        TypeError: if ``media_id`` is not an int.
    """
    if isinstance(media_id, bool) or not isinstance(media_id, int):
        raise TypeError(f"media_id must be an int, got {type(media_id).__name__}")
    return {"query": MEDIA_QUERY, "variables": {"id": media_id}}


def media_from(status: int, payload: Any, retry_after: str | None) -> dict[str, Any]:
    """Return the ``Media`` object of a response, or raise :class:`ApiError` for an error one."""
    if status == 200 and isinstance(payload, dict) and (payload.get("data") or {}).get("Media"):
        media: dict[str, Any] = payload["data"]["Media"]
        return media
    message = "unexpected response"
    if isinstance(payload, dict) and payload.get("errors"):
        message = payload["errors"][0].get("message", message)
    wait = float(retry_after) if retry_after is not None and retry_after.isdigit() else None
    raise ApiError(status, message, wait)


def _check_timeout(timeout: float) -> float:
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout}")
    return timeout


class AniListClient:
    """A blocking client built on ``requests``, with one connection-reusing session.

    A ``requests.Session`` is not guaranteed thread-safe, so give each thread its own
    client (or pass ``session=None`` and let each call make a fresh connection).

    Raises (from :meth:`fetch_media`):
        ApiError: on an error response (404, 429, 500, ...).
        requests.Timeout: if the server does not answer within ``timeout`` seconds.
        requests.ConnectionError: if nothing listens at ``base_url``.
    """

    def __init__(
        self, base_url: str, timeout: float = DEFAULT_TIMEOUT, reuse_connections: bool = True
    ) -> None:
        self.base_url = base_url
        self.timeout = _check_timeout(timeout)
        self._session = requests.Session() if reuse_connections else None

    def fetch_media(self, media_id: int) -> dict[str, Any]:
        """Fetch one anime's ``{"id", "title"}``."""
        post = self._session.post if self._session is not None else requests.post
        response = post(self.base_url, json=request_body(media_id), timeout=self.timeout)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        return media_from(response.status_code, payload, response.headers.get("Retry-After"))

    def close(self) -> None:
        if self._session is not None:
            self._session.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncAniListClient:
    """An ``aiohttp`` client that shares one ``ClientSession`` across all its requests.

    Use it as ``async with AsyncAniListClient(url) as client:``; the session, and with it the
    pool of open connections, lives exactly as long as the block.

    Raises (from :meth:`fetch_media`):
        ApiError: on an error response.
        TimeoutError: if a request takes longer than ``timeout`` seconds.
        aiohttp.ClientError: on a connection failure.
        RuntimeError: if used outside ``async with``.
    """

    def __init__(
        self, base_url: str, timeout: float = DEFAULT_TIMEOUT, max_connections: int = 100
    ) -> None:
        if max_connections < 0:
            raise ValueError(f"max_connections must be >= 0 (0: no limit), got {max_connections}")
        self.base_url = base_url
        self.timeout = _check_timeout(timeout)
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            connector=aiohttp.TCPConnector(limit=self.max_connections),
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def fetch_media(self, media_id: int) -> dict[str, Any]:
        """Fetch one anime's ``{"id", "title"}``."""
        if self._session is None:
            raise RuntimeError("use the client inside `async with AsyncAniListClient(...)`")
        async with self._session.post(self.base_url, json=request_body(media_id)) as response:
            try:
                payload = await response.json(content_type=None)
            except ValueError:
                payload = None
            return media_from(response.status, payload, response.headers.get("Retry-After"))


def admin_request(
    url: str, method: str, path: str, body: dict[str, Any] | None = None, *, timeout: float
) -> Any:
    """Call one of the local server's admin routes (``/stats``, ``/admin/config``) and return
    its JSON answer, with no dependency beyond the standard library.

    Raises:
        ValueError: with the server's message, when it refuses (a bad knob, say).
        OSError: when it cannot be reached within ``timeout`` seconds.
    """
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url.rstrip("/") + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.load(response)
    except urllib.error.HTTPError as exc:
        with exc:  # an HTTPError holds the response open; 3.14 warns if it is left to the GC
            message = json.load(exc)["errors"][0]["message"]
        raise ValueError(message) from None
