"""How long each chapter is: words of prose, cells, exercises, and a sitting's estimated time.

Usage: python scripts/chapter_sizes.py                    the table, as markdown, on stdout
       python scripts/chapter_sizes.py --write teachers.md  the table written between its markers
       python scripts/chapter_sizes.py --check teachers.md  exit 1 if the page's table is stale

A chapter is meant for one sitting: about 4,500 words of prose at most (``MAX_WORDS``; the
words of its markdown cells, code blocks left out) and 30 s to run (``make bench`` times each
chapter's run; ``tests/book/test_chapter_sizes.py`` holds the words). Its teaching cells, the
code cells that are not an exercise's (starter, solution, check) or the set-up for Colab, are
short: nine in ten of them ``MAX_CELL_P90`` lines or fewer, none over ``MAX_CELL_LINES``.

The time a teacher plans for a chapter is an estimate, and it says how it is made: reading the
prose at ``WORDS_PER_MINUTE``, ``MINUTES_PER_CELL`` for each code cell run and looked at, and
``MINUTES_PER_EXERCISE`` for each exercise, rounded up to five minutes. It is not measured on
students; a class that has not met Python's ``with`` or ``async def`` takes longer.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Size", "cell_rule_breaks", "chapter_size", "main", "prose_words", "table"]

ROOT = Path(__file__).resolve().parent.parent
MAX_WORDS = 4500
WORDS_PER_MINUTE = 150
MINUTES_PER_CELL = 0.25
MINUTES_PER_EXERCISE = 10
MAX_CELL_P90 = 20
MAX_CELL_LINES = 30
NOT_TEACHING = {"starter", "solution", "check", "colab-setup"}  # cell tags
BEGIN, END = "<!-- chapter-sizes: begin -->", "<!-- chapter-sizes: end -->"
FENCE = re.compile(r"^(`{3,}|~{3,}).*?^\1\s*$", flags=re.MULTILINE | re.DOTALL)
# The YAML block that opens a chapter's first cell (scripts/number_exercises.py): not prose.
FRONT_MATTER = re.compile(r"\A---[ \t]*\n.*?^---[ \t]*$", flags=re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Size:
    """One chapter's size."""

    name: str  # "03_threading"
    title: str
    words: int
    code_cells: int
    exercises: int
    teaching_lines: tuple[int, ...] = ()  # the lines of each teaching cell, in order

    @property
    def p90_lines(self) -> int:
        """The 90th percentile of the teaching cells' lines (nearest rank); 0 without any."""
        ranked = sorted(self.teaching_lines)
        return ranked[math.ceil(0.9 * len(ranked)) - 1] if ranked else 0

    @property
    def minutes(self) -> int:
        """The estimated sitting, in minutes, rounded up to a multiple of five."""
        raw = self.words / WORDS_PER_MINUTE + self.code_cells * MINUTES_PER_CELL
        raw += self.exercises * MINUTES_PER_EXERCISE
        return 5 * math.ceil(raw / 5)


def prose_words(markdown: str) -> int:
    """Words in a markdown cell, front matter, code blocks and MyST directive options left
    out."""
    text = FENCE.sub("", FRONT_MATTER.sub("", markdown, count=1))
    text = re.sub(r"^:[\w-]+:.*$", "", text, flags=re.MULTILINE)
    return len(text.split())


def chapter_size(path: Path) -> Size:
    """The size of one chapter notebook.

    Raises:
        OSError: if the file cannot be read.
        ValueError: if it is not a notebook (invalid JSON, no cells).
    """
    notebook = json.loads(path.read_text(encoding="utf-8"))
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        raise ValueError(f"{path}: not a notebook (no cells)")
    words, code, exercises, title = 0, 0, 0, path.stem
    teaching: list[int] = []
    for cell in cells:
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown":
            words += prose_words(source)
            if title == path.stem and (first := re.search(r"^# (.+)$", source, re.MULTILINE)):
                title = first.group(1).strip()
        elif cell.get("cell_type") == "code":
            code += 1
            tags = set(cell.get("metadata", {}).get("tags", []))
            exercises += "check" in tags
            if not tags & NOT_TEACHING:
                teaching.append(len(source.strip().splitlines()))
    return Size(path.stem, title, words, code, exercises, tuple(teaching))


def cell_rule_breaks(size: Size) -> list[str]:
    """What breaks the rule on teaching cells' length in one chapter; empty when nothing does."""
    breaks = []
    if size.p90_lines > MAX_CELL_P90:
        breaks.append(
            f"nine in ten teaching cells reach {size.p90_lines} lines (at most {MAX_CELL_P90})"
        )
    longest = max(size.teaching_lines, default=0)
    if longest > MAX_CELL_LINES:
        where = size.teaching_lines.index(longest) + 1
        breaks.append(f"teaching cell {where} has {longest} lines (at most {MAX_CELL_LINES})")
    return breaks


def table(chapters: Path = ROOT / "chapters") -> str:
    """The markdown table of every chapter's size and estimated sitting."""
    rows = [
        "| chapter | words of prose | code cells | exercises | about |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    sizes = [chapter_size(path) for path in sorted(chapters.glob("[0-9][0-9]_*.ipynb"))]
    for size in sizes:
        number = int(size.name[:2])
        rows.append(
            f"| {number}. {size.title} | {size.words:,} | {size.code_cells} | "
            f"{size.exercises} | {size.minutes} min |"
        )
    total = sum(size.minutes for size in sizes)
    rows.append(f"| all {len(sizes)} chapters | | | | {total // 60} h {total % 60:02d} min |")
    return "\n".join(rows) + "\n"


def with_table(page: str, new_table: str) -> str:
    """The page with the text between its markers replaced by the table.

    Raises:
        ValueError: if the page lacks the markers.
    """
    start, stop = page.find(BEGIN), page.find(END)
    if start < 0 or stop < start:
        raise ValueError(f"the page has no {BEGIN} ... {END} markers")
    return page[: start + len(BEGIN)] + "\n" + new_table + page[stop:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", type=Path, help="write the table into this page")
    group.add_argument("--check", type=Path, help="fail if this page's table is stale")
    args = parser.parse_args(argv)
    current = table()
    if args.write is None and args.check is None:
        print(current, end="")
        return 0
    page_path = args.write or args.check
    page = page_path.read_text(encoding="utf-8")
    updated = with_table(page, current)
    if args.check is not None:
        if updated != page:
            print(f"{page_path}: the chapter table is stale; run --write", file=sys.stderr)
            return 1
        return 0
    page_path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
