"""Chapter 6's nest_asyncio section: the fork keeps asyncio whole, the original breaks it on 3.14.

Two ways of proving it, both in fresh processes, because a patch cannot be taken back:

- the chapter's own cells (the one that applies ``nest_asyncio2`` and the one after it, which
  asserts that ``current_task()``, ``asyncio.timeout`` and ``TaskGroup`` still work) run in a
  real Jupyter kernel, whose every cell is a task of its own, as in the book. The same cells
  with the original ``nest_asyncio`` must fail on Python 3.14 and later (and pass before), which
  shows that the chapter's check can fail at all;
- :func:`lib.demos.nested_loops.run_in_child`, whose output the chapter shows, must report what each
  package does on this Python.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from lib.demos.nested_loops import PATCHES, kernel_like_run, run_in_child
from tests.plugins.notebooks import chapter, code_cells, read

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = chapter("06_asyncio_basics.ipynb")
ON_314 = sys.version_info >= (3, 14)
WORKS = {
    "asyncio.current_task()": "works",
    "asyncio.timeout()": "works",
    "asyncio.TaskGroup()": "works",
}

# What the chapter has defined by the time it reaches its nest_asyncio section, on a server of
# the test's own: the cells under test use asyncio, count_titles, url, ANIME_IDS and probe.
PRELUDE = """
import asyncio

from lib.anilist.clients import AsyncAniListClient
from lib.demos.nested_loops import probe
from lib.anilist.running import LocalAniList

ANIME_IDS = [100, 200, 300, 400, 700]
server = LocalAniList(latency=0.01).start()
url = server.url


async def count_titles(base_url, ids):
    async with AsyncAniListClient(base_url, timeout=5.0) as client:
        return len(await asyncio.gather(*(client.fetch_media(i) for i in ids)))
"""

# Runs after the chapter's cells, in a cell (so a task) of its own.
PROBE_AGAIN = """
import json
print(json.dumps(await probe()))
"""

STOP_SERVER = "server.stop()"


def chapter_cells() -> tuple[str, str]:
    """The chapter's cell that applies nest_asyncio2, and the cell that checks asyncio after it."""
    sources = [cell.source for cell in code_cells(read(CHAPTER))]
    applying = [i for i, source in enumerate(sources) if "nest_asyncio2.apply()" in source]
    assert len(applying) == 1, "one cell of chapter 6 applies nest_asyncio2"
    apply_cell, check_cell = sources[applying[0]], sources[applying[0] + 1]
    assert "import nest_asyncio2" in apply_cell
    assert "await probe()" in check_cell and "asyncio.timeout" in check_cell
    assert "TaskGroup" in check_cell and "current_task()" in check_cell
    return apply_cell, check_cell


def run_in_kernel(cells: list[str]) -> list[nbformat.NotebookNode]:
    """Run ``cells`` in a fresh kernel of this interpreter; return the executed cells."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    client = NotebookClient(
        notebook,
        timeout=120,
        startup_timeout=60,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(ROOT / "chapters")}},  # where nbval runs it
    )
    client.execute(env=env)
    return notebook.cells


def errors_of(cell: nbformat.NotebookNode) -> list[str]:
    return [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]


def printed(cell: nbformat.NotebookNode) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream")


def test_after_the_chapters_nest_asyncio2_demo_asyncio_still_works() -> None:
    apply_cell, check_cell = chapter_cells()
    prelude, applied, checked, again, stopped = run_in_kernel(
        [PRELUDE, apply_cell, check_cell, PROBE_AGAIN, STOP_SERVER]
    )
    for cell in (prelude, applied, checked, again, stopped):
        assert not errors_of(cell), errors_of(cell)
    assert printed(applied) == "5 titles, from asyncio.run() inside the notebook\n"
    assert "5 titles from a TaskGroup under asyncio.timeout" in printed(checked)
    assert json.loads(printed(again)) == WORKS, "a later cell, a later task: still whole"


def test_the_same_cells_with_the_original_fail_from_python_314() -> None:
    apply_cell, check_cell = chapter_cells()
    original = apply_cell.replace("nest_asyncio2", "nest_asyncio")
    _, applied, checked, again, stopped = run_in_kernel(
        [PRELUDE, original, check_cell, PROBE_AGAIN, STOP_SERVER]
    )
    assert not errors_of(applied), "the original's nested asyncio.run() itself works"
    assert printed(applied) == "5 titles, from asyncio.run() inside the notebook\n"
    assert not errors_of(stopped)
    outcomes = json.loads(printed(again))
    if ON_314:
        assert [e.split(":")[0] for e in errors_of(checked)] == ["AssertionError"]
        assert "asyncio.current_task() returns None" in printed(checked)
        assert outcomes["asyncio.current_task()"] == "returns None"
        assert outcomes["asyncio.timeout()"].startswith("RuntimeError: ")
        assert outcomes["asyncio.TaskGroup()"].startswith("RuntimeError: ")
    else:  # both kinds of task share one record of the running one before 3.14
        assert not errors_of(checked), errors_of(checked)
        assert outcomes == WORKS


def child_lines(patch: str) -> list[str]:
    return run_in_child(patch, timeout=60.0).splitlines()


def test_the_child_shows_the_original_failing_only_from_python_314() -> None:
    lines = child_lines("nest_asyncio")
    assert lines[0] == "nest_asyncio 1.6.0 applied; asyncio.Task is the pure-Python one"
    assert lines[1] == "asyncio.run() inside the running loop returned 'an answer'"
    outcomes = dict(line.split(maxsplit=1) for line in lines[3:])
    if ON_314:
        assert outcomes == {
            "asyncio.current_task()": "returns None",
            "asyncio.timeout()": "RuntimeError: Timeout should be used inside a task",
            "asyncio.TaskGroup()": (
                "RuntimeError: TaskGroup <TaskGroup> cannot determine the parent task"
            ),
        }
    else:
        assert outcomes == WORKS


def test_the_child_shows_the_fork_keeping_asyncio_whole() -> None:
    lines = child_lines("nest_asyncio2")
    kind = "C" if ON_314 else "pure-Python"
    assert lines[0] == f"nest_asyncio2 1.7.4 applied; asyncio.Task is the {kind} one"
    assert lines[1] == "asyncio.run() inside the running loop returned 'an answer'"
    assert dict(line.split(maxsplit=1) for line in lines[3:]) == WORKS


def test_an_unknown_patch_is_refused_before_anything_runs() -> None:
    assert PATCHES == ("nest_asyncio", "nest_asyncio2")
    with pytest.raises(ValueError, match="patch must be one of"):
        run_in_child("asyncio")
    with pytest.raises(ValueError, match="patch must be one of"):
        kernel_like_run("nest_asyncio3")
    usage = subprocess.run(
        [sys.executable, "-m", "lib.demos.nested_loops"], capture_output=True, text=True, timeout=60
    )
    assert usage.returncode == 1 and "usage: python -m lib.demos.nested_loops" in usage.stderr
