"""Chapter 11's chart: how long a broken version and its fix took, side by side.

:func:`plot_broken_fixed` draws one pair of bars per comparison, in the book's colour for the
comparison's model: the broken version hatched and pale, the fix solid, each labelled with
its time. It checks its data before making a figure, so a bad call leaves no empty figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from lib.charts._generic_alt import amount
from lib.charts.alt import describe
from lib.charts.common import model_colour, new_figure

__all__ = ["BAR_WIDTH", "BrokenFixed", "plot_broken_fixed"]

BAR_WIDTH = 0.38


@dataclass(frozen=True)
class BrokenFixed:
    """One thing measured twice: as first written (``broken``) and fixed, in seconds."""

    label: str
    model: str
    broken: float
    fixed: float


def plot_broken_fixed(comparisons: Sequence[BrokenFixed], title: str, ylabel: str) -> Figure:
    """Bars of the broken and the fixed time of each comparison, each labelled ``1.23 s``.

    Raises:
        ValueError: if ``comparisons`` is empty, a time is negative, or a model is unknown.
    """
    if not comparisons:
        raise ValueError("need at least one comparison to plot")
    colours = [model_colour(comparison.model) for comparison in comparisons]
    for comparison in comparisons:
        if comparison.broken < 0 or comparison.fixed < 0:
            raise ValueError(f"{comparison.label!r}: times must not be negative")
    fig, ax = new_figure()
    for position, (comparison, colour) in enumerate(zip(comparisons, colours, strict=True)):
        for offset, seconds, broken in (
            (-BAR_WIDTH / 2, comparison.broken, True),
            (BAR_WIDTH / 2, comparison.fixed, False),
        ):
            ax.bar(
                position + offset,
                seconds,
                width=BAR_WIDTH,
                color=colour,
                alpha=0.45 if broken else 1.0,
                hatch="//" if broken else None,
                edgecolor=colour,
            )
            ax.annotate(
                f"{seconds:.2f} s",
                (position + offset, seconds),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=9,
            )
    ax.set_xticks(range(len(comparisons)), [comparison.label for comparison in comparisons])
    ax.set_ylabel(ylabel)
    highest = max(max(comparison.broken, comparison.fixed) for comparison in comparisons)
    ax.set_ylim(0, max(highest, 0.01) * 1.25)
    ax.set_title(title)
    ax.legend(
        handles=[
            Patch(facecolor="white", edgecolor="black", hatch="//", label="as first written"),
            Patch(facecolor="grey", edgecolor="grey", label="fixed"),
        ],
        loc="upper right",
    )
    ax.grid(axis="y", alpha=0.3)
    each = [
        f"{c.label}: {amount(c.broken, 's')}, fixed {amount(c.fixed, 's')}" for c in comparisons
    ]
    return describe(fig, f"{title}: {ylabel}, as first written and fixed. {'; '.join(each)}.")
