"""Each chapter is one sitting: its prose within the limit, and teachers.md's time table current."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from chapter_sizes import (  # noqa: E402
    MAX_WORDS,
    Size,
    cell_rule_breaks,
    chapter_size,
    main,
    prose_words,
    table,
    with_table,
)

CHAPTERS = sorted((ROOT / "chapters").glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_each_chapter_is_one_sitting_of_prose(path: Path) -> None:
    size = chapter_size(path)
    assert size.words <= MAX_WORDS, f"{path.stem}: {size.words:,} words of prose; split or tighten"
    assert size.exercises >= 3, f"{path.stem}: {size.exercises} exercises"


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_teaching_cells_are_short(path: Path) -> None:
    size = chapter_size(path)
    assert size.teaching_lines, f"{path.stem}: no teaching cells found"
    assert not cell_rule_breaks(size), f"{path.stem}: {'; '.join(cell_rule_breaks(size))}"


def test_long_teaching_cells_are_found_and_exercise_cells_left_out(tmp_path: Path) -> None:
    def cell(lines: int, *tags: str) -> dict[str, object]:
        source = "\n".join(f"x = {n}" for n in range(lines))
        return {"cell_type": "code", "metadata": {"tags": list(tags)}, "source": source}

    path = tmp_path / "01_x.ipynb"
    cells = [cell(5) for _ in range(8)] + [cell(21), cell(31), cell(80, "solution")]
    path.write_text(json.dumps({"cells": cells}))
    size = chapter_size(path)
    assert size.teaching_lines == (5,) * 8 + (21, 31)
    assert size.p90_lines == 21
    assert len(cell_rule_breaks(size)) == 2 and "cell 10 has 31 lines" in cell_rule_breaks(size)[1]
    path.write_text(json.dumps({"cells": [*cells[:-3], cell(5), cell(30)]}))
    assert cell_rule_breaks(chapter_size(path)) == []


def test_the_teachers_table_is_current() -> None:
    assert main(["--check", str(ROOT / "teachers.md")]) == 0, "run chapter_sizes.py --write"


def test_a_stale_table_is_found(tmp_path: Path) -> None:
    page = tmp_path / "teachers.md"
    page.write_text("intro\n<!-- chapter-sizes: begin -->\n| old |\n<!-- chapter-sizes: end -->\n")
    assert main(["--check", str(page)]) == 1
    assert main(["--write", str(page)]) == 0
    assert main(["--check", str(page)]) == 0
    assert table() in page.read_text()


def test_a_page_without_markers_is_refused() -> None:
    with pytest.raises(ValueError, match="markers"):
        with_table("no markers here", "| table |\n")


def test_code_blocks_and_directive_options_are_not_prose() -> None:
    cell = "Two words\n\n```python\nx = 1 + 2 + 3\n```\n\n"
    cell += ":::{note}\n:class: dropdown\nthree more words\n:::"
    assert prose_words(cell) == 2 + 1 + 3 + 1  # the ::: fences count as one word each
    assert prose_words("~~~\ncode only\n~~~") == 0


def test_front_matter_is_not_prose() -> None:
    numbering = "---\nnumbering:\n  exercise:\n    enumerator: 15.%s\n---\n"
    assert prose_words(numbering + "# Testing\n\nFour words of prose") == 2 + 4  # "#" too
    assert prose_words("Two words\n\n---\n\nthree more words\n\n---\n") == 2 + 1 + 3 + 1


def test_the_estimate_rounds_up_to_five_minutes() -> None:
    assert Size("x", "x", words=150, code_cells=4, exercises=0).minutes == 5  # 2 min
    assert Size("x", "x", words=1500, code_cells=0, exercises=1).minutes == 20  # 10 + 10
    assert Size("x", "x", words=1501, code_cells=0, exercises=1).minutes == 25


def test_a_file_that_is_not_a_notebook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "01_x.ipynb"
    path.write_text(json.dumps({"nbformat": 4}))
    with pytest.raises(ValueError, match="not a notebook"):
        chapter_size(path)
