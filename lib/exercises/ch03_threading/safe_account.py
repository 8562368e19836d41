"""The check of exercise 3.2: fix the bank account's race."""

from __future__ import annotations

from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Hung,
    call_bounded,
    exercise_check,
)
from lib.exercises._harness.interleaving import (
    open_account,
    withdraw_together,
    withdrawal,
)

__all__ = [
    "SAME_LOCK",
    "check_safe_account",
]


SAME_LOCK = "inside the same `with lock:`?"


@exercise_check("Exercise 3.2: fix the bank account's race")
def check_safe_account(checker: Checker, account_class: Any, *, time_limit: float = 4.0) -> None:
    """Withdraw from the learner's class alone, then from threads under a forced interleaving."""
    account, probe = open_account(account_class, 1000, time_limit)
    with checker.case("SafeAccount(1000).withdraw(50) leaves 950"):
        refused = call_bounded(withdrawal(account, probe, 50), time_limit=time_limit)
        assert refused is None, f"withdraw(50) from 1000 was refused: {refused}"
        if probe.reads == 0:
            raise CaseFailed("withdraw() never read self.balance: keep the balance there")
        assert probe.value == 950, f"the balance should be 950, not {probe.value!r}"
    with checker.case("withdrawing 50 from 30 raises ValueError and leaves 30"):
        account, probe = open_account(account_class, 30, time_limit)
        refused = call_bounded(withdrawal(account, probe, 50), time_limit=time_limit)
        assert refused is not None, f"withdraw(50) returned, and left {probe.value!r}"
        assert probe.value == 30, f"withdraw(50) raised, but the balance became {probe.value!r}"
    with checker.case("after a refusal, withdrawing 30 from 30 still works"):
        try:
            call_bounded(withdrawal(account, probe, 30), time_limit=time_limit)
        except Hung:
            raise Hung(
                f"withdraw(30) was still running after {time_limit:g} s, after withdraw(50) was "
                "refused: is "
                "the lock released when ValueError is raised? `with lock:` releases it for you"
            ) from None
        assert probe.value == 0, f"the balance should be 0, not {probe.value!r}"
    with checker.case("4 threads withdraw 50 from 1000 at once: 800 left"):
        account, probe = open_account(account_class, 1000, time_limit)
        refused = withdraw_together(account, probe, 50, 4, time_limit)
        assert not refused, f"{refused} of 4 withdrawals of 50 from 1000 were refused"
        lost, wrong = (probe.value - 800) // 50, (probe.value - 800) % 50
        if lost > 0 and not wrong:
            raise CaseFailed(
                f"{lost} of 4 withdrawals were lost: are the read and the write {SAME_LOCK}"
            )
        assert probe.value == 800, f"the balance should be 800, not {probe.value!r}"
    with checker.case("5 threads withdraw 50 from 100 at once: 2 paid, 3 refused, 0 left"):
        account, probe = open_account(account_class, 100, time_limit)
        paid = 5 - withdraw_together(account, probe, 50, 5, time_limit)
        lost = (probe.value - (100 - 50 * paid)) // 50
        if lost > 0:
            raise CaseFailed(
                f"{lost} of {paid} withdrawals that went through were lost: are the read and "
                f"the write {SAME_LOCK}"
            )
        if probe.value < 0:
            raise CaseFailed(
                f"the balance went to {probe.value}: {paid} of 5 withdrawals went through. Are "
                f"the check (is there enough?) and the withdrawal {SAME_LOCK}"
            )
        assert paid == 2 and probe.value == 0, f"{paid} paid, and {probe.value!r} is left"
