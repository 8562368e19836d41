"""The book's recurring pictures: speed-up bars, a per-worker timeline, a sweep, outcome counts.

Each concurrency model has one colour across the whole book (colour-blind-safe Okabe-Ito
colours), so a reader can tell threads from processes at a glance in every chapter.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lib.charts._common_alt import outcomes_alt, speedup_alt, sweep_alt, timeline_alt
from lib.charts.alt import describe, install_formatter
from lib.measure.recorder import Span
from lib.measure.speedup import efficiency, speedup

__all__ = [
    "FIGSIZE",
    "IDEAL_COLOUR",
    "MODEL_COLOURS",
    "OTHER_MODEL_COLOURS",
    "Run",
    "label_rows",
    "model_colour",
    "new_figure",
    "new_panels",
    "plot_outcomes",
    "plot_speedup",
    "plot_sweep",
    "plot_timeline",
]

MODEL_COLOURS: dict[str, str] = {
    "sequential": "#6E6E6E",
    "threads": "#0072B2",
    "processes": "#D55E00",
    "asyncio": "#009E73",
}
#: Models that one chapter measures besides the book's four: chapter 2's sub-interpreters
#: (``InterpreterPoolExecutor``) and chapter 10's Dask cluster. Kept apart, so
#: ``MODEL_COLOURS`` stays the four of every chapter.
OTHER_MODEL_COLOURS: dict[str, str] = {
    "interpreters": "#CC79A7",
    "cluster": "#E69F00",
}
IDEAL_COLOUR = "#000000"
FIGSIZE = (8.0, 4.0)


def model_colour(model: str) -> str:
    """The book's colour for a model. Raises ValueError for an unknown model name."""
    colour = MODEL_COLOURS.get(model) or OTHER_MODEL_COLOURS.get(model)
    if colour is None:
        known = ", ".join([*MODEL_COLOURS, *OTHER_MODEL_COLOURS])
        raise ValueError(f"unknown model {model!r}: expected one of {known}")
    return colour


def new_figure() -> tuple[Figure, Axes]:
    """A figure in the book's style: fixed size, white background. For one-off charts."""
    fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    # A solid white background keeps the plot readable on a dark page theme too.
    fig.patch.set_facecolor("white")
    ax.set_facecolor("white")
    install_formatter()  # after the figure: its backend may have just replaced the formatter
    return fig, ax


def new_panels(title: str, panels: int = 2) -> tuple[Figure, list[Axes]]:
    """A figure of the book's size with ``panels`` axes side by side, under one title."""
    fig, axes = plt.subplots(1, panels, figsize=FIGSIZE, layout="constrained", squeeze=False)
    fig.patch.set_facecolor("white")
    fig.suptitle(title)
    install_formatter()  # after the figure: its backend may have just replaced the formatter
    return fig, list(axes[0])


def label_rows(
    ax: Axes, rows: Sequence[str], xlabel: str, title: str, fontsize: float | None = None
) -> None:
    """Finish a chart of horizontal rows: ``rows`` names them top to bottom (row 0 on top),
    then the x axis gets ``xlabel`` and a light grid, the chart ``title``."""
    ax.set_yticks(range(len(rows)), rows)
    if fontsize is not None:
        ax.tick_params(axis="y", labelsize=fontsize)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)


@dataclass(frozen=True)
class Run:
    """One measured way of doing the work, for :func:`plot_speedup`."""

    label: str
    model: str
    seconds: float
    ideal_seconds: float | None = None  # the best this way could do, if known


def plot_speedup(runs: Sequence[Run], title: str) -> Figure:
    """Bar chart of wall times; the first run is the baseline the others are compared with.

    Each bar is labelled with its speed-up over the baseline and, where an ideal is given,
    its efficiency (ideal time / actual time); the ideal is drawn as a dashed line.

    Raises:
        ValueError: if ``runs`` is empty, a time is not positive, or a model is unknown.
    """
    if not runs:
        raise ValueError("need at least one run to plot")
    baseline = runs[0].seconds
    # Check every run before making the figure: pyplot keeps a figure open (and a notebook
    # shows it, empty) even when drawing it then fails.
    colours = [model_colour(run.model) for run in runs]
    notes = []
    for run in runs:
        note = f"{run.seconds:.2f} s\n{speedup(baseline, run.seconds):.1f}×"
        if run.ideal_seconds is not None:
            note += f", {efficiency(run.ideal_seconds, run.seconds):.0%} of ideal"
        notes.append(note)
    fig, ax = new_figure()
    positions = range(len(runs))
    bars = ax.bar(positions, [run.seconds for run in runs], color=colours, width=0.6)
    ideal_labelled = False
    for position, run, bar, note in zip(positions, runs, bars, notes, strict=True):
        if run.ideal_seconds is not None:
            ax.hlines(
                run.ideal_seconds,
                position - 0.3,
                position + 0.3,
                colors=IDEAL_COLOUR,
                linestyles="dashed",
                linewidth=1.5,
                label="_ideal" if ideal_labelled else "ideal",  # "_": not in the legend
            )
            ideal_labelled = True
        ax.annotate(
            note,
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax.set_xticks(list(positions), [run.label for run in runs])
    ax.set_ylabel("wall-clock time (s)")
    ax.set_ylim(0, max(run.seconds for run in runs) * 1.3)
    ax.set_title(title)
    if any(run.ideal_seconds is not None for run in runs):
        ax.legend(loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    labels, ideals = [run.label for run in runs], [run.ideal_seconds for run in runs]
    return describe(fig, speedup_alt(title, labels, notes, ideals))


def plot_timeline(
    spans: Sequence[Span], title: str, model: str, lane_name: str = "worker"
) -> Figure:
    """Gantt chart: one lane per worker, one bar per task, time from the first start.

    Lanes are numbered in the order the workers first started (``worker 1``, ``worker 2``,
    ...), so the picture does not depend on thread or process names. A task that raised is
    drawn hatched.

    Raises:
        ValueError: if ``spans`` is empty or ``model`` is unknown.
    """
    if not spans:
        raise ValueError("no spans to plot: was anything recorded?")
    colour = model_colour(model)
    ordered = sorted(spans, key=lambda span: span.start)
    origin = ordered[0].start
    lanes: dict[str, int] = {}
    for span in ordered:
        lanes.setdefault(span.worker, len(lanes))
    fig, ax = new_figure()
    for span in ordered:
        lane = lanes[span.worker]
        ax.barh(
            lane,
            span.seconds,
            left=span.start - origin,
            height=0.6,
            color=colour if span.ok else "white",
            edgecolor="white" if span.ok else colour,  # white edges keep back-to-back tasks apart
            linewidth=1.5,
            hatch=None if span.ok else "///",
        )
        ax.text(
            span.start - origin + span.seconds / 2,
            lane,
            span.task,
            ha="center",
            va="center",
            fontsize=7,
            color="white" if span.ok else colour,
            clip_on=True,
        )
    lane_names = [f"{lane_name} {i + 1}" for i in range(len(lanes))]
    label_rows(ax, lane_names, "time since the first task started (s)", title)
    return describe(fig, timeline_alt(title, spans, lane_names))


def plot_sweep(
    workers: Sequence[int],
    seconds: Sequence[float],
    title: str,
    model: str,
    ideal: Sequence[float] | None = None,
    extra_curves: dict[str, Sequence[float]] | None = None,
) -> Figure:
    """Wall time against the number of workers, with the ideal curve (and others) dashed.

    ``extra_curves`` maps a label to one value per worker count, for example Amdahl's law.

    Raises:
        ValueError: if the sequences are empty or of different lengths, or the model is unknown.
    """
    curves = {"ideal": ideal} if ideal is not None else {}
    curves.update(extra_curves or {})
    if not workers or any(len(values) != len(workers) for values in [seconds, *curves.values()]):
        raise ValueError("need one time (and one value per curve) for each worker count")
    colour = model_colour(model)  # before the figure, so a bad model leaves no empty figure
    fig, ax = new_figure()
    ax.plot(workers, seconds, "o-", color=colour, label=f"measured ({model})")
    styles = iter(["--", ":", "-."])
    for label, values in curves.items():
        ax.plot(workers, values, next(styles, "--"), color=IDEAL_COLOUR, label=label)
    ax.set_xlabel(f"number of {'workers' if model == 'sequential' else model}")
    ax.set_ylabel("wall-clock time (s)")
    ax.set_ylim(bottom=0)
    ax.set_xticks(list(workers))
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return describe(fig, sweep_alt(title, ax.get_xlabel(), workers, seconds, curves))


def plot_outcomes(
    results: Mapping[str, Sequence[Hashable]],
    outcomes: Sequence[Hashable],
    title: str,
    xlabel: str,
    correct: Hashable | None = None,
    model: str = "threads",
) -> Figure:
    """Outcome histogram: how many runs ended in each outcome, one bar per way of running.

    ``results`` maps each way of running (a legend label) to the outcome of every run; all
    ways have the same number of runs. Bars are grouped by outcome, in the order of
    ``outcomes``, and shaded from light to dark in the model's colour; the ``correct``
    outcome is marked on its tick.

    Raises:
        ValueError: if there are no results, the ways have different numbers of runs, a run
            ended in an outcome not in ``outcomes``, or the model is unknown.
    """
    runs = {len(values) for values in results.values()}
    if not results or runs == {0}:
        raise ValueError("no results to plot: was anything run?")
    if len(runs) != 1:
        raise ValueError(f"every way needs the same number of runs, got {sorted(runs)}")
    for label, values in results.items():
        unexpected = set(values) - set(outcomes)
        if unexpected:
            raise ValueError(f"{label!r} ended in {sorted(map(str, unexpected))}, not in outcomes")
    colour = model_colour(model)
    (run_count,) = runs
    ways = len(results)
    width = 0.81 / ways
    shades = [0.35 + 0.65 * index / (ways - 1) for index in range(ways)] if ways > 1 else [1.0]
    fig, ax = new_figure()
    for index, (label, values) in enumerate(results.items()):
        counts = Counter(values)
        offset = (index - (ways - 1) / 2) * width
        ax.bar(
            [position + offset for position in range(len(outcomes))],
            [counts[outcome] for outcome in outcomes],
            width=width,
            color=colour,
            alpha=shades[index],
            label=label,
        )
    ticks = [f"{outcome} (correct)" if outcome == correct else f"{outcome}" for outcome in outcomes]
    ax.set_xticks(range(len(outcomes)), ticks)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(f"runs (of {run_count})")
    ax.set_ylim(0, run_count * 1.3)
    ax.set_title(title)
    ax.legend(loc="upper center", ncols=ways)
    ax.grid(axis="y", alpha=0.3)
    return describe(fig, outcomes_alt(title, xlabel, results, outcomes, correct))
