"""Number each chapter's exercises in JupyterLab as the HTML book does: 15.1, not "Exercise 1".

Usage: python scripts/number_exercises.py [--check] [chapters/X.ipynb ...]  (default: every chapter)

The HTML book (Jupyter Book 1, sphinx-exercise, a numbered table of contents) calls the first
exercise of chapter 15 "Exercise 15.1", and so do the checkers and the grader's gradebook.
JupyterLab renders the same ``{exercise}`` directive with jupyterlab-myst, which numbers the
exercises of each notebook from 1 unless the notebook's MyST front matter gives the number a
template: ``numbering: {exercise: {enumerator: "15.%s"}}``. jupyterlab-myst (2.7.0) reads front
matter only from a YAML block at the top of the notebook's first markdown cell, not from the
notebook's metadata; mystmd (Jupyter Book 2) reads it there too. So this script writes that
block at the top of every chapter's first cell, with the chapter's number taken from its file
name (``15_testing.ipynb``), the number the grader uses. Other front matter in the block is kept.

Jupyter Book 1 (myst-nb) does not read front matter in a notebook and would show the block as
text: the book's Sphinx extension ``_ext/notebook_front_matter.py`` drops it before myst-nb
parses the chapter.

Nothing but that cell's text changes: cell ids, outputs and the file's JSON layout stay as they
are, and a notebook already numbered is not rewritten. ``--check`` writes nothing and lists
the chapters that need the script.

Exit status: 0 when every chapter is numbered (or has been written), 1 with ``--check`` when one
is not, 2 for a path that is not a chapter notebook.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

__all__ = ["FRONT_MATTER", "chapter_number", "enumerator", "main", "number_file", "numbered"]

ROOT = Path(__file__).resolve().parent.parent
#: A YAML block at the very top of a markdown cell, as MyST reads front matter.
FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)^---[ \t]*(\n|\Z)", re.DOTALL | re.MULTILINE)
CHAPTER_NAME = re.compile(r"(?P<number>\d+)_\w+\.ipynb")


def chapter_number(path: Path) -> int:
    """The chapter's number, from its file name: 15 for ``15_testing.ipynb``.

    Raises:
        ValueError: if the name does not start with a number and an underscore.
    """
    found = CHAPTER_NAME.fullmatch(path.name)
    if found is None or int(found["number"]) == 0:
        raise ValueError(f"{path.name} is not a chapter's name (NN_name.ipynb, NN from 01)")
    return int(found["number"])


def front_matter(source: str) -> tuple[dict[str, Any], str]:
    """The front matter at the top of a markdown cell's ``source`` (empty if there is none),
    and the text after it.

    Raises:
        ValueError: if the block is not YAML, or not a mapping.
    """
    found = FRONT_MATTER.match(source)
    if found is None:
        return {}, source
    try:
        data = yaml.safe_load(found["yaml"]) or {}
    except yaml.YAMLError as error:
        raise ValueError(f"the first cell's front matter is not YAML: {error}") from error
    if not isinstance(data, dict):
        raise ValueError("the first cell's front matter is not a mapping of keys to values")
    return data, source[found.end() :]


def first_cell(notebook: dict[str, Any]) -> dict[str, Any]:
    """The notebook's first cell, where MyST looks for front matter.

    Raises:
        ValueError: if it is missing or not a markdown cell (mystmd reads the first cell only,
            jupyterlab-myst the first markdown cell: only a markdown cell first suits both).
    """
    cells = notebook.get("cells")
    if not isinstance(cells, list) or not cells or cells[0].get("cell_type") != "markdown":
        raise ValueError("the first cell is not markdown, so it cannot hold MyST front matter")
    return dict(cells[0])


def enumerator(notebook: dict[str, Any]) -> str | None:
    """The exercises' number template that the first cell's front matter sets, if any.

    Raises:
        ValueError: as :func:`first_cell` and :func:`front_matter` do.
    """
    source = first_cell(notebook)["source"]
    data, _ = front_matter(source if isinstance(source, str) else "".join(source))
    numbering = data.get("numbering")
    exercise = numbering.get("exercise") if isinstance(numbering, dict) else None
    value = exercise.get("enumerator") if isinstance(exercise, dict) else None
    return value if isinstance(value, str) else None


def numbered(notebook: dict[str, Any], number: int) -> bool:
    """Set the first cell's front matter so that exercises read ``number``.1, ``number``.2, ...;
    return whether the notebook changed.

    Raises:
        ValueError: as :func:`first_cell` and :func:`front_matter` do.
    """
    template = f"{number}.%s"
    if enumerator(notebook) == template:
        return False
    cell = notebook["cells"][0]
    source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
    data, rest = front_matter(source)
    numbering = data.get("numbering") if isinstance(data.get("numbering"), dict) else {}
    exercise = numbering.get("exercise") if isinstance(numbering.get("exercise"), dict) else {}
    data["numbering"] = {**numbering, "exercise": {**exercise, "enumerator": template}}
    block = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)
    cell["source"] = f"---\n{block}---\n{rest}".splitlines(keepends=True)
    return True


def number_file(path: Path, *, write: bool = True) -> bool:
    """Number the exercises of the chapter at ``path`` after its file name; return whether it
    needed it (it is rewritten only then, and only if ``write``).

    Raises:
        ValueError: if ``path`` is not a chapter notebook, or its first cell cannot hold the
            front matter (see :func:`numbered`).
    """
    if path.suffix != ".ipynb" or not path.is_file():
        raise ValueError(f"{path} is not a notebook")
    number = chapter_number(path)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed = numbered(notebook, number)
    if changed and write:
        text = json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        path.write_text(text, encoding="utf-8")
    return changed


def main(arguments: list[str]) -> int:
    check = "--check" in arguments
    paths = [Path(a) for a in arguments if a != "--check"]
    paths = paths or sorted((ROOT / "chapters").glob("*.ipynb"))
    stale = []
    for path in paths:
        try:
            changed = number_file(path, write=not check)
        except ValueError as error:
            print(f"error: {path}: {error}", file=sys.stderr)
            return 2
        if changed:
            stale.append(path.name)
        verb = "needs numbering" if check else "numbered"
        print(f"{path.name}: {verb if changed else 'already numbered'}")
    if check and stale:
        print(f"run python scripts/number_exercises.py for {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
