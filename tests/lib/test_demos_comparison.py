"""Chapters 9 and 10's comparison table (lib.demos.comparison): every cell cites its numbers."""

from __future__ import annotations

import dataclasses

import pytest

from lib.demos.comparison import (
    ASPECTS,
    CLUSTER,
    IN_FLIGHT,
    MODELS,
    REQUEST_IDS,
    ClusterFigures,
    Measured,
    cluster_table,
    comparison_rows,
    comparison_table,
    markdown_table,
)
from lib.measure.units import format_duration

MEASURED = Measured(
    io={"threads": (7.6, 0.95), "processes": (1.8, 0.23), "asyncio": (7.9, 0.98)},
    cpu={"threads": (0.9, 0.46), "processes": (1.7, 0.86), "asyncio": (1.0, 0.5)},
    io_requests=16,
    cpu_tasks=4,
    cores=2,
    gil_overlap=(0.0, 0.2),
    free_threaded=False,
    pickled=131,
    limits={"threads": {0.05: 400, 0.1: 800}, "asyncio": {0.05: 10_000, 0.1: 10_000}},
    process_limit=2,
    start={"threads": 68.5e-6, "asyncio": 2e-6, "fork": 5.7e-3, "spawn": 24.1e-3},
    memory={"threads": 20_890, "threads reserved": 9.5 * 2**20, "asyncio": 867, "fork": 4e6},
    lost={"threads": (3, 0, 4), "asyncio": (3, 0, 4)},
    late={
        "cpu in loop": 0.83,
        "cpu in processes": 0.004,
        "blocking in loop": 0.82,
        "blocking in threads": 0.0057,
    },
    crash={
        "threads": [None, None, "ValueError", None],
        "processes": [None, None, "ValueError", None],
        "asyncio": [None, None, "ValueError", None],
        "killed process": ["BrokenProcessPool"] * 3,
    },
)


def test_format_duration_picks_a_readable_unit() -> None:
    assert [format_duration(s) for s in (1.234, 0.0045, 67.8e-6, 0.0)] == [
        "1.23 s",
        "4.5 ms",
        "67.8 µs",
        "0.0 µs",
    ]


def test_markdown_table_renders_a_header_a_rule_and_escaped_cells() -> None:
    assert markdown_table(["a", "b"], [["1", "x | y"]]).splitlines() == [
        "| a | b |",
        "| --- | --- |",
        "| 1 | x \\| y |",
    ]


@pytest.mark.parametrize(
    ("header", "rows", "message"),
    [([], [], "at least one column"), (["a", "b"], [["1"]], "2 columns, but a row has 1")],
)
def test_markdown_table_rejects_ragged_rows(
    header: list[str], rows: list[list[str]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        markdown_table(header, rows)


def test_every_row_has_a_cell_per_model_and_cites_a_number() -> None:
    rows = comparison_rows(MEASURED)
    assert [row[0] for row in rows] == list(ASPECTS)
    for aspect, *cells in rows:
        assert len(cells) == len(MODELS), aspect
        for cell in cells:
            if "none shared" not in cell:  # processes share no variables: nothing to count
                assert any(ch.isdigit() for ch in cell), (aspect, cell)


def test_the_rows_word_the_measured_figures() -> None:
    table = comparison_table(MEASURED)
    assert table.startswith("| aspect | threads | processes | asyncio |")
    for text in [
        "16 requests: 7.6×, 95% of ideal",
        "one per core (2 usable cores): 1.7×, 86% of ideal",
        "at once for 0.0 µs of 0.20 s",
        "131 bytes",
        "5.7 ms (fork), 24.1 ms (spawn)",
        "unique: 3.8 MiB (fork)",
        "400 threads for 50 ms waits; 800 threads for 100 ms waits",
        "10000 asyncio tasks for 50 ms waits",
        "3 of 4 without a lock, 0 with one",
        "0.83 s (CPU) and 0.82 s (blocking calls)",
        "ValueError from 1 of 4, 3 results",
        "BrokenProcessPool from 3 of 3, 0 results",
    ]:
        assert text in table, text


def test_a_free_threaded_build_says_so() -> None:
    rows = comparison_rows(dataclasses.replace(MEASURED, free_threaded=True))
    gil_row = next(row for row in rows if row[0].startswith("GIL"))
    assert gil_row[1].startswith("OS threads in one process, no GIL:")
    assert gil_row[2].startswith("an interpreter each;")
    cpu_row = next(row for row in rows if row[0].startswith("CPU"))
    assert cpu_row[1].startswith("4 tasks, without the GIL:")
    assert "under the GIL" not in " ".join(cpu_row)


def test_the_table_states_figures_not_verdicts_that_a_busy_run_would_contradict() -> None:
    """Whether the processes computed in parallel is a claim the chapter checks beside the
    run (lib.measure.claims); the table prints the figures, which strict nbval masks."""
    slow = {**MEASURED.cpu, "processes": (1.1, 0.55)}
    cpu_row = next(
        r for r in comparison_rows(dataclasses.replace(MEASURED, cpu=slow)) if "CPU" in r[0]
    )
    assert cpu_row[2] == "one per core (2 usable cores): 1.1×, 55% of ideal"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"io": {"threads": (1.0, 1.0)}}, "Measured.io lacks processes, asyncio"),
        ({"late": {}}, "Measured.late lacks cpu in loop"),
        ({"crash": {"threads": []}}, "killed process"),
        ({"start": {"threads": 1e-4, "asyncio": 1e-6}}, "at least one start method"),
    ],
)
def test_missing_figures_are_named(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        comparison_rows(dataclasses.replace(MEASURED, **change))  # type: ignore[arg-type]


CLUSTER_FIGURES = ClusterFigures(
    io=(6.1, 0.76),
    cpu=(1.6, 0.8),
    workers=2,
    threads=1,
    sent=412,
    start=0.91,
    memory=30 * 2**20,
    late=0.004,
    crash=[None, None, "ValueError", None],
)


def test_chapter_10s_column_words_the_cluster_under_chapter_9s_aspects() -> None:
    table = cluster_table(CLUSTER_FIGURES)
    lines = table.splitlines()
    assert lines[0] == f"| aspect | {CLUSTER} |"
    assert [line.split(" | ")[0][2:] for line in lines[2:]] == list(ASPECTS)
    for text in [
        "6.1×, 76% of ideal, each request a task sent over TCP",
        "2 worker processes, one thread each: 1.6×, 80% of ideal",
        "(412 bytes for one request)",
        "0.91 s for a scheduler and 2 workers, once",
        "30.0 MiB unique",
        "2 worker threads for CPU work here (2 × 1)",
        "4.0 ms with the CPU work on the cluster",
        "ValueError from 1 of 4, 3 results",
    ]:
        assert text in table, text
    assert lines[-1].endswith("a killed worker's tasks run again elsewhere |")


def test_the_cluster_column_says_how_wide_how_many_tasks_and_what_a_killed_worker_gave() -> None:
    wider = dataclasses.replace(CLUSTER_FIGURES, io_threads=4, cpu_tasks=8, killed=[None] * 10)
    table = cluster_table(wider)
    assert "each request a task sent over TCP (2 workers × 4 threads)" in table
    assert "8 tasks, 2 worker processes, one thread each: 1.6×" in table
    assert "ran again elsewhere: no error from 0 of 10, 10 results |" in table


def test_chapter_9s_table_keeps_three_models() -> None:
    assert CLUSTER not in comparison_table(MEASURED)


def test_both_chapters_send_the_same_requests() -> None:
    assert len(REQUEST_IDS) == 16 and len(set(REQUEST_IDS)) == 16
    assert 1 <= IN_FLIGHT < len(REQUEST_IDS)
