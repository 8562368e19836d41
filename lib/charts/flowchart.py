"""Draw a small decision tree with matplotlib: question boxes, answer boxes, labelled arrows.

A chapter describes the tree as data, which is the part worth reading: each node is a
position on the axes (0 to 1 both ways), its text, and either ``None`` for a question (a
grey box) or the name of the model it recommends (a box in that model's colour, from
:data:`lib.charts.common.MODEL_COLOURS`). Each edge goes from one node to another, with a label.
:func:`draw_flowchart` does the drawing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["Node", "draw_flowchart"]

#: A node: (x, y, text, model), where model is None for a question.
Node = tuple[float, float, str, str | None]

QUESTION_BOX = {"boxstyle": "round,pad=0.4", "facecolor": "#F2F2F2", "edgecolor": "#6E6E6E"}
ARROW_COLOUR = "#444444"


def draw_flowchart(
    ax: Any,
    nodes: Mapping[str, Node],
    edges: Iterable[tuple[str, str, str]],
    colours: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Draw ``nodes`` and the labelled ``edges`` (start, end, label) between them on ``ax``.

    ``colours`` maps a model to its colour (default: the book's,
    :data:`lib.charts.common.MODEL_COLOURS` and :data:`lib.charts.common.OTHER_MODEL_COLOURS`, such
    as the cluster's). The axes are turned off and span 0 to 1 both ways. Returns the text artist of
    each node.

    Raises:
        KeyError: if an edge names a node that is not in ``nodes``, or a node a model that
            is not in ``colours``.
    """
    if colours is None:
        # imported here: lib.charts.common pulls matplotlib in
        from lib.charts.common import MODEL_COLOURS, OTHER_MODEL_COLOURS

        colours = {**MODEL_COLOURS, **OTHER_MODEL_COLOURS}
    edges = list(edges)
    for start, end, _ in edges:
        for name in (start, end):
            if name not in nodes:
                raise KeyError(f"edge {start!r} -> {end!r}: no node named {name!r}")
    ax.set_axis_off()
    ax.set(xlim=(0, 1), ylim=(0, 1))
    boxes = {}
    for name, (x, y, text, model) in nodes.items():
        if model is None:
            box, colour = QUESTION_BOX, "black"
        else:
            if model not in colours:
                raise KeyError(f"node {name!r}: no colour for the model {model!r}")
            box = {"boxstyle": "round,pad=0.4", "facecolor": colours[model], "edgecolor": "none"}
            colour = "white"
        boxes[name] = ax.text(
            x, y, text, ha="center", va="center", fontsize=9, bbox=box, color=colour
        )
    for start, end, label in edges:
        (x0, y0), (x1, y1) = nodes[start][:2], nodes[end][:2]
        arrow = {
            "arrowstyle": "-|>",
            "color": ARROW_COLOUR,
            "shrinkA": 3,
            "shrinkB": 3,
            "patchA": boxes[start].get_bbox_patch(),
            "patchB": boxes[end].get_bbox_patch(),
        }
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=arrow)
        label_box = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"}
        ax.text(
            (x0 + x1) / 2,
            (y0 + y1) / 2,
            label,
            fontsize=8,
            ha="center",
            va="center",
            bbox=label_box,
        )
    return boxes
