"""A bank balance shared by threads: a race condition you can force, watch and then fix.

A withdrawal is a read-modify-write: read the balance, work out the new one, write it back.
:class:`BankAccount` does it two ways, without a lock and with one, and takes a ``pause`` to run
between the read and the write, so a chapter can decide what happens in that gap:
``threading.Barrier(n).wait`` makes every thread read before any of them writes (the race
always loses updates), ``time.sleep(0)`` merely invites a thread switch (it sometimes does).
:func:`run_withdrawals` starts the threads together and waits for all of them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = [
    "JOIN_TIMEOUT",
    "BankAccount",
    "Pause",
    "run_withdrawals",
]

Pause = Callable[[], object]
JOIN_TIMEOUT = 10.0  # seconds to wait for one withdrawal thread before giving up


class BankAccount:
    """A balance in whole currency units, with an unsafe and a safe ``withdraw``.

    (:class:`lib.demos.bank_trace.TracedAccount` is the same account, recording each step.)

    Raises:
        TypeError: if ``balance`` is not an int.
    """

    def __init__(self, balance: int) -> None:
        if isinstance(balance, bool) or not isinstance(balance, int):
            raise TypeError(f"balance must be an int, got {type(balance).__name__}")
        self.balance = balance
        self._lock = threading.Lock()  # guards the balance, in withdraw_safe only

    def withdraw_unsafe(self, amount: int, pause: Pause | None = None) -> None:
        """Read, pause, write back, with nothing to stop another thread in between.

        Exceptions from ``pause`` propagate; the balance is then left as it was.
        """
        seen = self.balance  # 1. read the shared balance into a local variable
        if pause is not None:
            pause()  # 2. whatever runs here may let other threads read the same value
        self.balance = seen - amount  # 3. write back, overwriting anything written meanwhile

    def withdraw_safe(self, amount: int, pause: Pause | None = None) -> None:
        """The same read, pause and write, made one indivisible step by a lock.

        Exceptions from ``pause`` propagate; the lock is released and the balance unchanged.
        """
        with self._lock:  # only one thread at a time gets past this line
            self.withdraw_unsafe(amount, pause)


def run_withdrawals(
    withdraw: Callable[[int, Pause | None], None],
    amount: int,
    threads: int,
    pause: Pause | None = None,
    *,
    together: bool = True,
) -> dict[str, BaseException]:
    """Call ``withdraw(amount, pause)`` once from each of ``threads`` new threads.

    The threads are named ``withdrawal-1``, ``withdrawal-2``, ... With ``together=True`` a
    barrier at the start line releases them all at the same moment, so that their withdrawals
    overlap as much as possible; with ``together=False`` each starts as soon as it is created.

    Returns:
        The exception each failed thread raised, by thread name; empty when all succeeded.

    Raises:
        ValueError: if ``threads`` is below 1.
        RuntimeError: if a thread is still running after ``JOIN_TIMEOUT`` seconds.
    """
    if threads < 1:
        raise ValueError(f"need at least one thread, got {threads}")
    start_line = threading.Barrier(threads) if together else None
    errors: dict[str, BaseException] = {}
    errors_lock = threading.Lock()

    def one_withdrawal() -> None:
        try:
            if start_line is not None:
                start_line.wait(JOIN_TIMEOUT)
            withdraw(amount, pause)
        except Exception as exc:  # reported to the caller, not lost in the thread
            with errors_lock:
                errors[threading.current_thread().name] = exc

    workers = [
        threading.Thread(target=one_withdrawal, name=f"withdrawal-{n}")
        for n in range(1, threads + 1)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(JOIN_TIMEOUT)
    stuck = [worker.name for worker in workers if worker.is_alive()]
    if stuck:
        raise RuntimeError(f"still running after {JOIN_TIMEOUT} s: {', '.join(stuck)}")
    return dict(sorted(errors.items()))
