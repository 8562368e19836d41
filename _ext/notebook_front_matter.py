"""A small Sphinx extension: a chapter's MyST front matter is for JupyterLab, not for this book.

Each chapter's first cell opens with a YAML block (scripts/number_exercises.py writes it) that
numbers its exercises 15.1, 15.2, ... in JupyterLab (jupyterlab-myst) and in Jupyter Book 2
(mystmd), which read front matter there. myst-nb, which parses the notebooks for this book,
turns front matter off in notebooks, so the block would show on the page as a rule and a
heading above the chapter's title. It is dropped here from the text myst-nb parses (Sphinx's
``source-read``); the notebook on disk, and the copy a reader downloads, keep it. The HTML
book numbers exercises from its numbered table of contents (sphinx-exercise), as before.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sphinx.application import Sphinx

__all__ = ["drop_front_matter", "setup"]

#: A YAML block at the very top of a markdown cell, as MyST reads front matter.
FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?^---[ \t]*(\n|\Z)", re.DOTALL | re.MULTILINE)


def drop_front_matter(text: str) -> str:
    """The notebook ``text`` with the front matter of its first cell removed, when that cell is
    markdown and opens with a YAML block; otherwise ``text`` unchanged.

    Raises:
        json.JSONDecodeError: if ``text`` is not JSON.
    """
    notebook = json.loads(text)
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not cells or cells[0].get("cell_type") != "markdown":
        return text
    source = cells[0].get("source", "")
    source = source if isinstance(source, str) else "".join(source)
    kept = FRONT_MATTER.sub("", source, count=1)
    if kept == source:
        return text
    cells[0]["source"] = kept
    return json.dumps(notebook, indent=1, ensure_ascii=False)


def on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if str(app.env.doc2path(docname)).endswith(".ipynb"):
        source[0] = drop_front_matter(source[0])


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("source-read", on_source_read)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
