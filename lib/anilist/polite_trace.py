"""Watch a polite batch from outside: every attempt, every retry and every wait.

:func:`~lib.anilist.polite.polite_fetch` and :func:`~lib.anilist.polite.fetch_all_politely`
hold the lesson only. A :class:`PoliteTrace` records what they did without a line inside them: it
wraps the ``fetch`` they are given, so each attempt becomes a :class:`~lib.measure.recorder.Span`
(one that raised is a refused attempt), and it takes the calls of
their ``on_retry`` hook, so each retry is counted with the wait it chose::

    trace = PoliteTrace()
    tally = await fetch_all_politely(
        trace.watch(client.fetch_media), ids, limit=semaphore, on_retry=trace.on_retry
    )
    trace.attempts, trace.retries[429], trace.waits, trace.spans()
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TypeVar

from lib.anilist.clients import ApiError
from lib.measure.recorder import Recorder, Span

__all__ = ["PoliteTrace"]

T = TypeVar("T")


class PoliteTrace:
    """The attempts, retries and waits of polite requests, recorded from outside them."""

    def __init__(self) -> None:
        self.recorder = Recorder()  # one span per attempt, named by the id
        self.retries: Counter[int] = Counter()  # HTTP status -> retries after it
        self.waits: list[tuple[float, float | None]] = []  # (waited, Retry-After asked)

    def watch(self, fetch: Callable[[int], Awaitable[T]]) -> Callable[[int], Awaitable[T]]:
        """``fetch``, recording each call as a span of its id."""

        async def attempt(media_id: int) -> T:
            with self.recorder.span(media_id):
                return await fetch(media_id)

        return attempt

    def on_retry(self, error: ApiError, delay: float) -> None:
        """The ``on_retry`` hook: count the retry after ``error``, and the wait it chose."""
        self.retries[error.status] += 1
        self.waits.append((delay, error.retry_after))

    @property
    def attempts(self) -> int:
        """Requests actually sent, retries included."""
        return len(self.recorder)

    def spans(self) -> list[Span]:
        """One span per attempt, in order of start; ``ok`` is False for a refused one."""
        return self.recorder.spans()

    def __repr__(self) -> str:
        return f"<PoliteTrace attempts={self.attempts} retries={dict(self.retries)}>"
