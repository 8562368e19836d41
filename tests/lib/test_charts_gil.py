"""Chapter 2's charts (lib.charts.gil): what they draw, and what they refuse."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from lib.charts.common import MODEL_COLOURS, Run
from lib.charts.gil import plot_pool_speedup, plot_turns
from lib.measure.recorder import Span

TURNS = [
    Span("1", "A", 10.000, 10.005),
    Span("1", "B", 10.005, 10.010),
    Span("2", "A", 10.010, 10.016),
    Span("2", "B", 10.016, 10.300),  # runs past the window
]


def test_plot_turns_zooms_the_timeline_in_milliseconds() -> None:
    fig = plot_turns(TURNS, "Turns", switch_interval=0.005, window=0.1)
    [ax] = fig.axes
    assert len(ax.patches) == len(TURNS)  # every turn drawn, the window only clips
    assert {to_hex(bar.get_facecolor()) for bar in ax.patches} == {MODEL_COLOURS["threads"].lower()}
    assert ax.get_xlim() == pytest.approx((0.0, 0.1))
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["thread 1", "thread 2"]
    majors = [tick for tick in ax.xaxis.get_majorticklocs() if 0 <= tick <= 0.1 + 1e-9]
    assert majors == pytest.approx([i / 100 for i in range(11)])  # every 10 ms
    assert ax.xaxis.get_major_formatter()(0.02, 2) == "20"  # labelled in ms
    minors = [t for t in ax.xaxis.get_minor_locator().tick_values(0, 0.02) if 0 <= t <= 0.02]
    assert list(minors) == pytest.approx([0.0, 0.005, 0.01, 0.015, 0.02])  # each interval
    assert "(ms)" in ax.get_xlabel()
    assert ax.get_title() == "Turns"


@pytest.mark.parametrize(
    ("spans", "switch_interval", "window", "message"),
    [
        ([], 0.005, 0.1, "no spans"),
        (TURNS, 0.0, 0.1, "switch_interval"),
        (TURNS, 0.005, -1.0, "window"),
    ],
)
def test_plot_turns_rejects_bad_input_without_leaving_a_figure(
    spans: list[Span], switch_interval: float, window: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_turns(spans, "t", switch_interval=switch_interval, window=window)
    assert plt.get_fignums() == []


POOL_RUNS = [
    Run("sequential", "sequential", 0.4),
    Run("2 threads", "threads", 0.4, 0.2),
    Run("2 processes", "processes", 0.23, 0.2),
]
STARTUP = {"threads": 0.0005, "processes": 0.024}


def test_plot_pool_speedup_hatches_each_pools_startup_at_the_foot_of_its_bar() -> None:
    fig = plot_pool_speedup(POOL_RUNS, STARTUP, "Pools")
    [ax] = fig.axes
    runs, feet = ax.patches[: len(POOL_RUNS)], ax.patches[len(POOL_RUNS) :]
    assert [bar.get_height() for bar in runs] == [run.seconds for run in POOL_RUNS]
    assert [bar.get_height() for bar in feet] == [0.0005, 0.024]
    assert [bar.get_x() + bar.get_width() / 2 for bar in feet] == pytest.approx([1.0, 2.0])
    assert all(bar.get_hatch() == "///" and not bar.get_fill() for bar in feet)
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["ideal", "start-up"]
    assert ax.get_title() == "Pools"


@pytest.mark.parametrize(
    ("runs", "startup", "message"),
    [
        ([], STARTUP, "at least one run"),
        (POOL_RUNS, {"threads": 0.001}, "no start-up time for \\['processes'\\]"),
        (POOL_RUNS, {**STARTUP, "threads": -0.1}, "negative"),
        ([*POOL_RUNS, Run("2 fibres", "fibres", 0.2)], {**STARTUP, "fibres": 0.1}, "unknown"),
    ],
)
def test_plot_pool_speedup_rejects_bad_input_without_leaving_a_figure(
    runs: list[Run], startup: dict[str, float], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_pool_speedup(runs, startup, "t")
    assert plt.get_fignums() == []
