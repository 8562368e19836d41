"""Chapter 9's charts, so the chapter's cells show the measurements, not matplotlib.

- :func:`plot_four_ways`: the same workloads through every model, grouped by workload, each
  bar labelled with its speed-up, the ideal dashed.
- :func:`plot_memory_per_unit`: what one more thread, process or task costs, in bytes.
- :func:`plot_scaling`: how far each model scales: time and efficiency against the count.
- :func:`plot_memory_growth`: memory against the number of idle units alive.
- :func:`plot_decision_tree`: the rule of thumb, drawn by
  :func:`lib.charts.flowchart.draw_flowchart`.

The last section's chart, the heartbeats of mixed models, is in :mod:`lib.charts.mixing`.

Each checks its data before making a figure, so a bad call leaves no empty figure behind.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from lib.charts._choosing_alt import four_ways_alt, scaling_alt
from lib.charts.alt import describe
from lib.charts.common import IDEAL_COLOUR, label_rows, model_colour, new_figure, new_panels
from lib.charts.flowchart import Node, draw_flowchart
from lib.measure.memory import Sample
from lib.measure.speedup import speedup
from lib.measure.units import format_bytes

__all__ = [
    "MODELS",
    "NOISE_FLOOR",
    "START_METHOD_STYLES",
    "Sweep",
    "plot_decision_tree",
    "plot_four_ways",
    "plot_memory_growth",
    "plot_memory_per_unit",
    "plot_scaling",
]

#: The book's four models, in the order every chart of this chapter draws them.
MODELS = ("sequential", "threads", "processes", "asyncio")
#: Bytes: a fitted cost at or below this is noise, drawn at this size and labelled so.
NOISE_FLOOR = 1.0
#: Line style of each start method's process memory in :func:`plot_memory_growth`.
START_METHOD_STYLES = {"fork": "o-", "forkserver": "^:", "spawn": "s--"}

#: One model's sweep: the counts, the measured seconds and the ideal seconds at each.
Sweep = tuple[Sequence[int], Sequence[float], Sequence[float]]


def plot_four_ways(
    seconds: Mapping[tuple[str, str], float],
    ideal: Mapping[str, float],
    workloads: Mapping[str, str],
    title: str,
) -> Figure:
    """Wall times of each workload through each of :data:`MODELS`, one group per workload.

    ``seconds`` maps (workload, model) to seconds; ``ideal`` maps a workload to its ideal
    time, dashed across its group; ``workloads`` maps each workload to its tick label, in
    the order to draw them. Each bar is labelled with its speed-up over sequential.

    Raises:
        ValueError: if there is no workload, or a workload lacks a positive time for a
            model or an ideal.
    """
    if not workloads:
        raise ValueError("no workloads to plot")
    missing = [key for key in ((w, m) for w in workloads for m in MODELS) if key not in seconds]
    if missing or not all(seconds[w, m] > 0 for w in workloads for m in MODELS):
        raise ValueError(f"every workload needs a positive time for every model: {missing}")
    if set(workloads) - set(ideal):
        raise ValueError(f"no ideal time for {sorted(set(workloads) - set(ideal))}")
    width = 0.8 / len(MODELS)
    fig, ax = new_figure()
    for i, model in enumerate(MODELS):
        for j, workload in enumerate(workloads):
            x = j + (i - (len(MODELS) - 1) / 2) * width
            value = seconds[workload, model]
            label = model if j == 0 else f"_{model}"  # "_": once in the legend
            ax.bar(x, value, width, color=model_colour(model), label=label)
            gain = speedup(seconds[workload, MODELS[0]], value)
            ax.annotate(
                f"{gain:.1f}×",
                (x, value),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8,
            )
    half = len(MODELS) / 2 * width
    for j, workload in enumerate(workloads):
        ax.hlines(
            ideal[workload],
            j - half,
            j + half,
            colors=IDEAL_COLOUR,
            linestyles="dashed",
            linewidth=1.2,
            label="ideal" if j == 0 else "_ideal",
        )
    ax.set_xticks(range(len(workloads)), list(workloads.values()))
    ax.set_ylabel("wall-clock time (s)")
    ax.set_ylim(0, max(seconds[w, m] for w in workloads for m in MODELS) * 1.2)
    ax.set_title(title)
    ax.legend(ncols=len(MODELS) + 1, loc="upper center", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return describe(fig, four_ways_alt(title, seconds, ideal, workloads, MODELS))


def plot_memory_per_unit(bars: Sequence[tuple[str, str, float]], title: str) -> Figure:
    """Horizontal bars, log scale, of the bytes one more unit costs: (label, model, bytes).

    A cost at or below :data:`NOISE_FLOOR` (a slope lost in noise) is drawn at that size and
    labelled ``≤ 0 (noise)``; every other bar is labelled with its size.

    Raises:
        ValueError: if there are no bars or a model is unknown.
    """
    if not bars:
        raise ValueError("no costs to plot")
    colours = [model_colour(model) for _, model, _ in bars]
    fig, ax = new_figure()
    for position, ((_, _, value), colour) in enumerate(zip(bars, colours, strict=True)):
        drawn = max(value, NOISE_FLOOR)
        ax.barh(position, drawn, color=colour, height=0.7)
        text = format_bytes(value) if value > NOISE_FLOOR else "≤ 0 (noise)"
        ax.annotate(
            text,
            (drawn, position),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_xscale("log")
    ax.set_xlim(100, 1e9)
    labels = [label for label, _, _ in bars]
    label_rows(ax, labels, "memory per unit (bytes, log scale)", title, fontsize=8)
    return fig


def plot_scaling(
    sweeps: Mapping[str, Sweep],
    efficiencies: Mapping[str, Sequence[float]],
    limits: Mapping[str, int],
    wait: float,
    worth_it: float,
    title: str,
    longer: Mapping[str, tuple[float, Sequence[float]]] | None = None,
) -> Figure:
    """Two panels: the time of the waiting sweeps, and every sweep's efficiency.

    Left: time against the count for each sweep of waiting tasks (those whose ideal is one
    ``wait`` at every count), with that wait dashed. Right: each model's efficiency, with
    ``worth_it`` dotted and a star at the model's limit (the last count still worth it).
    ``longer`` adds, dashed on the right, a model's efficiencies at the same counts with
    another wait: ``{model: (that wait, efficiencies)}``.

    Raises:
        ValueError: if ``wait`` is not positive, no sweep waits, or a model's counts, times,
            ideals and efficiencies differ in length, or it has no limit; or if ``longer``
            names an unknown model, or a wait or efficiencies that do not fit its sweep.
    """
    if not wait > 0:
        raise ValueError(f"wait must be positive seconds, got {wait}")
    for model, (counts, times, ideals) in sweeps.items():
        lengths = {len(counts), len(times), len(ideals), len(efficiencies.get(model, []))}
        if len(lengths) != 1 or model not in limits:
            raise ValueError(f"{model}: need a time, ideal and efficiency per count, and a limit")
    longer = dict(longer or {})
    for model, (other_wait, effs) in longer.items():
        if model not in sweeps or len(effs) != len(sweeps[model][0]) or not other_wait > 0:
            raise ValueError(f"longer: {model} is not swept, or its wait or efficiencies misfit")
    waiting = [m for m, sweep in sweeps.items() if all(math.isclose(i, wait) for i in sweep[2])]
    if not waiting:
        raise ValueError(f"no sweep of waiting tasks: none has an ideal of {wait} s throughout")
    colours = {model: model_colour(model) for model in sweeps}
    fig, (left, right) = new_panels(title)
    for model, (counts, times, _) in sweeps.items():
        if model in waiting:
            label = f"{model} (each waits {wait * 1000:.0f} ms)"
            left.plot(counts, times, "o-", color=colours[model], label=label)
        right.plot(counts, efficiencies[model], "o-", color=colours[model], label=model)
        if model in longer:
            other_wait, effs = longer[model]
            label = f"{model}, {other_wait * 1000:.0f} ms waits"
            right.plot(counts, effs, "o--", color=colours[model], alpha=0.6, label=label)
        if limits[model] in counts:
            at = list(counts).index(limits[model])
            right.plot(
                limits[model],
                efficiencies[model][at],
                "*",
                color=colours[model],
                markersize=14,
                markeredgecolor="black",
            )
    left.axhline(wait, color=IDEAL_COLOUR, linestyle="--", linewidth=1, label="ideal: one wait")
    longest = max(time for model in waiting for time in sweeps[model][1])
    left.set(
        xscale="log",
        xlabel="concurrent tasks (log scale)",
        ylabel="wall-clock time (s)",
        ylim=(0, longest * 1.15),
        title="Time for n waiting tasks",
    )
    worth_label = "half the ideal" if worth_it == 0.5 else f"{worth_it:.0%} of the ideal"
    right.axhline(worth_it, color=IDEAL_COLOUR, linestyle=":", linewidth=1, label=worth_label)
    left.legend(fontsize=8, loc="upper left")
    handles, labels = right.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 4), fontsize=8)
    right.set(
        xscale="log",
        xlabel="threads, tasks or processes (log scale)",
        ylabel="efficiency (ideal / measured)",
        ylim=(0, 1.1),
        title="★ = last count still worth it",
    )
    right.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    for ax in (left, right):
        ax.grid(alpha=0.3)
    return describe(fig, scaling_alt(title, sweeps, waiting, limits, wait, worth_it))


def plot_memory_growth(
    thread_samples: Sequence[Sample],
    task_samples: Sequence[Sample],
    process_samples: Mapping[str, Sequence[Sample]],
    title: str,
) -> Figure:
    """Memory above the first sample against the units alive, log-log, one line per series.

    Threads and tasks are drawn by RSS; processes, one line per start method (styled by
    :data:`START_METHOD_STYLES`), by USS, or by RSS where USS was not measured.

    Raises:
        ValueError: if a series has fewer than two samples (a baseline and one more), or a
            start method is unknown.
    """
    series = [
        ("threads", thread_samples, "rss", "threads (RSS)", "o-"),
        ("asyncio", task_samples, "rss", "asyncio tasks (RSS)", "o-"),
    ]
    for method, samples in process_samples.items():
        if method not in START_METHOD_STYLES:
            raise ValueError(f"unknown start method {method!r}")
        field = "uss" if all(sample.uss is not None for sample in samples) else "rss"
        label = f"processes, {method} ({field.upper()})"
        series.append(("processes", samples, field, label, START_METHOD_STYLES[method]))
    for _, samples, _, label, _ in series:
        if len(samples) < 2:
            raise ValueError(f"{label}: need a baseline sample and at least one more")
    fig, ax = new_figure()
    for model, samples, field, label, style in series:
        base = getattr(samples[0], field)
        counts = [sample.count for sample in samples[1:]]
        grown = [getattr(sample, field) - base for sample in samples[1:]]
        ax.plot(counts, grown, style, color=model_colour(model), label=label)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="idle units alive (log scale)",
        ylabel="memory above the baseline (bytes, log)",
        title=title,
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    return fig


def plot_decision_tree(
    nodes: Mapping[str, Node], edges: Iterable[tuple[str, str, str]], title: str
) -> Figure:
    """The tree of :func:`lib.charts.flowchart.draw_flowchart` on a figure of the book's size.

    Raises:
        ValueError: if there are no nodes, an edge names a node that is not in ``nodes``,
            or a node recommends a model with no colour.
    """
    if not nodes:
        raise ValueError("no nodes to draw")
    fig, ax = new_figure()
    ax.set_title(title)
    try:
        draw_flowchart(ax, nodes, edges)
    except KeyError as error:
        plt.close(fig)  # leave no half-drawn figure behind
        raise ValueError(error.args[0]) from error
    return fig
