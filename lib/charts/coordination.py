"""Chapter 7's hand-drawn charts, so the chapter's cells show the asyncio, not matplotlib.

- :func:`plot_queue_sizes`: a queue's size over time, one step line per queue bound.
- :func:`plot_polite_attempts`: one row per request; refused attempts as crosses, the
  back-off as a dotted line, the answered attempt as a bar.

The throughput charts, on each event loop, are in :mod:`lib.charts.event_loops`.

Each checks its data before making a figure, so a bad call leaves no empty figure behind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from matplotlib.figure import Figure

from lib.charts.common import IDEAL_COLOUR, label_rows, model_colour, new_figure
from lib.measure.asyncio_watch import Samples
from lib.measure.recorder import Span

__all__ = ["plot_polite_attempts", "plot_queue_sizes"]


def plot_queue_sizes(samples_by_maxsize: Mapping[int, Samples], title: str) -> Figure:
    """Step lines of a queue's size over time, one per ``maxsize`` (0 means unbounded).

    The unbounded queue is drawn dashed, bounded ones solid.

    Raises:
        ValueError: if there is nothing to plot or one of the runs has no samples.
    """
    if not samples_by_maxsize:
        raise ValueError("no queue runs to plot")
    empty = [maxsize for maxsize, samples in samples_by_maxsize.items() if not samples.values]
    if empty:
        raise ValueError(f"no samples for maxsize {empty}: was the queue sampled?")
    colour = model_colour("asyncio")
    fig, ax = new_figure()
    for maxsize, samples in samples_by_maxsize.items():
        label = f"bounded, maxsize={maxsize}" if maxsize else "unbounded"
        style = "-" if maxsize else "--"
        ax.step(samples.times, samples.values, style, where="post", color=colour, label=label)
    ax.set_xlabel("time since the producer started (s)")
    ax.set_ylabel("items waiting in the queue")
    ax.set_title(title)
    ax.legend()
    ax.grid(alpha=0.3)
    return fig


def plot_polite_attempts(spans: Sequence[Span], ids: Sequence[object], title: str) -> Figure:
    """One row per id: each refused attempt a cross, the wait a dotted line, the answer a bar.

    ``spans`` are the recorded attempts, one span per attempt, named by the id (``span.task``
    is ``str(id)``); a span that raised is a refused attempt. Time runs from the earliest span.

    Raises:
        ValueError: if ``spans`` is empty, or an id has no attempt that was answered.
    """
    if not spans:
        raise ValueError("no spans to plot: was anything recorded?")
    attempts_by_id = {}
    for anime_id in ids:
        attempts = sorted((s for s in spans if s.task == str(anime_id)), key=lambda s: s.start)
        if not any(span.ok for span in attempts):
            raise ValueError(f"id {anime_id!r} has no answered attempt to draw")
        attempts_by_id[anime_id] = attempts
    origin = min(span.start for span in spans)
    colour = model_colour("asyncio")
    fig, ax = new_figure()
    for row, attempts in enumerate(attempts_by_id.values()):
        answered = next(span for span in attempts if span.ok)
        first = row == 0  # label one of each, for the legend
        ax.hlines(row, attempts[0].start - origin, answered.start - origin, colour, ":")
        ax.barh(
            row,
            answered.seconds,
            left=answered.start - origin,
            height=0.6,
            color=colour,
            label="answered: 200" if first else None,
        )
        refused_at = [span.start - origin for span in attempts if not span.ok]
        label = "refused: 429 + Retry-After" if first else None
        ax.plot(refused_at, [row] * len(refused_at), "x", color=IDEAL_COLOUR, label=label)
    rows = [f"id {anime_id}" for anime_id in attempts_by_id]
    label_rows(ax, rows, "time since the first request (s)", title)
    ax.legend(loc="upper right")
    return fig
