"""lib.charts.cluster: chapter 10's charts, in the book's colours."""

from __future__ import annotations

import pytest
from matplotlib.colors import to_hex

from lib.charts.cluster import plot_duration_sweep, plot_per_task
from lib.charts.common import model_colour
from lib.demos.cluster_work import SweepPoint


def test_per_task_bars_in_each_models_colour() -> None:
    fig = plot_per_task({"processes": 0.0001, "cluster": 0.0015}, "cost")
    bars = fig.axes[0].patches
    assert [to_hex(bar.get_facecolor()) for bar in bars] == [
        model_colour("processes").lower(),
        model_colour("cluster").lower(),
    ]
    assert bars[1].get_height() == pytest.approx(1.5)  # milliseconds
    with pytest.raises(ValueError):
        plot_per_task({}, "nothing")
    with pytest.raises(ValueError):
        plot_per_task({"nonsense": 1.0}, "unknown model")


def test_the_sweep_has_one_curve_per_model_and_the_two_lines() -> None:
    points = [SweepPoint(0.001, 16, 0.04), SweepPoint(0.01, 16, 0.09)]
    fig = plot_duration_sweep({"processes": points, "cluster": points}, 2, "sweep")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert [line.get_label() for line in ax.get_lines()] == [
        "processes",
        "cluster",
        "ideal (2×)",
        "break-even (1×)",
    ]
    with pytest.raises(ValueError):
        plot_duration_sweep({"cluster": []}, 2, "empty")
