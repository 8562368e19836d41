"""Watch :class:`lib.demos.bank.BankAccount` from outside: which thread read, paused and wrote what.

:class:`TracedAccount` is the same account; only reading and writing its balance, and its
pause, are recorded, so the lesson's code in :mod:`lib.demos.bank` holds no tracing at all.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from lib.demos.bank import BankAccount, Pause

__all__ = ["Step", "TracedAccount"]


@dataclass(frozen=True)
class Step:
    """One thing one thread did to the account: step 1 read, 2 pause, 3 write."""

    step: int
    thread: str
    action: str
    value: int  # the balance the thread read (steps 1 and 2) or wrote (step 3)


class TracedAccount(BankAccount):
    """A :class:`~lib.demos.bank.BankAccount` that records each read, pause and write of a
    withdrawal as a :class:`Step`. Reads outside a withdrawal (checking the balance
    afterwards) are not steps.

    Raises:
        TypeError: if ``balance`` is not an int.
    """

    def __init__(self, balance: int) -> None:
        self._steps: list[Step] = []
        self._steps_lock = threading.Lock()  # guards the trace, never the balance
        self._inside = threading.local()  # per thread: in a withdrawal, and what it read
        self._balance = 0
        super().__init__(balance)

    @property  # the plain attribute of BankAccount, watched
    def balance(self) -> int:
        value = self._balance
        if getattr(self._inside, "withdrawing", False):
            self._inside.seen = value
            self._note(1, "read", value)
        return value

    @balance.setter
    def balance(self, value: int) -> None:
        self._balance = value
        if getattr(self._inside, "withdrawing", False):
            self._note(3, "write", value)

    def withdraw_unsafe(self, amount: int, pause: Pause | None = None) -> None:
        def noted_pause() -> object:
            self._note(2, "pause", self._inside.seen)
            return pause() if pause is not None else None

        self._inside.withdrawing = True
        try:
            super().withdraw_unsafe(amount, None if pause is None else noted_pause)
        finally:
            self._inside.withdrawing = False

    def _note(self, step: int, action: str, value: int) -> None:
        with self._steps_lock:
            self._steps.append(Step(step, threading.current_thread().name, action, value))

    def steps(self) -> list[Step]:
        """The recorded steps, by step number and then thread name (not by time)."""
        with self._steps_lock:
            return sorted(self._steps, key=lambda s: (s.step, s.thread))
