"""bench/: its registry, a smoke run of one fast benchmark, how partial runs build the report,
and that its claim benchmarks run lib's own code (what the chapters run), not copies of it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import Result, markdown
from bench.suites import BENCHMARKS

pytestmark = pytest.mark.timeout(120)
REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = REPO_ROOT / "bench"


def run_bench(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", "--out", str(out), "--repeats", "1", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=100,
    )


def test_every_figure_of_the_issue_has_a_benchmark() -> None:
    assert list(BENCHMARKS) == [
        "threads",
        "threads-in-kernel",
        "asyncio-15",
        "asyncio-1000",
        "asyncio-10000",
        "asyncio-10000-uvloop",
        "client-cpu",
        "server-cpu",
        "cpu",
        "cluster",
        "server",
        "server-uvloop",
        "notebooks",
        "nbval",
        "rebuild",
        "suite",
        "ci",
    ], "the rows, in report order"
    slow = {key for key, (_, is_slow) in BENCHMARKS.items() if is_slow}
    assert slow == {"notebooks", "nbval", "rebuild", "suite"}, "--quick skips exactly these"


def test_a_partial_run_writes_json_and_markdown_and_keeps_other_rows(tmp_path) -> None:
    earlier = {
        "results": {
            "cpu": {
                "key": "cpu",
                "what": "CPU task",
                "target": "efficiency ≥ 0.85",
                "value": 0.9,
                "unit": "efficiency",
                "passed": True,
                "samples": [0.9],
            }
        }
    }
    (tmp_path / "report.json").write_text(json.dumps(earlier))

    run = run_bench(tmp_path, "--only", "server")

    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads((tmp_path / "report.json").read_text())
    assert set(report["results"]) == {"cpu", "server"}
    server = report["results"]["server"]
    assert server["value"] > 0 and server["unit"] == "req/s"
    assert server["passed"] in (True, False) and len(server["samples"]) == 1
    table = (tmp_path / "report.md").read_text()
    assert "| the local server alone" in table
    assert "| CPU task | 0.90 (earlier run) |" in table, "a kept row says it is older"
    assert "req/s (earlier run" not in table, "the row just measured is not marked"
    assert "| the local server alone" in run.stdout, "the table is printed too"
    assert table.index("| the local server alone") > table.index("| CPU task"), "report order"


def test_the_issue_targets_are_the_bench_targets() -> None:
    """Issue 18's table: 1,000 in 0.30 s, 10,000 in 2.0 s, 150 µs of client CPU a request,
    10,000 req/s, gather at 0.95 and the process pool at 0.90."""
    from bench.suites import asyncio_runs, cpu, cpu_per_request, server

    source = {m: Path(m.__file__).read_text(encoding="utf-8") for m in (asyncio_runs, cpu)}
    assert '"asyncio-1000", 1_000, 1_000, 0.30' in source[asyncio_runs]
    assert '"asyncio-10000", 10_000, 1_000, 2.0' in source[asyncio_runs]
    assert "target = 0.95" in source[asyncio_runs] and "target = 0.90" in source[cpu]
    assert cpu_per_request.CLIENT_TARGET_US == 150 and server.TARGET == 10_000


def test_the_server_row_falls_back_to_the_python_generator_and_says_so(monkeypatch) -> None:
    from bench.suites import server

    monkeypatch.setattr(server.shutil, "which", lambda name: None)
    monkeypatch.setattr(server, "SECONDS", 0.5)
    result = server.server_result("server", "asyncio", 1)
    assert result.details["generator"] == "python"
    assert "Python load generator: no wrk here" in result.what
    assert result.value is not None and result.value > 0


def test_a_loop_that_is_missing_is_a_row_not_run(monkeypatch) -> None:
    from bench.suites import asyncio_runs, server
    from lib.plumbing import event_loops

    monkeypatch.setattr(event_loops, "has_uvloop", lambda: False)
    for result in (
        server.bench_server_uvloop(1),
        asyncio_runs.bench_asyncio_ten_thousand_uvloop(1),
    ):
        assert result.passed is None and result.value is None and "uvloop" in str(result.reason)


def test_markdown_names_the_reason_for_a_missed_target() -> None:
    missed = Result("cpu", "CPU task", "efficiency ≥ 0.85", 0.5, "efficiency", False)
    missed.samples, missed.reason = [0.5, 0.4, 0.6], "the workers waited for a CPU"
    report = {
        "generated": "now",
        "machine": {
            "usable_cpus": 2,
            "python": "3.11",
            "load_average_start": 1.0,
            "load_average_end": 2.0,
        },
        "results": {"cpu": vars(missed)},
    }
    text = markdown(report, BENCHMARKS)
    assert "| CPU task | 0.50 (median of 3; 0.40–0.60) | efficiency ≥ 0.85 | **FAIL** |" in text
    assert "- **cpu**: the workers waited for a CPU." in text


def imported_names(path: Path) -> set[str]:
    """``module.name`` for every ``from module import name`` in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


@pytest.mark.parametrize(
    ("suite", "from_lib"),
    [
        (
            "threads",
            {
                "lib.anilist.clients.AniListClient",
                "lib.anilist.running.LocalAniList",
                "lib.anilist.running.ServerProcess",
                "lib.measure.recorder.Recorder",
                "lib.measure.speedup.efficiency",
                "lib.measure.speedup.ideal_seconds",
                "lib.measure.timing.Stopwatch",
            },
        ),
        (
            "asyncio_runs",
            {
                "lib.anilist.clients.AsyncAniListClient",
                "lib.anilist.running.ServerProcess",
                "lib.plumbing.fdlimits.raise_open_file_limit",
                "lib.measure.speedup.efficiency",
                "lib.measure.timing.Stopwatch",
            },
        ),
        (
            "cpu",
            {
                "lib.demos.workloads.factorial_mod",
                "lib.demos.workloads.calibrate_rounds",
                "lib.plumbing.processes.live_children",
                "lib.measure.speedup.ideal_seconds",
                "lib.measure.timing.Stopwatch",
            },
        ),
        ("server", {"lib.anilist.running.ServerProcess"}),
    ],
)
def test_claim_benchmarks_call_what_the_chapters_call(suite: str, from_lib: set[str]) -> None:
    assert from_lib <= imported_names(PACKAGE / "suites" / f"{suite}.py")


def test_the_bench_defines_none_of_the_chapters_functions_again() -> None:
    """No module of bench/ defines a function or class under a name lib exports."""
    lib_names = set()
    for path in (REPO_ROOT / "lib").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets
            ):
                lib_names |= set(ast.literal_eval(node.value))
    defined = {
        node.name
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    again = defined & lib_names - {"main"}  # every command line has a main
    assert not again, again


def test_every_module_is_small_and_declares_all() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 300, f"{path.name}: over 300 lines"
        assert "__all__" in text, f"{path.name}: no __all__"


def test_the_asyncio_benchmarks_run_without_the_notebook_machinery_loaded() -> None:
    """nbclient's ~500 modules made every garbage collection, so the asyncio client, slower."""
    probe = "import sys, bench.cli; print('nbclient' in sys.modules, 'nbformat' in sys.modules)"
    run = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.stdout.split() == ["False", "False"], run.stdout + run.stderr


def test_a_chapter_over_the_words_limit_misses_the_notebooks_target(monkeypatch) -> None:
    """`make bench` reports each chapter's run time and words; either over its limit fails."""
    from bench.report import notebook_table
    from bench.suites import book

    runs = {
        "01_short": {"seconds": 12.0, "words": 1_200, "error": None, "slowest_cells": []},
        "02_long": {"seconds": 14.0, "words": 4_800, "error": None, "slowest_cells": []},
    }
    monkeypatch.setattr(book, "notebooks", lambda: [Path(name) for name in runs])
    monkeypatch.setattr(book, "run_notebook", lambda path: runs[path.stem])
    result = book.bench_notebooks(1)
    assert result.passed is False
    assert "over 4,500 words of prose: 02_long 4,800 words" in str(result.reason)
    table = notebook_table({"results": {"notebooks": vars(result)}})
    assert "| 02_long | 14.0 | 4,800 |  |" in table
    runs["02_long"]["words"] = 4_400
    assert book.bench_notebooks(1).passed is True
