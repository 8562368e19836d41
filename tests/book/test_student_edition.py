"""The student edition: solutions gone, starters in place, and it runs, saying "not attempted".

The student copy's teaching cells are the full edition's, word for word (checked here), and
nbval runs those. What only the student copy can show is that its exercises run from its own
folder: so each test runs, in a fresh kernel on the edition's copy of ``lib``, the chapter's
import cells, an import of every ``lib`` module the chapter uses, and the exercises section,
whose checks must all say "Not attempted yet".

The edition is the chapters, ``lib`` and what installs it, and nothing of the teacher's or the
book's own tooling: no grader (nor a word of its probe's fingerprints), tests, pytest plugins
or nbval settings, and its ``pyproject.toml`` still installs ``lib``, into a folder of its own.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient

from grading.probe import MIME
from tests.plugins.notebooks import ROOT, chapters, read, tags, text_of

sys.path.insert(0, str(ROOT / "scripts"))
from make_student import write_student_edition
from number_exercises import chapter_number, enumerator

CHAPTERS = chapters()
# What the student edition holds, and nothing else: no grader, tests, plugins, nbval settings
# or bench, which are the teacher's and the book's own.
EDITION = ["README.md", "chapters", "lib", "pyproject.toml", "requirements.txt"]
# Words that only the grader, its probe's fingerprints and the teachers' extra use.
GRADER_WORDS = ["grading", "fingerprint", MIME]
# Chapter 15 teaches testing: it and the lib modules it runs name pytest, as does the
# dependency list that installs it. Everywhere else pytest would be the book's own tooling.
TEACHES_PYTEST = {
    "15_testing.ipynb",
    "trial_runs.py",
    *(f"{name}.py" for name in ("__init__", "_common", "atomic", "deadlock_test", "timeout_test")),
}


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("student")
    write_student_edition(output)
    return output


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_full_chapter_has_exercises_whose_checks_pass(chapter: Path) -> None:
    cells = read(chapter)["cells"]
    checks = [cell for cell in cells if "check" in tags(cell)]
    assert len(checks) >= 3, "every chapter ends with at least three checked exercises"
    assert sum("starter" in tags(cell) for cell in cells) >= len(checks)
    assert sum("solution" in tags(cell) for cell in cells) >= len(checks)
    for cell in checks:
        verdict = text_of(cell).strip().splitlines()[-1:]
        assert (
            verdict and verdict[0].startswith("All ") and verdict[0].endswith("checks passed.")
        ), f"a check of the full chapter did not pass: {text_of(cell)!r}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_student_copy_has_no_solutions(edition: Path, chapter: Path) -> None:
    notebook = read(edition / "chapters" / chapter.name)
    for cell in notebook["cells"]:
        assert "solution" not in tags(cell)
        assert "{solution-" not in "".join(cell["source"]), "a solution marker was left"
        assert not cell.get("outputs"), "the student copy starts with no outputs"
    for name in ("lib", "requirements.txt", "pyproject.toml", "README.md"):
        assert (edition / name).exists(), f"the student edition lacks {name}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_student_copy_numbers_exercises_as_the_book(edition: Path, chapter: Path) -> None:
    """A student's "exercise 3.2" in JupyterLab is the teacher's 3.2 in the gradebook."""
    numbered = enumerator(read(edition / "chapters" / chapter.name))
    assert numbered == f"{chapter_number(chapter)}.%s", numbered


def parse(cell: nbformat.NotebookNode) -> ast.Module:
    """A code cell's syntax tree, its IPython magics turned into Python first."""
    return ast.parse(TransformerManager().transform_cell("".join(cell["source"])))


def is_import_cell(cell: nbformat.NotebookNode) -> bool:
    """A code cell of imports only (what the exercises may rely on from the chapter)."""
    if cell["cell_type"] != "code":
        return False
    body = parse(cell).body
    return bool(body) and all(isinstance(node, ast.Import | ast.ImportFrom) for node in body)


def lib_modules(cells: list[nbformat.NotebookNode]) -> list[str]:
    """Every ``lib`` module the chapter's code cells import."""
    found = set()
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        for node in ast.walk(parse(cell)):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "lib":
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name.split(".")[0] == "lib")
    return sorted(found)


def exercise_run(notebook: nbformat.NotebookNode, edition: Path) -> list[nbformat.NotebookNode]:
    """The cells a test of the student copy runs: imports, lib from the edition, exercises."""
    cells = notebook.cells
    start = next(
        index
        for index, cell in enumerate(cells)
        if cell["cell_type"] == "markdown" and "## Exercises" in "".join(cell["source"])
    )
    modules = lib_modules(cells)
    origin = nbformat.v4.new_code_cell(
        "import importlib, pathlib\n"
        f"for name in {modules!r}:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert pathlib.Path(module.__file__).is_relative_to({str(edition)!r}), name\n"
    )
    return [cell for cell in cells[:start] if is_import_cell(cell)] + [origin] + cells[start:]


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_student_teaching_cells_are_the_full_editions(edition: Path, chapter: Path) -> None:
    full = [
        cell["source"]
        for cell in read(chapter)["cells"]
        if "solution" not in tags(cell) and "{solution-" not in "".join(cell["source"])
    ]
    student = [cell["source"] for cell in read(edition / "chapters" / chapter.name)["cells"]]
    assert student == full


@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_student_copy_runs_and_checks_say_not_attempted(
    edition: Path, chapter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernel imports the edition's own copy of lib, proving the folder is complete.
    monkeypatch.setenv("PYTHONPATH", str(edition))
    path = edition / "chapters" / chapter.name
    notebook = nbformat.read(path, as_version=4)
    notebook.cells = exercise_run(notebook, edition)
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=120,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError on any error not tagged raises-exception
    checks = [cell for cell in notebook.cells if "check" in tags(cell)]
    assert checks
    for cell in checks:
        assert "Not attempted yet" in text_of(cell), text_of(cell)


def test_the_student_edition_carries_no_grader_nor_test_tooling(tmp_path: Path) -> None:
    # An edition of its own: the shared one gains bytecode caches (whose file names hold the
    # temporary folder's, pytest's) when the other tests run its chapters.
    edition = tmp_path / "student"
    write_student_edition(edition)
    assert sorted(path.name for path in edition.iterdir()) == EDITION
    files = sorted(path for path in edition.rglob("*") if path.is_file())
    names = {path.name for path in files}
    assert not names & {"conftest.py", "nbval_sanitize.cfg", "probe.py"}, names
    assert not [path for path in files if path.name.startswith("test_")]
    assert not [path for path in files if path.suffix == ".pyc"], "bytecode of this machine"
    for path in files:
        text = path.read_bytes().decode("utf-8", errors="replace").lower()
        found = [word for word in GRADER_WORDS if word.lower() in text]
        if path.name == "pyproject.toml":  # chapter 15's dependencies, and nothing else
            text = re.sub(r'^\s*"(pytest|pytest-timeout)",.*$', "", text, flags=re.M)
        teaches = path.name in TEACHES_PYTEST and (
            path.suffix == ".ipynb" or "ch15_testing" in path.parts or path.name == "trial_runs.py"
        )
        if path.name != "requirements.txt" and not teaches:  # pins pytest for nbval, in make
            found += ["pytest"] if "pytest" in text else []  # a plugin, a conftest, settings
        assert not found, f"{path.relative_to(edition)} holds {found}"


def test_lib_installs_and_imports_from_the_student_edition(edition: Path, tmp_path: Path) -> None:
    copy, site = tmp_path / "edition", tmp_path / "site"
    shutil.copytree(edition, copy)
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"]
    install += ["--no-build-isolation", "--target", str(site), str(copy)]
    done = subprocess.run(install, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    (wheel_info,) = site.glob("concurrency_book_lib-*.dist-info")
    installed = (wheel_info / "RECORD").read_text(encoding="utf-8")
    assert "lib/exercises/ch03_threading/" in installed
    assert "grading" not in installed + (wheel_info / "METADATA").read_text(encoding="utf-8")
    code = "import lib, lib.exercises.ch03_threading; print(lib.__file__)"
    environ = {**os.environ, "PYTHONPATH": str(site)}
    ran = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=environ,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert Path(ran.stdout.strip()).is_relative_to(site), ran.stdout
