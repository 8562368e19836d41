"""The book's answers, read from the chapters: an exercise's solution cell is its one copy.

An exercise is found by its check cell, ``check_collect_all(collect_all)`` from
``lib.exercises.ch03_threading`` (:func:`grading.chapters.check_call` reads it, as the
grader does); its starter and its solution are the last cells tagged ``starter`` and
``solution`` before that. Exercise 3.1 is the first check cell of ``03_threading.ipynb``.

A solution reads names that the chapter imported earlier (``ThreadPoolExecutor``,
``AniListClient``): :attr:`Exercise.imports` is those import statements, each the last one
before the solution to bind its name. A name bound last by code other than an import (a
``def`` in a cell) is refused: the answer would then hang on a cell no test runs.

:func:`answer` runs the imports and the solution in a namespace of their own, each call a new
one, and returns what the check cell passes to the check: the tests, and the mistakes files'
"fixed answers" (``tests/plugins/mistakes.py``), check the notebook's own answer.
"""

from __future__ import annotations

import ast
import builtins
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grading.chapters import check_call, python_of
from tests.plugins.notebooks import CHAPTERS, names_of

__all__ = [
    "Exercise",
    "answer",
    "chapter_exercises",
    "exercise",
    "exercises",
    "namespace_of",
    "starter",
]


@dataclass(frozen=True)
class Exercise:
    """One exercise of a chapter, as its cells say it."""

    number: str  # "3.1"
    notebook: Path
    module: str  # the checker's module, "lib.exercises.ch03_threading"
    check: str  # "check_collect_all"
    answers: tuple[str, ...]  # the names the check cell passes: ("collect_all",)
    starter: str  # the starter cell's source
    solution: str  # the solution cell's source
    imports: str  # the chapter's imports that the solution reads, one statement a line

    @property
    def name(self) -> str:
        """The answer's name: what the check cell passes (every check takes one)."""
        return self.answers[0]


@functools.cache
def _statements(source: str) -> tuple[ast.stmt, ...]:
    """A cell's top-level statements, its IPython magics read as Python."""
    return tuple(ast.parse(python_of(source)).body)


def _binds(node: ast.stmt) -> set[str]:
    """The names a top-level statement binds (roughly: a function's locals count too)."""
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    bound: set[str] = set()
    for inner in ast.walk(node):
        if isinstance(inner, ast.Name) and not isinstance(inner.ctx, ast.Load):
            bound.add(inner.id)
        elif isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(inner.name)
        elif isinstance(inner, ast.alias):
            bound.add((inner.asname or inner.name).split(".")[0])
    return bound


def imports_needed(earlier: list[str], solution: str, where: str) -> str:
    """The import statements among the ``earlier`` cells' that bind what ``solution`` reads.

    Raises:
        LookupError: if a name the solution reads is bound last by code that is not an import,
            or by nothing at all.
    """
    bound, read_names = names_of(solution)
    needed = read_names - bound - set(dir(builtins))
    last: dict[str, ast.stmt] = {}
    for source in earlier:
        if not needed & set(re.findall(r"\w+", source)):
            continue  # parsing only the cells that name one costs a tenth of the time
        for node in _statements(source):
            for name in _binds(node) & needed:
                last[name] = node
    lines: list[str] = []
    for name in sorted(needed):
        node = last.get(name)
        if not isinstance(node, ast.Import | ast.ImportFrom):
            found = "bound by no earlier cell" if node is None else "bound by code, not imported"
            raise LookupError(f"{where}: the solution reads {name!r}, {found}")
        line = ast.unparse(node)
        if line not in lines:
            lines.append(line)
    return "\n".join(lines)


def _code_cells(path: Path) -> list[tuple[list[str], str]]:
    """Each code cell of the notebook at ``path``: its tags and its source. (Read as JSON:
    nbformat's validation of a whole chapter costs ten times as long.)"""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [
        (cell.get("metadata", {}).get("tags", []), "".join(cell["source"]))
        for cell in cells
        if cell["cell_type"] == "code"
    ]


@functools.cache
def chapter_exercises(path: Path) -> tuple[Exercise, ...]:
    """The exercises of the chapter at ``path``, in order."""
    cells = _code_cells(path)
    found: list[Exercise] = []
    last: dict[str, int] = {}
    for index, (cell_tags, source) in enumerate(cells):
        for tag in ("starter", "solution"):
            if tag in cell_tags:
                last[tag] = index
        call = check_call(source) if "check" in cell_tags else None
        if call is None:
            continue
        number = f"{int(path.stem.split('_')[0])}.{len(found) + 1}"
        if "starter" not in last or "solution" not in last:
            raise LookupError(f"{path.name}: exercise {number} lacks a starter or a solution")
        starter, solution = cells[last["starter"]][1], cells[last["solution"]][1]
        earlier = [source for _, source in cells[: last["solution"]]]
        imports = imports_needed(earlier, solution, f"{path.name}, exercise {number}")
        found.append(Exercise(number, path, *call, starter, solution, imports))
    return tuple(found)


def exercises() -> tuple[Exercise, ...]:
    """Every exercise of the book, in book order."""
    paths = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))
    return tuple(found for path in paths for found in chapter_exercises(path))


def exercise(number: str) -> Exercise:
    """Exercise ``number`` ("3.1").

    Raises:
        LookupError: if the book has no such exercise.
    """
    chapter = number.split(".")[0].zfill(2)
    for path in CHAPTERS.glob(f"{chapter}_*.ipynb"):
        for found in chapter_exercises(path):
            if found.number == number:
                return found
    raise LookupError(f"the book has no exercise {number}")


def namespace_of(number: str, namespace: dict[str, Any] | None = None) -> dict[str, Any]:
    """``namespace`` (else a new one) once exercise ``number``'s imports and solution have
    run in it."""
    found = exercise(number)
    chapter = found.module.rsplit(".", 1)[-1]
    namespace = {"__name__": f"answers_{chapter}"} if namespace is None else namespace
    exec(found.imports, namespace)
    exec(found.solution, namespace)
    return namespace


def answer(number: str) -> Any:
    """Exercise ``number``'s answer from its solution cell, as its check cell passes it."""
    return namespace_of(number)[exercise(number).name]


def starter(number: str) -> Any:
    """Exercise ``number``'s untouched starter, as its check cell passes it."""
    namespace: dict[str, Any] = {"__name__": "starter"}
    exec(exercise(number).starter, namespace)
    return namespace[exercise(number).name]
