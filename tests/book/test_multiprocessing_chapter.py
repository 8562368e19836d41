"""Chapters 4 and 5 run under another start method than the default, and leave no process behind.

Each committed notebook is executed in a fresh kernel under one start method other than the
platform's default, which strict nbval runs already (``spawn``, or where that is the default,
the next the platform offers; across ``make test-versions`` fork, forkserver and spawn all
run), with ``BOOK_START_METHOD`` set; the
notebook's setup cell applies it and asserts it took effect. Outputs are not compared here
(timings differ; strict nbval checks the committed outputs under the default method), but:

- no cell fails except those tagged ``raises-exception``, and each of those raises the same
  exception as in the committed notebook;
- when the kernel has shut down, no process it started is left: every process the kernel
  starts inherits a marker in its environment, and none may remain.

Every cell runs but a measurement in each chapter and the cells that use what it measured
(``cells_that_need``), which nbval runs under the default method: chapter 4's pool-size sweep
starts, once per pool size, the pool the cell before it starts three times (``time_pool``),
and chapter 5's sending starts six pools to send ``process_tasks.receive`` payloads, 20 MB
ones among them, as an earlier cell does through one. They repeat what this run has shown
under its method already, and took a quarter of chapter 4's time.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import psutil
import pytest
from nbclient import NotebookClient

from tests.plugins.notebooks import cells_that_need, chapter, read, tags

pytestmark = pytest.mark.system  # make test-system, not make test

# Each chapter that starts processes, and the measurements its run under another method leaves
# out, with what reads their results.
MEASUREMENTS = {
    "04_multiprocessing.ipynb": ("sweep_seconds",),
    "05_process_pipelines.ipynb": ("time_sending",),
}
# The platform's default method, asked of a fresh interpreter (asking here would fix it here).
DEFAULT = subprocess.run(
    [sys.executable, "-c", "import multiprocessing; print(multiprocessing.get_start_method())"],
    capture_output=True,
    text=True,
    timeout=60,
    check=True,
).stdout.strip()
# nbval already runs the chapter under the default, with the leak check after its last cell.
# Here it runs under one other method: spawn, the one furthest from fork (nothing inherited),
# unless spawn is the default (macOS, Windows). The three are covered across make
# test-versions: fork is 3.11's default on Linux, forkserver 3.14's, and spawn runs here.
OTHERS = [
    method
    for method in ("spawn", "forkserver", "fork")
    if method in multiprocessing.get_all_start_methods() and method != DEFAULT
]
METHODS = OTHERS[:1]
MARKER = "BOOK_TEST_KERNEL_RUN"  # environment variable every process of one run inherits
CELL_TIMEOUT = 120  # seconds; each whole notebook takes well under a minute


def errors_of_tagged_cells(notebook: Any) -> dict[str, list[str]]:
    """For each cell tagged raises-exception: the names of the exceptions it shows."""
    return {
        cell.id: [out.ename for out in cell.outputs if out.output_type == "error"]
        for cell in notebook.cells
        if "raises-exception" in cell.metadata.get("tags", [])
    }


def processes_of_run(token: str) -> list[psutil.Process]:
    """Every live process whose environment carries this run's marker."""
    found = []
    for process in psutil.process_iter():
        try:
            if process.environ().get(MARKER) == token and process.status() != "zombie":
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def wait_until_gone(token: str, timeout: float = 15.0) -> list[psutil.Process]:
    """The run's processes still alive after up to ``timeout`` seconds of waiting."""
    deadline = time.monotonic() + timeout
    left = processes_of_run(token)
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = processes_of_run(token)
    return left


def describe(processes: list[psutil.Process]) -> list[str]:
    descriptions = []
    for process in processes:
        try:
            descriptions.append(" ".join(process.cmdline())[:200])
        except psutil.Error:
            descriptions.append(f"pid {process.pid}")
    return descriptions


@pytest.mark.parametrize("name", sorted(MEASUREMENTS))
@pytest.mark.parametrize("method", METHODS)
def test_chapter_runs_under_start_method_and_leaves_no_process(method: str, name: str) -> None:
    notebook_path = chapter(name)
    committed = read(notebook_path)
    expected_errors = errors_of_tagged_cells(committed)
    assert expected_errors and all(expected_errors.values()), "tagged cells must show errors"

    notebook = read(notebook_path)
    left_out = set(cells_that_need(notebook, MEASUREMENTS[name]))
    assert not any(tags(notebook.cells[index]) for index in left_out), "a tagged cell left out"
    notebook.cells = [cell for index, cell in enumerate(notebook.cells) if index not in left_out]
    token = uuid.uuid4().hex
    venv_bin = str(Path(sys.executable).parent)  # the kernelspec runs "python" from PATH
    env = {
        **os.environ,
        "BOOK_START_METHOD": method,
        MARKER: token,
        "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
    }
    children_before = {child.pid for child in psutil.Process().children(recursive=True)}
    client = NotebookClient(
        notebook,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook_path.parent)}},
    )
    try:
        client.execute(env=env)  # raises CellExecutionError if an untagged cell fails
    finally:
        left = wait_until_gone(token)
        leftovers = describe(left)
        for process in left:  # never leak into the rest of the test session
            process.kill()

    assert leftovers == [], f"processes left after the notebook under {method}"
    new_children = [
        child
        for child in psutil.Process().children(recursive=True)
        if child.pid not in children_before and child.status() != "zombie"
    ]
    assert new_children == [], f"children of the test left: {describe(new_children)}"

    setup = next(  # the set-up cell: the first code cell after the Colab install cell, if any
        cell
        for cell in notebook.cells
        if cell.cell_type == "code" and "colab-setup" not in cell.metadata.get("tags", [])
    )
    setup_output = "".join(
        out.get("text", "") for out in setup.outputs if out.output_type == "stream"
    )
    assert f"start method: {method}" in setup_output
    assert errors_of_tagged_cells(notebook) == expected_errors
