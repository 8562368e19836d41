"""lib.charts.event_loops: the two loops side by side, and the throughput with each CPU ceiling."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from lib.charts.common import MODEL_COLOURS
from lib.charts.event_loops import plot_loop_batches, plot_throughput_by_loop
from lib.demos.loop_sweep import Batch
from lib.measure.cpu_use import CpuUse


def batch(wall: float, own: float, others: float, answered: int = 10_000) -> Batch:
    use = CpuUse(wall=wall, own=own, others=others, machine=own + others, cores=2)
    return Batch(level=3000, requests=10_000, answered=answered, errors=[], use=use)


def test_batches_side_by_side_wall_time_and_cpu_per_request() -> None:
    batches = {"asyncio": batch(1.5, 1.4, 0.8), "uvloop": batch(1.2, 1.1, 0.7)}
    fig = plot_loop_batches(batches, ideal=0.4, title="10,000")
    wall_ax, cpu_ax = fig.axes
    assert [bar.get_height() for bar in wall_ax.patches] == [1.5, 1.2]
    assert [str(bar.get_hatch() or "") for bar in wall_ax.patches] == ["", "//"]
    assert to_hex(wall_ax.patches[0].get_facecolor()) == to_hex(MODEL_COLOURS["asyncio"])
    heights = [round(bar.get_height()) for bar in cpu_ax.patches]
    assert heights == [140, 110, 80, 70]  # µs per request: the clients, then the servers on top
    assert cpu_ax.patches[2].get_y() == pytest.approx(140)


def test_one_loop_alone_is_drawn_too() -> None:
    fig = plot_loop_batches({"asyncio": batch(1.5, 1.4, 0.8)}, ideal=0.4, title="Windows")
    assert len(fig.axes[0].patches) == 1


@pytest.mark.parametrize(
    ("batches", "ideal", "message"),
    [
        ({}, 0.4, "no loops"),
        ({"trio": batch(1, 1, 1)}, 0.4, "unknown loops"),
        ({"asyncio": batch(1, 1, 1, answered=0)}, 0.4, "no answers"),
        ({"asyncio": batch(1, 1, 1)}, 0.0, "ideal must be a positive"),
    ],
)
def test_batches_refuse_bad_input_and_leave_no_figure(
    batches: dict, ideal: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_loop_batches(batches, ideal, "bad")
    assert not plt.get_fignums()


def test_throughput_draws_ideal_each_loop_and_each_ceiling() -> None:
    levels = [1, 10, 100, 1000, 3000]
    throughputs = {
        "asyncio": [10.0, 98.0, 900.0, 6000.0, 6800.0],
        "uvloop": [10.0, 99.0, 950.0, 6500.0, 7400.0],
    }
    ceilings = {"asyncio": [900.0, 5e3, 8e3, 7e3, 7e3], "uvloop": [1e3, 6e3, 9e3, 8e3, 8e3]}
    fig = plot_throughput_by_loop(levels, throughputs, 0.1, ceilings, "t")
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.lines]
    assert labels == [
        "ideal: concurrency / 100 ms",
        "asyncio",
        "CPU ceiling, asyncio",
        "uvloop",
        "CPU ceiling, uvloop",
    ]
    assert list(ax.lines[0].get_ydata()) == [10.0, 100.0, 1000.0, 10000.0, 30000.0]
    assert list(ax.lines[4].get_ydata()) == ceilings["uvloop"]
    assert [ax.lines[1].get_marker(), ax.lines[3].get_marker()] == ["o", "s"]
    assert ax.get_xscale() == ax.get_yscale() == "log"


@pytest.mark.parametrize(
    ("levels", "throughputs", "latency", "ceilings", "message"),
    [
        ([], {"asyncio": []}, 0.1, {"asyncio": []}, "levels must be positive"),
        ([0, 10], {"asyncio": [1.0, 2.0]}, 0.1, {"asyncio": [1.0, 1.0]}, "levels must be"),
        ([1, 10], {"asyncio": [1.0]}, 0.1, {"asyncio": [1.0, 1.0]}, "one throughput for each"),
        ([1, 10], {"asyncio": [1.0, 2.0]}, 0.1, {}, "positive CPU ceiling for each level"),
        ([1, 10], {"asyncio": [1.0, 2.0]}, 0.1, {"asyncio": [1.0]}, "CPU ceiling for each"),
        ([1, 10], {"asyncio": [1.0, 2.0]}, 0.1, {"asyncio": [1.0, 0.0]}, "CPU ceiling for each"),
        ([1, 10], {"asyncio": [1.0, 2.0]}, 0.0, {"asyncio": [1.0, 1.0]}, "latency must be"),
        ([1, 10], {}, 0.1, {}, "no loops"),
    ],
)
def test_throughput_refuses_bad_input_and_leaves_no_figure(
    levels: list[int], throughputs: dict, latency: float, ceilings: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_throughput_by_loop(levels, throughputs, latency, ceilings, "bad")
    assert not plt.get_fignums()
