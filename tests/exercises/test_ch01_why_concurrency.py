"""Chapter 1's checkers: what tests/exercises/mistakes/ch01_why_concurrency.md cannot say as data.

The common mistakes of exercises 1.2 and 1.3 and their hints are data, in that file (see
tests/plugins/mistakes.py); the right answers and the starters are the chapter's own cells
(tests/plugins/answers.py). Here: exercise 1.1, whose answer is a dict and not a function,
so that its wrong answers are the chapter's answer with one value changed; and the time a
hang costs.
"""

from __future__ import annotations

import time

import pytest

from lib.exercises.ch01_why_concurrency import (
    check_fetch_titles,
    check_predictions,
    check_smallest_pool,
)
from tests.plugins.answers import answer, starter
from tests.plugins.mistakes import feedback_on

CHECKS = {"1.1": check_predictions, "1.2": check_smallest_pool, "1.3": check_fetch_titles}


@pytest.mark.parametrize("number", ["1.1", "1.2", "1.3"])
def test_the_chapters_answers_pass_and_the_starters_are_not_attempted(number: str) -> None:
    assert CHECKS[number](answer(number)).passed
    assert CHECKS[number](starter(number)).not_attempted


def test_predictions_wrong_one_is_named() -> None:
    wrong = dict(answer("1.1"), **{"time.sleep(0.2)": "CPU-bound"})
    feedback = check_predictions(wrong)
    assert not feedback.passed
    assert len(feedback.hints) == 1 and "measured I/O-bound" in feedback.hints[0]


def test_predictions_partial_and_unknown() -> None:
    partial = dict(answer("1.1"), **{"time.sleep(0.2)": ...})
    assert "still `...`" in check_predictions(partial).hints[0]
    unknown = dict(answer("1.1"), **{"fetch_media(853)": "io"})
    assert "one of" in check_predictions(unknown).hints[0]


def test_smallest_pool_that_hangs_is_bounded() -> None:
    start = time.perf_counter()
    feedback, _ = feedback_on("1.2", "Waits longer than the check does")
    assert time.perf_counter() - start < 5, "the check stops at the first hang"
    assert len(feedback.failed_cases) == 1
