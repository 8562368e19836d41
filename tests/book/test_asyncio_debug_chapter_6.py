"""Chapter 6 runs clean with asyncio's debug mode on: see test_asyncio_chapters.py.

A file of its own, so that pytest-xdist (``--dist loadfile``) runs it beside chapter 5's run
and not after it: in debug mode it is the suite's longest test.
"""

from __future__ import annotations

from pathlib import Path

from tests.book.test_asyncio_chapters import runs_clean_in_asyncio_debug_mode


def test_chapter_6_runs_clean_in_asyncio_debug_mode(tmp_path: Path) -> None:
    runs_clean_in_asyncio_debug_mode("06_asyncio_coordination.ipynb", tmp_path)
