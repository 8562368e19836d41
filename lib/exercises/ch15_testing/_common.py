"""What the checks of chapter 15 share: a learner's test, run against one implementation.

Each exercise asks for a *test*. A check runs it against a correct implementation, where it
must pass, and against broken ones, where it must fail, every time and quickly. A test
"fails" when it raises (an ``AssertionError``, or anything else); it "hangs" when it is
still running after the time limit, which is reported, not waited for.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lib.exercises._harness.checking import CaseFailed, Hung, NotAttempted, call_bounded

__all__ = [
    "TestRun",
    "require_fails",
    "require_passes",
    "run_test",
]


@dataclass
class TestRun:
    """One run of the learner's test: ``error`` is the hint-ready reason it failed, if it did."""

    __test__ = False  # not a test class, whatever pytest makes of its name

    error: str | None
    hung: bool
    seconds: float

    @property
    def passed(self) -> bool:
        return self.error is None


def run_test(call: Callable[[], Any], name: str, time_limit: float) -> TestRun:
    """Run ``call`` (the learner's test with its arguments), bounded by ``time_limit``.

    Raises:
        NotAttempted: if the test is still the starter.
    """
    start = time.perf_counter()
    call.__name__ = name  # for call_bounded's messages
    try:
        call_bounded(call, time_limit=time_limit)
    except NotAttempted:
        raise
    except Hung:
        return TestRun(f"still running after {time_limit:g} s", True, time.perf_counter() - start)
    except CaseFailed as failed:
        reason = str(failed).removeprefix(f"{name}() raised ")
        return TestRun(reason, False, time.perf_counter() - start)
    return TestRun(None, False, time.perf_counter() - start)


def require_passes(runs: list[TestRun], against: str, hint: str) -> None:
    """Every run passed.

    Raises:
        CaseFailed: naming the first failure, then ``hint``.
    """
    for run in runs:
        if run.hung:
            raise CaseFailed(f"against {against}, your test hung ({run.error}): {hint}")
        if not run.passed:
            raise CaseFailed(f"against {against}, your test failed ({run.error}): {hint}")


def require_fails(runs: list[TestRun], against: str, hint: str, *, within: float) -> None:
    """Every run failed, each within ``within`` seconds, without hanging.

    Raises:
        CaseFailed: saying how many runs passed, or that the test hung or was slow, then
            ``hint``.
    """
    passed = sum(run.passed for run in runs)
    if passed:
        raise CaseFailed(
            f"against {against}, your test passed {passed} of {len(runs)} runs: {hint}"
        )
    for run in runs:
        if run.hung or run.seconds > within:
            raise CaseFailed(
                f"against {against}, your test took more than {within:g} s to fail: give every "
                "wait a timeout (join(timeout=...)), and fail when it runs out"
            )
