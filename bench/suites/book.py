"""(g) Each notebook's run, (h) the nbval suite, (i) a cached rebuild: is the book fast?

These run the book's own tools (nbclient, pytest with nbval, jupyter-book) on the chapters as
they are committed; no lib function stands for them.
"""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.config import BIN, ROOT, venv_env
from bench.probes import load_average
from bench.report import Result
from scripts.chapter_sizes import MAX_WORDS, chapter_size

__all__ = [
    "bench_nbval",
    "bench_notebooks",
    "bench_rebuild",
    "notebooks",
    "slowest_cells",
]


def notebooks() -> list[Path]:
    return sorted((ROOT / "chapters").glob("*.ipynb"))


def slowest_cells(notebook: Any, count: int = 3) -> list[dict[str, Any]]:
    """The code cells that took longest, numbered as nbval numbers them ("Cell 12")."""
    timings = []
    code_cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    for index, cell in enumerate(code_cells):
        execution = cell.get("metadata", {}).get("execution", {})
        start, end = execution.get("iopub.execute_input"), execution.get("shell.execute_reply")
        if start and end:
            seconds = (
                dt.datetime.fromisoformat(end) - dt.datetime.fromisoformat(start)
            ).total_seconds()
            timings.append(
                {"cell": index, "seconds": round(seconds, 2), "starts": cell.source[:60]}
            )
    return sorted(timings, key=lambda t: -t["seconds"])[:count]


def run_notebook(path: Path) -> dict[str, Any]:
    """Execute one notebook in a fresh kernel; its time, error and slowest cells."""
    # Imported here, not at the top: nbclient brings ~500 modules, and in the process that
    # also runs the asyncio benchmarks they made every garbage collection (and so the client)
    # slower: 1,000 requests took a third more CPU time.
    import nbformat
    from nbclient import NotebookClient

    # nbformat.read has no type hints; what it returns is read as Any below.
    notebook = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    begin = time.perf_counter()
    error = None
    try:
        client.execute(stderr=subprocess.DEVNULL)  # the kernel's start-up chatter
    except Exception as exc:  # a broken notebook is reported, not fatal to the bench
        error = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:200]}"
    seconds = time.perf_counter() - begin
    print(f"  {path.stem}: {seconds:.1f} s" + (f" ({error})" if error else ""), flush=True)
    return {
        "seconds": round(seconds, 2),
        "words": chapter_size(path).words,
        "error": error,
        "slowest_cells": slowest_cells(notebook),
        "load_average_after": load_average(),
    }


def bench_notebooks(repeats: int) -> Result:
    target = 30.0
    per_notebook = {path.stem: run_notebook(path) for path in notebooks()}
    worst = max(per_notebook.items(), key=lambda item: item[1]["seconds"])
    broken = [name for name, info in per_notebook.items() if info["error"]]
    passed = worst[1]["seconds"] < target and not broken
    result = Result(
        "notebooks",
        "each notebook's execution time (nbclient, fresh kernel): the slowest one",
        f"each < {target:g} s, at most {MAX_WORDS:,} words of prose",
        worst[1]["seconds"],
        "s",
        passed,
        [info["seconds"] for info in per_notebook.values()],
        {"notebooks": per_notebook},
        display=f"slowest: {worst[0]}, {worst[1]['seconds']:.1f} s (all {len(per_notebook)} below)",
    )
    slow = [f"{n} {i['seconds']:.1f} s" for n, i in per_notebook.items() if i["seconds"] >= target]
    reasons = []
    if slow:
        cells = worst[1]["slowest_cells"]
        reasons.append(
            f"over {target:g} s: {', '.join(slow)}; in {worst[0]} the slowest cells took "
            + ", ".join(f"Cell {c['cell']} {c['seconds']:.1f} s" for c in cells)
        )
    wordy = [f"{n} {i['words']:,} words" for n, i in per_notebook.items() if i["words"] > MAX_WORDS]
    if wordy:
        reasons.append(f"over {MAX_WORDS:,} words of prose: {', '.join(wordy)}")
    passed = passed and not wordy
    result.passed = passed
    if broken:
        reasons.append("failed to execute: " + ", ".join(broken))
    result.reason = "; ".join(reasons) or None
    return result


def bench_nbval(repeats: int) -> Result:
    target = 180.0
    command = [sys.executable, "-m", "pytest", "--nbval", "--nbval-sanitize-with"]
    command += ["tests/nbval_sanitize.cfg", "--nbval-cell-timeout=120", "chapters", "-q"]
    command += ["-p", "no:cacheprovider", "--durations=5"]
    begin = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=venv_env())
    seconds = time.perf_counter() - begin
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-300:]
    slowest = re.findall(r"^\s*([\d.]+)s (?:call|setup|teardown)\s+(.+?)\s*$", run.stdout, re.M)
    result = Result(
        "nbval",
        "the whole nbval suite (strict outputs, every notebook)",
        f"< {target:g} s",
        seconds,
        "s",
        seconds < target,
        [seconds],
        {"exit_code": run.returncode, "summary": re.sub(r"\x1b\[[0-9;]*m", "", summary)},
        display=f"{seconds:.1f} s ({re.sub(r' in [0-9.]+s.*', '', summary).strip('= ')})",
    )
    result.details["slowest"] = [f"{s} s {name}" for s, name in slowest]
    if not result.passed:
        result.reason = "slowest items: " + "; ".join(result.details["slowest"])
    if run.returncode != 0:
        result.details["note"] = "the suite did not pass: see summary (the time still counts)"
    return result


def bench_rebuild(repeats: int) -> Result:
    target = 20.0
    subprocess.run([sys.executable, "scripts/cache_guard.py"], cwd=ROOT, check=True)
    command = [str(BIN / "jupyter-book"), "build", "--all", "-W", "-n", "--keep-going", "."]
    times, codes, output = [], [], ""
    for _ in range(2):  # the first run fills the cache if it must; the second is timed
        begin = time.perf_counter()
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, env=venv_env())
        times.append(time.perf_counter() - begin)
        codes.append(run.returncode)
        output = run.stdout + run.stderr
    executed = len(re.findall(r"Executing notebook|Executing:", output))
    result = Result(
        "rebuild",
        "a cached, no-change book rebuild (jupyter-book build --all, second run)",
        f"< {target:g} s",
        times[1],
        "s",
        times[1] < target and codes == [0, 0],
        [times[1]],
        {"first_run_s": round(times[0], 1), "exit_codes": codes, "notebooks_executed": executed},
        display=f"{times[1]:.1f} s (the run before it: {times[0]:.1f} s)",
    )
    if not result.passed:
        result.reason = (
            f"exit codes {codes}; {executed} notebooks re-executed in the second run"
            if codes != [0, 0] or executed
            else "no notebook was re-executed: the time is Sphinx reading and writing every page"
        )
    return result
