"""Chapter 6's three hand-drawn charts, so the chapter's cells show the asyncio, not matplotlib.

- :func:`plot_queue_sizes`: a queue's size over time, one step line per queue bound.
- :func:`plot_polite_attempts`: one row per request; refused attempts as crosses, the
  back-off as a dotted line, the answered attempt as a bar.
- :func:`plot_throughput`: throughput against concurrency on log axes, with the ideal line
  (Little's law), the knee marked and, where the measured curve flattens, its plateau
  (see :func:`plateau`).

Each checks its data before making a figure, so a bad call leaves no empty figure behind.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from matplotlib.figure import Figure

from lib.asyncio_tools import Samples
from lib.plots import IDEAL_COLOUR, model_colour, new_figure
from lib.recorder import Span

__all__ = [
    "KNEE_SHARE",
    "PLATEAU_SHARE",
    "PLATEAU_SPAN",
    "Plateau",
    "knee",
    "plateau",
    "plot_polite_attempts",
    "plot_queue_sizes",
    "plot_throughput",
]

#: A level is past the knee once its throughput falls below this share of the ideal.
KNEE_SHARE = 0.8
#: A level is on the plateau if its throughput is at least this share of the best measured.
PLATEAU_SHARE = 0.85
#: ... and the plateau's levels must span at least this factor of concurrency (a doubling).
PLATEAU_SPAN = 2.0


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
    ax.set_yticks(range(len(attempts_by_id)), [f"id {anime_id}" for anime_id in attempts_by_id])
    ax.invert_yaxis()
    ax.set_xlabel("time since the first request (s)")
    ax.set_title(title)
    ax.legend(loc="upper right")
    ax.grid(axis="x", alpha=0.3)
    return fig


def knee(levels: Sequence[int], throughputs: Sequence[float], latency: float) -> int | None:
    """The first level whose throughput is below ``KNEE_SHARE`` of its ideal, or None.

    The ideal at level *c* is *c* / ``latency`` requests per second.
    """
    for level, throughput in zip(levels, throughputs, strict=True):
        if throughput < KNEE_SHARE * level / latency:
            return level
    return None


@dataclass(frozen=True)
class Plateau:
    """Where the measured throughput stopped growing: its levels and their median throughput."""

    levels: list[int]
    throughput: float


def plateau(
    levels: Sequence[int],
    throughputs: Sequence[float],
    share: float = PLATEAU_SHARE,
    span: float = PLATEAU_SPAN,
) -> Plateau | None:
    """The levels whose throughput is within ``share`` of the best, if the curve flattened.

    The curve has flattened when those levels span at least ``span`` times the concurrency
    (the highest over the lowest): concurrency grew that much and throughput barely moved.
    The plateau's throughput is the median of theirs. ``None`` when the curve did not flatten,
    for example when the best level is the last and the one before it is well below.

    Raises:
        ValueError: if the sequences are empty or of different lengths, a level is not
            positive, ``share`` is not in (0, 1], or ``span`` is below 1.
    """
    if not levels or len(levels) != len(throughputs):
        raise ValueError("need one throughput for each concurrency level")
    if any(level <= 0 for level in levels):
        raise ValueError(f"levels must be positive, got {list(levels)}")
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share}")
    if not span >= 1:
        raise ValueError(f"span must be at least 1, got {span}")
    best = max(throughputs)
    near = [(lv, t) for lv, t in zip(levels, throughputs, strict=True) if t >= share * best]
    near_levels = [level for level, _ in near]
    if max(near_levels) < span * min(near_levels):
        return None
    return Plateau(near_levels, statistics.median(t for _, t in near))


def plot_throughput(
    levels: Sequence[int], throughputs: Sequence[float], latency: float, title: str
) -> Figure:
    """Measured throughput against requests in flight, log-log, with the ideal and the plateau.

    The ideal is ``level / latency`` requests per second; the knee (see :func:`knee`) is
    annotated when there is one, and the plateau (see :func:`plateau`), when the curve
    flattened, as a dotted line at its median throughput over its levels.

    Raises:
        ValueError: if the sequences are empty or of different lengths, a level is not
            positive, or ``latency`` is not positive.
    """
    if not levels or len(levels) != len(throughputs):
        raise ValueError("need one throughput for each concurrency level")
    if not latency > 0:
        raise ValueError(f"latency must be a positive number of seconds, got {latency}")
    flat = plateau(levels, throughputs)  # checks the levels before there is a figure
    fig, ax = new_figure()
    ideal_label = f"ideal: concurrency / {latency * 1000:.0f} ms"
    ax.plot(
        levels, [level / latency for level in levels], "--", color=IDEAL_COLOUR, label=ideal_label
    )
    ax.plot(levels, throughputs, "o-", color=model_colour("asyncio"), label="measured (asyncio)")
    if flat is not None:
        share = f"{PLATEAU_SHARE:.0%}"
        ax.hlines(
            flat.throughput,
            min(flat.levels),
            max(flat.levels),
            linestyles=":",
            linewidth=2.5,
            color=model_colour("sequential"),
            label=f"plateau: median of the levels within {share} of the best",
        )
    knee_level = knee(levels, throughputs, latency)
    if knee_level is not None:
        point = (knee_level, throughputs[list(levels).index(knee_level)])
        arrow = {"arrowstyle": "->"}
        ax.annotate(
            "the knee", point, xytext=(-70, 25), textcoords="offset points", arrowprops=arrow
        )
    ax.set_xscale("log")
    ax.set_yscale("log")
    labels = [f"{level:,}" for level in levels]
    ax.set_xticks(list(levels), labels, rotation=45, horizontalalignment="right")
    ax.set_xlabel("requests in flight (semaphore limit)")
    ax.set_ylabel("throughput (requests per second)")
    ax.set_title(title)
    ax.legend(loc="upper left")
    ax.grid(alpha=0.3, which="both")
    return fig
