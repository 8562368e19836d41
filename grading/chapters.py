"""What grading needs from the book's own chapters: their imports, exercises and checks.

The grader trusts only these, read from the book (never from a submission): the cells of
imports a chapter's exercises may rely on, and, for each exercise, its label and the check
its check cell calls (``check_collect_all(collect_all)`` from ``lib.exercises.ch03_threading``).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

__all__ = [
    "BOOK_CHAPTERS",
    "Chapter",
    "Exercise",
    "book_chapters",
    "check_call",
    "exercise_label",
    "is_exercises_heading",
    "python_of",
]

BOOK_CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"  # the repository's
_LABEL = re.compile(r"^````\{exercise\}.*?^:label:\s*(\S+)", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``check`` (in ``module``) is called with the learner's ``answers``."""

    label: str
    column: str  # its gradebook column, "3.1 collect_all"
    module: str
    check: str
    answers: tuple[str, ...]


@dataclass(frozen=True)
class Chapter:
    """A chapter as the grader knows it: its imports, exercises and markdown text."""

    name: str  # the notebook's stem, "03_threading"
    number: int
    imports: tuple[str, ...]  # the sources of its import cells before the exercises
    exercises: tuple[Exercise, ...]
    markdown: frozenset[str]  # its markdown cells, to recognise a submission by


def python_of(source: str) -> str:
    """A cell's source with IPython's magics turned into Python."""
    manager = TransformerManager()  # type: ignore[no-untyped-call]
    return str(manager.transform_cell(source))


def exercise_label(source: str) -> str | None:
    """The ``:label:`` of an exercise block in a markdown cell, if it opens one."""
    found = _LABEL.search(source)
    return found.group(1) if found else None


def is_exercises_heading(source: str) -> bool:
    return any(line.strip() == "## Exercises" for line in source.splitlines())


def check_call(source: str) -> tuple[str, str, tuple[str, ...]] | None:
    """``(module, check, answers)`` if the code is exactly a book check cell, else None.

    A check cell imports ``check_*`` from ``lib.exercises`` and calls it on names: nothing
    else. Anything more (an edit, a patch) is not a check cell, and runs as learner code.
    """
    try:
        body = ast.parse(source).body
    except SyntaxError:
        return None
    if len(body) != 2:
        return None
    imported, called = body
    if not (
        isinstance(imported, ast.ImportFrom)
        and (imported.module or "").startswith("lib.exercises.")
        and len(imported.names) == 1
        and imported.names[0].asname is None
        and isinstance(called, ast.Expr)
        and isinstance(called.value, ast.Call)
        and isinstance(called.value.func, ast.Name)
        and called.value.func.id == imported.names[0].name
        and not called.value.keywords
        and all(isinstance(arg, ast.Name) for arg in called.value.args)
    ):
        return None
    answers = tuple(arg.id for arg in called.value.args if isinstance(arg, ast.Name))
    return str(imported.module), called.value.func.id, answers


def _imports_of(source: str) -> list[str]:
    """A cell of imports (and magics) whole; from any other cell, its top-level imports."""
    try:
        body = ast.parse(python_of(source)).body
    except SyntaxError:
        return []
    if body and all(
        isinstance(node, ast.Import | ast.ImportFrom) or _is_magic(node) for node in body
    ):
        return [source]
    return [ast.unparse(node) for node in body if isinstance(node, ast.Import | ast.ImportFrom)]


def _is_magic(node: ast.stmt) -> bool:
    """A line magic (``%xmode Minimal``), as IPython turns it into Python."""
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.func.attr == "run_line_magic"
    )


def read_chapter(path: Path) -> Chapter:
    """The grader's view of one of the book's chapters.

    Raises:
        ValueError: if the chapter's exercises are not in the book's pattern (a label, then
            a check cell), so it cannot be graded.
    """
    notebook: Any = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    number = int(path.stem.split("_")[0])
    imports: list[str] = []
    exercises: list[Exercise] = []
    label: str | None = None
    in_exercises = False
    for cell in notebook.cells:
        source = cell.source
        if cell.cell_type == "markdown":
            in_exercises = in_exercises or is_exercises_heading(source) or "{exercise}" in source
            label = exercise_label(source) or label
            continue
        if cell.cell_type != "code":
            continue
        if not in_exercises:
            imports.extend(_imports_of(source))
        call = check_call(source) if "check" in cell.metadata.get("tags", []) else None
        if call is not None:
            if label is None:
                raise ValueError(f"{path.name}: a check cell before any exercise label")
            module, check, answers = call
            column = f"{number}.{len(exercises) + 1} {', '.join(answers)}"
            exercises.append(Exercise(label, column, module, check, answers))
            label = None
    if not exercises:
        raise ValueError(f"{path.name} has no exercises to grade")
    markdown = frozenset(
        cell.source.strip() for cell in notebook.cells if cell.cell_type == "markdown"
    )
    return Chapter(path.stem, number, tuple(imports), tuple(exercises), markdown)


def book_chapters(folder: Path = BOOK_CHAPTERS) -> dict[str, Chapter]:
    """Every gradable chapter of the book in ``folder``, by name, in reading order.

    ``folder`` is the book's ``chapters/`` by default (beside this package), or another copy
    of them (``--chapters``). A chapter whose exercises are not in the book's pattern is left
    out (its submissions are then "not a chapter of this book"), so one chapter being written
    stops no grading; the tests require every chapter of the book to be here.

    Raises:
        NotADirectoryError: if ``folder`` is not a folder.
        FileNotFoundError: if it holds no chapter notebooks (``NN_name.ipynb``), or none of
            them has exercises the grader can check.
    """
    if not folder.is_dir():
        raise NotADirectoryError(f"no folder of the book's chapters at {folder} (--chapters)")
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise FileNotFoundError(
            f"no chapter notebooks (NN_name.ipynb) in {folder}: give --chapters the book's "
            "chapters/ folder"
        )
    chapters = {}
    for path in paths:
        try:
            chapters[path.stem] = read_chapter(path)
        except (ValueError, OSError):
            continue
    if not chapters:
        raise FileNotFoundError(
            f"none of the {len(paths)} chapter notebooks in {folder} has exercises to grade "
            "(an exercise label, then a cell tagged check)"
        )
    return chapters
