"""The common mistakes of the chapters that ``test_mistakes.GROUPS`` gives this file.

The data and the machinery are in ``test_mistakes.py``; this file only runs its share of the
cases, beside the other two, under pytest-xdist.
"""

from __future__ import annotations

import pytest
from test_mistakes import (
    Exercise,
    Mistake,
    exercises_of,
    fixed_answer_passes,
    mistake_gets_its_hint,
    mistakes_of,
)

# As in test_mistakes.py: chapter 4's answers fork from the checker's thread.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:This process \(pid=\d+\) is multi-threaded, use of fork\(\):DeprecationWarning"
)

GROUP = "test_mistakes_b.py"


@pytest.mark.parametrize("exercise", exercises_of(GROUP), ids=lambda e: f"{e.chapter}:{e.check}")
def test_the_fixed_answer_passes(exercise: Exercise) -> None:
    fixed_answer_passes(exercise)


@pytest.mark.parametrize(
    ("exercise", "mistake"),
    mistakes_of(GROUP),
    ids=[f"{e.chapter}:{m.title}" for e, m in mistakes_of(GROUP)],
)
def test_each_mistake_gets_its_hint(exercise: Exercise, mistake: Mistake) -> None:
    mistake_gets_its_hint(exercise, mistake)
