"""(j) ``make test`` from a fresh clone, (k) the last ``.ci/run``: is the project fast to check?"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

from bench.config import BIN, OUT, ROOT
from bench.report import Result

__all__ = [
    "CI_RECORD",
    "bench_ci",
    "bench_suite",
]

CI_RECORD = OUT / "ci-run.json"  # written by .ci/run


def bench_suite(repeats: int) -> Result:
    """`make test` in a fresh clone of HEAD: venv, install, lint, unit tests, nbval, browser."""
    target = 360.0
    with tempfile.TemporaryDirectory(prefix="book-suite-") as work:
        clone = Path(work) / "clone"
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=120)
        env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
        env["PATH"] = os.pathsep.join(
            p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != BIN
        )  # the clone makes and uses its own .venv
        begin = time.perf_counter()
        run = subprocess.run(
            ["make", "--no-print-directory", "test"],
            cwd=clone, capture_output=True, text=True, env=env, timeout=1800,
        )  # fmt: skip
        seconds = time.perf_counter() - begin
    summary = re.sub(r"\x1b\[[0-9;]*m", "", (run.stdout.strip().splitlines() or [""])[-1])
    result = Result(
        "suite",
        "`make test` from a fresh clone (install, lint, unit tests, nbval, browser)",
        f"<= {target:g} s",
        seconds,
        "s",
        seconds <= target and run.returncode == 0,
        [seconds],
        {"exit_code": run.returncode, "summary": summary},
        display=f"{seconds:.0f} s ({summary.strip('= ')})",
    )
    if run.returncode != 0:
        result.reason = f"make test failed: {summary or run.stderr[-300:]}"
    elif not result.passed:
        result.reason = "see `pytest --durations` for where the time went"
    return result


def bench_ci(repeats: int) -> Result:
    """The last `bash .ci/run` in this folder, as it recorded itself (it takes ~40 min)."""
    target = 50 * 60.0
    what = "the last `.ci/run` here: 3.11, 3.14, 3.15 in full, notebooks on 3.12, 3.13"
    if not CI_RECORD.exists():
        missing = "no record: run `bash .ci/run`, which writes _build/bench/ci-run.json"
        return Result("ci", what, f"< {target / 60:g} min", None, "s", None, reason=missing)
    record = json.loads(CI_RECORD.read_text(encoding="utf-8"))
    seconds = float(record["total_s"])
    steps = "; ".join(f"{name} {value} s" for name, value in record["steps"].items())
    result = Result(
        "ci", what, f"< {target / 60:g} min", seconds, "s", seconds < target, [seconds],
        {"finished": record["finished"], "steps": record["steps"], "versions": record["versions"]},
        display=f"{seconds / 60:.1f} min, finished {record['finished'][:16]} ({steps})",
    )  # fmt: skip
    if not result.passed:
        result.reason = "; ".join(record["versions"]) or steps
    return result
