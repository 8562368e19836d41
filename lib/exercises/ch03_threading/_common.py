"""What chapter 3's checkers share: a probe of how many calls overlap.

The outcomes they compare (``english_slug``, ``reference``, ...) are the harness's
(:mod:`lib.exercises._harness.outcomes`), which chapter 10's check of the same exercise on a
cluster shares.
"""

from __future__ import annotations

import threading

from lib.exercises._harness.interleaving import PATIENCE
from lib.exercises._harness.outcomes import english_slug

__all__ = [
    "Overlap",
]


class Overlap:
    """``english_slug`` that counts how many of its calls run at once.

    The first calls wait (once, for up to ``PATIENCE`` seconds) until ``width`` of them are
    running, so a pool of ``width`` threads always reaches its full width; then 0.1 s more,
    so a wider pool is seen to be wider.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self.calls = self.finished = self.in_flight = self.peak = 0
        self.raised: list[Exception] = []
        self._released = width <= 1
        self._cond = threading.Condition()

    def __call__(self, anime_id: int) -> str:
        with self._cond:
            self.calls += 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self._cond.notify_all()
            if not self._released:
                if self._cond.wait_for(lambda: self.in_flight >= self.width, PATIENCE):
                    # Full width: a moment more, in which a pool that is too wide shows it.
                    self._cond.wait_for(lambda: self.in_flight > self.width, 0.1)
                self._released = True
                self._cond.notify_all()
        try:
            return english_slug(anime_id)
        except Exception as error:
            self.raised.append(error)
            raise
        finally:
            with self._cond:
                self.in_flight -= 1
                self.finished += 1
