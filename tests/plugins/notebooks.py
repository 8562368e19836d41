"""The one way tests read the book's notebooks: where they are, their cells, tags and output.

Reading only: nbval runs the notebooks, and the few tests that run one themselves (in a
kernel of their own, with an environment of their own) use nbclient directly.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from pathlib import Path

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

__all__ = [
    "CHAPTERS",
    "ROOT",
    "cells_that_need",
    "chapter",
    "chapters",
    "code_cells",
    "names_of",
    "read",
    "tags",
    "text_of",
]

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"


def chapters() -> list[Path]:
    """Every chapter notebook, in book order."""
    return sorted(CHAPTERS.glob("*.ipynb"))


def chapter(name: str) -> Path:
    """The path of one chapter, by file name (``"06_asyncio_basics.ipynb"``)."""
    return CHAPTERS / name


def read(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` (nbformat 4; its cells are also plain dicts)."""
    return nbformat.read(path, as_version=4)


def code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def text_of(cell: nbformat.NotebookNode, *, errors: bool = False) -> str:
    """What a cell printed or displayed as text; with ``errors``, its tracebacks too."""
    parts = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            text = output["text"]
        elif output["output_type"] == "error":
            if not errors:
                continue
            text = "\n".join([output["ename"], output["evalue"], *output["traceback"]]) + "\n"
        elif "data" in output:
            text = output["data"].get("text/plain", "")
        else:
            continue
        parts.append(text if isinstance(text, str) else "".join(text))
    return "".join(parts)


def names_of(source: str) -> tuple[set[str], set[str]]:
    """The names a cell's code binds, and those it reads.

    Bound anywhere counts, a function's locals and parameters too, so both sets are rough.
    IPython's own syntax (``%magic``, ``!command``) is read as the Python it stands for.
    """
    tree = ast.parse(TransformerManager().transform_cell(source))
    bound: set[str] = set()
    read: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound, read


def cells_that_need(notebook: nbformat.NotebookNode, names: Collection[str]) -> list[int]:
    """The indexes of the code cells that read one of ``names``, and of every later code cell
    that reads, without binding it itself, a name one of those cells bound (and that no cell
    outside them has bound since).

    Leaving these cells out, the rest of the notebook still runs: a test uses it to skip a
    chapter's long measurements that it has no use for, with what only they compute. The
    estimate is by name (:func:`names_of`); where it is wrong, a cell that runs reads a name
    that no cell bound, and fails with a NameError rather than passing unseen.

    Raises:
        LookupError: if some name of ``names`` is read by no code cell: the chapter changed,
            and whoever skips those cells must look again.
    """
    wanted = set(names)
    unread = set(wanted)
    missing: set[str] = set()  # names whose last binding was in a cell left out
    needing = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        bound, read = names_of(cell.source)
        unread -= read
        if read & wanted or (read - bound) & missing:
            needing.append(index)
            missing |= bound
        else:
            missing -= bound
    if unread:
        raise LookupError(f"no code cell reads {sorted(unread)}")
    return needing
