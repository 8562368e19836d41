"""Chapter 5's charts (lib.charts.processes): what they draw, and what they refuse."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from lib.charts.common import IDEAL_COLOUR, MODEL_COLOURS
from lib.charts.processes import plot_chunksizes, plot_transfer_costs

WHITE = "#ffffff"


TRANSFERS = {"a small int": 0.0001, "10 MB bytes": 0.0138, "50 MB bytes": 0.0853}


def test_plot_transfer_costs_draws_labelled_bars_in_ms_and_the_call_dashed() -> None:
    fig = plot_transfer_costs(TRANSFERS, call_seconds=0.15, title="Sending")
    [ax] = fig.axes
    assert [bar.get_height() for bar in ax.patches] == pytest.approx([0.1, 13.8, 85.3])
    assert {to_hex(bar.get_facecolor()) for bar in ax.patches} == {
        MODEL_COLOURS["processes"].lower()
    }
    assert [tick.get_text() for tick in ax.get_xticklabels()] == list(TRANSFERS)
    assert [text.get_text() for text in ax.texts] == ["0.1 ms", "13.8 ms", "85.3 ms"]
    [call] = ax.get_lines()
    assert list(call.get_ydata()) == pytest.approx([150.0, 150.0])
    assert call.get_linestyle() == "--" and to_hex(call.get_color()) == IDEAL_COLOUR.lower()
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["one CPU-bound call"]
    assert ax.get_yscale() == "log" and ax.get_ylim()[1] == pytest.approx(600.0)
    assert ax.get_title() == "Sending" and to_hex(fig.get_facecolor()) == WHITE


@pytest.mark.parametrize(
    ("transfers", "call_seconds", "message"),
    [
        ({}, 0.1, "no arguments"),
        ({"a": 0.0}, 0.1, "positive"),
        ({"a": 0.01}, -1.0, "positive"),
    ],
)
def test_plot_transfer_costs_rejects_bad_input_without_leaving_a_figure(
    transfers: dict[str, float], call_seconds: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_transfer_costs(transfers, call_seconds, "t")
    assert plt.get_fignums() == []


CHUNKS = {1: 0.3607, 10: 0.0347, 1000: 0.0027}


def test_plot_chunksizes_draws_the_pool_bars_then_no_pool() -> None:
    fig = plot_chunksizes(CHUNKS, in_process_seconds=0.0002, calls=5000, title="Chunks")
    [ax] = fig.axes
    assert [bar.get_height() for bar in ax.patches] == pytest.approx([360.7, 34.7, 2.7, 0.2])
    assert [to_hex(bar.get_facecolor()) for bar in ax.patches] == [
        MODEL_COLOURS["processes"].lower()
    ] * 3 + [MODEL_COLOURS["sequential"].lower()]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == [
        "chunksize 1",
        "chunksize 10",
        "chunksize 1000",
        "no pool",
    ]
    assert [text.get_text() for text in ax.texts] == ["360.7 ms", "34.7 ms", "2.7 ms", "0.2 ms"]
    assert ax.get_ylabel() == "time for 5,000 tiny calls (ms, log scale)"
    assert ax.get_yscale() == "log" and ax.get_legend() is None
    assert ax.get_title() == "Chunks"


@pytest.mark.parametrize(
    ("chunks", "in_process", "message"),
    [({}, 0.1, "no chunk sizes"), ({1: 0.1}, 0.0, "positive"), ({1: -0.1}, 0.1, "positive")],
)
def test_plot_chunksizes_rejects_bad_input_without_leaving_a_figure(
    chunks: dict[int, float], in_process: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_chunksizes(chunks, in_process, calls=10, title="t")
    assert plt.get_fignums() == []
