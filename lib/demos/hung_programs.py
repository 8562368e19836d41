"""Programs that hang for real, for chapter 14 to find with its debugging tools.

Run one with ``python -m lib.demos.hung_programs NAME [--watchdog SECONDS] [--limit SECONDS]``.
Each prints ``ready`` once it is stuck (or, for the fixed one, once it has started), and:

- registers :mod:`faulthandler` on SIGUSR1 (where the system has it), so that the signal makes
  it write every thread's stack to stderr;
- with ``--watchdog SECONDS``, arms ``faulthandler.dump_traceback_later(SECONDS, exit=True)``:
  if the program is still running then, it writes every thread's stack and exits (status 1);
- lets any process of the same user read its memory (``py-spy``, ``python -m asyncio ps``);
- exits at once when its standard input closes (the parent is done, or gone), and after
  ``--limit`` seconds whatever happens (status 3). Its main thread stays free to run Python
  every 0.1 s, so ``sys.remote_exec`` (Python 3.14) reaches it.

The names:

- ``deadlock``: two transfers between two accounts take the accounts' locks in opposite
  orders; a barrier makes the deadlock certain. ``deadlock_fixed``: the same transfers, many
  times, locks taken in one order: it ends by itself.
- ``payroll``: exercise 14.1's program, two other functions with the same mistake.
- ``tasks``: an asyncio service whose two tasks await each other, beside a heartbeat task.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import inspect
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "GAVE_UP",
    "PROGRAMS",
    "Account",
    "Books",
    "audit",
    "main",
    "pay",
    "service",
    "transfer",
    "transfer_ordered",
    "transfer_patient",
]

GAVE_UP = 3  # the exit status when --limit ran out


@dataclass(eq=False)
class Account:
    """An account: a number, a balance and a lock of its own."""

    number: int
    balance: int
    lock: Any = field(default_factory=threading.Lock)


def transfer(source: Account, target: Account, amount: int, pause: Callable[[], object]) -> None:
    """Chapter 11's first transfer: the source's lock, then the target's."""
    with source.lock:
        pause()  # holding the source's lock, not yet the target's
        with target.lock:
            source.balance -= amount
            target.balance += amount


def transfer_patient(
    source: Account, target: Account, amount: int, pause: Callable[[], object], patience: float
) -> bool:
    """:func:`transfer`, giving up (False) when the target's lock is not free within
    ``patience`` seconds: it deadlocks for a while, not for ever."""
    with source.lock:
        pause()
        if not target.lock.acquire(timeout=patience):
            return False
        try:
            source.balance -= amount
            target.balance += amount
        finally:
            target.lock.release()
        return True


def transfer_ordered(
    source: Account, target: Account, amount: int, pause: Callable[[], object]
) -> None:
    """The fix: the lower-numbered account's lock first, whichever way the money goes."""
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock:
        pause()
        with second.lock:
            source.balance -= amount
            target.balance += amount


def _threads(*jobs: tuple[str, Callable[..., object], tuple[Any, ...]]) -> list[threading.Thread]:
    threads = [
        threading.Thread(target=fn, args=args, name=name, daemon=True) for name, fn, args in jobs
    ]
    for thread in threads:
        thread.start()
    return threads


def _second_acquire(fn: Callable[..., object]) -> int:
    """The line of ``fn`` just after its ``pause()``: where it takes its second lock."""
    lines, first = inspect.getsourcelines(fn)
    return first + next(n for n, text in enumerate(lines) if "pause()" in text) + 1


def _until_stuck(threads: list[threading.Thread], fns: Sequence[Callable[..., object]]) -> None:
    """Return once each thread's innermost frame is on its second acquire (10 s at most)."""
    pairs = zip(threads, fns, strict=True)
    where = [(thread.ident, fn.__code__, _second_acquire(fn)) for thread, fn in pairs]
    deadline = time.monotonic() + 10.0
    while time.monotonic() < deadline:
        frames = sys._current_frames()
        if all(
            (frame := frames.get(ident or 0)) is not None
            and frame.f_code is code
            and frame.f_lineno == line
            for ident, code, line in where
        ):
            return
        time.sleep(0.005)


def _wait(threads: list[threading.Thread], stuck_in: Sequence[Callable[..., object]] = ()) -> None:
    if stuck_in:
        _until_stuck(threads, stuck_in)  # a stack dump from now on shows the deadlock
        print("ready", flush=True)
    for thread in threads:  # in steps, so that the main thread runs Python every 0.1 s
        # One line, so a stack dump names it whether it lands in join() or in is_alive().
        while thread.join(0.1) or thread.is_alive():  # type: ignore[func-returns-value]
            pass


def deadlock() -> None:
    a, b = Account(1, 100), Account(2, 100)
    both_hold_one = threading.Barrier(2)
    threads = _threads(
        ("transfer-1", transfer, (a, b, 10, both_hold_one.wait)),
        ("transfer-2", transfer, (b, a, 20, both_hold_one.wait)),
    )
    _wait(threads, stuck_in=(transfer, transfer))


def deadlock_fixed() -> None:
    a, b = Account(1, 1_000), Account(2, 1_000)

    def many(source: Account, target: Account) -> None:
        for _ in range(200):
            transfer_ordered(source, target, 10, lambda: time.sleep(0))

    print("ready", flush=True)
    _wait(_threads(("transfer-1", many, (a, b)), ("transfer-2", many, (b, a))))
    print(f"done: balances {a.balance} and {b.balance}, total {a.balance + b.balance}")


class Books:
    """Exercise 14.1's shared state: a payroll and a bank, each with its lock."""

    def __init__(self) -> None:
        self.payroll_lock, self.bank_lock = threading.Lock(), threading.Lock()
        self.owed, self.paid = 1_000, 0


def pay(books: Books, amount: int, pause: Callable[[], object]) -> None:
    with books.payroll_lock:
        pause()
        with books.bank_lock:
            books.owed -= amount
            books.paid += amount


def audit(books: Books, pause: Callable[[], object]) -> int:
    with books.bank_lock:
        pause()
        with books.payroll_lock:
            return books.owed + books.paid


def payroll() -> None:
    books, both_hold_one = Books(), threading.Barrier(2)
    threads = _threads(
        ("payroll", pay, (books, 50, both_hold_one.wait)),
        ("auditor", audit, (books, both_hold_one.wait)),
    )
    _wait(threads, stuck_in=(pay, audit))


async def take_order(tasks: dict[str, asyncio.Task[Any]]) -> None:
    await asyncio.sleep(0)
    await tasks["payments"]  # waits for the payment to go through...


async def charge_card(tasks: dict[str, asyncio.Task[Any]]) -> None:
    await asyncio.sleep(0)
    await tasks["orders"]  # ...which waits for the order to be taken


async def _heartbeat() -> None:
    while True:
        await asyncio.sleep(0.1)


async def service() -> None:
    tasks: dict[str, asyncio.Task[Any]] = {}
    tasks["orders"] = asyncio.create_task(take_order(tasks), name="orders")
    tasks["payments"] = asyncio.create_task(charge_card(tasks), name="payments")
    beat = asyncio.create_task(_heartbeat(), name="heartbeat")
    await asyncio.sleep(0.05)
    print("ready", flush=True)
    await asyncio.gather(tasks["orders"], tasks["payments"], beat)


def tasks() -> None:
    asyncio.run(service())


PROGRAMS: dict[str, Callable[[], None]] = {
    "deadlock": deadlock,
    "deadlock_fixed": deadlock_fixed,
    "payroll": payroll,
    "tasks": tasks,
}


def _allow_any_inspector() -> None:
    from lib.demos.task_tree import allow_any_inspector

    allow_any_inspector()


def _watch_stdin() -> None:
    while os.read(sys.stdin.fileno(), 1024):
        pass
    os._exit(0)


def _give_up(limit: float) -> None:
    time.sleep(limit)
    print(f"gave up after {limit:g} s", file=sys.stderr, flush=True)
    os._exit(GAVE_UP)


def _exit_when_stdin_closes(limit: float) -> None:
    threading.Thread(target=_watch_stdin, name="stdin-watcher", daemon=True).start()
    threading.Thread(target=_give_up, args=(limit,), name="time-limit", daemon=True).start()


def main(argv: Sequence[str] | None = None) -> int:
    """Run one program; return 0 when it ends by itself.

    Raises:
        SystemExit: for an unknown name (argparse's message).
    """
    parser = argparse.ArgumentParser(prog="python -m lib.demos.hung_programs")
    parser.add_argument("name", choices=sorted(PROGRAMS))
    parser.add_argument("--watchdog", type=float, default=None)
    parser.add_argument("--limit", type=float, default=60.0)
    options = parser.parse_args(argv)
    _allow_any_inspector()
    if hasattr(signal, "SIGUSR1"):
        faulthandler.register(signal.SIGUSR1, all_threads=True)
    if options.watchdog is not None:
        faulthandler.dump_traceback_later(options.watchdog, exit=True)
    _exit_when_stdin_closes(options.limit)
    PROGRAMS[options.name]()
    faulthandler.cancel_dump_traceback_later()
    return 0


if __name__ == "__main__":
    sys.exit(main())
