"""Chapter 11's broken-versus-fixed chart (lib.charts.correct_threads): what it draws, refuses."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from lib.charts.common import MODEL_COLOURS
from lib.charts.correct_threads import BrokenFixed, plot_broken_fixed


def test_draws_a_pale_hatched_broken_bar_and_a_solid_fixed_bar_per_comparison() -> None:
    comparisons = [
        BrokenFixed("thread pool", "threads", 2.0, 0.02),
        BrokenFixed("process pool", "processes", 1.0, 0.05),
    ]
    fig = plot_broken_fixed(comparisons, "Ctrl-C", "seconds")
    ax = fig.axes[0]
    bars = ax.patches
    assert [bar.get_height() for bar in bars] == [2.0, 0.02, 1.0, 0.05]
    assert [to_hex(bar.get_facecolor(), keep_alpha=False) for bar in bars] == [
        MODEL_COLOURS["threads"].lower()
    ] * 2 + [MODEL_COLOURS["processes"].lower()] * 2
    assert [bar.get_hatch() for bar in bars] == ["//", None, "//", None]
    labels = [text.get_text() for text in ax.texts]
    assert labels == ["2.00 s", "0.02 s", "1.00 s", "0.05 s"]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["thread pool", "process pool"]
    assert ax.get_title() == "Ctrl-C" and ax.get_ylabel() == "seconds"


@pytest.mark.parametrize(
    ("comparisons", "message"),
    [
        ([], "at least one"),
        ([BrokenFixed("x", "threads", -1.0, 0.1)], "negative"),
        ([BrokenFixed("x", "goroutines", 1.0, 0.1)], "unknown model"),
    ],
)
def test_refuses_bad_data_and_leaves_no_figure(comparisons: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        plot_broken_fixed(comparisons, "t", "s")
    assert not plt.get_fignums()
