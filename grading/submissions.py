"""Read a folder of submitted notebooks and say what each one is.

A submission is recognised by what it holds, not by its file name: the chapter whose markdown
cells it shares most is its chapter (students rarely touch the prose, and a renamed file is
common). What cannot be graded gets a ``problem`` instead: a file too big to be a chapter,
one that is not a notebook (invalid JSON), or a notebook of no chapter of this book.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from grading.chapters import Chapter

__all__ = ["MAX_BYTES", "Submission", "find_submissions", "read_submission"]

MAX_BYTES = 20 * 2**20  # a chapter with its outputs is well under 2 MiB
MIN_SHARED = 0.5  # the share of a chapter's markdown cells a submission must keep


@dataclass
class Submission:
    """One submitted file: its chapter and cells, or the ``problem`` that stops its grading."""

    path: Path
    name: str  # its path inside the submissions folder, which names its row and page
    chapter: Chapter | None = None
    cells: list[dict[str, Any]] | None = None
    problem: str | None = None
    note: str | None = None  # worth saying, but it does not stop grading


def find_submissions(folder: Path, skip: Path | None = None) -> list[Path]:
    """Every ``.ipynb`` under ``folder`` (checkpoints and the ``skip`` folder left out).

    Raises:
        NotADirectoryError: if ``folder`` is not a folder.
    """
    if not folder.is_dir():
        raise NotADirectoryError(f"no folder of submissions at {folder}")
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts or not path.is_file():
            continue
        if skip is not None and path.resolve().is_relative_to(skip.resolve()):
            continue
        found.append(path)
    return found


def _number_in_name(name: str) -> int | None:
    match = re.match(r"(\d{1,2})[_\- ]", Path(name).name)
    return int(match.group(1)) if match else None


def _recognise(cells: list[dict[str, Any]], chapters: dict[str, Chapter]) -> Chapter | None:
    markdown = {
        str(cell.get("source", "")).strip() for cell in cells if cell.get("cell_type") == "markdown"
    }
    best, best_share = None, 0.0
    for chapter in chapters.values():
        share = len(markdown & chapter.markdown) / max(1, len(chapter.markdown))
        if share > best_share:
            best, best_share = chapter, share
    return best if best_share >= MIN_SHARED else None


def read_submission(
    path: Path, folder: Path, chapters: dict[str, Chapter], max_bytes: int = MAX_BYTES
) -> Submission:
    """Read one submission and recognise its chapter; never raises for a bad file."""
    submission = Submission(path, path.relative_to(folder).as_posix())
    try:
        size = path.stat().st_size
        if size > max_bytes:
            submission.problem = (
                f"too big to grade: {size / 2**20:.1f} MiB, above the {max_bytes / 2**20:g} MiB "
                "limit (clear the outputs and submit again)"
            )
            return submission
        raw = path.read_text(encoding="utf-8")
        notebook = nbformat.reads(raw, as_version=4)  # type: ignore[no-untyped-call]
    except (OSError, UnicodeDecodeError) as error:
        submission.problem = f"cannot be read: {type(error).__name__}"
        return submission
    except (json.JSONDecodeError, nbformat.reader.NotJSONError) as error:
        submission.problem = f"not a notebook: invalid JSON ({str(error).splitlines()[0][:80]})"
        return submission
    except Exception as error:  # nbformat's own complaints about a malformed notebook
        submission.problem = f"not a notebook nbformat can read ({type(error).__name__})"
        return submission
    cells = [
        {
            "cell_type": str(cell.get("cell_type", "")),
            "source": str(cell.get("source", "")),
            "tags": [str(tag) for tag in cell.get("metadata", {}).get("tags", [])],
        }
        for cell in notebook.get("cells", [])
        if isinstance(cell, dict)
    ]
    chapter = _recognise(cells, chapters)
    if chapter is None:
        submission.problem = "not a chapter of this book: too little of any chapter's text"
        return submission
    submission.chapter, submission.cells = chapter, cells
    named = _number_in_name(submission.name)
    if named is not None and named != chapter.number:
        submission.note = (
            f"named like chapter {named}, but it holds chapter {chapter.number} "
            f"({chapter.name}): graded as chapter {chapter.number}"
        )
    return submission
