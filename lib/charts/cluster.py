"""Chapter 10's charts: what one task costs, and the task duration where a cluster pays off.

Both draw each model in its book colour (``lib.charts.common``), the cluster in its own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from lib.charts.common import IDEAL_COLOUR, model_colour, new_figure
from lib.demos.cluster_work import SweepPoint

__all__ = [
    "plot_duration_sweep",
    "plot_per_task",
]


def plot_per_task(per_task: Mapping[str, float], title: str) -> Figure:
    """Bars of the time one task costs (in milliseconds), one bar per model.

    Raises:
        ValueError: if there is nothing to plot, a time is not positive, or a model is unknown.
    """
    if not per_task or any(seconds <= 0 for seconds in per_task.values()):
        raise ValueError("need a positive time per task for at least one model")
    colours = [model_colour(model) for model in per_task]
    fig, ax = new_figure()
    milliseconds = [seconds * 1000 for seconds in per_task.values()]
    bars = ax.bar(range(len(per_task)), milliseconds, color=colours, width=0.5)
    for bar, value in zip(bars, milliseconds, strict=True):
        ax.annotate(
            f"{value:.2f} ms",
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
        )
    ax.set_xticks(range(len(per_task)), list(per_task))
    ax.set_ylabel("wall time per task (ms)")
    ax.set_ylim(0, max(milliseconds) * 1.25)
    ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    return fig


def plot_duration_sweep(
    sweeps: Mapping[str, Sequence[SweepPoint]], workers: int, title: str
) -> Figure:
    """Speed-up over one call after another, against the duration of one task (log scale).

    One curve per model; a dashed line at ``workers`` (the best a batch can do) and a dotted
    one at 1× (below it, the pool or cluster is slower than no concurrency at all).

    Raises:
        ValueError: if there are no sweeps, one is empty, ``workers`` < 1, or a model is unknown.
    """
    if not sweeps or any(not points for points in sweeps.values()) or workers < 1:
        raise ValueError("need at least one non-empty sweep and workers >= 1")
    colours = {model: model_colour(model) for model in sweeps}
    fig, ax = new_figure()
    for model, points in sweeps.items():
        ms = [point.task_seconds * 1000 for point in points]
        ax.plot(ms, [p.speedup for p in points], "o-", color=colours[model], label=model)
    ax.axhline(workers, color=IDEAL_COLOUR, linestyle="--", label=f"ideal ({workers}×)")
    ax.axhline(1, color=IDEAL_COLOUR, linestyle=":", label="break-even (1×)")
    ax.set_xscale("log")
    ax.set_xlabel("duration of one task (ms, log scale)")
    ax.set_ylabel("speed-up over one call after another")
    ax.set_ylim(0, workers * 1.25)
    ax.set_title(title)
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3)
    return fig
