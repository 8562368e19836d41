"""A Sphinx extension: a notebook figure's alt text is the one its PNG carries.

``lib.charts`` writes each figure's alt text, made from the data it was drawn from, into the
PNG a notebook stores (an ``iTXt`` chunk, keyword ``Description``). myst-nb writes that PNG
to its output folder and points an image node at it, but takes the alt text from the cell's
static metadata only. This transform reads the chunk and sets the node's ``alt``: the PNG's
text wins over any static one, since it follows the bars this run drew.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

from lib.charts.alt import png_description

__all__ = ["FigureAltFromPng", "setup"]


def _in_cell_output(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.Element) and "cell_output" in parent["classes"]:
            return True
        parent = parent.parent
    return False


class FigureAltFromPng(SphinxTransform):
    """Set each notebook output image's ``alt`` from its PNG's ``Description`` chunk.

    myst-nb's ``uri`` is relative to the source folder, with a leading ``/``; the environment
    resolves it. A file that is missing or not a whole PNG is left alone. Never raises.
    """

    default_priority = 400  # while reading, before Sphinx collects the images

    def apply(self, **kwargs: Any) -> None:
        for image in self.document.findall(nodes.image):
            uri = str(image.get("uri", ""))
            if not uri.lower().endswith(".png") or not _in_cell_output(image):
                continue
            _, path = self.env.relfn2path(uri, self.env.docname)
            try:
                text = png_description(Path(path).read_bytes())
            except (OSError, ValueError):
                continue
            if text:
                image["alt"] = text


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_transform(FigureAltFromPng)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
