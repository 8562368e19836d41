"""Fixtures for the tests of lib's helpers."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib.pyplot as plt
import pytest


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    """Start and end every test with no open figure, so none leaks or piles up."""
    plt.close("all")
    yield
    plt.close("all")
