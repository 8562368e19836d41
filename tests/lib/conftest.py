"""Fixtures for the tests of lib's helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator

import matplotlib.pyplot as plt
import pytest

from lib.charts.alt import alt_text


@pytest.fixture(autouse=True)
def close_figures(request: pytest.FixtureRequest) -> Iterator[None]:
    """Start and end every test with no open figure, so none leaks or piles up. Each figure a
    chart test drew from data must describe itself (lib.charts.alt) with a number; diagrams of
    words (the decision tree) and empty panels hold no data (``has_data``)."""
    plt.close("all")
    yield
    module = request.node.module.__name__.rsplit(".", 1)[-1]
    if module.startswith("test_charts_") and module != "test_charts_alt":
        for number in plt.get_fignums():
            figure = plt.figure(number)
            if any(ax.has_data() for ax in figure.axes):
                text = alt_text(figure)
                assert re.search(r"\d", text), f"{request.node.name}: no number in {text!r}"
    plt.close("all")
