"""lib.charts.common: the speed-up bars, the per-worker timeline, the sweep and the outcome
histogram."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from lib.charts.common import (
    FIGSIZE,
    IDEAL_COLOUR,
    MODEL_COLOURS,
    Run,
    label_rows,
    model_colour,
    new_figure,
    new_panels,
    plot_outcomes,
    plot_speedup,
    plot_sweep,
    plot_timeline,
)
from lib.measure.recorder import Span

WHITE = "#ffffff"


def test_backend_is_agg() -> None:
    assert matplotlib.get_backend().lower() == "agg"


def test_model_colours_are_distinct_and_unknown_models_rejected() -> None:
    assert set(MODEL_COLOURS) == {"sequential", "threads", "processes", "asyncio"}
    assert len({colour.lower() for colour in MODEL_COLOURS.values()}) == 4
    assert model_colour("threads") == MODEL_COLOURS["threads"]
    with pytest.raises(ValueError, match="unknown model 'fibres'"):
        model_colour("fibres")


def test_new_panels_puts_axes_side_by_side_under_one_title_on_white() -> None:
    fig, axes = new_panels("Two views", panels=3)
    assert len(axes) == 3 and fig.axes == axes
    assert fig.get_suptitle() == "Two views"
    assert to_hex(fig.get_facecolor()) == WHITE
    assert tuple(fig.get_size_inches()) == FIGSIZE


# --- plot_speedup -------------------------------------------------------------------------

RUNS = [
    Run("one at a time", "sequential", 3.0),
    Run("5 threads", "threads", 1.5),
    Run("5 processes", "processes", 0.8, ideal_seconds=0.6),
    Run("asyncio", "asyncio", 0.75),
]


def test_plot_speedup_draws_one_bar_per_run_in_model_colours() -> None:
    fig = plot_speedup(RUNS, "Fetching 15 titles")

    assert isinstance(fig, Figure)
    [ax] = fig.axes
    bars = ax.patches
    assert len(bars) == len(RUNS)
    assert [to_hex(bar.get_facecolor()) for bar in bars] == [
        MODEL_COLOURS[run.model].lower() for run in RUNS
    ]
    assert [bar.get_height() for bar in bars] == [run.seconds for run in RUNS]
    assert [label.get_text() for label in ax.get_xticklabels()] == [run.label for run in RUNS]
    assert ax.get_title() == "Fetching 15 titles"


def test_plot_speedup_labels_speedup_and_efficiency() -> None:
    fig = plot_speedup(RUNS, "t")
    notes = [text.get_text() for text in fig.axes[0].texts]
    assert notes == [
        "3.00 s\n1.0×",
        "1.50 s\n2.0×",
        "0.80 s\n3.8×, 75% of ideal",
        "0.75 s\n4.0×",
    ]


def test_plot_speedup_draws_ideal_as_one_dashed_line_with_legend() -> None:
    ax = plot_speedup(RUNS, "t").axes[0]
    [ideal] = ax.collections
    assert to_hex(ideal.get_color()[0]) == IDEAL_COLOUR.lower()
    [segment] = ideal.get_segments()
    assert segment[0][1] == segment[1][1] == 0.6
    assert ax.get_legend() is not None
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["ideal"]


def test_plot_speedup_without_ideals_has_no_legend() -> None:
    ax = plot_speedup(RUNS[:2], "t").axes[0]
    assert len(ax.collections) == 0
    assert ax.get_legend() is None


def test_plot_speedup_has_a_white_background() -> None:
    fig = plot_speedup(RUNS, "t")
    assert to_hex(fig.get_facecolor()) == WHITE
    assert to_hex(fig.axes[0].get_facecolor()) == WHITE


@pytest.mark.parametrize(
    ("runs", "message"),
    [
        ([], "at least one run"),
        ([Run("a", "sequential", 1.0), Run("b", "fibres", 0.5)], "unknown model"),
        ([Run("a", "sequential", 1.0), Run("b", "threads", 0.0)], "positive"),
        ([Run("a", "sequential", -1.0)], "positive"),
        ([Run("a", "sequential", 1.0, ideal_seconds=0.0)], "positive"),
    ],
)
def test_plot_speedup_rejects_bad_runs_without_leaving_a_figure(runs, message) -> None:
    with pytest.raises(ValueError, match=message):
        plot_speedup(runs, "t")
    assert plt.get_fignums() == [], "a failed plot must not leave an empty figure open"


# --- plot_timeline ------------------------------------------------------------------------

SPANS = [
    # Deliberately out of order; worker "B" starts first, so it gets lane 1.
    Span("t3", "A", 10.5, 11.0),
    Span("t1", "B", 10.0, 10.4),
    Span("t2", "A", 10.1, 10.5, ok=False),
    Span("t4", "B", 10.4, 11.2),
    Span("t5", "C", 10.2, 10.3),
]


def test_plot_timeline_draws_one_bar_per_span_in_lanes_by_first_start() -> None:
    fig = plot_timeline(SPANS, "Five tasks", "threads")

    assert isinstance(fig, Figure)
    [ax] = fig.axes
    assert len(ax.patches) == len(SPANS)
    assert [label.get_text() for label in ax.get_yticklabels()] == [
        "worker 1",
        "worker 2",
        "worker 3",
    ]
    lanes = {"B": 0, "A": 1, "C": 2}
    ordered = sorted(SPANS, key=lambda span: span.start)
    for bar, span in zip(ax.patches, ordered, strict=True):
        assert bar.get_x() == pytest.approx(span.start - 10.0)
        assert bar.get_width() == pytest.approx(span.seconds)
        assert bar.get_y() + bar.get_height() / 2 == pytest.approx(lanes[span.worker])
    assert [text.get_text() for text in ax.texts] == [span.task for span in ordered]
    assert ax.get_title() == "Five tasks"


def test_plot_timeline_colours_bars_by_model_and_hatches_failures() -> None:
    ax = plot_timeline(SPANS, "t", "processes").axes[0]
    colour = MODEL_COLOURS["processes"].lower()
    ordered = sorted(SPANS, key=lambda span: span.start)

    for bar, span in zip(ax.patches, ordered, strict=True):
        if span.ok:
            assert to_hex(bar.get_facecolor()) == colour
            assert not bar.get_hatch()
        else:
            assert to_hex(bar.get_facecolor()) == WHITE
            assert to_hex(bar.get_edgecolor()) == colour
            assert bar.get_hatch() == "///"
    assert sum(1 for bar in ax.patches if bar.get_hatch()) == 1


def test_plot_timeline_lane_name_and_white_background() -> None:
    fig = plot_timeline(SPANS[:2], "t", "asyncio", lane_name="task")
    assert [label.get_text() for label in fig.axes[0].get_yticklabels()] == ["task 1", "task 2"]
    assert to_hex(fig.get_facecolor()) == WHITE


def test_label_rows_names_the_rows_top_down_with_axis_title_and_grid() -> None:
    _, ax = new_figure()
    ax.barh([0, 1, 2], [3, 1, 2])
    label_rows(ax, ["first", "second", "third"], "seconds", "Rows", fontsize=7)
    assert [label.get_text() for label in ax.get_yticklabels()] == ["first", "second", "third"]
    assert ax.yaxis_inverted(), "row 0 is drawn on top"
    assert (ax.get_xlabel(), ax.get_title()) == ("seconds", "Rows")
    assert all(line.get_visible() for line in ax.xaxis.get_gridlines())
    assert not any(line.get_visible() for line in ax.yaxis.get_gridlines())
    assert {label.get_fontsize() for label in ax.get_yticklabels()} == {7}


def test_plot_timeline_rejects_empty_input_and_unknown_model() -> None:
    with pytest.raises(ValueError, match="no spans"):
        plot_timeline([], "t", "threads")
    with pytest.raises(ValueError, match="unknown model"):
        plot_timeline(SPANS, "t", "greenlets")
    assert plt.get_fignums() == []


# --- plot_sweep ---------------------------------------------------------------------------


def test_plot_sweep_draws_measured_and_dashed_curves() -> None:
    fig = plot_sweep(
        [1, 2, 4],
        [3.0, 1.6, 0.9],
        "Sweep",
        "processes",
        ideal=[3.0, 1.5, 0.75],
        extra_curves={"Amdahl": [3.0, 1.55, 0.8]},
    )
    [ax] = fig.axes
    measured, ideal, amdahl = ax.get_lines()
    assert list(measured.get_ydata()) == [3.0, 1.6, 0.9]
    assert to_hex(measured.get_color()) == MODEL_COLOURS["processes"].lower()
    assert ideal.get_linestyle() == "--" and amdahl.get_linestyle() == ":"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "measured (processes)",
        "ideal",
        "Amdahl",
    ]
    assert to_hex(fig.get_facecolor()) == WHITE


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (([], [], "t", "threads"), {}),
        (([1, 2], [1.0], "t", "threads"), {}),
        (([1, 2], [1.0, 0.5], "t", "threads"), {"ideal": [1.0]}),
        (([1, 2], [1.0, 0.5], "t", "fibres"), {}),
    ],
)
def test_plot_sweep_rejects_bad_input_without_leaving_a_figure(args, kwargs) -> None:
    with pytest.raises(ValueError):
        plot_sweep(*args, **kwargs)
    assert plt.get_fignums() == []


# --- plot_outcomes ------------------------------------------------------------------------

BALANCES = {
    "no pause": [800, 800, 800, 850],
    "sleep(0)": [950, 900, 950, 950],
    "sleep(0.001)": [950, 950, 950, 950],
}
OUTCOMES = [800, 850, 900, 950]


def test_plot_outcomes_draws_one_bar_per_way_and_outcome_with_the_counts() -> None:
    fig = plot_outcomes(BALANCES, OUTCOMES, "Races", "final balance", correct=800)

    [ax] = fig.axes
    assert len(ax.patches) == len(BALANCES) * len(OUTCOMES)
    heights = [bar.get_height() for bar in ax.patches]
    assert heights == [3, 1, 0, 0, 0, 0, 1, 3, 0, 0, 0, 4]  # way by way, outcome by outcome
    centres = [bar.get_x() + bar.get_width() / 2 for bar in ax.patches[:3]]
    assert centres[1] - centres[0] == pytest.approx(1.0)  # one group per outcome
    assert [tick.get_text() for tick in ax.get_xticklabels()] == [
        "800 (correct)",
        "850",
        "900",
        "950",
    ]
    assert ax.get_ylabel() == "runs (of 4)"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == list(BALANCES)
    assert ax.get_title() == "Races" and ax.get_xlabel() == "final balance"


def test_plot_outcomes_shades_one_model_colour_from_light_to_dark() -> None:
    ax = plot_outcomes(BALANCES, OUTCOMES, "t", "x", model="threads").axes[0]
    firsts = ax.patches[:: len(OUTCOMES)]  # the first bar of each way
    assert {to_hex(bar.get_facecolor(), keep_alpha=False) for bar in firsts} == {
        MODEL_COLOURS["threads"].lower()
    }
    alphas = [bar.get_alpha() for bar in firsts]
    assert alphas == sorted(alphas) and alphas[-1] == 1.0 and alphas[0] < 0.5
    assert to_hex(plot_outcomes({"once": [800]}, OUTCOMES, "t", "x").get_facecolor()) == WHITE


@pytest.mark.parametrize(
    ("results", "model", "message"),
    [
        ({}, "threads", "no results"),
        ({"a": []}, "threads", "no results"),
        ({"a": [800], "b": [800, 850]}, "threads", "same number of runs"),
        ({"a": [800, 750]}, "threads", "750"),
        ({"a": [800]}, "fibres", "unknown model"),
    ],
)
def test_plot_outcomes_rejects_bad_input_without_leaving_a_figure(results, model, message) -> None:
    with pytest.raises(ValueError, match=message):
        plot_outcomes(results, OUTCOMES, "t", "x", model=model)
    assert plt.get_fignums() == []
