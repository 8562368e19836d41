"""lib.demos.account_transfers: accounts with a lock each, and transfers from many threads."""

from __future__ import annotations

import pytest

from lib.demos.account_transfers import Account, open_accounts, run_transfers
from lib.demos.deadlock import LockGraph


def move(source: Account, target: Account, amount: int) -> None:
    first, second = sorted((source, target), key=lambda account: account.number)
    with first.lock, second.lock:
        source.balance -= amount
        target.balance += amount


def test_accounts_are_numbered_and_their_locks_named() -> None:
    a, b = open_accounts(LockGraph(), 100, 50)
    assert (a.number, a.balance, a.lock.name) == (1, 100, "A")
    assert (b.number, b.balance, b.lock.name) == (2, 50, "B")
    with pytest.raises(ValueError):
        open_accounts(LockGraph())


def test_transfers_run_in_named_threads_and_errors_come_back() -> None:
    a, b = open_accounts(LockGraph(), 100, 100)
    assert run_transfers(move, [(a, b, 10), (b, a, 5)], repeat=3) == {}
    assert (a.balance, b.balance) == (85, 115)

    def fails(source: Account, target: Account, amount: int) -> None:
        raise ValueError("no")

    errors = run_transfers(fails, [(a, b, 1), (b, a, 1)])
    assert list(errors) == ["transfer-1", "transfer-2"]
    with pytest.raises(ValueError):
        run_transfers(move, [])
