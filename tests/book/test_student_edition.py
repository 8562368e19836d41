"""The student edition: solutions gone, starters in place, and it runs, saying "not attempted".

Executing every student notebook takes as long as the nbval run, so it is one test per
chapter, marked ``slow`` only in name: `make test` runs it, as the classroom relies on it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.plugins.notebooks import ROOT, chapters, read, tags, text_of

sys.path.insert(0, str(ROOT / "scripts"))
from make_student import write_student_edition

CHAPTERS = chapters()


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
def test_student_copy_runs_and_checks_say_not_attempted(
    edition: Path, chapter: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The kernel imports the edition's own copy of lib, proving the folder is complete.
    monkeypatch.setenv("PYTHONPATH", str(edition))
    path = edition / "chapters" / chapter.name
    notebook = nbformat.read(path, as_version=4)
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
