"""A polite client: few requests in flight, and backoff that honours ``Retry-After``.

:func:`polite_fetch` sends one request through a semaphore and retries the errors that are
worth retrying (a 429 "Too Many Requests", a 5xx), waiting between attempts. The wait grows
exponentially with random "full jitter", so clients that failed together do not retry
together, and it is never shorter than what the server asked for in ``Retry-After``. The wait
happens *outside* the semaphore: a request that is backing off does not hold a slot.

:func:`fetch_all_politely` runs a whole batch so that every request ends either as a result
or as a counted error, and the totals add up.

Both hold the lesson only. Watching them (how many attempts went out, each retry and its
wait) is done from outside: wrap ``fetch``, and pass ``on_retry``, a hook both call before each
backoff wait and that does nothing by default; :mod:`lib.anilist.polite_trace` does both.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import aiohttp

from lib.anilist.clients import ApiError

__all__ = [
    "COUNTED_ERRORS",
    "RetryPolicy",
    "Tally",
    "backoff_delay",
    "fetch_all_politely",
    "nothing",
    "polite_fetch",
]

T = TypeVar("T")

#: The failures a batch counts instead of crashing on: the client's documented errors.
COUNTED_ERRORS: tuple[type[Exception], ...] = (ApiError, TimeoutError, aiohttp.ClientError)


@dataclass(frozen=True)
class RetryPolicy:
    """How often to try, and how long to wait between tries (seconds).

    Raises:
        ValueError: if ``max_attempts`` is below 1, or a delay is negative or the cap is
            below the base.
    """

    max_attempts: int = 5
    base_delay: float = 0.1  # the cap on the first wait; it doubles with each attempt
    max_delay: float = 5.0  # no backoff wait is longer than this (Retry-After may be)
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < self.base_delay:
            raise ValueError(
                f"need 0 <= base_delay <= max_delay, got {self.base_delay} and {self.max_delay}"
            )


def backoff_delay(
    policy: RetryPolicy, attempt: int, retry_after: float | None, rng: random.Random
) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (counting from 1).

    Exponential backoff with full jitter: a random time between 0 and
    ``min(max_delay, base_delay * 2 ** (attempt - 1))``; but at least ``retry_after``, when
    the server sent one.

    Raises:
        ValueError: if ``attempt`` is below 1 or ``retry_after`` is negative.
    """
    if attempt < 1:
        raise ValueError(f"attempts count from 1, got {attempt}")
    if retry_after is not None and retry_after < 0:
        raise ValueError(f"retry_after must be >= 0 seconds, got {retry_after}")
    ceiling = min(policy.max_delay, policy.base_delay * 2 ** (attempt - 1))
    delay = rng.uniform(0.0, ceiling)
    return delay if retry_after is None else max(delay, retry_after)


@dataclass
class Tally:
    """What happened to a batch: each id ended as a result or as an error."""

    results: dict[int, Any] = field(default_factory=dict)  # id -> result
    errors: dict[int, Exception] = field(default_factory=dict)  # id -> the error it ended with

    @property
    def sent(self) -> int:
        """Requests that have ended, one way or the other."""
        return len(self.results) + len(self.errors)

    def error_kinds(self) -> Counter[str]:
        """The errors by kind: ``"HTTP 500"`` for an API error, else the exception's name."""
        return Counter(
            f"HTTP {error.status}" if isinstance(error, ApiError) else type(error).__name__
            for error in self.errors.values()
        )


def nothing(*args: object) -> None:
    """The hooks' default: do nothing, whatever the arguments."""


async def polite_fetch(
    fetch: Callable[[int], Awaitable[T]],
    media_id: int,
    *,
    limit: asyncio.Semaphore,
    policy: RetryPolicy | None = None,
    rng: random.Random | None = None,
    on_retry: Callable[[ApiError, float], object] = nothing,
) -> T:
    """``await fetch(media_id)`` with at most ``limit`` calls in flight, retrying politely.

    An :class:`~lib.anilist.clients.ApiError` whose status is in ``policy.retry_statuses`` is
    retried after :func:`backoff_delay`, until ``policy.max_attempts`` attempts have been made. The
    semaphore is held only while a request is in flight, never while waiting to retry.
    ``on_retry(error, delay)`` is called before each wait, for whoever watches.

    Raises:
        ApiError: the last error once the attempts are used up, or at once when its status is
            not worth retrying (a 404, say).
        Exception: anything else ``fetch`` raises (a timeout, a connection error), unchanged.
    """
    policy = policy if policy is not None else RetryPolicy()
    rng = rng if rng is not None else random.Random()
    for attempt in range(1, policy.max_attempts + 1):
        async with limit:
            try:
                return await fetch(media_id)
            except ApiError as error:
                if error.status not in policy.retry_statuses or attempt == policy.max_attempts:
                    raise
                failure = error
        delay = backoff_delay(policy, attempt, failure.retry_after, rng)
        on_retry(failure, delay)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")


async def fetch_all_politely(
    fetch: Callable[[int], Awaitable[Any]],
    media_ids: Iterable[int],
    *,
    limit: asyncio.Semaphore,
    policy: RetryPolicy | None = None,
    rng: random.Random | None = None,
    on_retry: Callable[[ApiError, float], object] = nothing,
    on_done: Callable[[], object] = nothing,
) -> Tally:
    """Fetch every id with :func:`polite_fetch`; each one ends as a result or a counted error.

    The errors in :data:`COUNTED_ERRORS` are recorded in the tally; anything else (a bug) is
    raised, through the ``TaskGroup`` that runs the batch, which then cancels the rest.
    ``on_retry`` goes to :func:`polite_fetch`; ``on_done()`` is called once per id as it ends,
    for a progress bar.

    Raises:
        ValueError: if an id appears twice (the tally is keyed by id).
        ExceptionGroup: holding any error that is not a counted one.
    """
    ids = list(media_ids)
    if len(set(ids)) != len(ids):
        raise ValueError("each id may appear only once in a batch")
    tally = Tally()
    rng = rng if rng is not None else random.Random()

    async def one(media_id: int) -> None:
        try:
            tally.results[media_id] = await polite_fetch(
                fetch, media_id, limit=limit, policy=policy, rng=rng, on_retry=on_retry
            )
        except COUNTED_ERRORS as error:
            tally.errors[media_id] = error
        finally:
            on_done()

    async with asyncio.TaskGroup() as group:
        for media_id in ids:
            group.create_task(one(media_id), name=f"polite {media_id}")
    return tally
