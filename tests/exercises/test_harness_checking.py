"""The exercise-checking machinery: bounded calls, starters, and feedback."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator

import pytest

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    NotAttempted,
    call_bounded,
    exercise_check,
    require_accounted,
    require_function,
    require_type,
)


def test_call_bounded_returns_the_value() -> None:
    assert call_bounded(lambda x: x * 2, 21) == 42


def test_call_bounded_runs_async_functions_to_completion() -> None:
    async def double(x: int) -> int:
        return x * 2

    assert call_bounded(double, 4) == 8


def test_an_async_answer_leaves_no_generator_or_task_behind() -> None:
    closed: list[str] = []

    async def numbers() -> AsyncIterator[int]:
        try:
            yield 1
            yield 2
        finally:
            closed.append("generator")

    async def forever() -> None:
        try:
            await asyncio.sleep(3600)
        finally:
            closed.append("task")

    tasks: list[asyncio.Task[None]] = []

    async def answer() -> AsyncIterator[int]:
        generator = numbers()
        await anext(generator)  # suspended at its first yield, and returned, never closed
        tasks.append(asyncio.get_running_loop().create_task(forever()))  # never awaited
        return generator

    call_bounded(answer, time_limit=5)
    assert sorted(closed) == ["generator", "task"]


def test_a_starter_that_raises_not_implemented_is_not_attempted() -> None:
    def starter() -> None:
        raise NotImplementedError

    with pytest.raises(NotAttempted):
        call_bounded(starter)


def test_an_ellipsis_answer_is_not_attempted() -> None:
    with pytest.raises(NotAttempted):
        call_bounded(...)
    with pytest.raises(NotAttempted):
        require_type(..., int, "the answer")


def test_a_hanging_answer_is_reported_within_the_time_limit() -> None:
    release = threading.Event()
    start = time.perf_counter()
    with pytest.raises(CaseFailed, match=r"still running after 0\.2 s"):
        call_bounded(release.wait, time_limit=0.2)
    assert time.perf_counter() - start < 1.0
    release.set()  # let the abandoned thread finish


def test_an_exception_becomes_a_hint_not_a_traceback() -> None:
    def broken() -> None:
        raise KeyError("missing")

    with pytest.raises(CaseFailed, match="raised KeyError"):
        call_bounded(broken)


def test_a_non_callable_answer_is_rejected() -> None:
    with pytest.raises(CaseFailed, match="expected a function, got int"):
        call_bounded(3)


def test_require_type_hints_at_a_missing_return() -> None:
    with pytest.raises(CaseFailed, match="forget a `return`"):
        require_type(None, int, "the pool size")
    with pytest.raises(CaseFailed, match="should be an int, not str"):
        require_type("5", int, "the pool size")
    with pytest.raises(CaseFailed, match="should be a number"):
        require_type(True, int, "the pool size")


@exercise_check("Demo exercise")
def check_double(checker: Checker, double: object) -> None:
    for value in (1, 2, 3):
        with checker.case(f"double({value})"):
            result = require_type(call_bounded(double, value, time_limit=1), int, "the result")
            if result != 2 * value:
                raise CaseFailed(f"expected {2 * value}, got {result}")


def test_feedback_for_a_right_answer() -> None:
    feedback = check_double(lambda x: 2 * x)
    assert feedback.passed
    assert str(feedback).endswith("All 3 checks passed.")


def test_feedback_for_a_wrong_answer_names_each_failed_case() -> None:
    feedback = check_double(lambda x: x + 1)
    assert not feedback.passed
    assert feedback.hints == ["expected 4, got 3", "expected 6, got 4"]
    assert "1 of 3 checks passed." in str(feedback)


def test_feedback_for_the_starter_is_not_attempted() -> None:
    def starter(x: int) -> int:
        raise NotImplementedError

    feedback = check_double(starter)
    assert feedback.not_attempted and not feedback.passed
    assert "Not attempted yet" in str(feedback)
    assert "✗" not in str(feedback)


# --- the shared cases: a function was given, every request accounted for -------------------


def test_require_function_names_it_and_refuses_what_is_not_one() -> None:
    async def fetch_all() -> None: ...

    assert require_function(fetch_all) == "fetch_all"
    with pytest.raises(NotAttempted):
        require_function(...)
    with pytest.raises(CaseFailed, match="expected an `async def` function, got int"):
        require_function(3, "an `async def` function")
    called = fetch_all()
    with pytest.raises(CaseFailed, match="got a coroutine: pass the function itself"):
        require_function(called)
    assert called.cr_frame is None  # closed, so Python does not warn it was never awaited


def test_require_accounted_passes_when_every_id_ended_somewhere() -> None:
    require_accounted([1, 2, 3], {1: "a", 2: ValueError(), 3: "c"}, what="ids", keep="-")
    require_accounted([], {}, what="ids", keep="-")


def test_require_accounted_says_when_the_lost_ones_all_raised() -> None:
    with pytest.raises(CaseFailed) as lost:
        require_accounted(
            [1, 2, 3, 4], {1: "a", 4: "d"}, what="requests", failing={2, 3}, keep="keep them"
        )
    assert str(lost.value) == "2 of 4 requests were lost, all of them calls that raised: keep them"


def test_require_accounted_lists_lost_ids_that_did_not_raise() -> None:
    with pytest.raises(CaseFailed) as lost:
        require_accounted([5, 3, 1], {1: "a"}, what="ids", failing={3}, keep="every id counts")
    assert str(lost.value) == "2 of 3 ids were lost (ids [3, 5]): every id counts"
