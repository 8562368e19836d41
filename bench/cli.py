"""The command line: run the chosen benchmarks, merge their rows into the report, write it.

``python -m bench [--quick] [--only NAME ...] [--repeats N] [--out DIR] [--strict]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
from dataclasses import asdict
from pathlib import Path
from typing import Any

import bench
from bench.config import OUT, ROOT, venv_env
from bench.probes import load_average
from bench.report import Result, markdown
from bench.suites import BENCHMARKS
from lib.measure.cores import usable_cpus

__all__ = [
    "main",
    "parse",
    "run_one",
]


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=(bench.__doc__ or "").split("\n\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="skip the slow benchmarks")
    parser.add_argument(
        "--only", action="append", choices=sorted(BENCHMARKS), help="run only this (repeatable)"
    )
    parser.add_argument("--repeats", type=int, default=5, help="repeats per figure (default 5)")
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the report")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    return args


def run_one(key: str, repeats: int) -> Result:
    """Run one benchmark; an exception becomes a failed row, so the others still run."""
    print(f"{key} ...", flush=True)
    before = load_average()
    try:
        result = BENCHMARKS[key].run(repeats)
    except Exception as exc:  # one broken benchmark must not lose the others
        result = Result(key, key, "", None, "", False, reason=f"{type(exc).__name__}: {exc}")
    result.measured_at = dt.datetime.now().isoformat(timespec="seconds")
    result.load_average = [before, load_average()]
    print(f"  {result.shown()} (target {result.target}): {result.passed}", flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    os.chdir(ROOT)
    os.environ["PATH"] = venv_env()["PATH"]  # kernels start as `python`: this venv's
    chosen: list[str] = args.only or [
        key for key, benchmark in BENCHMARKS.items() if not (benchmark.slow and args.quick)
    ]

    report_path = args.out / "report.json"
    report: dict[str, Any] = {"results": {}}
    if report_path.exists():  # a partial run keeps the other rows
        report = json.loads(report_path.read_text())
        report["results"] = {k: v for k, v in report["results"].items() if k in BENCHMARKS}
    start_load = load_average()
    report["started"] = dt.datetime.now().isoformat(timespec="seconds")
    for key in chosen:
        report["results"][key] = asdict(run_one(key, args.repeats))
    report["generated"] = dt.datetime.now().isoformat(timespec="seconds")
    report["machine"] = {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "usable_cpus": usable_cpus(),
        "load_average_start": start_load,
        "load_average_end": load_average(),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    report_path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    table = markdown(report, BENCHMARKS)
    (args.out / "report.md").write_text(table, encoding="utf-8")
    print()
    print(table)
    missed = [key for key in chosen if report["results"][key]["passed"] is False]
    return 1 if args.strict and missed else 0
