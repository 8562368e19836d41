"""scripts/bench.py: a smoke run of one fast benchmark, and how partial runs build the report."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(120)
REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "scripts" / "bench.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module  # dataclasses look their module up there
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules["bench"]
    return module


def run_bench(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), "--repeats", "1", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=100,
    )


def test_every_figure_of_the_issue_has_a_benchmark() -> None:
    bench = load_bench()
    assert set(bench.BENCHMARKS) >= {
        "threads",
        "asyncio-15",
        "asyncio-1000",
        "asyncio-10000",
        "cpu",
        "server",
        "notebooks",
        "nbval",
        "rebuild",
        "suite",
        "ci",
    }
    slow = {key for key, (_, is_slow) in bench.BENCHMARKS.items() if is_slow}
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


def test_markdown_names_the_reason_for_a_missed_target() -> None:
    bench = load_bench()
    missed = bench.Result("cpu", "CPU task", "efficiency ≥ 0.85", 0.5, "efficiency", False)
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
    text = bench.markdown(report)
    assert "| CPU task | 0.50 (median of 3; 0.40–0.60) | efficiency ≥ 0.85 | **FAIL** |" in text
    assert "- **cpu**: the workers waited for a CPU." in text
