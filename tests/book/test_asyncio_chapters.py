"""The asyncio chapters run clean with asyncio's debug mode on (``PYTHONASYNCIODEBUG=1``).

Strict nbval already checks every output of these notebooks. This test runs each of them
once more, top to bottom, in a kernel of this virtualenv whose own loop (the one every cell
runs on) is in asyncio's debug mode, and checks what debug mode exists to find:

- no coroutine that was "never awaited",
- no "Task was destroyed but it is pending!" and no "Task exception was never retrieved",
- no aiohttp "Unclosed client session" or "Unclosed connector",

anywhere: neither in a cell's output nor on the kernel's own stderr (some of these messages
are logged from the event loop between cells, where no cell would show them, so the test adds
a first cell that also sends every log record and warning to the kernel's stderr, which it
captures). And no cell may raise unless it is tagged ``raises-exception``. These messages
come with or without debug mode (debug mode adds where the object was created), so the loops
that the chapters' helpers run in threads of their own, outside debug mode, are checked too.

What is accepted on purpose: debug mode also logs every step that holds the event loop for
more than 0.1 s ("Executing <Task ...> took 0.2 seconds"). The "blocking the loop" demo in
chapter 6 triggers those deliberately, and every synchronous cell (a plot, a thread pool, a
loop of blocking requests) runs as one long step of the kernel's own task, so debug mode flags
it too. Those messages are about latency, not correctness: this test does not fail on them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.plugins.notebooks import CHAPTERS, cells_that_need, chapter, read, text_of

pytestmark = pytest.mark.system  # make test-system, not make test

FORBIDDEN = [
    "was never awaited",
    "Task was destroyed but it is pending",
    "Task exception was never retrieved",
    "Unclosed client session",
    "Unclosed connector",
]

# Runs first, in the same kernel: every log record (asyncio's and aiohttp's included) and
# every warning also goes to the kernel process's real stderr, which the test captures. Then
# debug mode stays on for the kernel's own loop, which runs every cell, and no other: the
# variable is dropped, so the loops the chapter's helpers start later in threads, and the
# processes they start (servers, profilers), run as a reader's would. In debug mode a request
# costs about 5x the CPU time, and chapter 8's sweeps took half of this test's 125 s.
CAPTURE_EVERYTHING = """
import asyncio, logging, os, sys
logging.captureWarnings(True)
_to_stderr = logging.StreamHandler(sys.__stderr__)
_to_stderr.setFormatter(logging.Formatter("%(name)s %(levelname)s: %(message)s"))
logging.getLogger().addHandler(_to_stderr)
await asyncio.sleep(0)
assert asyncio.get_running_loop().get_debug(), "the kernel's loop runs in debug mode"
del os.environ["PYTHONASYNCIODEBUG"]
"""


def test_chapter_5_runs_clean_in_asyncio_debug_mode(tmp_path: Path) -> None:
    runs_clean_in_asyncio_debug_mode("06_asyncio_basics.ipynb", tmp_path)


# Chapters 7 and 8 run in test_asyncio_debug_chapter_7.py and ..._8.py: a file each goes to a
# pytest-xdist worker of its own (`--dist loadfile`).


def runs_clean_in_asyncio_debug_mode(
    name: str, tmp_path: Path, *, leave_out: Collection[str] = ()
) -> None:
    """Run chapter ``name`` in a fresh kernel with debug mode on; fail on what it finds.

    ``leave_out`` names functions whose cells are not run here, with every cell that needs
    what they computed (:func:`cells_that_need`): measurements at scale that run, thousands of
    times over, code that earlier cells run too.
    """
    notebook = read(chapter(name))
    left_out = set(cells_that_need(notebook, leave_out)) if leave_out else set()
    numbered = [(index, cell) for index, cell in enumerate(notebook.cells) if index not in left_out]
    notebook.cells = [nbformat.v4.new_code_cell(CAPTURE_EVERYTHING)] + [c for _, c in numbered]
    venv_bin = str(Path(sys.executable).parent)  # the kernel spec runs "python": this venv's
    env = {
        **os.environ,
        "PATH": venv_bin + os.pathsep + os.environ.get("PATH", ""),
        "PYTHONASYNCIODEBUG": "1",
    }
    kernel_stderr = tmp_path / "kernel-stderr.txt"
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(CHAPTERS)}},  # run in chapters/, like nbval
    )
    with kernel_stderr.open("w") as stderr:
        # An untagged cell that raises makes execute() raise CellExecutionError.
        client.execute(env=env, stderr=stderr)

    problems = []
    for index, cell in numbered:  # the index in the chapter; execute() filled in the outputs
        if cell.cell_type != "code":
            continue
        text = text_of(cell, errors=True)
        problems += [f"cell {index}: {bad!r}" for bad in FORBIDDEN if bad in text]
        errored = any(output.output_type == "error" for output in cell.outputs)
        if errored and "raises-exception" not in cell.metadata.get("tags", []):
            problems.append(f"cell {index} raised without the raises-exception tag")
    logged = kernel_stderr.read_text(encoding="utf-8", errors="replace")
    problems += [f"kernel stderr: {bad!r}" for bad in FORBIDDEN if bad in logged]
    assert not problems, "\n".join(problems)
