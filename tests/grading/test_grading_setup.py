"""What a teacher installs for the grader, and where it reads the book's chapters from.

The grader is not in the helpers' wheel, so what it needs beyond ``lib``'s own dependencies
is declared apart, as the optional dependencies ``grading`` in pyproject.toml: every
third-party module that ``grading/`` imports comes from one of the two lists, and the
``grading`` list holds nothing it does not import, but the kernel it starts.

The exercises and checks come from the book's ``chapters/`` unless ``--chapters DIR`` (or
``make grade CHAPTERS=DIR``) names another folder; a folder that is missing or holds no
gradable chapter stops the command with a clear error before anything is written. None of
these tests starts a kernel.
"""

from __future__ import annotations

import ast
import csv
import importlib.metadata
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest

from grading.__main__ import main, parse_args
from grading.chapters import BOOK_CHAPTERS, book_chapters
from grading.submissions import read_submission
from tests.grading.hostile import misnamed
from tests.plugins.notebooks import ROOT, chapter

GRADING = ROOT / "grading"
# Not imported, but started: the kernel each submission runs in (jupyter_client's "python3").
STARTED = {"ipykernel"}


def distribution(requirement: str) -> str:
    """A requirement's distribution name, normalized: ``"uvloop; sys_platform..."`` -> uvloop."""
    found = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement.strip())
    assert found, requirement
    return re.sub(r"[-_.]+", "-", found.group(0)).lower()


def imported_modules() -> set[str]:
    """The top-level modules that ``grading/`` imports, anywhere in its code."""
    found: set[str] = set()
    for path in sorted(GRADING.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found


def third_party(modules: set[str]) -> dict[str, set[str]]:
    """Each module not of the standard library nor of the book, with its distributions."""
    installed = importlib.metadata.packages_distributions()
    ours = {"lib", "grading", "__future__"}
    return {
        module: {distribution(name) for name in installed.get(module, [module])}
        for module in sorted(modules - set(sys.stdlib_module_names) - ours)
    }


def test_every_third_party_import_of_the_grader_is_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    own = {distribution(name) for name in project["dependencies"]}
    grading = {distribution(name) for name in project["optional-dependencies"]["grading"]}
    needed = third_party(imported_modules())
    assert {"IPython", "jupyter_client", "nbformat", "tqdm"} <= set(needed), needed
    undeclared = {module for module, names in needed.items() if not names & (own | grading)}
    assert not undeclared, f"grading/ imports {sorted(undeclared)}: add them to grading = [...]"
    imported = set().union(*needed.values())
    assert grading - imported == STARTED, "the grading extra lists what grading/ does not use"
    assert not grading & own, "the grading extra repeats lib's own dependencies"


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """A submissions folder holding chapter 1's student edition, and an empty ``out``."""
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    nbformat.write(misnamed(), submissions / "mine.ipynb")  # chapter 1, starters untouched
    return submissions, tmp_path / "out"


def grade_with(folders: tuple[Path, Path], *options: str) -> int:
    submissions, out = folders
    return main([str(submissions), "--out", str(out), "--quiet", *options])


def test_the_chapters_are_the_books_own_unless_told(tmp_path: Path) -> None:
    assert parse_args([str(tmp_path)]).chapters == BOOK_CHAPTERS == ROOT / "chapters"
    assert parse_args([str(tmp_path), "--chapters", "x"]).chapters == Path("x")


def test_a_chapters_folder_that_is_missing_or_holds_no_chapter_is_an_error(
    folders: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty, unfinished = tmp_path / "empty", tmp_path / "unfinished"
    empty.mkdir()
    unfinished.mkdir()
    (empty / "notes.ipynb").write_text("{}")  # not named as a chapter
    nbformat.write(nbformat.v4.new_notebook(), unfinished / "01_draft.ipynb")  # no exercises
    expected = {
        tmp_path / "absent": "no folder of the book's chapters at",
        empty: "no chapter notebooks (NN_name.ipynb) in",
        unfinished: "none of the 1 chapter notebooks in",
    }
    for folder, words in expected.items():
        assert grade_with(folders, "--chapters", str(folder)) == 2
        error = capsys.readouterr().err
        assert error.startswith("error: ") and words in error and str(folder) in error, error
    assert not folders[1].exists(), "nothing is written when the chapters are wrong"


def test_submissions_are_graded_against_the_chapters_given(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    only_three = tmp_path / "only_three"
    only_three.mkdir()
    shutil.copy2(chapter("03_threading.ipynb"), only_three)
    assert list(book_chapters(only_three)) == ["03_threading"]
    assert grade_with(folders, "--chapters", str(only_three)) == 0  # no kernel: nothing to run
    with (folders[1] / "grades.csv").open(encoding="utf-8") as file:
        (row,) = list(csv.DictReader(file))
    assert row["chapter"] == "" and "not a chapter of this book" in row["reason"], row
    book = book_chapters()
    found = read_submission(folders[0] / "mine.ipynb", folders[0], book).chapter
    assert found is not None and found.name == "01_why_concurrency", "the book knows it"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
@pytest.mark.parametrize("value", ["", "my chapters"])
@pytest.mark.parametrize(
    ("variable", "option"), [("CHAPTERS", "--chapters"), ("SCHEDULER", "--scheduler")]
)
def test_make_grade_passes_chapters_and_scheduler_through(
    variable: str, option: str, value: str
) -> None:
    shown = subprocess.run(
        ["make", "-n", "grade", "SUBMISSIONS=class", f"{variable}={value}"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True,
    ).stdout  # fmt: skip
    command = shown[shown.index("-m grading") :]
    assert '"class"' in command and '--out "_build/grades"' in command
    if value:
        assert f'{option} "{value}"' in command, command
    else:
        assert option not in command, command


def test_every_module_of_the_grader_is_small() -> None:
    for path in sorted(GRADING.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 300, f"grading/{path.name}: {lines} lines, over 300"
