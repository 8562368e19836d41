"""Chapter 8 runs clean with asyncio's debug mode on: see test_asyncio_chapters.py.

A file of its own, so that pytest-xdist (``--dist loadfile``) runs it beside the other
chapters' runs and not after them.

The chapter's big measurement is left out of this run, with the cells that use what it
measured (``cells_that_need``); chapter 8's nbval run executes it, its output compared: the
loop sweep (``sweep``, some 12,000 requests on each event loop, and on asyncio's loop the
collector's second batch of ten thousand) runs its own loops in a thread, outside debug mode
(this test's first cell turns it off for every loop but the kernel's), and
tests/lib/test_demos_loop_sweep.py checks it on small batches. The batches of 1,000 on the
kernel's loop, a few cells before it, run here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.book.test_asyncio_chapters import runs_clean_in_asyncio_debug_mode
from tests.plugins.notebooks import cells_that_need, chapter, read, tags

pytestmark = pytest.mark.system  # make test-system, not make test

NAME = "08_asyncio_at_scale.ipynb"
MEASUREMENTS = ("sweep",)  # run by nbval, not in debug mode here


def test_chapter_8_runs_clean_in_asyncio_debug_mode(tmp_path: Path) -> None:
    runs_clean_in_asyncio_debug_mode(NAME, tmp_path, leave_out=MEASUREMENTS)


def test_only_the_measurements_are_left_out() -> None:
    """What the debug-mode run skips is the two measurements and what reads their results:
    no exercise, no cell that must raise, and not the last cell, which closes the clients.
    The chapter is mostly its measurements, so they may be up to a third of its code cells."""
    notebook = read(chapter(NAME))
    left_out = cells_that_need(notebook, MEASUREMENTS)
    code = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    assert 2 <= len(left_out) <= len(code) // 3, left_out
    assert not any(tags(notebook.cells[index]) for index in left_out), "a tagged cell"
    cleanup = next(i for i in code if "await resources.aclose()" in notebook.cells[i].source)
    assert cleanup not in left_out and cleanup > max(left_out)
