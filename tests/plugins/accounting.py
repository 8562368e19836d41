"""Account for every request: each one ends as a success or a counted failure, and none is lost.

A :class:`Ledger` takes what each request ended with, a result or the exception it raised, and
counts it by outcome: ``"ok"``, ``"HTTP 500"``, ``"HTTP 429"``, ``"timeout"``,
``"connection error"``, or the exception's type name for anything else.
:meth:`Ledger.check` then proves that the outcomes add up to the requests sent. It works the
same for threads (futures), asyncio (``gather(..., return_exceptions=True)``) and processes.

A process pool needs one more step: an exception raised in a worker is pickled back to the
parent, and one that does not survive pickling breaks the whole pool. :func:`fetch_outcome`
therefore classifies the outcome *inside* the worker and returns it as a plain string.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from concurrent.futures import Future
from typing import Any

import aiohttp
import requests

from lib.anilist.clients import DEFAULT_TIMEOUT, ApiError
from lib.demos.blocking_fetch import fetch_one

OK = "ok"
TIMEOUT = "timeout"
CONNECTION_ERROR = "connection error"


class RequestsUnaccounted(AssertionError):
    """The outcomes in a ledger do not add up to the requests sent."""


def outcome_of(result: Any) -> str:
    """Name what one request ended with: a result is ``"ok"``, an exception is classified.

    Timeouts from every client (``requests.Timeout``, ``TimeoutError``, which aiohttp's
    timeouts subclass) are ``"timeout"``; failures to connect are ``"connection error"``.
    """
    if not isinstance(result, BaseException):
        return OK
    if isinstance(result, ApiError):
        return f"HTTP {result.status}"
    if isinstance(result, requests.Timeout | TimeoutError):
        return TIMEOUT
    if isinstance(result, requests.ConnectionError | aiohttp.ClientConnectionError):
        return CONNECTION_ERROR
    return type(result).__name__


class Ledger:
    """Counts of what a batch of requests ended with, by outcome (see :func:`outcome_of`)."""

    def __init__(self, outcomes: Iterable[str] = ()) -> None:
        self.counts: Counter[str] = Counter(outcomes)

    def add(self, result: Any) -> str:
        """Record one request's result or exception; return its outcome."""
        return self.add_outcome(outcome_of(result))

    def add_outcome(self, outcome: str) -> str:
        """Record an outcome already named (say, by :func:`fetch_outcome` in a worker)."""
        self.counts[outcome] += 1
        return outcome

    def add_all(self, results: Iterable[Any]) -> Ledger:
        """Record many results or exceptions, e.g. from ``gather(return_exceptions=True)``."""
        for result in results:
            self.add(result)
        return self

    def add_futures(self, futures: Iterable[Future[Any]], timeout: float | None = None) -> Ledger:
        """Record each future's result or exception, waiting up to ``timeout`` s for each.

        Raises:
            TimeoutError: if a future is still not done after ``timeout`` seconds.
        """
        for future in futures:
            error = future.exception(timeout)
            self.add(error if error is not None else future.result())
        return self

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def ok(self) -> int:
        return self.counts[OK]

    @property
    def failed(self) -> int:
        return self.total - self.ok

    def http_statuses(self) -> dict[str, int]:
        """The outcomes a server sees as a status, keyed like its stats: ``{"200": 9, ...}``."""
        statuses = {"200": self.ok} if self.ok else {}
        for outcome, count in self.counts.items():
            if outcome.startswith("HTTP "):
                statuses[outcome.removeprefix("HTTP ")] = count
        return dict(sorted(statuses.items()))

    def check(self, sent: int) -> Ledger:
        """Prove that every one of ``sent`` requests is accounted for, exactly once.

        Raises:
            RequestsUnaccounted: if the successes and counted failures don't add up to ``sent``.
        """
        if self.total != sent:
            raise RequestsUnaccounted(f"{sent} requests sent, but {self}")
        return self

    def __str__(self) -> str:
        parts = [f"{count} {outcome}" for outcome, count in sorted(self.counts.items())]
        return f"{self.total} accounted for ({', '.join(parts) or 'nothing'})"


def fetch_outcome(base_url: str, media_id: int, timeout: float = DEFAULT_TIMEOUT) -> str:
    """Fetch one id with :func:`lib.demos.blocking_fetch.fetch_one` and return its outcome, never
    raising for a failed request: a process-pool worker whose result always pickles.

    Raises:
        TypeError: if ``media_id`` is not an int (a bug in the caller, not a failed request).
    """
    try:
        fetch_one(base_url, media_id, timeout)
    except TypeError:
        raise
    except Exception as error:
        return outcome_of(error)
    return OK
