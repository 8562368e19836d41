"""Chapter 9's heartbeat chart (lib.charts.mixing): what it draws, and what it refuses."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from lib.charts.common import MODEL_COLOURS
from lib.charts.mixing import Offload, plot_heartbeats, sawtooth

BLOCKED = [(0.01, 0.02), (0.03, 0.93)]  # the second beat woke 0.9 s late
FREE = [(0.01, 0.012), (0.022, 0.0235)]


def test_sawtooth_rises_from_each_due_time_to_the_lateness_in_ms() -> None:
    times, lateness = sawtooth(BLOCKED)
    assert times == [0.01, 0.02, 0.03, 0.93]
    assert lateness == pytest.approx([0.0, 10.0, 0.0, 900.0])
    assert sawtooth([]) == ([], [])


def test_plot_heartbeats_draws_one_panel_per_offload_with_the_worst_in_the_legend() -> None:
    offloads = [
        Offload("CPU work", BLOCKED, FREE, "processes"),
        Offload("blocking requests", FREE, BLOCKED, "threads"),
    ]
    fig = plot_heartbeats(offloads, "Heartbeats")
    left, right = fig.axes
    assert fig.get_suptitle() == "Heartbeats"
    assert [ax.get_title() for ax in fig.axes] == ["CPU work", "blocking requests"]
    in_loop, offloaded = left.get_lines()
    assert list(in_loop.get_ydata()) == pytest.approx([0.0, 10.0, 0.0, 900.0])
    assert to_hex(in_loop.get_color()) == MODEL_COLOURS["asyncio"].lower()
    assert to_hex(offloaded.get_color()) == MODEL_COLOURS["processes"].lower()
    assert to_hex(right.get_lines()[1].get_color()) == MODEL_COLOURS["threads"].lower()
    assert [text.get_text() for text in left.get_legend().get_texts()] == [
        "in the event loop (worst 0.90 s)",
        "sent to a process pool (worst 2.0 ms)",
    ]
    assert [text.get_text() for text in right.get_legend().get_texts()] == [
        "in the event loop (worst 2.0 ms)",
        "sent to a thread pool (worst 0.90 s)",
    ]
    assert left.get_ylim()[0] == 0


@pytest.mark.parametrize(
    ("offloads", "message"),
    [
        ([], "no runs"),
        ([Offload("CPU work", BLOCKED, FREE, "asyncio")], "model must be one of"),
        ([Offload("CPU work", [], FREE, "processes")], "CPU work: no heartbeats"),
    ],
)
def test_plot_heartbeats_rejects_bad_input_without_leaving_a_figure(
    offloads: list[Offload], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_heartbeats(offloads, "t")
    assert plt.get_fignums() == []
