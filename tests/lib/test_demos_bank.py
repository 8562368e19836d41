"""The shared bank account and its withdrawal threads (lib.demos.bank)."""

from __future__ import annotations

import functools
import threading
import time

import pytest

import lib.demos.bank
from lib.demos.bank import BankAccount, run_withdrawals
from lib.demos.bank_trace import Step, TracedAccount


@pytest.mark.parametrize("balance", [1000.0, "1000", True, None])
def test_balance_must_be_an_int(balance) -> None:
    with pytest.raises(TypeError, match="balance must be an int"):
        BankAccount(balance)


@pytest.mark.parametrize("method", ["withdraw_unsafe", "withdraw_safe"])
def test_one_withdrawal_alone_is_right(method: str) -> None:
    account = BankAccount(1000)
    getattr(account, method)(50)
    getattr(account, method)(50, pause=lambda: None)
    assert account.balance == 900


def test_forced_interleaving_always_loses_updates() -> None:
    for _ in range(20):
        account = BankAccount(1000)
        barrier = threading.Barrier(4, timeout=5)
        errors = run_withdrawals(account.withdraw_unsafe, 50, threads=4, pause=barrier.wait)
        assert errors == {}
        assert account.balance == 950  # all four read 1000 before any wrote


def test_trace_lists_read_pause_write_by_step_then_thread() -> None:
    account = TracedAccount(1000)
    barrier = threading.Barrier(3, timeout=5)
    run_withdrawals(account.withdraw_unsafe, 50, threads=3, pause=barrier.wait)
    names = ["withdrawal-1", "withdrawal-2", "withdrawal-3"]
    expected = (
        [Step(1, name, "read", 1000) for name in names]
        + [Step(2, name, "pause", 1000) for name in names]
        + [Step(3, name, "write", 950) for name in names]
    )
    assert account.steps() == expected


def test_no_pause_means_no_pause_step_and_reads_outside_are_not_steps() -> None:
    traced = TracedAccount(100)
    traced.withdraw_unsafe(10)
    assert traced.balance == 90
    assert [step.action for step in traced.steps()] == ["read", "write"]
    traced.withdraw_safe(10, pause=lambda: None)
    assert [step.action for step in traced.steps()] == ["read", "read", "pause", "write", "write"]


def test_the_lesson_holds_no_tracing() -> None:
    import inspect

    source = inspect.getsource(BankAccount)
    assert "trace" not in source.split('"""', 2)[2] and "_note" not in source


def test_the_lock_makes_the_forced_interleaving_impossible() -> None:
    account = BankAccount(1000)
    barrier = threading.Barrier(4, timeout=0.2)
    errors = run_withdrawals(account.withdraw_safe, 50, threads=4, pause=barrier.wait)
    assert sorted(errors) == [f"withdrawal-{n}" for n in range(1, 5)]
    assert all(isinstance(error, threading.BrokenBarrierError) for error in errors.values())
    assert account.balance == 1000


@pytest.mark.parametrize("together", [True, False])
def test_the_lock_never_loses_an_update(together: bool) -> None:
    pause = functools.partial(time.sleep, 0)
    for _ in range(50):
        account = BankAccount(1000)
        errors = run_withdrawals(account.withdraw_safe, 50, 4, pause, together=together)
        assert errors == {}
        assert account.balance == 800


def test_a_failing_pause_leaves_the_balance_and_releases_the_lock() -> None:
    account = BankAccount(1000)

    def fail() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        account.withdraw_safe(50, pause=fail)
    assert account.balance == 1000
    account.withdraw_safe(50)  # would deadlock if the lock had stayed held
    assert account.balance == 950


def test_errors_from_threads_are_returned_by_thread_name() -> None:
    seen: list[str] = []
    lock = threading.Lock()

    def withdraw(amount: int, pause: object) -> None:
        name = threading.current_thread().name
        with lock:
            seen.append(name)
        if name == "withdrawal-2":
            raise ValueError(f"refused {amount}")

    errors = run_withdrawals(withdraw, 50, threads=3)
    assert sorted(seen) == ["withdrawal-1", "withdrawal-2", "withdrawal-3"]
    assert list(errors) == ["withdrawal-2"]
    assert str(errors["withdrawal-2"]) == "refused 50"


def test_needs_at_least_one_thread() -> None:
    with pytest.raises(ValueError, match="at least one thread"):
        run_withdrawals(BankAccount(10).withdraw_unsafe, 1, threads=0)


def test_a_stuck_thread_is_reported_not_waited_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lib.demos.bank, "JOIN_TIMEOUT", 0.1)
    release = threading.Event()

    def stuck(amount: int, pause: object) -> None:
        release.wait(5)

    try:
        with pytest.raises(RuntimeError, match="withdrawal-1"):
            run_withdrawals(stuck, 1, threads=1, together=False)
    finally:
        release.set()
