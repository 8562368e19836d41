"""Chapter 6's charts (lib.coordination_plots): what they draw, and what they refuse."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from lib.asyncio_tools import Samples
from lib.coordination_plots import (
    KNEE_SHARE,
    PLATEAU_SHARE,
    Plateau,
    knee,
    plateau,
    plot_polite_attempts,
    plot_queue_sizes,
    plot_throughput,
)
from lib.plots import IDEAL_COLOUR, MODEL_COLOURS
from lib.recorder import Span


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


def test_knee_is_the_first_level_clearly_below_the_ideal() -> None:
    levels = [1, 10, 100, 1000]
    assert knee(levels, [10.0, 100.0, 1000.0, 2000.0], latency=0.1) == 1000
    assert knee(levels, [10.0, 100.0, 1000.0, 10_000.0], latency=0.1) is None
    just_below = KNEE_SHARE * 100 / 0.1 - 1
    assert knee(levels, [10.0, 100.0, just_below, 2000.0], latency=0.1) == 100


def test_plateau_is_the_levels_near_the_best_when_they_span_a_doubling() -> None:
    levels = [1, 10, 100, 1000, 2000, 4000]
    flat = plateau(levels, [10.0, 95.0, 700.0, 3000.0, 3300.0, 2500.0])
    assert flat == Plateau([1000, 2000], 3150.0)  # 2,500 is below 85% of 3,300
    flat = plateau(levels, [10.0, 95.0, 700.0, 3000.0, 3300.0, 3100.0])
    assert flat == Plateau([1000, 2000, 4000], 3100.0)  # the median


def test_no_plateau_while_the_curve_still_rises() -> None:
    levels = [1, 10, 100, 500, 1000]
    assert plateau(levels, [10.0, 95.0, 700.0, 2900.0, 4500.0]) is None  # the data of issue 15
    assert plateau([1000, 1500], [3000.0, 3100.0]) is None  # flat, but over too short a span
    assert plateau([1000, 1500], [3000.0, 3100.0], span=1.5) == Plateau([1000, 1500], 3050.0)
    assert PLATEAU_SHARE == 0.85


@pytest.mark.parametrize(
    ("levels", "throughputs", "share", "span"),
    [
        ([], [], 0.85, 2.0),
        ([1], [1.0, 2.0], 0.85, 2.0),
        ([0, 1], [1.0, 2.0], 0.85, 2.0),
        ([1, 2], [1.0, 2.0], 0.0, 2.0),
        ([1, 2], [1.0, 2.0], 1.5, 2.0),
        ([1, 2], [1.0, 2.0], 0.8, 0.5),
    ],
)
def test_plateau_refuses_bad_input(
    levels: list[int], throughputs: list[float], share: float, span: float
) -> None:
    with pytest.raises(ValueError):
        plateau(levels, throughputs, share=share, span=span)


def test_throughput_draws_ideal_measured_and_knee_but_no_plateau_while_rising() -> None:
    levels, throughputs = [1, 10, 100, 1000], [9.0, 95.0, 700.0, 3000.0]
    fig = plot_throughput(levels, throughputs, latency=0.1, title="throughput")
    ax = fig.axes[0]
    ideal, measured = ax.lines
    assert not ax.collections  # no plateau: the best level is the last, well above the one before
    assert list(ideal.get_ydata()) == pytest.approx([10, 100, 1000, 10_000])
    assert ideal.get_label() == "ideal: concurrency / 100 ms"
    assert list(measured.get_ydata()) == throughputs
    (note,) = ax.texts
    assert note.get_text() == "the knee"
    assert note.xy == (100, 700.0)  # 700 is below 80% of the ideal 1,000
    assert ax.get_xscale() == ax.get_yscale() == "log"


def test_throughput_draws_the_plateau_over_its_levels_at_its_median() -> None:
    levels, throughputs = [1, 10, 100, 1000, 2000, 4000], [9.0, 95.0, 700.0, 3000.0, 3300.0, 3100.0]
    fig = plot_throughput(levels, throughputs, latency=0.1, title="throughput")
    (flat,) = fig.axes[0].collections
    ((start, height), (end, same_height)) = flat.get_segments()[0]
    assert (start, end) == (1000, 4000)
    assert height == same_height == 3100.0
    assert flat.get_label().startswith("plateau: median of the levels within 85%")


@pytest.mark.parametrize(
    ("levels", "throughputs", "latency"),
    [([], [], 0.1), ([1, 2], [1.0], 0.1), ([1], [1.0], 0.0), ([0, 1], [1.0, 2.0], 0.1)],
)
def test_throughput_refuses_bad_input_and_leaves_no_figure(
    levels: list[int], throughputs: list[float], latency: float
) -> None:
    with pytest.raises(ValueError):
        plot_throughput(levels, throughputs, latency=latency, title="throughput")
    assert plt.get_fignums() == []
