"""Chapter 8's charts of the same requests on two event loops: asyncio's own and uvloop.

- :func:`plot_loop_batches`: one batch on each loop, side by side: its wall time against the
  ideal, and the CPU time per request in the client and in the server.
- :func:`plot_throughput_by_loop`: throughput against requests in flight on each loop, log-log,
  with the ideal (Little's law) and each loop's CPU ceiling at each level
  (:func:`lib.measure.cpu_use.ceiling`).

Both loops are the asyncio model, so both are drawn in its colour; uvloop is told apart by
its hatching, its square markers and its dash-dotted lines. Each function checks its data
before making a figure, so a bad call leaves no empty figure behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from lib.charts.common import IDEAL_COLOUR, model_colour, new_figure, new_panels
from lib.demos.loop_sweep import Batch

__all__ = ["LOOP_STYLES", "plot_loop_batches", "plot_throughput_by_loop"]

#: How each loop is drawn: (hatch of its bars, marker, line style).
LOOP_STYLES = {"asyncio": ("", "o", "-"), "uvloop": ("//", "s", "-.")}


def _check_loops(names: Sequence[str]) -> None:
    if not names:
        raise ValueError("no loops to draw")
    unknown = [name for name in names if name not in LOOP_STYLES]
    if unknown:
        raise ValueError(f"unknown loops {unknown}: expected some of {', '.join(LOOP_STYLES)}")


def plot_loop_batches(batches: Mapping[str, Batch], ideal: float, title: str) -> Figure:
    """Two panels: each loop's wall time for its batch (the ideal dashed), and its CPU time
    per request, the client's (this process) below the server's.

    Raises:
        ValueError: if there is no batch, a loop name is unknown, a batch answered nothing,
            or ``ideal`` is not positive.
    """
    names = list(batches)
    _check_loops(names)
    if any(batch.answered == 0 for batch in batches.values()):
        raise ValueError("a batch with no answers has nothing to draw")
    if not ideal > 0:
        raise ValueError(f"ideal must be a positive number of seconds, got {ideal}")
    colour = model_colour("asyncio")
    fig, (wall_ax, cpu_ax) = new_panels(title)
    hatches = [LOOP_STYLES[name][0] for name in names]
    walls = [batches[name].use.wall for name in names]
    wall_ax.bar(names, walls, color=colour, hatch=hatches, edgecolor="white")
    wall_ax.axhline(ideal, color=IDEAL_COLOUR, linestyle="--", label=f"ideal: {ideal:.2f} s")
    wall_ax.set_ylabel("wall time (s)")
    wall_ax.set_title(f"{batches[names[0]].requests:,} requests", fontsize="medium")
    wall_ax.legend(loc="lower right")
    clients = [batches[name].use.own / batches[name].requests * 1e6 for name in names]
    servers = [batches[name].use.others / batches[name].requests * 1e6 for name in names]
    cpu_ax.bar(names, clients, color=colour, hatch=hatches, edgecolor="white", label="client")
    cpu_ax.bar(
        names,
        servers,
        bottom=clients,
        color=colour,
        alpha=0.4,
        hatch=hatches,
        edgecolor="white",
        label="server",
    )
    cpu_ax.set_ylabel("CPU time per request (µs)")
    cpu_ax.set_title("CPU time per request", fontsize="medium")
    cpu_ax.legend(loc="lower right")
    for ax in (wall_ax, cpu_ax):
        ax.set_xlabel("the client's event loop")
        ax.grid(axis="y", alpha=0.3)
    return fig


def plot_throughput_by_loop(
    levels: Sequence[int],
    throughputs: Mapping[str, Sequence[float]],
    latency: float,
    ceilings: Mapping[str, Sequence[float]],
    title: str,
) -> Figure:
    """Throughput against requests in flight for each loop, log-log, with the ideal
    (``level / latency``) dashed and each loop's CPU ceiling at each level (see
    :func:`lib.measure.cpu_use.ceiling`) as a thin line in the loop's style.

    Raises:
        ValueError: if there are no levels, a loop has not one throughput and one ceiling per
            level, a level is not positive, a loop name is unknown, ``latency`` is not
            positive, or a ceiling is not positive.
    """
    _check_loops(list(throughputs))
    if not levels or any(level <= 0 for level in levels):
        raise ValueError(f"levels must be positive, got {list(levels)}")
    for name, values in throughputs.items():
        if len(values) != len(levels):
            raise ValueError(f"{name}: need one throughput for each of the {len(levels)} levels")
        limits = list(ceilings.get(name, []))
        if len(limits) != len(levels) or not all(limit > 0 for limit in limits):
            raise ValueError(f"{name}: need a positive CPU ceiling for each level, got {limits}")
    if not latency > 0:
        raise ValueError(f"latency must be a positive number of seconds, got {latency}")
    colour = model_colour("asyncio")
    fig, ax = new_figure()
    ideal_label = f"ideal: concurrency / {latency * 1000:.0f} ms"
    ax.plot(
        levels, [level / latency for level in levels], "--", color=IDEAL_COLOUR, label=ideal_label
    )
    for name, values in throughputs.items():
        _, marker, line = LOOP_STYLES[name]
        ax.plot(levels, values, marker=marker, linestyle=line, color=colour, label=name)
        ax.plot(
            levels, ceilings[name], linestyle=line, linewidth=1, color=colour, alpha=0.6,
            label=f"CPU ceiling, {name}",
        )  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    labels = [f"{level:,}" for level in levels]
    ax.set_xticks(list(levels), labels, rotation=45, horizontalalignment="right")
    ax.set_xlabel("requests in flight")
    ax.set_ylabel("throughput (requests per second)")
    ax.set_title(title)
    ax.legend(loc="lower right")
    ax.grid(alpha=0.3, which="both")
    return fig
