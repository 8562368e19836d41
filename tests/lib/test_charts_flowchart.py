"""lib.charts.flowchart draws a decision tree: question boxes, answer boxes in the model's
colour."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from lib.charts.common import MODEL_COLOURS
from lib.charts.flowchart import QUESTION_BOX, draw_flowchart

NODES = {
    "many?": (0.2, 0.5, "how many?", None),
    "one": (0.6, 0.8, "sequential", "sequential"),
    "lots": (0.6, 0.2, "asyncio", "asyncio"),
}
EDGES = [("many?", "one", "one"), ("many?", "lots", "thousands")]


def test_draws_every_node_and_a_labelled_arrow_per_edge() -> None:
    ax = plt.figure().add_subplot()
    boxes = draw_flowchart(ax, NODES, EDGES)
    assert set(boxes) == set(NODES)
    assert [boxes[name].get_text() for name in NODES] == [text for _, _, text, _ in NODES.values()]
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == len(EDGES)
    labels = {t.get_text() for t in ax.texts} - {text for _, _, text, _ in NODES.values()}
    assert labels >= {"one", "thousands"}
    assert not ax.axison
    assert ax.get_xlim() == (0, 1) and ax.get_ylim() == (0, 1)


def test_questions_are_grey_and_answers_take_their_models_colour() -> None:
    ax = plt.figure().add_subplot()
    boxes = draw_flowchart(ax, NODES, EDGES)
    question = boxes["many?"].get_bbox_patch()
    assert to_hex(question.get_facecolor()) == to_hex(QUESTION_BOX["facecolor"])
    for name in ("one", "lots"):
        model = NODES[name][3]
        assert to_hex(boxes[name].get_bbox_patch().get_facecolor()) == to_hex(MODEL_COLOURS[model])
        assert to_hex(boxes[name].get_color()) == "#ffffff"


def test_own_colours() -> None:
    ax = plt.figure().add_subplot()
    boxes = draw_flowchart(
        ax, NODES, EDGES, colours={"sequential": "#112233", "asyncio": "#445566"}
    )
    assert to_hex(boxes["one"].get_bbox_patch().get_facecolor()) == "#112233"


def test_unknown_nodes_and_models_raise_key_error() -> None:
    ax = plt.figure().add_subplot()
    with pytest.raises(KeyError, match="no node named 'nowhere'"):
        draw_flowchart(ax, NODES, [("many?", "nowhere", "?")])
    with pytest.raises(KeyError, match="no colour for the model 'fibres'"):
        draw_flowchart(ax, {"x": (0.5, 0.5, "fibres", "fibres")}, [])
