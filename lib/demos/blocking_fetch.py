"""Fetch one anime with a blocking client: a worker that threads, processes and asyncio share.

:func:`fetch_one` opens a fresh ``requests`` connection, asks for one id, closes the connection
and returns the ``Media`` object. It keeps no state between calls, so it is safe to call from
many threads at once, it pickles by name into a process pool under every start method (it
lives in an importable module), and ``loop.run_in_executor`` can hand it to a thread pool.
"""

from __future__ import annotations

from typing import Any

from lib.anilist.clients import DEFAULT_TIMEOUT, AniListClient

__all__ = [
    "fetch_one",
]


def fetch_one(base_url: str, media_id: int, timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
    """Fetch one anime's ``{"id", "title"}`` with a client of its own, then close it.

    Raises:
        TypeError: if ``media_id`` is not an int.
        ValueError: if ``timeout`` is not positive.
        lib.anilist.clients.ApiError: on an error response (404, 429, 500, ...).
        requests.Timeout: if the server does not answer within ``timeout`` seconds.
        requests.ConnectionError: if nothing listens at ``base_url``.
    """
    with AniListClient(base_url, timeout=timeout, reuse_connections=False) as client:
        return client.fetch_media(media_id)
