"""Chapter 9's chart of mixed models: is the event loop free while the work runs?

A heartbeat task asks to wake every few milliseconds and records when it was due and when
it woke. :func:`plot_heartbeats` draws, for each :class:`Offload`, how late it was over
time with the work inside the event loop and with the work sent to a pool;
:func:`sawtooth` turns the heartbeats into that line.

It checks its data before making a figure, so a bad call leaves no empty figure behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

from lib.charts.alt import describe
from lib.charts.common import model_colour, new_panels
from lib.measure.units import format_duration

__all__ = ["POOL_NAMES", "Beats", "Offload", "plot_heartbeats", "sawtooth"]

#: What each model's pool is called in the legend.
POOL_NAMES = {"processes": "process pool", "threads": "thread pool"}
#: Heartbeats: (when the beat was due, when it woke), in seconds.
Beats = Sequence[tuple[float, float]]


def sawtooth(beats: Beats) -> tuple[list[float], list[float]]:
    """How late the heartbeat is at each moment: 0 when a beat is due, rising until it wakes.

    Returns the times (s) and the lateness at each (ms), ready to plot as one line.
    """
    times, lateness = [], []
    for due, woke in beats:
        times += [due, woke]
        lateness += [0.0, (woke - due) * 1e3]
    return times, lateness


@dataclass(frozen=True)
class Offload:
    """One mix of models for :func:`plot_heartbeats`: work in the event loop, and in a pool.

    ``in_loop`` and ``offloaded`` are the heartbeats, (due, woke) in seconds, of the two
    runs; ``model`` is the pool's, ``"processes"`` or ``"threads"``.
    """

    what: str
    in_loop: Beats
    offloaded: Beats
    model: str


def plot_heartbeats(offloads: Sequence[Offload], title: str) -> Figure:
    """One panel per :class:`Offload`: the heartbeat's lateness in the loop and in the pool.

    The run inside the event loop is drawn in the asyncio colour, the offloaded one in the
    pool's; each legend gives the run's worst lateness.

    Raises:
        ValueError: if there is no offload, one has no heartbeats, or its model is not a pool.
    """
    if not offloads:
        raise ValueError("no runs to plot")
    for offload in offloads:
        if offload.model not in POOL_NAMES:
            raise ValueError(f"{offload.what}: model must be one of {list(POOL_NAMES)}")
        if not offload.in_loop or not offload.offloaded:
            raise ValueError(f"{offload.what}: no heartbeats recorded")
    fig, axes = new_panels(title, len(offloads))
    worst: list[str] = []
    for ax, offload in zip(axes, offloads, strict=True):
        runs = [
            (offload.in_loop, "asyncio", "in the event loop"),
            (offload.offloaded, offload.model, f"sent to a {POOL_NAMES[offload.model]}"),
        ]
        for beats, model, where in runs:
            late = format_duration(max(woke - due for due, woke in beats))
            label = f"{where} (worst {late})"
            worst.append(f"{where} {late}")
            ax.plot(*sawtooth(beats), color=model_colour(model), label=label)
        ax.set(
            xlabel="time since the heartbeat started (s)",
            ylabel="heartbeat lateness (ms)",
            title=offload.what,
        )
        ax.set_ylim(bottom=0)
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    panels = [f"{o.what}: {'; '.join(worst[2 * i : 2 * i + 2])}" for i, o in enumerate(offloads)]
    return describe(fig, f"{title}: the heartbeat's worst lateness. {'. '.join(panels)}.")
