"""The alt texts of ``lib.charts.common``'s pictures, made from the data they draw.

Private to ``lib.charts``: each function gives the text its plot helper passes to
:func:`lib.charts.alt.describe`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence

from lib.charts._generic_alt import amount, listing, times
from lib.measure.recorder import Span

__all__ = ["outcomes_alt", "speedup_alt", "sweep_alt", "timeline_alt"]


def speedup_alt(
    title: str, labels: Sequence[str], notes: Sequence[str], ideals: Sequence[float | None]
) -> str:
    """Each run's label, time and speed-up (its bar's own note), then the ideals. Raises
    ValueError if the sequences are empty or of different lengths."""
    if not labels or not len(labels) == len(notes) == len(ideals):
        raise ValueError("need one note and one ideal (or None) for each label")
    ideal = [
        f"{label} {amount(best, 's')}" for label, best in zip(labels, ideals, strict=True) if best
    ]
    each = "; ".join(
        f"{label}: {note}".replace("\n", ", ") for label, note in zip(labels, notes, strict=True)
    )
    return f"{title}: wall-clock time of each run, against {labels[0]}. {each}" + (
        f". Ideal: {listing(ideal)}." if ideal else "."
    )


def timeline_alt(title: str, spans: Sequence[Span], lane_names: Sequence[str]) -> str:
    """How many tasks, in how many lanes, how many in each, the span, and the failures.
    ``lane_names`` are in the order the lanes first started. Raises ValueError if ``spans`` is
    empty."""
    if not spans:
        raise ValueError("no spans to describe")
    ordered = sorted(spans, key=lambda span: span.start)
    lanes: dict[str, int] = {}
    for span in ordered:
        lanes.setdefault(span.worker, len(lanes))
    per_lane = Counter(lanes[span.worker] for span in spans)
    end = max(span.end for span in spans) - ordered[0].start
    failed = sum(not span.ok for span in spans)
    kind = lane_names[0].rsplit(" ", 1)[0] if lane_names else "lane"
    kinds = f"{kind}es" if kind.endswith("s") else f"{kind}s"  # processes, threads
    tasks = f"{len(spans)} task{'s' * (len(spans) != 1)}"
    if len(lanes) == 1:
        what = f"{tasks} on 1 {kind}"
    elif set(per_lane.values()) == {1}:
        what = f"{len(lanes)} {kinds}, one bar each"
    elif len(set(per_lane.values())) == 1:
        what = f"{tasks} on {len(lanes)} {kinds}, {per_lane[0]} each"
    else:
        counts = "; ".join(f"{lane_names[lane]}: {per_lane[lane]}" for lane in range(len(lanes)))
        what = f"{tasks} on {len(lanes)} {kinds} ({counts})"
    return (
        f"{title}: a timeline of {what}, "
        f"{amount(end, 's')} from the first start to the last end"
        + (f"; {failed} raised (hatched)." if failed else ".")
    )


def sweep_alt(
    title: str,
    xlabel: str,
    workers: Sequence[int],
    seconds: Sequence[float],
    curves: Mapping[str, Sequence[float]],
) -> str:
    """The x range, the measured time at each end, and where each other curve ends.
    Raises ValueError if ``workers`` is empty, ZeroDivisionError if the last time is 0."""
    if not workers:
        raise ValueError("no worker counts to describe")
    ends = [f"{label} {amount(values[-1], 's')}" for label, values in curves.items()]
    return (
        f"{title}: wall-clock time against {xlabel}, from {workers[0]} to {workers[-1]}. "
        f"Measured: {amount(seconds[0], 's')} with {workers[0]}, {amount(seconds[-1], 's')} "
        f"with {workers[-1]} ({times(seconds[0] / seconds[-1])} faster)"
        + (f"; at {workers[-1]}: {listing(ends)}." if ends else ".")
    )


def outcomes_alt(
    title: str,
    xlabel: str,
    results: Mapping[str, Sequence[Hashable]],
    outcomes: Sequence[Hashable],
    correct: Hashable | None,
) -> str:
    """How many runs of each way ended in each outcome that happened. Never raises."""
    runs = max((len(values) for values in results.values()), default=0)
    counted = []
    for label, values in results.items():
        counts = Counter(values)
        seen = [f"{outcome}: {counts[outcome]}" for outcome in outcomes if counts[outcome]]
        counted.append(f"{label} — {', '.join(seen)}")
    right = f"; the correct one is {correct}" if correct is not None else ""
    return f"{title}: outcomes ({xlabel}) of {runs} runs each{right}. {'. '.join(counted)}."
