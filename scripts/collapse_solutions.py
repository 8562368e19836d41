"""Make every solution start collapsed when a chapter is opened in JupyterLab.

Usage: python scripts/collapse_solutions.py [chapters/X.ipynb ...]   (default: every chapter)

A learner who opens the full edition in JupyterLab should meet the starter code and the
check, not the answer right under them. JupyterLab collapses a cell's input when the cell's
metadata holds ``"jupyter": {"source_hidden": true}``: the cell then shows as a thin bar that
a click opens. The bar shows the cell's first line, so that line must give nothing away: every
solution starts with :data:`LEAD`, a comment. This script sets the metadata and the comment on
every code cell tagged ``solution``, and nothing else: outputs and execution counts stay as
they are (solution cells print nothing), so no re-execution is needed. Running it twice
changes nothing; a notebook it would not change is not rewritten.

Jupyter Book ignores this metadata (its HTML closes solutions with sphinx-exercise's dropdown),
and the student edition (scripts/make_student.py) drops solution cells altogether.

Exit status: 0 when every notebook was already collapsed or has been written, 2 for a path
that is not a notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
#: The first line of every solution: what a collapsed cell shows, and true of every exercise.
LEAD = "# One answer of many: any code that passes the check is right."


def is_solution(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and "solution" in cell.get("metadata", {}).get("tags", [])


def is_collapsed(cell: nbformat.NotebookNode) -> bool:
    """Whether JupyterLab opens ``cell`` with its input collapsed."""
    return cell.get("metadata", {}).get("jupyter", {}).get("source_hidden") is True


def has_lead(cell: nbformat.NotebookNode) -> bool:
    """Whether ``cell``'s first line is :data:`LEAD`."""
    return str(cell.source).split("\n", 1)[0] == LEAD


def collapse(notebook: nbformat.NotebookNode) -> int:
    """Collapse the input of every solution cell in ``notebook`` and lead it with
    :data:`LEAD`; return how many cells changed."""
    changed = 0
    for cell in notebook.cells:
        if is_solution(cell) and not (is_collapsed(cell) and has_lead(cell)):
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            if not has_lead(cell):
                cell.source = f"{LEAD}\n{cell.source}"
            changed += 1
    return changed


def collapse_file(path: Path) -> int:
    """Collapse the solutions in the notebook at ``path``, rewriting it only if one changed.

    Raises:
        ValueError: if ``path`` is not an ``.ipynb`` file.
    """
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"{path} is not a notebook")
    notebook = nbformat.read(path, as_version=4)
    changed = collapse(notebook)
    if changed:
        nbformat.write(notebook, path)
    return changed


def main(arguments: list[str]) -> int:
    paths = [Path(a) for a in arguments] or sorted((ROOT / "chapters").glob("*.ipynb"))
    for path in paths:
        try:
            changed = collapse_file(path)
        except ValueError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"{path.name}: {changed} solution cell(s) collapsed" if changed else
              f"{path.name}: already collapsed")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
