"""The common mistakes, as data: each checker must tell each one apart, with its hint.

``tests/exercises/mistakes/chNN_*.md`` holds, for each exercise of a chapter, the fixed
answer and the broken ones a learner is likely to write, each with the hint the checker must
give it. They are written for teachers to read ("what goes wrong in exercise 3.1, and what
the learner is told"); this test runs every one of them against the book's own checker.

The format, one file a chapter:

- ``## Setup``: one code block that every answer of the file can use (imports).
- ``## Exercise N.M: `check_name` ``: the exercise, checked by ``check_name`` from the
  chapter's ``lib.exercises`` module (the file's ``module:`` line names it). Its first code
  block is the fixed answer, which must pass.
- ``### a mistake``: a code block with the broken answer (it may call the fixed one), and one
  or more ``Hint: ...`` lines, each of which must be part of one of the checker's hints.

The answer a block gives the checker is the last function or class it defines.
"""

from __future__ import annotations

import ast
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

# Chapter 4's answers fork from the checker's thread, which Python 3.12 and later warn about
# (the multiprocessing tests let that one warning through too); every other is an error.
pytestmark = pytest.mark.filterwarnings(
    r"ignore:This process \(pid=\d+\) is multi-threaded, use of fork\(\):DeprecationWarning"
)

MISTAKES = sorted((Path(__file__).parent / "mistakes").glob("ch*.md"))
CODE = re.compile(r"```python\n(.*?)```", re.DOTALL)


@dataclass
class Mistake:
    title: str
    code: str
    hints: list[str]


@dataclass
class Exercise:
    chapter: str
    module: str
    title: str
    check: str
    setup: str
    fixed: str
    mistakes: list[Mistake] = field(default_factory=list)


def parse(path: Path) -> list[Exercise]:
    """The exercises of one file. Raises ValueError naming what the file lacks."""
    text = path.read_text(encoding="utf-8")
    module = re.search(r"^module: `([\w.]+)`", text, re.MULTILINE)
    if module is None:
        raise ValueError(f"{path.name}: no 'module: `lib.exercises...`' line")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    setup = "".join(CODE.findall(next((s for s in sections if s.startswith("Setup")), "")))
    exercises = []
    for section in sections:
        heading = re.match(r"(Exercise [\d.]+: .*?`(check_\w+)`.*)", section)
        if heading is None:
            continue
        parts = re.split(r"^### ", section, flags=re.MULTILINE)
        fixed = CODE.findall(parts[0])
        if not fixed:
            raise ValueError(f"{path.name}: {heading[1]} has no fixed answer")
        exercise = Exercise(path.stem, module[1], heading[1], heading[2], setup, fixed[0])
        for part in parts[1:]:
            title = part.splitlines()[0].strip()
            code = CODE.findall(part)
            hints = re.findall(r"^Hint: (.+)$", part, flags=re.MULTILINE)
            if len(code) != 1 or not hints:
                raise ValueError(f"{path.name}: '{title}' needs one code block and a Hint line")
            exercise.mistakes.append(Mistake(title, code[0], hints))
        exercises.append(exercise)
    return exercises


EXERCISES = [exercise for path in MISTAKES for exercise in parse(path)]


def answer_of(exercise: Exercise, code: str) -> Any:
    """Run the setup, the fixed answer and ``code`` in one namespace; return the last
    function or class ``code`` defines."""
    namespace: dict[str, Any] = {"__name__": f"mistakes_{exercise.chapter}"}
    exec(exercise.setup, namespace)
    exec(exercise.fixed, namespace)
    if code is not exercise.fixed:
        exec(code, namespace)
    defined = [
        node.name
        for node in ast.parse(code).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    assert defined, "the block defines no function or class to check"
    return namespace[defined[-1]]


def check_of(exercise: Exercise) -> Any:
    return getattr(importlib.import_module(exercise.module), exercise.check)


def feedback_on(chapter: str, check: str, title: str) -> tuple[Any, list[str]]:
    """The feedback ``check`` gives the mistake titled ``title`` in ``mistakes/{chapter}.md``,
    and that mistake's Hint lines: for the tests that ask more of a hint than the data can.

    Raises:
        LookupError: if the file has no such mistake for that check.
    """
    for exercise in EXERCISES:
        if exercise.chapter == chapter and exercise.check == check:
            for mistake in exercise.mistakes:
                if mistake.title == title:
                    return check_of(exercise)(answer_of(exercise, mistake.code)), mistake.hints
    raise LookupError(f"no mistake {title!r} for {check} in {chapter}.md")


# The cases run from four files, so that pytest-xdist (one file to a worker) runs them side
# by side: most of their time is spent waiting on the checks' own servers and clusters.
# Each file names its chapters; a test below keeps the four sets whole.
GROUPS = {
    "test_mistakes.py": ("ch01", "ch02", "ch03", "ch05", "ch06"),
    "test_mistakes_b.py": ("ch04", "ch08"),
    "test_mistakes_c.py": ("ch09", "ch10"),
    "test_mistakes_d.py": ("ch07",),
}


def exercises_of(group: str) -> list[Exercise]:
    """The exercises of the chapters that ``group`` (a test file's name) runs."""
    return [e for e in EXERCISES if e.chapter.startswith(GROUPS[group])]


def mistakes_of(group: str) -> list[tuple[Exercise, Mistake]]:
    return [(e, m) for e in exercises_of(group) for m in e.mistakes]


def fixed_answer_passes(exercise: Exercise) -> None:
    feedback = check_of(exercise)(answer_of(exercise, exercise.fixed))
    assert feedback.passed, str(feedback)


def mistake_gets_its_hint(exercise: Exercise, mistake: Mistake) -> None:
    feedback = check_of(exercise)(answer_of(exercise, mistake.code))
    assert not feedback.passed, f"'{mistake.title}' passed the check"
    for hint in mistake.hints:
        assert any(hint in given for given in feedback.hints), (hint, feedback.hints)


def group_tests(group: str) -> tuple[Any, Any]:
    """The two parametrized tests of ``group``'s chapters, for its file to bind to its names."""

    @pytest.mark.parametrize(
        "exercise", exercises_of(group), ids=lambda e: f"{e.chapter}:{e.check}"
    )
    def test_the_fixed_answer_passes(exercise: Exercise) -> None:
        fixed_answer_passes(exercise)

    cases = mistakes_of(group)

    @pytest.mark.parametrize(
        ("exercise", "mistake"), cases, ids=[f"{e.chapter}:{m.title}" for e, m in cases]
    )
    def test_each_mistake_gets_its_hint(exercise: Exercise, mistake: Mistake) -> None:
        mistake_gets_its_hint(exercise, mistake)

    return test_the_fixed_answer_passes, test_each_mistake_gets_its_hint


def test_every_chapter_has_its_mistakes() -> None:
    chapters = sorted(path.stem for path in MISTAKES)
    assert chapters, "no mistakes files"
    for exercise in EXERCISES:
        assert exercise.mistakes, f"{exercise.title}: no mistakes listed"
    grouped = [chapter for group in GROUPS for chapter in GROUPS[group]]
    assert sorted(grouped) == sorted({c.split("_")[0] for c in chapters}), "a chapter in no file"
    for group in GROUPS:
        assert (Path(__file__).parent / group).exists(), group


test_the_fixed_answer_passes, test_each_mistake_gets_its_hint = group_tests("test_mistakes.py")
