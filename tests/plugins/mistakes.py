"""The common mistakes, as data: each checker must tell each one apart, with its hint.

``tests/exercises/mistakes/chNN_*.md`` holds, for each exercise of a chapter, the broken
answers a learner is likely to write, each with the hint the checker must give it. They are
written for teachers to read ("what goes wrong in exercise 3.1, and what the learner is
told"); ``tests/exercises/test_mistakes*.py`` run every one of them against the book's own
checker, and the chapter's own answer, its solution cell (:mod:`tests.plugins.answers`), must
pass.

The format, one file a chapter:

- ``## Setup``: one code block that every answer of the file can use (imports).
- ``## Exercise N.M: `check_name` ``: the exercise, checked by ``check_name`` from the
  chapter's ``lib.exercises`` module (the file's ``module:`` line names it). Its fixed answer
  is the chapter's solution cell, never a code block here: only prose about it.
- ``### a mistake``: a code block with the broken answer (it may call the fixed one, by its
  name in the chapter), and one or more ``Hint: ...`` lines, each of which must be part of
  one of the checker's hints. With the line ``One hint, no other.`` the checker must give
  exactly one hint, and every Hint line must be part of it. A line ``Time limit: 0.5 s``
  gives the check that time limit: a mistake that hangs then costs half a second, not ten.

The answer a block gives the checker is the last function or class it defines.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.plugins.answers import exercise, namespace_of

__all__ = [
    "MISTAKES",
    "Exercise",
    "Mistake",
    "all_exercises",
    "answer_of",
    "check_of",
    "feedback_on",
    "parse",
]

MISTAKES = Path(__file__).resolve().parents[1] / "exercises" / "mistakes"
CODE = re.compile(r"```python\n(.*?)```", re.DOTALL)


@dataclass
class Mistake:
    title: str
    code: str
    hints: list[str]
    only: bool = False  # "One hint, no other.": the checker gives no hint but this one
    time_limit: float | None = None  # "Time limit: 0.5 s", passed to the check

    @property
    def options(self) -> dict[str, Any]:
        """What the check is called with besides the answer."""
        return {} if self.time_limit is None else {"time_limit": self.time_limit}


@dataclass
class Exercise:
    """One exercise's mistakes; ``number`` ("3.1") names its solution in the chapter."""

    chapter: str
    number: str
    module: str
    title: str
    check: str
    setup: str
    mistakes: list[Mistake] = field(default_factory=list)


def parse(path: Path) -> list[Exercise]:
    """The exercises of one file. Raises ValueError naming what the file lacks, or a code
    block that would be a second copy of the chapter's answer."""
    text = path.read_text(encoding="utf-8")
    module = re.search(r"^module: `([\w.]+)`", text, re.MULTILINE)
    if module is None:
        raise ValueError(f"{path.name}: no 'module: `lib.exercises...`' line")
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    setup = "".join(CODE.findall(next((s for s in sections if s.startswith("Setup")), "")))
    exercises = []
    for section in sections:
        heading = re.match(r"(Exercise ([\d.]+): .*?`(check_\w+)`.*)", section)
        if heading is None:
            continue
        parts = re.split(r"^### ", section, flags=re.MULTILINE)
        if CODE.search(parts[0]):
            raise ValueError(f"{path.name}: {heading[1]}: the fixed answer is the chapter's")
        found = Exercise(path.stem, heading[2], module[1], heading[1], heading[3], setup)
        for part in parts[1:]:
            title = part.splitlines()[0].strip()
            code = CODE.findall(part)
            hints = re.findall(r"^Hint: (.+)$", part, flags=re.MULTILINE)
            if len(code) != 1 or not hints:
                raise ValueError(f"{path.name}: '{title}' needs one code block and a Hint line")
            only = re.search(r"^One hint, no other\.$", part, flags=re.MULTILINE) is not None
            limit = re.search(r"^Time limit: ([\d.]+) s$", part, flags=re.MULTILINE)
            seconds = float(limit[1]) if limit else None
            found.mistakes.append(Mistake(title, code[0], hints, only, seconds))
        exercises.append(found)
    return exercises


@functools.cache
def all_exercises() -> tuple[Exercise, ...]:
    """The exercises of every mistakes file, in book order."""
    return tuple(e for path in sorted(MISTAKES.glob("ch*.md")) for e in parse(path))


def answer_of(found: Exercise, code: str | None = None) -> Any:
    """The chapter's answer, or with ``code`` the last function or class ``code`` defines,
    run in a new namespace after the file's setup, the chapter's imports and its answer."""
    namespace: dict[str, Any] = {"__name__": f"mistakes_{found.chapter}"}
    exec(found.setup, namespace)
    namespace_of(found.number, namespace)
    if code is None:
        return namespace[exercise(found.number).name]
    exec(code, namespace)
    defined = [
        node.name
        for node in ast.parse(code).body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    ]
    assert defined, "the block defines no function or class to check"
    return namespace[defined[-1]]


def check_of(found: Exercise) -> Any:
    return getattr(importlib.import_module(found.module), found.check)


def feedback_on(number: str, title: str) -> tuple[Any, list[str]]:
    """The feedback the check of exercise ``number`` ("3.2") gives the mistake titled
    ``title`` in its chapter's mistakes file (with its time limit, if it has one), and that
    mistake's Hint lines: for the tests that ask more of a hint than the data can.

    Raises:
        LookupError: if the file has no such mistake for that exercise.
    """
    for found in all_exercises():
        if found.number == number:
            for mistake in found.mistakes:
                if mistake.title == title:
                    answer = answer_of(found, mistake.code)
                    return check_of(found)(answer, **mistake.options), mistake.hints
    raise LookupError(f"no mistake {title!r} for exercise {number}")
