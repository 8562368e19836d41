"""The check of exercise 2.3: a pool for pure-Python work."""

from __future__ import annotations

import concurrent.futures
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    require_type,
)
from lib.exercises._harness.gil_probe import (
    PretendInterpreterPoolExecutor,
    pretend_interpreter,
)

__all__ = [
    "POOL_HINTS",
    "PRETEND_INTERPRETERS",
    "check_pool_for_python_work",
]


# (description, Py_GIL_DISABLED, sys._is_gil_enabled(), has InterpreterPoolExecutor)
PRETEND_INTERPRETERS = [
    ("Python 3.12: no sys._is_gil_enabled", None, None, False),
    ("Python 3.13, default build", 0, True, False),
    ("Python 3.13t, GIL disabled", 1, False, False),
    ("Python 3.13t, GIL turned back on (PYTHON_GIL=1)", 1, True, False),
    ("Python 3.14, default build", 0, True, True),
    ("Python 3.14t, GIL disabled", 1, False, True),
]

POOL_HINTS = {
    "threads": "the GIL is off here (sys._is_gil_enabled() returns False), so threads run "
    "Python code in parallel, with no copying at all",
    "back on": "this build is free-threaded, yet the GIL is on again: ask whether the GIL is "
    "on now (sys._is_gil_enabled()), not how Python was built",
    "interpreters": "the GIL is on, and concurrent.futures has InterpreterPoolExecutor: each "
    "sub-interpreter has its own GIL, and all of them live in this one process",
    "processes": "the GIL is on and there is no InterpreterPoolExecutor: only processes run "
    "Python code on several cores here",
}


def _expected_pool(gil_enabled: bool | None, interpreter_pool: Any) -> tuple[type, str]:
    if gil_enabled is False:
        return ThreadPoolExecutor, "threads"
    if interpreter_pool:
        return interpreter_pool, "interpreters"
    return ProcessPoolExecutor, "processes"


def _judge_pool(answer: Any, expected: type, hint: str) -> None:
    if isinstance(answer, concurrent.futures.Executor):
        answer.shutdown(wait=False, cancel_futures=True)
        raise CaseFailed("return the executor class itself, not a pool made from it")
    if isinstance(answer, str):
        raise CaseFailed(f"return the class (such as ThreadPoolExecutor), not the text {answer!r}")
    require_type(answer, type, "the result of pool_for_python_work()")
    if answer is not expected:
        raise CaseFailed(f"got {answer.__name__}, expected {expected.__name__}: {hint}")


def _missing_feature_hint(failure: CaseFailed) -> CaseFailed:
    text = str(failure)
    if "_is_gil_enabled" in text:
        return CaseFailed(
            f"{text} (it only exists from Python 3.13: look it up with "
            "getattr(sys, '_is_gil_enabled', None))"
        )
    if "InterpreterPoolExecutor" in text:
        return CaseFailed(
            f"{text} (it only exists from Python 3.14: look it up with "
            "getattr(concurrent.futures, 'InterpreterPoolExecutor', None))"
        )
    return failure


@exercise_check("Exercise 2.3: a pool for pure-Python work")
def check_pool_for_python_work(checker: Checker, pool_for_python_work: Any) -> None:
    """Call the learner's function on pretend interpreters, then on this one as it is."""
    for description, build, gil_enabled, has_pool in PRETEND_INTERPRETERS:
        with checker.case(f"pretend {description}"):
            with pretend_interpreter(build, gil_enabled, has_pool):
                try:
                    answer = call_bounded(pool_for_python_work, time_limit=2)
                except CaseFailed as failure:
                    raise _missing_feature_hint(failure) from None
            expected, why = _expected_pool(gil_enabled, has_pool and PretendInterpreterPoolExecutor)
            if build == 1 and gil_enabled:
                why = "back on"
            _judge_pool(answer, expected, POOL_HINTS[why])
    with checker.case("this kernel, as it really is"):
        is_enabled = getattr(sys, "_is_gil_enabled", None)
        expected, why = _expected_pool(
            None if is_enabled is None else bool(is_enabled()),
            getattr(concurrent.futures, "InterpreterPoolExecutor", None),
        )
        answer = call_bounded(pool_for_python_work, time_limit=2)
        _judge_pool(answer, expected, POOL_HINTS[why])
