"""Chapter 9's charts (lib.charts.choosing): what they draw, and what they refuse."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

from lib.charts.choosing import (
    MODELS,
    NOISE_FLOOR,
    plot_decision_tree,
    plot_four_ways,
    plot_memory_growth,
    plot_memory_per_unit,
    plot_scaling,
)
from lib.charts.common import IDEAL_COLOUR, MODEL_COLOURS
from lib.measure.memory import Sample

WHITE = "#ffffff"


def colour(model: str) -> str:
    return MODEL_COLOURS[model].lower()


# --- plot_four_ways -----------------------------------------------------------------------

SECONDS = {
    ("I/O", "sequential"): 1.6,
    ("I/O", "threads"): 0.2,
    ("I/O", "processes"): 0.4,
    ("I/O", "asyncio"): 0.25,
    ("CPU", "sequential"): 0.6,
    ("CPU", "threads"): 0.6,
    ("CPU", "processes"): 0.3,
    ("CPU", "asyncio"): 0.6,
}
IDEAL = {"I/O": 0.2, "CPU": 0.3}
WORKLOADS = {"I/O": "I/O-bound: 16 requests", "CPU": "CPU-bound: 4 tasks"}


def test_plot_four_ways_groups_bars_by_workload_labelled_with_speedups() -> None:
    fig = plot_four_ways(SECONDS, IDEAL, WORKLOADS, "Four ways")
    [ax] = fig.axes
    bars = ax.patches
    assert len(bars) == len(MODELS) * len(WORKLOADS)
    keys = [(w, m) for m in MODELS for w in WORKLOADS]  # model by model
    assert [bar.get_height() for bar in bars] == [SECONDS[key] for key in keys]
    assert [to_hex(bar.get_facecolor()) for bar in bars] == [colour(m) for _, m in keys]
    centres = [bar.get_x() + bar.get_width() / 2 for bar in bars]
    assert all(-0.5 < x < 0.5 for x, (w, _) in zip(centres, keys, strict=True) if w == "I/O")
    assert [text.get_text() for text in ax.texts] == [
        "1.0×", "1.0×", "8.0×", "1.0×", "4.0×", "2.0×", "6.4×", "1.0×"
    ]  # fmt: skip
    ideals = ax.collections
    assert [segments[0][0][1] for segments in (c.get_segments() for c in ideals)] == [0.2, 0.3]
    assert to_hex(ideals[0].get_color()[0]) == IDEAL_COLOUR.lower()
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert sorted(legend) == sorted([*MODELS, "ideal"])  # each once
    assert [tick.get_text() for tick in ax.get_xticklabels()] == list(WORKLOADS.values())
    assert ax.get_title() == "Four ways" and to_hex(fig.get_facecolor()) == WHITE


@pytest.mark.parametrize(
    ("seconds", "ideal", "workloads", "message"),
    [
        (SECONDS, IDEAL, {}, "no workloads"),
        ({k: v for k, v in SECONDS.items() if k != ("CPU", "asyncio")}, IDEAL, WORKLOADS, "CPU"),
        ({**SECONDS, ("I/O", "threads"): 0.0}, IDEAL, WORKLOADS, "positive"),
        (SECONDS, {"I/O": 0.2}, WORKLOADS, "no ideal time for \\['CPU'\\]"),
    ],
)
def test_plot_four_ways_rejects_bad_input_without_leaving_a_figure(
    seconds: dict, ideal: dict, workloads: dict, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_four_ways(seconds, ideal, workloads, "t")
    assert plt.get_fignums() == []


# --- plot_memory_per_unit -----------------------------------------------------------------

COSTS = [
    ("asyncio task: resident", "asyncio", 867.0),
    ("thread: address space", "threads", 9.5 * 2**20),
    ("process (fork): USS", "processes", -200.0),  # lost in noise
]


def test_plot_memory_per_unit_draws_log_bars_labelled_in_bytes_and_noise() -> None:
    fig = plot_memory_per_unit(COSTS, "Costs")
    [ax] = fig.axes
    assert [bar.get_width() for bar in ax.patches] == [867.0, 9.5 * 2**20, NOISE_FLOOR]
    assert [to_hex(bar.get_facecolor()) for bar in ax.patches] == [
        colour("asyncio"),
        colour("threads"),
        colour("processes"),
    ]
    assert [text.get_text() for text in ax.texts] == ["867 bytes", "9.5 MiB", "≤ 0 (noise)"]
    assert [tick.get_text() for tick in ax.get_yticklabels()] == [label for label, _, _ in COSTS]
    assert ax.get_xscale() == "log" and ax.yaxis_inverted()
    assert ax.get_title() == "Costs"


def test_plot_memory_per_unit_rejects_nothing_or_an_unknown_model() -> None:
    with pytest.raises(ValueError, match="no costs"):
        plot_memory_per_unit([], "t")
    with pytest.raises(ValueError, match="unknown model"):
        plot_memory_per_unit([("a fibre", "fibres", 100.0)], "t")
    assert plt.get_fignums() == []


# --- plot_scaling -------------------------------------------------------------------------

WAIT = 0.05
SWEEPS = {
    "threads": ([1, 10, 100], [0.051, 0.052, 0.1], [WAIT] * 3),
    "asyncio": ([1, 1000], [0.05, 0.06], [WAIT] * 2),
    "processes": ([1, 2, 4], [0.4, 0.22, 0.25], [0.4, 0.2, 0.1]),
}
EFFICIENCIES = {"threads": [0.98, 0.96, 0.5], "asyncio": [1.0, 0.83], "processes": [1, 0.9, 0.4]}
LIMITS = {"threads": 100, "asyncio": 1000, "processes": 2}


def test_plot_scaling_draws_waiting_times_left_and_every_efficiency_right() -> None:
    fig = plot_scaling(SWEEPS, EFFICIENCIES, LIMITS, wait=WAIT, worth_it=0.5, title="Scaling")
    left, right = fig.axes
    assert fig.get_suptitle() == "Scaling"
    measured, wait_line = left.get_lines()[:2], left.get_lines()[2]
    assert [list(line.get_ydata()) for line in measured] == [SWEEPS["threads"][1], [0.05, 0.06]]
    assert list(wait_line.get_ydata()) == [WAIT, WAIT]  # processes are not on the left
    assert [text.get_text() for text in left.get_legend().get_texts()] == [
        "threads (each waits 50 ms)",
        "asyncio (each waits 50 ms)",
        "ideal: one wait",
    ]
    stars = [line for line in right.get_lines() if line.get_marker() == "*"]
    assert [(line.get_xdata()[0], line.get_ydata()[0]) for line in stars] == [
        (100, 0.5),
        (1000, 0.83),
        (2, 0.9),
    ]
    assert [to_hex(line.get_color()) for line in stars] == [
        colour("threads"),
        colour("asyncio"),
        colour("processes"),
    ]
    [legend] = fig.legends
    assert [text.get_text() for text in legend.get_texts()] == [
        "threads",
        "asyncio",
        "processes",
        "half the ideal",
    ]
    assert left.get_xscale() == right.get_xscale() == "log"
    assert right.yaxis.get_major_formatter()(0.5, 0) == "50%"


def test_plot_scaling_adds_the_longer_waits_dashed_in_the_model_colour() -> None:
    longer = {"threads": (0.1, [0.99, 0.98, 0.7])}
    fig = plot_scaling(
        SWEEPS, EFFICIENCIES, LIMITS, wait=WAIT, worth_it=0.5, title="t", longer=longer
    )
    right = fig.axes[1]
    [dashed] = [line for line in right.get_lines() if line.get_linestyle() == "--"]
    assert list(dashed.get_ydata()) == [0.99, 0.98, 0.7]
    assert to_hex(dashed.get_color()) == colour("threads")
    [legend] = fig.legends
    assert "threads, 100 ms waits" in [text.get_text() for text in legend.get_texts()]


@pytest.mark.parametrize(
    "longer",
    [{"fibres": (0.1, [1.0])}, {"threads": (0.1, [1.0])}, {"threads": (0.0, [1.0, 1.0, 1.0])}],
)
def test_plot_scaling_rejects_longer_waits_that_do_not_fit(longer: dict) -> None:
    with pytest.raises(ValueError, match="longer"):
        plot_scaling(
            SWEEPS, EFFICIENCIES, LIMITS, wait=WAIT, worth_it=0.5, title="t", longer=longer
        )
    assert plt.get_fignums() == []


@pytest.mark.parametrize(
    ("sweeps", "efficiencies", "limits", "wait", "message"),
    [
        (SWEEPS, EFFICIENCIES, LIMITS, 0.0, "wait must be positive"),
        (SWEEPS, {**EFFICIENCIES, "asyncio": [1.0]}, LIMITS, WAIT, "asyncio"),
        (SWEEPS, EFFICIENCIES, {"threads": 100, "asyncio": 1000}, WAIT, "processes"),
        ({"processes": SWEEPS["processes"]}, EFFICIENCIES, LIMITS, WAIT, "no sweep of waiting"),
        ({**SWEEPS, "fibres": SWEEPS["asyncio"]}, {**EFFICIENCIES, "fibres": [1, 1]},
         {**LIMITS, "fibres": 1}, WAIT, "unknown model"),
    ],
)  # fmt: skip
def test_plot_scaling_rejects_bad_input_without_leaving_a_figure(
    sweeps: dict, efficiencies: dict, limits: dict, wait: float, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_scaling(sweeps, efficiencies, limits, wait=wait, worth_it=0.5, title="t")
    assert plt.get_fignums() == []


# --- plot_memory_growth -------------------------------------------------------------------


def samples(per_unit: int, counts: list[int], uss: bool = True) -> list[Sample]:
    return [
        Sample(count, 0.0, rss=1000 + 3 * per_unit * count, uss=per_unit * count if uss else None)
        for count in counts
    ]


def test_plot_memory_growth_draws_growth_above_the_baseline_one_line_per_series() -> None:
    processes = {"fork": samples(100, [0, 2, 4]), "spawn": samples(900, [0, 2, 4], uss=False)}
    fig = plot_memory_growth(samples(10, [0, 50]), samples(1, [0, 1000]), processes, "Growth")
    [ax] = fig.axes
    threads, tasks, fork, spawn = ax.get_lines()
    assert (list(threads.get_xdata()), list(threads.get_ydata())) == ([50], [1500])
    assert list(fork.get_ydata()) == [200, 400]  # USS above the baseline
    assert list(spawn.get_ydata()) == [5400, 10800]  # RSS: this one has no USS
    assert (fork.get_linestyle(), fork.get_marker()) == ("-", "o")
    assert (spawn.get_linestyle(), spawn.get_marker()) == ("--", "s")
    assert [to_hex(line.get_color()) for line in (threads, tasks, fork)] == [
        colour("threads"),
        colour("asyncio"),
        colour("processes"),
    ]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [
        "threads (RSS)",
        "asyncio tasks (RSS)",
        "processes, fork (USS)",
        "processes, spawn (RSS)",
    ]
    assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_title() == "Growth"


def test_plot_memory_growth_rejects_short_series_and_unknown_start_methods() -> None:
    two = samples(10, [0, 50])
    with pytest.raises(ValueError, match="threads \\(RSS\\): need a baseline"):
        plot_memory_growth(two[:1], two, {}, "t")
    with pytest.raises(ValueError, match="unknown start method 'vfork'"):
        plot_memory_growth(two, two, {"vfork": two}, "t")
    assert plt.get_fignums() == []


# --- plot_decision_tree -------------------------------------------------------------------

NODES = {
    "cpu?": (0.3, 0.5, "computing?", None),
    "proc": (0.8, 0.7, "processes", "processes"),
    "thr": (0.8, 0.3, "threads", "threads"),
}
EDGES = [("cpu?", "proc", "yes"), ("cpu?", "thr", "no")]


def test_plot_decision_tree_draws_every_node_and_edge_label() -> None:
    fig = plot_decision_tree(NODES, EDGES, "Tree")
    [ax] = fig.axes
    texts = [text.get_text() for text in ax.texts if text.get_text()]
    assert texts == ["computing?", "processes", "threads", "yes", "no"]
    assert ax.get_title() == "Tree" and not ax.axison
    assert to_hex(fig.get_facecolor()) == WHITE


@pytest.mark.parametrize(
    ("nodes", "edges", "message"),
    [
        ({}, [], "no nodes"),
        (NODES, [("cpu?", "fibres", "maybe")], "no node named 'fibres'"),
        ({"x": (0.5, 0.5, "x", "fibres")}, [], "no colour for the model 'fibres'"),
    ],
)
def test_plot_decision_tree_rejects_bad_trees_without_leaving_a_figure(
    nodes: dict, edges: list, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        plot_decision_tree(nodes, edges, "t")
    assert plt.get_fignums() == []
