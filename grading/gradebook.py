"""The gradebook: ``grades.csv``, one row per submission and one column per exercise.

Each exercise's column says ``passed``, ``failed`` or ``not attempted`` (empty where the
submission is of another chapter); ``total`` counts the passed ones out of ``out_of``;
``flagged`` says what a submission changed in ``lib`` or the checker; ``sandbox`` says whether
its kernel ran in bubblewrap, or why not (:mod:`grading.sandbox`); ``reason`` says why
anything failed: the submission's problem, what its cells did, and the first hint of each
failed exercise. With ``--student-id``, a ``student`` column after ``submission`` holds the
student's identifier (:mod:`grading.students`).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

from grading.checks import ExerciseResult, Grade
from grading.students import StudentId

__all__ = ["COLUMNS", "columns", "reasons", "write_gradebook"]

COLUMNS = ("submission", "chapter")  # then one column per exercise
TAIL = ("total", "out_of", "flagged", "sandbox", "reason")
MAX_REASON = 160  # characters of one failure's reason in the gradebook; the page has it all


def columns(grades: Sequence[Grade]) -> list[str]:
    """The exercise columns, in book order, of every chapter among ``grades``."""
    chapters = {
        grade.submission.chapter.name: grade.submission.chapter
        for grade in grades
        if grade.submission.chapter is not None
    }
    return [exercise.column for name in sorted(chapters) for exercise in chapters[name].exercises]


def _why(result: ExerciseResult, limit: int) -> str:
    if result.why:
        text = result.why
    elif result.failed:
        case, hint = result.failed[0]
        text = f"{case}: {hint}"
    else:
        return ""
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return f"{result.exercise.column}: {text}"


def reasons(grade: Grade, limit: int = MAX_REASON) -> list[str]:
    """Why the submission lost marks, one phrase each, most serious first; a failed
    exercise's phrase cut at ``limit`` characters."""
    found = []
    if grade.flagged:
        found.append(f"FLAGGED: {grade.flagged}")
    problem, note = grade.submission.problem, grade.submission.note
    found += [text for text in (problem, note) if text and text not in grade.events]
    found += grade.events
    if grade.flagged:
        return found  # every check after the change is void: the flag is the reason
    found += [
        why
        for result in grade.results
        if result.status == "failed"
        and not result.why.startswith("not checked")  # the event that stopped it is above
        and (why := _why(result, limit))
    ]
    return found


def write_gradebook(
    grades: Sequence[Grade], path: Path, students: Mapping[str, StudentId] | None = None
) -> list[str]:
    """Write ``grades`` to the CSV file ``path``; return its header.

    With ``students`` (a submission's name to its student identifier), a ``student`` column
    follows ``submission``, and a submission without one says why in its ``reason``.
    """
    exercise_columns = columns(grades)
    header = [*COLUMNS, *exercise_columns, *TAIL]
    if students is not None:
        header.insert(1, "student")
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        for grade in sorted(grades, key=lambda grade: grade.submission.name):
            chapter = grade.submission.chapter
            status = {result.exercise.column: result.status for result in grade.results}
            row = [grade.submission.name, chapter.name if chapter else ""]
            row += [status.get(column, "") for column in exercise_columns]
            out_of = len(chapter.exercises) if chapter else 0
            row += [str(grade.total), str(out_of), "yes" if grade.flagged else "", grade.sandbox]
            found = reasons(grade)
            if students is not None:
                student = students[grade.submission.name]
                row.insert(1, student.value)
                found = [student.problem, *found] if student.problem else found
            row.append("; ".join(found))
            writer.writerow(row)
    return header
