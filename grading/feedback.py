"""One Markdown page per submission: each exercise's result, and each check's hint.

The page is what a teacher hands back: the chapter, the marks, then per exercise every case
that passed and every case that failed with its hint (the same words the check prints in the
notebook), and what else happened (an error, a cell that ran too long, a flag).
"""

from __future__ import annotations

import re
from pathlib import Path

from grading.checks import Grade
from grading.gradebook import reasons

__all__ = ["feedback_page", "page_name", "write_feedback"]

MARK = {"passed": "✓", "failed": "✗", "not attempted": "–"}


def page_name(submission_name: str) -> str:
    """A file name for a submission's page: its path, folders joined with ``__``, ``.md``."""
    stem = submission_name.removesuffix(".ipynb").replace("/", "__")
    return re.sub(r"[^\w.\-]", "_", stem) + ".md"


def feedback_page(grade: Grade) -> str:
    """The Markdown text of a submission's feedback page."""
    submission, chapter = grade.submission, grade.submission.chapter
    lines = [f"# Feedback on `{submission.name}`", ""]
    if chapter is None:
        lines += [f"Not graded: {submission.problem}.", ""]
        return "\n".join(lines)
    lines += [
        f"Chapter {chapter.number} ({chapter.name}): **{grade.total} of "
        f"{len(chapter.exercises)}** exercises passed.",
        "",
    ]
    notes = reasons(grade)
    if notes:
        lines += ["What happened on the way:", ""]
        lines += [f"- {note}" for note in notes]
        lines.append("")
    for result in grade.results:
        exercise = result.exercise
        title = result.title or f"Exercise {exercise.column}"
        lines += [f"## {MARK.get(result.status, '')} {title}: {result.status}", ""]
        if result.status == "not attempted":
            lines += ["The starter code is still there: replace it with your answer.", ""]
        if result.why:
            lines += [result.why, ""]
        lines += [f"- ✓ {case}" for case in result.passed]
        lines += [f"- ✗ {case}: {hint}" for case, hint in result.failed]
        if result.passed or result.failed:
            lines.append("")
    return "\n".join(lines)


def write_feedback(grade: Grade, folder: Path) -> Path:
    """Write the page of ``grade`` into ``folder``; return its path."""
    path = folder / page_name(grade.submission.name)
    path.write_text(feedback_page(grade), encoding="utf-8")
    return path
