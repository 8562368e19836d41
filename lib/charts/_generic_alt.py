"""A generic alt text read back from a figure's artists, and the book's number words.

Private to ``lib.charts``: :func:`lib.charts.alt.alt_text` uses it for a figure no helper
described, and the helpers use :func:`amount` and :func:`times` for their own texts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.text import Annotation

from lib.measure.units import format_bytes, format_duration

__all__ = ["amount", "generic_alt", "listing", "times"]

_UNIT = re.compile(r"\((s|ms|µs|us|KiB|MiB|GiB|KB|MB|GB|bytes)\b")
_MAX_ITEMS = 8  # more bars or lanes than this are summed up, so the text stays short


def amount(value: float, unit: str = "") -> str:
    """A number in the book's style: durations and sizes as :mod:`lib.measure.units` writes them
    (``1.23 s``, ``4.5 ms``, ``1.5 KiB``), other numbers as ``1,234`` or ``0.52``, with ``unit``
    after them. Never raises."""
    if unit == "s":
        return format_duration(value) if value else "0.00 s"  # a clock's start, not 0.0 µs
    if unit == "bytes":
        return format_bytes(value)
    size = abs(value)
    if size >= 100:
        text = f"{value:,.0f}"
    elif size >= 1 or size == 0:
        text = f"{value:.3g}"
    else:
        text = f"{value:.2g}"
    return f"{text} {unit}" if unit else text


def times(value: float) -> str:
    """A speed-up or a ratio in the book's style: ``4.9×``. Never raises."""
    return f"{value:.1f}×" if value < 100 else f"{value:,.0f}×"


def listing(items: Sequence[str]) -> str:
    """``a, b and c``. Never raises; an empty sequence gives ``""``."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _unit(label: str) -> str:
    found = _UNIT.search(label)
    return found.group(1) if found else ""


def _tick_name(ticks: Sequence[float], names: Sequence[str], where: float) -> str:
    """The tick label nearest ``where``, or the position itself if there is none."""
    if not ticks or len(ticks) != len(names):
        return amount(where)
    nearest = min(range(len(ticks)), key=lambda index: abs(ticks[index] - where))
    return names[nearest] or amount(where)


def _notes(ax: Axes, left: float, right: float) -> str:
    """The texts drawn over a bar from ``left`` to ``right``, one line each, commas between."""
    found = []
    for text in ax.texts:
        x = text.xy[0] if isinstance(text, Annotation) else text.get_position()[0]
        words = ", ".join(" ".join(line.split()) for line in text.get_text().splitlines())
        if words.strip(", ") and left <= float(x) <= right:
            found.append(words)
    return "; ".join(found)


def _vertical(ax: Axes, bars: BarContainer, unit: str) -> str:
    ticks = [float(tick) for tick in ax.get_xticks()]
    names = [label.get_text() for label in ax.get_xticklabels()]
    items = []
    for patch in bars.patches:
        left, width = float(patch.get_x()), float(patch.get_width())
        name = _tick_name(ticks, names, left + width / 2)
        note = _notes(ax, left, left + width)
        items.append(f"{name}: {note or amount(float(patch.get_height()), unit)}")
    if len(items) > _MAX_ITEMS:
        heights = [float(patch.get_height()) for patch in bars.patches]
        return (
            f"{len(items)} bars from {amount(min(heights), unit)} to {amount(max(heights), unit)}"
        )
    label = bars.get_label()
    prefix = f"{label} — " if label and not label.startswith("_") else ""
    return prefix + "; ".join(items)


def _lanes(ax: Axes, rectangles: Sequence[tuple[float, float, float]], unit: str) -> str:
    """Horizontal bars as (y centre, start, end): values when each row has one bar from 0,
    else a timeline: the bars in each lane and the span they cover."""
    ticks = [float(tick) for tick in ax.get_yticks()]
    names = [label.get_text() for label in ax.get_yticklabels()]
    lanes: dict[str, list[tuple[float, float]]] = {}
    for y, start, end in sorted(rectangles, key=lambda rectangle: rectangle[0]):
        lanes.setdefault(_tick_name(ticks, names, y), []).append((start, end))
    if all(len(spans) == 1 and spans[0][0] == 0 for spans in lanes.values()):
        values = [f"{name}: {amount(spans[0][1], unit)}" for name, spans in lanes.items()]
        return "; ".join(values[:_MAX_ITEMS]) + ("; …" if len(values) > _MAX_ITEMS else "")
    first = min(start for _, start, _ in rectangles)
    last = max(end for _, _, end in rectangles)
    counts = [f"{name}: {len(spans)}" for name, spans in lanes.items()]
    shown = "; ".join(counts[:_MAX_ITEMS]) + ("; …" if len(counts) > _MAX_ITEMS else "")
    return (
        f"{len(rectangles)} bars in {len(lanes)} lanes ({shown}), "
        f"from {amount(first, unit)} to {amount(last, unit)}"
    )


def _horizontal_rectangles(ax: Axes) -> list[tuple[float, float, float]]:
    found = []
    for bars in ax.containers:
        if isinstance(bars, BarContainer) and bars.orientation == "horizontal":
            for patch in bars.patches:
                y = float(patch.get_y()) + float(patch.get_height()) / 2
                found.append((y, float(patch.get_x()), float(patch.get_x() + patch.get_width())))
    for collection in ax.collections:
        if type(collection) is PolyCollection:  # broken_barh's, not fill_between's subclass
            for path in collection.get_paths():
                box = path.get_extents()
                found.append(((box.y0 + box.y1) / 2, float(box.x0), float(box.x1)))
    return found


def _lines(ax: Axes, xunit: str, yunit: str) -> list[str]:
    found = []
    for line in ax.get_lines():
        label = str(line.get_label())
        xs: list[float] = np.asarray(line.get_xdata(), dtype=float).tolist()
        ys: list[float] = np.asarray(line.get_ydata(), dtype=float).tolist()
        if label.startswith("_") or not xs:
            continue
        if min(ys) == max(ys):
            value = amount(ys[0], yunit)
            found.append(label if value in label else f"{label}: {value}")
            continue
        found.append(
            f"{label}: from x = {amount(xs[0], xunit)} to {amount(xs[-1], xunit)}, "
            f"y between {amount(min(ys), yunit)} and {amount(max(ys), yunit)}, "
            f"ending at {amount(ys[-1], yunit)}"
        )
    return found


def _axes(ax: Axes) -> list[str]:
    xlabel, ylabel = ax.get_xlabel(), ax.get_ylabel()
    xunit, yunit = _unit(xlabel), _unit(ylabel)
    parts = []
    if xlabel or ylabel:
        named = [f"{name} axis: {label}" for name, label in (("x", xlabel), ("y", ylabel)) if label]
        parts.append("; ".join(named))
    for bars in ax.containers:
        if isinstance(bars, BarContainer) and bars.orientation != "horizontal":
            parts.append(_vertical(ax, bars, yunit))
    rectangles = _horizontal_rectangles(ax)
    if rectangles:
        parts.append(_lanes(ax, rectangles, xunit))
    parts.extend(_lines(ax, xunit, yunit))
    if len(parts) <= 1 and ax.texts:  # a diagram: its boxes' words
        words = [" ".join(text.get_text().split()) for text in ax.texts]
        words = [word for word in words if word]
        parts.append(
            "it reads " + "; ".join(words[:_MAX_ITEMS]) + ("; …" if len(words) > _MAX_ITEMS else "")
        )
    return parts


def generic_alt(figure: Figure) -> str:
    """A short description of ``figure``: its title, then for each axes its labels, bars,
    lanes and lines. Never raises; an empty figure gives "An empty figure."."""
    axes = [ax for ax in figure.axes if ax.get_visible()]
    suptitle = figure.get_suptitle()
    titles = [ax.get_title() for ax in axes]
    title = suptitle or (titles[0] if len(axes) == 1 else "")
    sentences = [f"A chart: {title}." if title else "A chart."]
    for ax in axes:
        parts = _axes(ax)
        if parts:
            own = f"{ax.get_title()}: " if ax.get_title() and ax.get_title() != title else ""
            sentences.append(own + ". ".join(parts) + ".")
    if len(sentences) == 1 and not title:
        return "An empty figure."
    return " ".join(sentences)
