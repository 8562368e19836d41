"""The common mistakes, as data (``tests/plugins/mistakes.py`` says the format): the chapter's
own answer passes its check, and each mistake gets its hint.

The cases run from four files, so that pytest-xdist (one file to a worker) runs them side by
side: most of their time is spent waiting on the checks' own servers and clusters. Each file
names its chapters in :data:`GROUPS`; a test below keeps the four sets whole.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.plugins.answers import exercise as chapter_exercise
from tests.plugins.mistakes import MISTAKES, Exercise, Mistake, all_exercises, answer_of, check_of

# Chapters 4 and 5's answers fork from the checker's thread, which Python 3.12 and later warn about
# (the multiprocessing tests let that one warning through too); every other is an error.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:This process \(pid=\d+\) is multi-threaded, use of fork\(\):DeprecationWarning"
)

GROUPS = {
    "test_mistakes.py": ("ch01", "ch02", "ch03", "ch06", "ch07"),
    "test_mistakes_b.py": ("ch04", "ch05", "ch11"),
    "test_mistakes_c.py": ("ch12", "ch10", "ch13"),
    "test_mistakes_d.py": ("ch08", "ch09", "ch14", "ch15"),
}


def exercises_of(group: str) -> list[Exercise]:
    """The exercises of the chapters that ``group`` (a test file's name) runs."""
    return [e for e in all_exercises() if e.chapter.startswith(GROUPS[group])]


def group_tests(group: str) -> tuple[Any, Any]:
    """The two parametrized tests of ``group``'s chapters, for its file to bind to its names."""

    @pytest.mark.parametrize("exercise", exercises_of(group), ids=lambda e: f"{e.number}:{e.check}")
    def test_the_chapters_answer_passes(exercise: Exercise) -> None:
        feedback = check_of(exercise)(answer_of(exercise))
        assert feedback.passed, str(feedback)

    cases = [(e, m) for e in exercises_of(group) for m in e.mistakes]

    @pytest.mark.parametrize(
        ("exercise", "mistake"), cases, ids=[f"{e.number}:{m.title}" for e, m in cases]
    )
    def test_each_mistake_gets_its_hint(exercise: Exercise, mistake: Mistake) -> None:
        feedback = check_of(exercise)(answer_of(exercise, mistake.code), **mistake.options)
        assert not feedback.passed, f"'{mistake.title}' passed the check"
        if mistake.only:
            assert len(feedback.hints) == 1, ("one hint, no other", feedback.hints)
        for hint in mistake.hints:
            assert any(hint in given for given in feedback.hints), (hint, feedback.hints)

    return test_the_chapters_answer_passes, test_each_mistake_gets_its_hint


def test_every_chapter_has_its_mistakes() -> None:
    chapters = sorted(path.stem for path in MISTAKES.glob("ch*.md"))
    assert chapters, "no mistakes files"
    for exercise in all_exercises():
        assert exercise.mistakes, f"{exercise.title}: no mistakes listed"
        assert exercise.module.endswith(exercise.chapter), exercise.title
        in_the_book = chapter_exercise(exercise.number)
        assert (in_the_book.module, in_the_book.check) == (exercise.module, exercise.check)
    grouped = [chapter for group in GROUPS for chapter in GROUPS[group]]
    assert sorted(grouped) == sorted({c.split("_")[0] for c in chapters}), "a chapter in no file"
    for group in GROUPS:
        assert (Path(__file__).parent / group).exists(), group


test_the_chapters_answer_passes, test_each_mistake_gets_its_hint = group_tests("test_mistakes.py")
