"""The Dask scheduler's task stream, as the book's timeline spans
(:class:`lib.measure.recorder.Span`).

Record with ``distributed.get_task_stream(client=client)`` around some work; its ``.data``
holds one record per task run: the worker's address, the task's key, its status, and the
start and stop of each phase (``compute``, ``transfer``, ...). :func:`task_spans` keeps the
``compute`` phases, one span each, which ``lib.charts.common.plot_timeline`` draws like every other
timeline of the book. Times are the workers' ``time.time()``: one clock on one machine.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from lib.measure.recorder import Span

__all__ = [
    "task_label",
    "task_spans",
]

_TRAILING_NUMBER = re.compile(r"-(\d+)$")


def task_label(key: object) -> str:
    """A short label for a task key: ``"spin-3"`` gives ``"3"``; another key, its first
    ten characters (a key of ``client.map`` ends in a long hash)."""
    text = "-".join(map(str, key)) if isinstance(key, tuple) else str(key)
    found = _TRAILING_NUMBER.search(text)
    return found.group(1) if found else text[:10]


def task_spans(
    records: Iterable[Mapping[str, Any]], worker_names: Mapping[str, str] | None = None
) -> list[Span]:
    """One span per ``compute`` phase in ``records`` (a task stream's ``.data``), by start.

    ``worker_names`` maps a worker's address to its name; an address not in it is used as
    it is. A task whose status is not ``"OK"`` (it raised) gives a span with ``ok=False``.

    Raises:
        ValueError: if a record lacks its key, worker or phases.
    """
    names = worker_names or {}
    spans = []
    for record in records:
        try:
            key, worker, phases = record["key"], record["worker"], record["startstops"]
        except KeyError as missing:
            raise ValueError(f"a task-stream record has no {missing}: {record!r}") from None
        for phase in phases:
            if phase.get("action") != "compute":
                continue
            spans.append(
                Span(
                    task=task_label(key),
                    worker=names.get(worker, worker),
                    start=float(phase["start"]),
                    end=float(phase["stop"]),
                    ok=record.get("status", "OK") == "OK",
                )
            )
    return sorted(spans, key=lambda span: span.start)
