"""Gradebooks a learning platform imports: ``--format canvas`` or ``--format moodle``.

``grades.csv`` (:mod:`grading.gradebook`) is always written, a row per submission; a platform's
file is written beside it, a row per *student* (their identifier, :mod:`grading.students`) and
one graded item per chapter. A student's mark for a chapter is their best submission of it
that was not flagged: a flagged one gets no mark here (grades.csv has it, to read first). A
submission of no chapter (one that could not be graded) is in grades.csv only, and so is one
whose name gave no identifier, but for the row Canvas gets for it (below). The command prints
what the platform's file leaves out, a line each.

**Canvas**, ``canvas.csv``, for Grades > Import (Canvas Instructor Guide, "How do I import
grades in the Gradebook?"; what it reads, as its ``app/models/gradebook_importer.rb`` does:
the header's first columns, a row whose first cell says Points Possible). The columns
``Student, ID, SIS User ID, SIS Login ID, Section``, then one assignment per chapter, named as
grades.csv's ``chapter`` (``03_threading``), and a ``Points Possible`` row: the chapter's
exercises. A cell holds the exercises passed; an empty one changes nothing in Canvas. Canvas
finds the student by ``ID`` (its own user ID), else ``SIS User ID``, else ``SIS Login ID``,
else the ``Student`` name: the identifier goes in the column its kind names (``canvas_id``,
``sis_user_id``; a plain ``id`` is taken for the login), and ``Student`` repeats it.
``Section`` is left empty (Canvas does not read it to find a student). A submission with no
identifier gets a row named after its file, with no ID, so Canvas asks who it is. What
Canvas asks of every import: which student each unknown row is, and whether each chapter is
a new assignment or one of the course's (a column named as an assignment is matched).
Canvas imports no comments: the feedback pages are handed back separately.

**Moodle**, ``moodle/<chapter>.csv``, one per chapter, for Grades > Import > CSV file (Moodle
Docs, "Grade import"; what it reads, as ``grade/import/csv/classes/load_data.php`` does). The
columns ``Student``, the identifier, to map onto a user field
("Identify user by": Map from ``Student``, Map to username, email address or ID number, as the
identifier is); ``<chapter>``, the grade, to map onto the chapter's grade item (or a new one);
and ``<chapter> feedback``, to map onto that item's feedback: the marks and what went wrong,
in words. The grade is the share of the chapter's exercises passed, 0 to 100: a new grade
item's maximum grade is Moodle's default, 100. A file per chapter, and only the students with
a mark in it, because Moodle reads an empty grade as "no grade" (it would clear a mark given
before), stops the whole import at a row whose user it cannot find, and gives a row with an
empty identifier to the user of the row before.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grading.chapters import Chapter
from grading.checks import Grade
from grading.gradebook import reasons, write_gradebook
from grading.students import StudentId, student_id

__all__ = [
    "CANVAS_COLUMNS",
    "FORMATS",
    "OUTPUTS",
    "POINTS_POSSIBLE",
    "Mark",
    "Student",
    "canvas_rows",
    "moodle_rows",
    "percent",
    "read_canvas",
    "read_moodle",
    "students",
    "write_gradebooks",
]

FORMATS = ("csv", "canvas", "moodle")
OUTPUTS = ("canvas.csv", "moodle")  # what the platform formats write beside grades.csv
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_ID_COLUMN = {"canvas_id": 1, "sis_user_id": 2, "sis_login_id": 3, "id": 3}
POINTS_POSSIBLE = "Points Possible"
# Canvas reads a header like these as its own totals, and "Title (123)" as assignment 123.
CANVAS_RESERVED = re.compile(r"(Current|Final|Override|Unposted) |\(\d+\)\s*$")
MOODLE_ID = "Student"
FEEDBACK_REASON = 1000  # characters of one failure's reason in Moodle's feedback


@dataclass
class Mark:
    """A student's chapter: every submission of it, and the one that counts (None if all
    were flagged)."""

    chapter: Chapter
    names: list[str] = field(default_factory=list)
    grade: Grade | None = None


@dataclass
class Student:
    """One student's identifier, a label (the identifier, else the file's name), and marks."""

    id: StudentId
    label: str
    marks: dict[str, Mark] = field(default_factory=dict)


def students(grades: Iterable[Grade], ids: dict[str, StudentId]) -> list[Student]:
    """The students of ``grades`` (``ids`` maps each submission to its identifier), each
    with their chapters; those without an identifier last, one per submission."""
    found: dict[str, Student] = {}
    for grade in sorted(grades, key=lambda grade: grade.submission.name):
        name, chapter = grade.submission.name, grade.submission.chapter
        sid = ids[name]
        student = found.setdefault(sid.value or f"\0{name}", Student(sid, sid.value or name))
        if chapter is None:
            continue
        mark = student.marks.setdefault(chapter.name, Mark(chapter))
        mark.names.append(name)
        if not grade.flagged and (mark.grade is None or grade.total > mark.grade.total):
            mark.grade = grade
    return sorted(found.values(), key=lambda s: (not s.id.value, s.label.casefold(), s.label))


def _chapters(roll: Sequence[Student]) -> list[Chapter]:
    chapters = {name: mark.chapter for student in roll for name, mark in student.marks.items()}
    return [chapters[name] for name in sorted(chapters)]


def canvas_rows(roll: Sequence[Student]) -> list[list[str]]:
    """Canvas's gradebook: its header, the Points Possible row, a row per student."""
    chapters = _chapters(roll)
    rows = [[*CANVAS_COLUMNS, *(chapter.name for chapter in chapters)]]
    rows.append([POINTS_POSSIBLE, "", "", "", "", *(str(len(c.exercises)) for c in chapters)])
    for student in roll:
        if not student.marks:
            continue
        row = [student.label, "", "", "", ""]
        if student.id.value:
            row[CANVAS_ID_COLUMN[student.id.kind]] = student.id.value
        for chapter in chapters:
            mark = student.marks.get(chapter.name)
            row.append(str(mark.grade.total) if mark and mark.grade else "")
        rows.append(row)
    return rows


def percent(passed: int, out_of: int) -> str:
    """``passed`` of ``out_of`` as a share out of 100, to two decimals, without trailing 0s."""
    return f"{100 * passed / out_of:.2f}".rstrip("0").rstrip(".")


def _feedback(mark: Mark, grade: Grade) -> str:
    text = f"{grade.total} of {len(mark.chapter.exercises)} exercises passed"
    untouched = sum(result.status == "not attempted" for result in grade.results)
    text += f", {untouched} not attempted." if untouched else "."
    if len(mark.names) > 1:
        text += f" The best of {len(mark.names)} submissions counts: {grade.submission.name}."
    if notes := reasons(grade, limit=FEEDBACK_REASON):
        text += " " + "; ".join(notes)
    return " ".join(text.split())


def moodle_rows(roll: Sequence[Student], chapter: Chapter) -> list[list[str]]:
    """Moodle's gradebook of one chapter: the identifier, the grade, the feedback."""
    rows = [[MOODLE_ID, chapter.name, f"{chapter.name} feedback"]]
    for student in roll:
        mark = student.marks.get(chapter.name)
        if student.id.value and mark and mark.grade:
            out_of = len(chapter.exercises)
            score = percent(mark.grade.total, out_of)
            rows.append([student.id.value, score, _feedback(mark, mark.grade)])
    return rows


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows(rows)


def _notes(fmt: str, roll: Sequence[Student], grades: Sequence[Grade]) -> list[str]:
    where = "canvas.csv" if fmt == "canvas" else "the Moodle files"
    unnamed = [s.label for s in roll if not s.id.value and s.marks]
    flagged = [g.submission.name for g in grades if g.flagged]
    ungraded = [g.submission.name for g in grades if g.submission.chapter is None]
    twice = [f"{s.label} ({n})" for s in roll for n, m in s.marks.items() if len(m.names) > 1]
    notes = []
    if unnamed and fmt == "canvas":
        notes.append(f"no student id, so Canvas will ask who each is: {', '.join(unnamed)}")
    elif unnamed:
        notes.append(f"no student id, so left out of {where}: {', '.join(unnamed)}")
    if flagged:
        notes.append(f"flagged, so no mark in {where} (read them first): {', '.join(flagged)}")
    if ungraded:
        notes.append(f"not graded, so not in {where}: {', '.join(ungraded)}")
    if twice:
        notes.append(f"handed in more than once, the best counts: {', '.join(twice)}")
    return notes


def write_gradebooks(
    grades: Sequence[Grade], out: Path, fmt: str = "csv", pattern: re.Pattern[str] | None = None
) -> list[str]:
    """Write ``grades.csv`` into ``out``, and the gradebook of ``fmt`` (one of
    :data:`FORMATS`) beside it, the submissions' students found by ``pattern``; remove an
    earlier run's platform files. Return what the teacher should know, a line each.

    Raises:
        ValueError: if ``fmt`` is not one of :data:`FORMATS`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"no gradebook format {fmt!r}: one of {', '.join(FORMATS)}")
    ids = {grade.submission.name: student_id(grade.submission.name, pattern) for grade in grades}
    write_gradebook(grades, out / "grades.csv", ids if pattern is not None else None)
    (out / "canvas.csv").unlink(missing_ok=True)
    shutil.rmtree(out / "moodle", ignore_errors=True)
    if fmt == "csv":
        return []
    roll = students(grades, ids)
    if fmt == "canvas":
        _write(out / "canvas.csv", canvas_rows(roll))
        written = [out / "canvas.csv"]
    else:
        (out / "moodle").mkdir()
        written = [out / "moodle" / f"{chapter.name}.csv" for chapter in _chapters(roll)]
        for chapter, path in zip(_chapters(roll), written, strict=True):
            _write(path, moodle_rows(roll, chapter))
    shown = ", ".join(str(path) for path in written) or "none: no submission had a mark"
    return [f"{fmt} gradebook: {shown}", *_notes(fmt, roll, grades)]


def _table(text: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError("an empty file")
    if any(len(row) != len(rows[0]) for row in rows):
        raise ValueError("rows of different lengths")
    return rows


def _number(cell: str, top: float, where: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise ValueError(f"{where}: {cell!r} is not a number") from None
    if not 0 <= value <= top:
        raise ValueError(f"{where}: {cell} is outside 0 to {top:g}")
    return value


def read_canvas(text: str) -> tuple[dict[str, float], list[dict[str, str]]]:
    """The assignments (each with its points possible) and the student rows of a Canvas
    gradebook, checked as Canvas's importer reads it.

    Raises:
        ValueError: if Canvas would not read it so: its student columns, an assignment
            Canvas would take for one of its totals or ids, a missing Points Possible row, a
            row that names no student, or a mark that is not a number within the points.
    """
    header, *rows = _table(text)
    if tuple(header[: len(CANVAS_COLUMNS)]) != CANVAS_COLUMNS:
        raise ValueError(f"the first columns are not {', '.join(CANVAS_COLUMNS)}")
    names = header[len(CANVAS_COLUMNS) :]
    if bad := [name for name in names if CANVAS_RESERVED.search(name) or not name.strip()]:
        raise ValueError(f"Canvas would not read these as assignments: {bad}")
    if not rows or POINTS_POSSIBLE not in rows[0][0]:
        raise ValueError(f"the row after the header is not {POINTS_POSSIBLE!r}")
    points = rows[0][len(CANVAS_COLUMNS) :]
    possible = {name: _number(cell, 1e9, name) for name, cell in zip(names, points, strict=True)}
    found = []
    for row in rows[1:]:
        record = dict(zip(header, row, strict=True))
        if not any(record[column] for column in CANVAS_COLUMNS[:4]):
            raise ValueError(f"a row names no student: {row}")
        for name in names:
            if record[name]:
                _number(record[name], possible[name], f"{record['Student']}, {name}")
        found.append(record)
    return possible, found


def read_moodle(text: str) -> list[dict[str, str]]:
    """The rows of one chapter's Moodle gradebook, checked as Moodle's importer reads it.

    Raises:
        ValueError: if Moodle would not read it so: not an identifier, a grade and a
            feedback column; an empty or repeated identifier; a grade that is not 0 to 100.
    """
    header, *rows = _table(text)
    if len(header) != 3 or header[0] != MOODLE_ID or header[2] != f"{header[1]} feedback":
        raise ValueError(f"the columns are not {MOODLE_ID}, CHAPTER, CHAPTER feedback")
    found = [dict(zip(header, row, strict=True)) for row in rows]
    ids = [record[MOODLE_ID].strip() for record in found]
    if "" in ids or len(set(ids)) != len(ids):
        raise ValueError("an empty or repeated student identifier")
    for record in found:
        _number(record[header[1]], 100, record[MOODLE_ID])
    return found
