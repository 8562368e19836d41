"""Write the student edition: every chapter without its solutions, ready to run.

Usage: python scripts/make_student.py [OUTPUT_DIR]   (default: _build/student)

In each chapter, the cells tagged ``solution`` and the ``solution-start``/``solution-end``
markers around them are removed, so the starter code stands where the solution was, and
every output is cleared. ``lib/`` and the files that install it are copied alongside, so
the folder runs on its own: ``pip install -r requirements.txt``, then ``jupyter lab``.

Nothing else of the repository goes in: not the teachers' grader (``grading/``), the tests,
their plugins and nbval's settings, nor the bench; and its ``pyproject.toml`` keeps only
what installs ``lib`` (:func:`student_pyproject`), not the grader's extra nor the settings
of pytest, ruff and mypy.
"""

from __future__ import annotations

import re
import shutil
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SUPPORT_FILES = ["requirements.txt"]
#: The tables of pyproject.toml that install ``lib``, the only ones the student edition keeps.
INSTALL_TABLES = re.compile(r"build-system|project|tool\.setuptools(\..+)?")
STUDENT_README = """\
# Concurrency in Python: student edition

Set up once, with Python 3.11 or newer:

    python -m venv .venv
    .venv/bin/pip install -r requirements.txt      # on Windows: .venv\\Scripts\\pip
    .venv/bin/jupyter lab chapters

Each chapter ends with exercises. Replace the starter code, run the cell, then run the check
below it: it tells you what passed and what to look at next.
"""


def is_solution_marker(cell: nbformat.NotebookNode) -> bool:
    """The markdown cells that open and close a solution dropdown in the HTML."""
    directive = cell.source.lstrip("`")
    return cell.cell_type == "markdown" and directive.startswith(
        ("{solution-start}", "{solution-end}")
    )


def student_notebook(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` without solutions or outputs.

    Raises:
        ValueError: if a solution cell has no starter cell before it (the student would
            have nothing to work from).
    """
    kept = []
    for cell in notebook.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "solution" in tags:
            if not any("starter" in c.get("metadata", {}).get("tags", []) for c in kept):
                raise ValueError("a solution cell comes before any starter cell")
            continue
        if is_solution_marker(cell):
            continue
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        kept.append(cell)
    notebook.cells = kept
    return notebook


def student_pyproject(text: str) -> str:
    """``text`` (a pyproject.toml) with only the tables of :data:`INSTALL_TABLES`.

    Raises:
        ValueError: if what is left is not TOML, or lacks the project and its packages.
    """
    kept: list[str] = []
    keep = True  # the lines before the first table
    for line in text.splitlines(keepends=True):
        header = re.fullmatch(r"\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?\s*", line)
        if header:
            keep = INSTALL_TABLES.fullmatch(header.group(1)) is not None
        if keep:
            kept.append(line)
    student = "".join(kept).rstrip() + "\n"
    try:
        parsed = tomllib.loads(student)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"the student pyproject.toml is not TOML: {error}") from None
    if "dependencies" not in parsed.get("project", {}) or "setuptools" not in parsed.get(
        "tool", {}
    ):
        raise ValueError("the student pyproject.toml lacks [project] or [tool.setuptools]")
    return student


def write_student_edition(output: Path) -> list[Path]:
    """Write the student edition under ``output`` and return the notebooks written."""
    if output.exists():
        shutil.rmtree(output)
    (output / "chapters").mkdir(parents=True)
    written = []
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        notebook = student_notebook(nbformat.read(path, as_version=4))
        target = output / "chapters" / path.name
        nbformat.write(notebook, target)
        written.append(target)
    shutil.copytree(
        ROOT / "lib", output / "lib", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
    )
    for name in SUPPORT_FILES:
        shutil.copy2(ROOT / name, output / name)
    project = student_pyproject((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (output / "pyproject.toml").write_text(project, encoding="utf-8")
    (output / "README.md").write_text(STUDENT_README, encoding="utf-8")
    return written


def main() -> None:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "_build" / "student"
    written = write_student_edition(output)
    print(f"wrote {len(written)} student notebooks to {output / 'chapters'}")


if __name__ == "__main__":
    main()
