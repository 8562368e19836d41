"""The code that chapter 15's tests test: a deadlock, a save in the background, a timeout.

- :class:`Account` and :func:`transfer`: a balance with a plain ``threading.Lock``, and a
  transfer that takes the source's lock, then the target's (two transfers in opposite
  directions can deadlock); :func:`transfer_ordered` takes the lower number first, always.
  Both take a ``pause``, called between the two locks, where a test can force the worst timing.
  :func:`start_opposite_transfers` forces it: two transfers in opposite directions, each held
  at a barrier once it holds its first lock.
- :class:`Store`: ``save_later`` saves in a thread of its own, which takes a few
  milliseconds, sometimes more (a disk, a network), and returns an ``Event`` set when saved.
- :func:`ask`: a request to a server that may never answer, given up after ``timeout``
  seconds (10 by default) with ``TimeoutError``.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Account",
    "Store",
    "ask",
    "start_opposite_transfers",
    "transfer",
    "transfer_ordered",
]

SAVE_SECONDS = 0.002  # the average time a save takes; a few take three times as long or more


@dataclass(eq=False)
class Account:
    """A balance with a lock of its own; ``number`` is unique among the accounts."""

    number: int
    balance: int
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


def transfer(
    source: Account, target: Account, amount: int, pause: Callable[[], object] | None = None
) -> None:
    """Move ``amount``, holding the source's lock, then the target's: it can deadlock."""
    with source.lock:
        if pause is not None:
            pause()  # holding the source's lock, not yet the target's
        with target.lock:
            source.balance -= amount
            target.balance += amount


def start_opposite_transfers(a: Account, b: Account) -> list[threading.Thread]:
    """Start two daemon threads: :func:`transfer` of 10 from ``a`` to ``b``, and of 20 back.

    Each waits at a barrier once it holds its first lock, until the other holds its own: so
    both hold one lock and wait for the other's, for ever. The threads are returned, started.
    """
    both_hold_one = threading.Barrier(2, timeout=1)
    threads = [
        threading.Thread(target=transfer, args=(a, b, 10, both_hold_one.wait), daemon=True),
        threading.Thread(target=transfer, args=(b, a, 20, both_hold_one.wait), daemon=True),
    ]
    for thread in threads:
        thread.start()
    return threads


def transfer_ordered(
    source: Account, target: Account, amount: int, pause: Callable[[], object] | None = None
) -> None:
    """Move ``amount``, taking the two locks in one order for every transfer: no deadlock."""
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock:
        if pause is not None:
            pause()
        with second.lock:
            source.balance -= amount
            target.balance += amount


class Store:
    """A dictionary that saves in the background."""

    def __init__(self, seconds: float = SAVE_SECONDS) -> None:
        self.saved: dict[str, Any] = {}
        self._seconds = seconds

    def save_later(self, key: str, value: Any) -> threading.Event:
        """Save ``value`` under ``key`` in a new thread; the ``Event`` is set once it is saved."""
        done = threading.Event()

        def save() -> None:
            time.sleep(random.expovariate(1 / self._seconds))  # how long a write takes varies
            self.saved[key] = value
            done.set()

        threading.Thread(target=save, name="store-save", daemon=True).start()
        return done


async def ask(server: asyncio.Future[str], timeout: float = 10.0) -> str:
    """The server's answer, or ``TimeoutError`` after ``timeout`` seconds without one.

    Raises:
        TimeoutError: if the server has not answered within ``timeout`` seconds.
    """
    async with asyncio.timeout(timeout):
        return await asyncio.shield(server)  # giving up does not cancel the server's work
