"""Chapter 7's charts (lib.charts.coordination): what they draw, and what they refuse."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from lib.charts.common import IDEAL_COLOUR, MODEL_COLOURS
from lib.charts.coordination import plot_polite_attempts, plot_queue_sizes
from lib.measure.asyncio_watch import Samples
from lib.measure.recorder import Span


def span(task: str, start: float, seconds: float, ok: bool = True) -> Span:
    return Span(task=task, worker=f"id {task}", start=start, end=start + seconds, ok=ok)


def test_queue_sizes_draws_one_step_line_per_bound() -> None:
    runs = {0: Samples([0.0, 0.1, 0.2], [0, 20, 3]), 5: Samples([0.0, 0.1, 0.2], [0, 5, 5])}
    fig = plot_queue_sizes(runs, "queues")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["unbounded", "bounded, maxsize=5"]
    assert [line.get_linestyle() for line in ax.lines] == ["--", "-"]
    assert list(ax.lines[1].get_ydata()) == [0, 5, 5]
    assert to_hex(ax.lines[0].get_color()) == to_hex(MODEL_COLOURS["asyncio"])
    assert ax.get_title() == "queues"


@pytest.mark.parametrize("runs", [{}, {5: Samples()}])
def test_queue_sizes_refuses_nothing_to_draw_and_leaves_no_figure(runs: dict) -> None:
    with pytest.raises(ValueError):
        plot_queue_sizes(runs, "queues")
    assert plt.get_fignums() == []


def test_polite_attempts_draws_refusals_waits_and_answers() -> None:
    spans = [
        span("1", 10.0, 0.01, ok=False),
        span("2", 10.0, 0.2),
        span("1", 11.0, 0.01, ok=False),
        span("1", 12.0, 0.2),
    ]
    fig = plot_polite_attempts(spans, [1, 2], "polite")
    ax = fig.axes[0]
    answers = ax.patches
    assert [(bar.get_x(), bar.get_width()) for bar in answers] == [
        pytest.approx((2.0, 0.2)),
        pytest.approx((0.0, 0.2)),
    ]
    crosses = [line for line in ax.lines if line.get_marker() == "x"]
    assert list(crosses[0].get_xdata()) == pytest.approx([0.0, 1.0])  # id 1: two refusals
    assert len(crosses[1].get_xdata()) == 0  # id 2 was answered at once
    assert to_hex(crosses[0].get_color()) == to_hex(IDEAL_COLOUR)
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["id 1", "id 2"]
    labels = ax.get_legend_handles_labels()[1]  # one of each, not one per row
    assert sorted(labels) == ["answered: 200", "refused: 429 + Retry-After"]


def test_polite_attempts_refuses_no_spans_or_an_unanswered_id() -> None:
    with pytest.raises(ValueError, match="no spans"):
        plot_polite_attempts([], [1], "polite")
    with pytest.raises(ValueError, match="no answered attempt"):
        plot_polite_attempts([span("1", 0.0, 0.1, ok=False)], [1], "polite")
    assert plt.get_fignums() == []
