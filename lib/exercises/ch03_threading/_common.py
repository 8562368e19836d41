"""What chapter 3's checkers share: the reference answers, and a probe of how many calls overlap."""

from __future__ import annotations

import re
import threading
from concurrent.futures import Future
from typing import Any

from lib.anilist.catalogue import lookup_media
from lib.exercises._harness.checking import (
    CaseFailed,
)
from lib.exercises._harness.interleaving import (
    PATIENCE,
)

__all__ = [
    "Overlap",
    "compare",
    "english_slug",
    "raising",
    "reference",
]


def english_slug(anime_id: int) -> str:
    """A URL slug of the English title, like the chapter's ``english_slug``, with no network.

    Raises:
        LookupError: if no anime has this id.
        AttributeError: if the anime has no English title (``None`` has no ``.lower()``).
    """
    media = lookup_media(anime_id)
    if media is None:
        raise LookupError(f"no anime with id {anime_id}")
    english = media["title"]["english"]
    return re.sub(r"\W+", "-", english.lower()).strip("-")  # type: ignore[union-attr]


def reference(ids: list[int]) -> dict[int, Any]:
    """Each id's slug, or the exception it raises, computed one after another."""
    outcomes: dict[int, Any] = {}
    for anime_id in ids:
        try:
            outcomes[anime_id] = english_slug(anime_id)
        except (LookupError, AttributeError) as error:
            outcomes[anime_id] = error
    return outcomes


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


def raising(ids: list[int]) -> set[int]:
    """The ids among ``ids`` whose call raises."""
    return {anime_id for anime_id, want in reference(ids).items() if isinstance(want, Exception)}


def compare(outcomes: dict[Any, Any], expected: dict[int, Any], where: str) -> None:
    """Raise CaseFailed unless each slug and each exception's type in ``outcomes`` is right.
    Missing ids are left to the case that counts the lost ones."""
    for anime_id, want in expected.items():
        if anime_id not in outcomes:
            continue
        got = outcomes[anime_id]
        if isinstance(got, Future):
            raise CaseFailed(f"{where}[{anime_id}] is a Future: store future.result() instead")
        if isinstance(want, str) and got != want:
            raise CaseFailed(f"{where}[{anime_id}] should be {want!r}, got {got!r}")
        if isinstance(want, Exception) and type(got) is not type(want):
            kept = type(got).__name__
            raise CaseFailed(
                f"id {anime_id} raised {type(want).__name__}, but {where} holds a {kept}: keep "
                "the exception object itself (`except Exception as error: ... = error`)"
            )
