"""A sliding-window rate limiter, the kind of limit AniList puts on its API."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "Decision",
    "SlidingWindowLimiter",
]


@dataclass(frozen=True)
class Decision:
    """What the limiter says about one request."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # whole seconds to wait before trying again; 0 when allowed


class SlidingWindowLimiter:
    """Allow at most ``limit`` requests in any ``window`` seconds.

    Not thread-safe: the server calls it from its one event-loop thread only.

    Raises:
        ValueError: if ``limit`` is below 1 or ``window`` is not positive.
    """

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if limit < 1:
            raise ValueError(f"rate limit must be at least 1 request, got {limit}")
        if window <= 0:
            raise ValueError(f"rate window must be positive, got {window} s")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._accepted: deque[float] = deque()

    def check(self) -> Decision:
        """Record a request if there is room for it, and say whether it may go ahead."""
        now = self._clock()
        while self._accepted and now - self._accepted[0] >= self.window:
            self._accepted.popleft()
        if len(self._accepted) < self.limit:
            self._accepted.append(now)
            return Decision(True, self.limit, self.limit - len(self._accepted), 0)
        wait = self._accepted[0] + self.window - now
        # HTTP's Retry-After holds whole seconds; round up so that obeying it always works.
        return Decision(False, self.limit, 0, max(1, math.ceil(wait)))
