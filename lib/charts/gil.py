"""Chapter 2's two charts, built on :mod:`lib.charts.common`: its cells show the GIL, not plots.

- :func:`plot_turns`: the per-thread timeline, zoomed in on the first few turns, in
  milliseconds, with a minor tick every switch interval.
- :func:`plot_pool_speedup`: the speed-up bar chart of one job on several pools, with each
  pool's start-up hatched at the foot of its bar.

Each checks its data before making a figure, so a bad call leaves no empty figure behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from lib.charts._generic_alt import amount, listing
from lib.charts.alt import alt_text, describe
from lib.charts.common import Run, plot_speedup, plot_timeline
from lib.measure.recorder import Span

__all__ = ["plot_pool_speedup", "plot_turns"]


def plot_turns(
    spans: Sequence[Span], title: str, switch_interval: float, window: float = 0.1
) -> Figure:
    """The threads' turns on the GIL: :func:`lib.charts.common.plot_timeline`, zoomed in.

    Shows the first ``window`` seconds, labelled in milliseconds (a major tick every tenth of
    the window), with a minor tick every ``switch_interval`` seconds
    (``sys.getswitchinterval()``), so a turn can be measured against the interval.

    Raises:
        ValueError: if ``spans`` is empty, or ``switch_interval`` or ``window`` is not a
            positive number of seconds.
    """
    if not switch_interval > 0:
        raise ValueError(f"switch_interval must be positive seconds, got {switch_interval}")
    if not window > 0:
        raise ValueError(f"window must be positive seconds, got {window}")
    fig = plot_timeline(spans, title, model="threads", lane_name="thread")
    ax = fig.axes[0]
    ax.set_xlim(0, window)
    ax.xaxis.set_major_locator(MultipleLocator(window / 10))
    ax.xaxis.set_minor_locator(MultipleLocator(switch_interval))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda seconds, _: f"{seconds * 1000:.0f}"))
    ax.set_xlabel("time since the first turn started (ms); minor ticks every switch interval")
    ax.grid(axis="x", which="both", alpha=0.3)
    ax.set_axisbelow(True)  # grid lines behind the bars
    shown = f" Shown: the first {window * 1000:g} ms; the switch interval is"
    return describe(fig, f"{alt_text(fig)}{shown} {switch_interval * 1000:g} ms.")


def plot_pool_speedup(runs: Sequence[Run], startup: Mapping[str, float], title: str) -> Figure:
    """:func:`lib.charts.common.plot_speedup`, with each pool's start-up hatched at the foot of its
    bar.

    The first run is the baseline, run without a pool; every other run is a pool, and
    ``startup`` maps its model (``run.model``) to the seconds that pool took to start.

    Raises:
        ValueError: if ``runs`` is empty, a pool's model has no start-up time, a start-up
            time is negative, or :func:`lib.charts.common.plot_speedup` rejects the runs.
    """
    if not runs:
        raise ValueError("need at least one run to plot")
    pools = runs[1:]
    missing = sorted({run.model for run in pools} - set(startup))
    if missing:
        raise ValueError(f"no start-up time for {missing}")
    negative = {model: seconds for model, seconds in startup.items() if seconds < 0}
    if negative:
        raise ValueError(f"start-up times cannot be negative: {negative}")
    fig = plot_speedup(runs, title)
    ax = fig.axes[0]
    ax.bar(
        range(1, len(runs)),
        [startup[run.model] for run in pools],
        width=0.6,
        fill=False,
        hatch="///",
        edgecolor="black",
        linewidth=0,
        label="start-up",
    )
    ax.legend(loc="upper right")
    starts = [f"{run.label} {amount(startup[run.model], 's')}" for run in pools]
    return describe(fig, f"{alt_text(fig)} Start-up, hatched at the foot: {listing(starts)}.")
