"""_ext/figure_alt.py: a notebook figure's alt text in the HTML book is its PNG's own."""

from __future__ import annotations

import base64
import io
import re
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document
from sphinx.application import Sphinx

from lib.charts.alt import with_description
from lib.charts.common import new_figure
from tests.plugins.notebooks import ROOT

sys.path.insert(0, str(ROOT / "_ext"))
from figure_alt import FigureAltFromPng


def png(text: str | None) -> bytes:
    fig, ax = new_figure()
    ax.bar([0], [1.0])
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=10)
    return with_description(buffer.getvalue(), text) if text else buffer.getvalue()


def test_the_pngs_description_replaces_a_static_alt_in_cell_outputs_only(tmp_path: Path) -> None:
    """myst-nb writes ``/`` + the path relative to the source folder, as the env resolves."""
    out = tmp_path / "_build" / "jupyter_execute"
    out.mkdir(parents=True)
    (out / "measured.png").write_bytes(png("2 processes: 0.52 s, 1.9×"))
    (out / "plain.png").write_bytes(png(None))
    (out / "broken.png").write_bytes(b"not a png")
    source = tmp_path / "book"
    source.mkdir()

    def relfn2path(uri: str, docname: str) -> tuple[str, str]:
        assert uri.startswith("/"), "myst-nb's uri is relative to the source folder"
        return uri[1:], str((source / uri[1:]).resolve())

    document = new_document("chapter", get_default_settings(Parser))
    document.settings.env = SimpleNamespace(relfn2path=relfn2path, docname="chapters/01")
    output = nodes.container(classes=["cell_output"])
    document += output
    images = {}
    for name in ["measured", "plain", "broken", "missing"]:
        images[name] = nodes.image(uri=f"/../_build/jupyter_execute/{name}.png", alt="static")
        output += images[name]
    images["prose"] = nodes.image(uri="/../_build/jupyter_execute/measured.png", alt="prose")
    document += images["prose"]

    FigureAltFromPng(document).apply()

    assert images["measured"]["alt"] == "2 processes: 0.52 s, 1.9×"
    assert [images[name]["alt"] for name in ["plain", "broken", "missing"]] == ["static"] * 3
    assert images["prose"]["alt"] == "prose", "an image outside a notebook output is not touched"


def test_a_tiny_myst_nb_build_takes_the_alt_text_from_the_png(tmp_path: Path) -> None:
    """The same, through myst-nb and Sphinx themselves, offline and without executing."""
    source = tmp_path / "book"
    (source / "chapters").mkdir(parents=True)
    cell = nbformat.v4.new_code_cell("fig", metadata={"mystnb": {"image": {"alt": "static"}}})
    data = base64.b64encode(png("alone: 1.20 s, from the PNG")).decode("ascii")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"image/png": data})]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# One"), cell])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, source / "chapters" / "one.ipynb")
    (source / "index.md").write_text("# Book\n\n```{toctree}\nchapters/one\n```\n")
    (source / "conf.py").write_text(
        f"import sys\nsys.path.insert(0, {str(ROOT / '_ext')!r})\n"
        "extensions = ['myst_nb', 'figure_alt']\nnb_execution_mode = 'off'\n"
    )
    out = tmp_path / "html"
    app = Sphinx(source, source, out, tmp_path / "doctrees", "html", status=None, warning=None)
    app.build()
    images = re.findall(r"<img [^>]*>", (out / "chapters" / "one.html").read_text())
    assert len(images) == 1 and 'alt="alone: 1.20 s, from the PNG"' in images[0]


def test_the_book_loads_the_extension() -> None:
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert "    figure_alt: _ext" in config
