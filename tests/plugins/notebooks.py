"""The one way tests read the book's notebooks: where they are, their cells, tags and output.

Reading only: nbval runs the notebooks, and the few tests that run one themselves (in a
kernel of their own, with an environment of their own) use nbclient directly.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

__all__ = ["CHAPTERS", "ROOT", "chapter", "chapters", "code_cells", "read", "tags", "text_of"]

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = ROOT / "chapters"


def chapters() -> list[Path]:
    """Every chapter notebook, in book order."""
    return sorted(CHAPTERS.glob("*.ipynb"))


def chapter(name: str) -> Path:
    """The path of one chapter, by file name (``"05_asyncio_basics.ipynb"``)."""
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
