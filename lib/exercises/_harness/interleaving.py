"""Forcing the worst interleaving on a learner's bank account, for chapter 3's checker.

:class:`ForcedInterleaving` stands in for the account's ``balance``: a thread that has read
it, and holds none of the account's locks, waits there until every other withdrawal has read
it too (or finished). A racy account then loses updates on every run; a correct one, whose
read and write sit under one lock, never waits. :class:`WatchedLock` is how the checker sees
which locks a thread holds.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from lib.exercises._harness.checking import CaseFailed, Hung, NotAttempted, call_bounded

__all__ = [
    "LOCK_TYPES",
    "PATIENCE",
    "ForcedInterleaving",
    "WatchedLock",
    "open_account",
    "withdraw_together",
    "withdrawal",
]

PATIENCE = 1.5  # seconds a held thread waits for the others before it gives up on them


LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()))


class ForcedInterleaving:
    """The account's ``balance``, read and written through here, with the worst timing forced.

    During a run of withdrawals, a thread that has read the balance and not yet written it,
    and holds none of the account's (watched) locks, is *exposed*: it waits there until every
    other withdrawal of the run is exposed too, or finished, and then all go on together (or
    after ``PATIENCE`` seconds, once per run, if some are blocked by a lock the check cannot
    see). If a read and its write are not inside one critical section, every thread reads
    the same balance before any writes, and updates are lost on every run.
    """

    def __init__(self) -> None:
        self.value: Any = None
        self.reads = 0
        self._cond = threading.Condition()
        self._running = 0  # withdrawals of the run not finished; 0: no run, nobody waits
        self._members: set[int] = set()  # the threads doing the run's withdrawals
        self._pending: set[int] = set()  # members that have read and not written since
        self._held: Counter[int] = Counter()  # watched locks held, by thread
        self._exposed = self._round = 0
        self._gave_up = False

    def start_run(self, threads: int) -> None:
        with self._cond:
            self._running, self._exposed, self._gave_up = threads, 0, False
            self._members.clear()
            self._pending.clear()

    def end_run(self) -> None:
        with self._cond:
            self._running = 0
            self._release_all()

    def enter(self) -> None:
        """The calling thread starts one of the run's withdrawals."""
        with self._cond:
            if self._running:
                self._members.add(threading.get_ident())

    def leave(self) -> None:
        """The calling thread's withdrawal has returned or raised."""
        with self._cond:
            if threading.get_ident() in self._members:
                self._members.discard(threading.get_ident())
                self._running -= 1
                if self._exposed >= self._running:
                    self._release_all()

    def read(self) -> Any:
        with self._cond:
            value, self.reads = self.value, self.reads + 1
            if threading.get_ident() in self._members:
                self._pending.add(threading.get_ident())
        self._hold_if_exposed()
        return value

    def write(self, value: Any) -> None:
        with self._cond:
            self.value = value
            self._pending.discard(threading.get_ident())

    def acquired(self) -> None:
        with self._cond:
            self._held[threading.get_ident()] += 1

    def released(self) -> None:
        with self._cond:
            self._held[threading.get_ident()] -= 1
        self._hold_if_exposed()

    def _release_all(self) -> None:
        self._exposed, self._round = 0, self._round + 1
        self._cond.notify_all()

    def _hold_if_exposed(self) -> None:
        me = threading.get_ident()
        with self._cond:
            if self._gave_up or me not in self._pending or self._held[me] > 0:
                return
            self._exposed += 1
            if self._exposed >= self._running:
                self._release_all()  # the last one in: everyone goes on
                return
            this_round = self._round
            if not self._cond.wait_for(lambda: self._round != this_round, PATIENCE):
                self._gave_up = True  # others are blocked by a lock the check cannot see
                self._release_all()


class WatchedLock:
    """A lock of the learner's account, telling the interleaving when it is held."""

    def __init__(self, lock: Any, probe: ForcedInterleaving) -> None:
        self._lock, self._probe = lock, probe

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        if self._lock.acquire(blocking, timeout):
            self._probe.acquired()
            return True
        return False

    def release(self) -> None:
        self._lock.release()
        self._probe.released()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._lock, name)


def open_account(
    account_class: Any, balance: int, time_limit: float
) -> tuple[Any, ForcedInterleaving]:
    """An instance of the learner's class whose ``balance`` and locks are watched."""
    if account_class is Ellipsis:
        raise NotAttempted
    if not isinstance(account_class, type):
        raise CaseFailed(f"SafeAccount should be a class, not {type(account_class).__name__}")
    probe = ForcedInterleaving()
    watched = property(lambda self: probe.read(), lambda self, value: probe.write(value))
    try:
        probed = type(account_class.__name__, (account_class,), {"balance": watched})
    except TypeError as error:
        raise CaseFailed(f"the check cannot subclass {account_class.__name__}: {error}") from None
    account = call_bounded(probed, balance, time_limit=time_limit)
    if probe.value != balance:
        raise CaseFailed(f"after SafeAccount({balance}), self.balance should be {balance}")
    attributes = dict(getattr(account, "__dict__", {}))
    for klass in type(account).__mro__:  # a name found first hides the same name further on
        attributes = {**vars(klass), **attributes}
    for name, value in attributes.items():
        if isinstance(value, LOCK_TYPES):
            with contextlib.suppress(AttributeError, TypeError):  # e.g. __slots__ without it
                setattr(account, name, WatchedLock(value, probe))
    return account, probe


def withdrawal(
    account: Any, probe: ForcedInterleaving, amount: int
) -> Callable[[], ValueError | None]:
    """``account.withdraw(amount)``, returning the ValueError of a refusal instead of raising."""

    def withdraw() -> ValueError | None:
        probe.enter()
        try:
            account.withdraw(amount)
        except ValueError as refused:
            return refused
        finally:
            probe.leave()
        return None

    return withdraw


def withdraw_together(
    account: Any, probe: ForcedInterleaving, amount: int, threads: int, time_limit: float
) -> int:
    """Withdraw ``amount`` from ``threads`` threads at once; return how many were refused.

    Raises:
        Hung: if a withdrawal is still running after ``time_limit`` seconds.
        CaseFailed: if a withdrawal raises anything but ValueError.
    """
    outcomes: list[Any] = []
    start_line = threading.Barrier(threads)

    def one() -> None:
        try:
            start_line.wait(time_limit)
            outcomes.append(call_bounded(withdrawal(account, probe, amount), time_limit=time_limit))
        except Exception as failure:  # CaseFailed, Hung, NotAttempted: re-raised below
            outcomes.append(failure)

    workers = [
        threading.Thread(target=one, name=f"check-withdrawal-{n}", daemon=True)
        for n in range(1, threads + 1)
    ]
    probe.start_run(threads)
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 2 * time_limit + 1
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    probe.end_run()
    for outcome in outcomes:
        if isinstance(outcome, Hung):
            raise Hung(
                f"a withdrawal was still running after {time_limit:g} s while others ran at "
                "the same time: does a thread wait for a lock that is never released?"
            )
        if isinstance(outcome, Exception) and not isinstance(outcome, ValueError):
            raise outcome
    return sum(isinstance(outcome, ValueError) for outcome in outcomes)
