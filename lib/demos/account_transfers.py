"""Accounts with a lock each, and transfers between them from many threads at once.

A transfer takes two locks, its source's and its target's, so two transfers in opposite
directions can deadlock (chapter 11). :class:`Account` carries a lock from a
:class:`~lib.demos.deadlock.LockGraph`, so a :class:`~lib.demos.deadlock.Watchdog` can see and break
such a deadlock. :func:`run_transfers` starts one thread per transfer, together, and returns
what each failed thread raised.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lib.demos.deadlock import LockGraph, WatchedLock

__all__ = [
    "JOIN_TIMEOUT",
    "Account",
    "Transfer",
    "open_accounts",
    "run_transfers",
]

JOIN_TIMEOUT = 10.0  # seconds to wait for one transfer thread before giving up
Transfer = tuple["Account", "Account", int]  # source, target, amount


@dataclass(eq=False)
class Account:
    """A balance with a lock of its own; ``number`` is unique among the accounts."""

    number: int
    balance: int
    lock: WatchedLock


def open_accounts(graph: LockGraph, *balances: int) -> list[Account]:
    """Accounts numbered 1, 2, ..., with the given balances, their locks named A, B, ...

    Raises:
        ValueError: if there are no balances, or more than 26.
    """
    if not 0 < len(balances) <= 26:
        raise ValueError(f"between 1 and 26 accounts, not {len(balances)}")
    return [
        Account(number, balance, graph.lock(chr(ord("A") + number - 1)))
        for number, balance in enumerate(balances, start=1)
    ]


def run_transfers(
    transfer: Callable[[Account, Account, int], object],
    transfers: Sequence[Transfer],
    *,
    repeat: int = 1,
) -> dict[str, BaseException]:
    """Call ``transfer(source, target, amount)`` for each transfer, each in a thread of its own.

    The threads are named ``transfer-1``, ``transfer-2``, ... and released together by a
    barrier at the start line; each makes its transfer ``repeat`` times.

    Returns:
        The exception each failed thread raised, by thread name; empty when all succeeded.

    Raises:
        ValueError: if there are no transfers, or ``repeat`` is below 1.
        RuntimeError: if a thread is still running after ``JOIN_TIMEOUT`` seconds.
    """
    if not transfers or repeat < 1:
        raise ValueError("need at least one transfer, made at least once")
    start_line = threading.Barrier(len(transfers))
    errors: dict[str, BaseException] = {}
    errors_lock = threading.Lock()

    def run(source: Account, target: Account, amount: int) -> None:
        try:
            start_line.wait(JOIN_TIMEOUT)
            for _ in range(repeat):
                transfer(source, target, amount)
        except Exception as exc:  # reported to the caller, not lost in the thread
            with errors_lock:
                errors[threading.current_thread().name] = exc

    threads = [
        threading.Thread(target=run, args=spec, name=f"transfer-{n}")
        for n, spec in enumerate(transfers, start=1)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    stuck = [thread.name for thread in threads if thread.is_alive()]
    if stuck:
        raise RuntimeError(f"still running after {JOIN_TIMEOUT} s: {', '.join(stuck)}")
    return dict(sorted(errors.items()))
