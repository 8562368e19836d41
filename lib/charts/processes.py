"""Chapter 5's two charts of what it costs to talk to a worker process, in milliseconds.

- :func:`plot_transfer_costs`: the time to send one argument, by argument, against the time
  of one CPU-bound call.
- :func:`plot_chunksizes`: the time for many tiny calls through ``pool.map`` at each chunk
  size, against the same calls made in this process.

Both draw labelled bars on a logarithmic axis, since the times span orders of magnitude.
Each checks its data before making a figure, so a bad call leaves no empty figure behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lib.charts.common import IDEAL_COLOUR, model_colour, new_figure

__all__ = ["plot_chunksizes", "plot_transfer_costs"]


def _check_times(seconds: Sequence[float]) -> None:
    if not all(value > 0 for value in seconds):
        raise ValueError(f"times must be positive to go on a log axis, got {list(seconds)}")


def _millisecond_bars(
    ax: Axes, labels: Sequence[str], seconds: Sequence[float], colours: Sequence[str]
) -> None:
    """Bars of ``seconds`` in ms on a log axis, each labelled ``12.3 ms``."""
    milliseconds = [value * 1000 for value in seconds]
    bars = ax.bar(labels, milliseconds, color=colours, width=0.6)
    ax.bar_label(bars, [f"{value:.1f} ms" for value in milliseconds], padding=3, fontsize=9)
    ax.set_yscale("log")
    ax.grid(axis="y", alpha=0.3)


def plot_transfer_costs(
    transfer_seconds: Mapping[str, float], call_seconds: float, title: str
) -> Figure:
    """Time to send each argument to a warm worker process, with one CPU-bound call dashed.

    ``transfer_seconds`` maps a description of each argument ("10 MB bytes") to the seconds
    a call that only receives it took; ``call_seconds`` is one CPU-bound call, for scale.

    Raises:
        ValueError: if there are no arguments, or a time is not positive.
    """
    if not transfer_seconds:
        raise ValueError("no arguments to plot: was anything measured?")
    seconds = list(transfer_seconds.values())
    _check_times([*seconds, call_seconds])
    fig, ax = new_figure()
    colours = [model_colour("processes")] * len(seconds)
    _millisecond_bars(ax, list(transfer_seconds), seconds, colours)
    ax.axhline(call_seconds * 1000, color=IDEAL_COLOUR, linestyle="--", label="one CPU-bound call")
    ax.set_ylim(top=max(*seconds, call_seconds) * 1000 * 4)
    ax.set_ylabel("time to send one argument (ms, log scale)")
    ax.set_title(title)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(loc="upper left")
    return fig


def plot_chunksizes(
    chunk_seconds: Mapping[int, float], in_process_seconds: float, calls: int, title: str
) -> Figure:
    """Time for ``calls`` tiny calls through ``pool.map`` at each chunk size, and without a pool.

    ``chunk_seconds`` maps each ``chunksize`` to the seconds the calls took on the pool (in
    the model's colour); ``in_process_seconds`` is the same calls in this process, the last
    bar (in the sequential colour).

    Raises:
        ValueError: if there are no chunk sizes, or a time is not positive.
    """
    if not chunk_seconds:
        raise ValueError("no chunk sizes to plot: was anything measured?")
    seconds = [*chunk_seconds.values(), in_process_seconds]
    _check_times(seconds)
    fig, ax = new_figure()
    labels = [f"chunksize {size}" for size in chunk_seconds] + ["no pool"]
    colours = [model_colour("processes")] * len(chunk_seconds) + [model_colour("sequential")]
    _millisecond_bars(ax, labels, seconds, colours)
    ax.set_ylim(top=max(seconds) * 1000 * 4)
    ax.set_ylabel(f"time for {calls:,} tiny calls (ms, log scale)")
    ax.set_title(title)
    return fig
