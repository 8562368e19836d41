"""Chapter 7 runs clean with asyncio's debug mode on: see test_asyncio_chapters.py.

A file of its own, so that pytest-xdist (``--dist loadfile``) runs it beside the other
chapters' runs and not after them. The whole chapter runs: its measurements at scale (the
loop sweep, the collector's batches of ten thousand) are chapter 8's, and that chapter's run
(test_asyncio_debug_chapter_8.py) leaves them out.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.book.test_asyncio_chapters import runs_clean_in_asyncio_debug_mode

pytestmark = pytest.mark.system  # make test-system, not make test

NAME = "07_asyncio_coordination.ipynb"


def test_chapter_7_runs_clean_in_asyncio_debug_mode(tmp_path: Path) -> None:
    runs_clean_in_asyncio_debug_mode(NAME, tmp_path)
