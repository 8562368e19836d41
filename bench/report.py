"""One row of the report (:class:`Result`), and the report as a Markdown table."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Result",
    "at_least",
    "at_most",
    "format_value",
    "markdown",
    "notebook_table",
]


@dataclass
class Result:
    """One row of the report."""

    key: str
    what: str
    target: str
    value: float | None  # the median; None if the benchmark could not run
    unit: str  # "efficiency", "s", "req/s", "µs"
    passed: bool | None
    samples: list[float] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None  # why a target was missed, as measured
    display: str | None = None  # what the table shows, when the median alone would mislead
    measured_at: str = ""
    load_average: list[float] = field(default_factory=list)  # 1-minute load, before and after

    def shown(self) -> str:
        if self.display:
            return self.display
        if self.value is None:
            return "not measured"
        text = format_value(self.value, self.unit)
        if len(self.samples) > 1:
            low, high = min(self.samples), max(self.samples)
            text += (
                f" (median of {len(self.samples)}; "
                f"{format_value(low, self.unit)}–{format_value(high, self.unit)})"
            )
        return text


def format_value(value: float, unit: str) -> str:
    if unit == "efficiency":
        return f"{value:.2f}"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    if unit == "µs":
        return f"{value:.0f} µs"
    return f"{value:.2f} s"


def at_least(value: float, target: float) -> bool:
    return value >= target


def at_most(value: float, target: float) -> bool:
    return value <= target


def markdown(report: dict[str, Any], order: Iterable[str] | None = None) -> str:
    """The report as Markdown: the table, the reasons for missed targets, each notebook.

    ``order`` is the order of the rows (the registry's); by default, the report's own.
    """
    rows = [
        "| what | measured | target | result |",
        "| --- | --- | --- | --- |",
    ]
    notes = []
    # A partial run keeps the other rows: each kept row says that it is older than this run.
    this_run = report.get("started", "")
    kept = 0
    for key in list(report["results"]) if order is None else order:
        if key not in report["results"]:
            continue
        result = Result(**report["results"][key])
        verdict = {True: "PASS", False: "**FAIL**", None: "not run"}[result.passed]
        shown = result.shown()
        if result.measured_at < this_run:
            when = result.measured_at[:16].replace("T", " ")
            shown += f" (earlier run{', ' + when if when else ''})"
            kept += 1
        rows.append(f"| {result.what} | {shown} | {result.target} | {verdict} |")
        if result.reason:
            notes.append(f"- **{key}**: {result.reason}.")
    machine = report["machine"]
    text = [
        "# Benchmarks",
        "",
        f"Measured {report['generated']} on {machine['usable_cpus']} usable cores, "
        f"Python {machine['python']}; 1-minute load average "
        f"{machine['load_average_start']} at the start, {machine['load_average_end']} at the end.",
        "",
        *rows,
    ]
    if kept:
        text += [
            "",
            "Rows marked *earlier run* were kept from a previous run (report.json: when, load).",
        ]
    if notes:
        text += ["", "Why targets were missed (measured):", "", *notes]
    text += notebook_table(report)
    return "\n".join(text) + "\n"


def notebook_table(report: dict[str, Any]) -> list[str]:
    """The lines of the per-notebook table, if the notebooks benchmark has run."""
    per_notebook = report["results"].get("notebooks", {}).get("details", {}).get("notebooks")
    if not per_notebook:
        return []
    text = ["", "Each notebook (nbclient, fresh kernel):", ""]
    text += ["| notebook | seconds | words | slowest cells |", "| --- | --- | --- | --- |"]
    for name, info in per_notebook.items():
        cells = ", ".join(f"Cell {c['cell']} {c['seconds']:.1f} s" for c in info["slowest_cells"])
        status = f" (failed: {info['error']})" if info["error"] else ""
        words = f"{info['words']:,}" if "words" in info else "?"
        text.append(f"| {name} | {info['seconds']:.1f}{status} | {words} | {cells} |")
    return text
