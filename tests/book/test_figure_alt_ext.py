"""_ext/figure_alt.py: a notebook figure's alt text in the HTML book is its PNG's own."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from types import SimpleNamespace

from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

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


def test_the_book_loads_the_extension() -> None:
    config = (ROOT / "_config.yml").read_text(encoding="utf-8")
    assert "    figure_alt: _ext" in config
