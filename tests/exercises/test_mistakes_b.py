"""The common mistakes of the chapters that ``test_mistakes.GROUPS`` gives this file: the data
and the tests are in ``test_mistakes.py``; this file runs its share beside the others."""

from __future__ import annotations

import pytest
from test_mistakes import group_tests

# As in test_mistakes.py: chapters 4 and 5's answers fork from the checker's thread.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:This process \(pid=\d+\) is multi-threaded, use of fork\(\):DeprecationWarning"
)

test_the_chapters_answer_passes, test_each_mistake_gets_its_hint = group_tests("test_mistakes_b.py")
