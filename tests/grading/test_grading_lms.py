"""The gradebooks Canvas and Moodle import, and the student identifier in a file's name.

No kernel runs here: each ``Grade`` is built as the grader would return it, and each file is
read back with the checks of :func:`grading.lms.read_canvas` and :func:`read_moodle`, which
read it as the platform's importer does.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pytest

from grading.__main__ import main, parse_args
from grading.chapters import book_chapters
from grading.checks import ExerciseResult, Grade
from grading.gradebook import write_gradebook
from grading.lms import CANVAS_COLUMNS, read_canvas, read_moodle, write_gradebooks
from grading.students import student_id, student_pattern
from grading.submissions import Submission
from tests.plugins.notebooks import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from grading_example import BEGIN, END, gradebooks

CHAPTERS = book_chapters()
FOLDER = re.compile(r"^([^/]+)/")
ODD = 'Zoë "Z" O,Brien'  # a comma, quotes and a letter beyond ASCII in one identifier


def graded(name: str, passed: int, chapter: str = "03_threading", flagged: str = "") -> Grade:
    """A graded submission of ``chapter``: its first ``passed`` exercises passed, the next
    failed with a hint, the rest not attempted."""
    book = CHAPTERS[chapter]
    submission = Submission(Path(name), name, chapter=book, cells=[])
    results = [ExerciseResult(exercise, "not attempted") for exercise in book.exercises]
    for result in results[:passed]:
        result.status = "passed"
    if passed < len(results):
        results[passed].status, results[passed].failed = "failed", [("a case", "a hint")]
    return Grade(submission, results, flagged=flagged)


def unreadable(name: str) -> Grade:
    return Grade(Submission(Path(name), name, problem="not a notebook: invalid JSON"))


def rows_of(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def test_canvas_has_its_columns_a_points_row_and_a_row_per_student(tmp_path: Path) -> None:
    grades = [
        graded("ada/03_threading.ipynb", 3),
        graded("ada/04_multiprocessing.ipynb", 1, "04_multiprocessing"),
        graded("alan/03_threading.ipynb", 1),
        graded("alan/03_threading_v2.ipynb", 2),  # handed in twice: the better counts
        graded("eve/03_threading.ipynb", 3, flagged="changed lib"),
        graded("loose.ipynb", 0),  # no folder, so no identifier: Canvas will ask who it is
        unreadable("bob/03_threading.ipynb"),
    ]
    notes = write_gradebooks(grades, tmp_path, "canvas", FOLDER)
    text = (tmp_path / "canvas.csv").read_text(encoding="utf-8")
    assert text.splitlines()[:2] == [
        "Student,ID,SIS User ID,SIS Login ID,Section,03_threading,04_multiprocessing",
        "Points Possible,,,,,3,3",
    ]
    possible, rows = read_canvas(text)
    assert possible == {"03_threading": 3, "04_multiprocessing": 3}
    marks = {row["Student"]: (row["SIS Login ID"], row["03_threading"]) for row in rows}
    assert marks == {"ada": ("ada", "3"), "alan": ("alan", "2"), "eve": ("eve", "")} | {
        "loose.ipynb": ("", "0")
    }
    assert rows[0]["04_multiprocessing"] == "1" and rows[1]["04_multiprocessing"] == ""
    assert not (tmp_path / "moodle").exists() and (tmp_path / "grades.csv").is_file()
    said = "\n".join(notes)
    assert "Canvas will ask who each is: loose.ipynb" in said
    assert "flagged, so no mark in canvas.csv (read them first): eve/03_threading" in said
    assert "not graded, so not in canvas.csv: bob/03_threading.ipynb" in said
    assert "the best counts: alan (03_threading)" in said


@pytest.mark.parametrize(
    ("pattern", "column"),
    [
        (r"^(?P<canvas_id>\d+)_", "ID"),
        (r"^(?P<sis_user_id>\d+)_", "SIS User ID"),
        (r"^(?P<sis_login_id>\d+)_", "SIS Login ID"),
        (r"^(\d+)_", "SIS Login ID"),
    ],
)
def test_the_identifier_goes_in_the_canvas_column_its_group_names(
    tmp_path: Path, pattern: str, column: str
) -> None:
    write_gradebooks([graded("4711_ch3.ipynb", 1)], tmp_path, "canvas", student_pattern(pattern))
    _, [row] = read_canvas((tmp_path / "canvas.csv").read_text(encoding="utf-8"))
    assert {name: row[name] for name in CANVAS_COLUMNS} == {
        name: "4711" if name in {"Student", column} else "" for name in CANVAS_COLUMNS
    }


def test_moodle_gets_a_file_per_chapter_with_percent_and_feedback(tmp_path: Path) -> None:
    (tmp_path / "canvas.csv").write_text("an earlier run's")
    grades = [
        graded("ada/03_threading.ipynb", 3),
        graded("alan/03_threading.ipynb", 2),
        graded("alan/04_multiprocessing.ipynb", 0, "04_multiprocessing"),
        graded("eve/03_threading.ipynb", 3, flagged="changed lib"),
        graded("loose.ipynb", 1),
    ]
    notes = write_gradebooks(grades, tmp_path, "moodle", FOLDER)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["grades.csv", "moodle"]
    files = sorted(path.name for path in (tmp_path / "moodle").iterdir())
    assert files == ["03_threading.csv", "04_multiprocessing.csv"]
    text = (tmp_path / "moodle" / "03_threading.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == "Student,03_threading,03_threading feedback"
    rows = read_moodle(text)
    assert [(row["Student"], row["03_threading"]) for row in rows] == [
        ("ada", "100"),
        ("alan", "66.67"),
    ], "no row without an identifier, nor for a flagged submission"
    assert rows[1]["03_threading feedback"] == (
        "2 of 3 exercises passed. 3.3 process_all: a case: a hint"
    )
    other = read_moodle((tmp_path / "moodle" / "04_multiprocessing.csv").read_text("utf-8"))
    assert [(row["Student"], row["04_multiprocessing"]) for row in other] == [("alan", "0")]
    assert other[0]["04_multiprocessing feedback"].startswith(
        "0 of 3 exercises passed, 2 not attempted. 4.1 "
    )
    assert any("left out of the Moodle files: loose.ipynb" in note for note in notes)


def test_odd_names_survive_the_round_trip(tmp_path: Path) -> None:
    name = f"{ODD}/03_threading.ipynb"
    grades = [graded(name, 1), graded("plain/03_threading.ipynb", 3)]
    write_gradebooks(grades, tmp_path, "canvas", FOLDER)
    _, rows = read_canvas((tmp_path / "canvas.csv").read_text(encoding="utf-8"))
    assert [(row["SIS Login ID"], row["03_threading"]) for row in rows] == [
        ("plain", "3"),
        (ODD, "1"),
    ]
    write_gradebooks(grades, tmp_path, "moodle", FOLDER)
    rows = read_moodle((tmp_path / "moodle" / "03_threading.csv").read_text(encoding="utf-8"))
    assert {row["Student"] for row in rows} == {ODD, "plain"}
    assert [row["student"] for row in rows_of(tmp_path / "grades.csv")] == [ODD, "plain"]
    assert rows_of(tmp_path / "grades.csv")[0]["submission"] == name


def test_without_a_format_grades_csv_is_as_before_and_earlier_platform_files_go(
    tmp_path: Path,
) -> None:
    grades = [graded("b.ipynb", 2), unreadable("a.ipynb")]
    write_gradebook(grades, tmp_path / "before.csv")
    (tmp_path / "moodle").mkdir()
    (tmp_path / "canvas.csv").write_text("an earlier run's")
    assert write_gradebooks(grades, tmp_path) == []
    assert (tmp_path / "grades.csv").read_bytes() == (tmp_path / "before.csv").read_bytes()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["before.csv", "grades.csv"]
    with pytest.raises(ValueError, match="no gradebook format 'excel'"):
        write_gradebooks(grades, tmp_path, "excel")


def test_the_identifier_pattern_finds_names_and_says_when_it_does_not(tmp_path: Path) -> None:
    assert student_id("alice/03_threading.ipynb", None).value == "alice/03_threading"
    assert student_id("alice/03_threading.ipynb", FOLDER).value == "alice"
    named = student_pattern(r"(\d+)_(?P<id>[a-z]+)\.ipynb")
    assert student_id("03_bob.ipynb", named).value == "bob"
    missed = student_id("03_threading.ipynb", FOLDER)
    assert missed.value == "" and "does not match --student-id '^([^/]+)/'" in missed.problem
    grades = [graded("03_threading.ipynb", 2), graded("alice/03_threading.ipynb", 3)]
    write_gradebooks(grades, tmp_path, "csv", FOLDER)
    rows = rows_of(tmp_path / "grades.csv")
    assert [(row["student"], row["total"]) for row in rows] == [("", "2"), ("alice", "3")]
    assert rows[0]["reason"].startswith("no student id: the file name does not match")
    assert rows[1]["reason"] == ""


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("([a-z]+", "is not a regular expression"),
        ("[a-z]+", "has no group"),
        ("([a-z]+)_(\\d+)", "has 2 groups"),
        ("(?P<id>[a-z]+)_(?P<canvas_id>\\d+)", "names id and canvas_id"),
    ],
)
def test_a_bad_pattern_is_a_command_line_error(
    capsys: pytest.CaptureFixture[str], pattern: str, words: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(["submissions", "--student-id", pattern])
    assert stopped.value.code == 2
    assert f"--student-id: {pattern!r} {words}" in capsys.readouterr().err


def test_the_command_line_takes_a_format_and_rewrites_an_earlier_ones_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "submissions").mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "canvas.csv").write_text("an earlier run's")
    argv = [str(tmp_path / "submissions"), "--out", str(out), "--quiet"]
    assert main([*argv, "--format", "moodle", "--student-id", "^([^/]+)/"]) == 0
    assert sorted(path.name for path in out.iterdir()) == ["feedback", "grades.csv", "moodle"]
    assert "moodle gradebook: none" in capsys.readouterr().err
    assert parse_args(argv).format == "csv" and parse_args(argv).student_id is None
    with pytest.raises(SystemExit):
        parse_args([*argv, "--format", "excel"])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Name,ID,SIS User ID,SIS Login ID,Section,a\nPoints Possible,,,,,3\n", "first columns"),
        ("Student,ID,SIS User ID,SIS Login ID,Section,Final Score\n", "as assignments"),
        ("Student,ID,SIS User ID,SIS Login ID,Section,a\nx,,,y,,1\n", "Points Possible"),
        ("Student,ID,SIS User ID,SIS Login ID,Section,a\nPoints Possible,,,,,3\n,,,,,1\n", "no "),
        ("Student,ID,SIS User ID,SIS Login ID,Section,a\nPoints Possible,,,,,3\nx,,,,,4\n", "0 to"),
    ],
)
def test_the_canvas_reader_refuses_what_canvas_would(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        read_canvas(text)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Student,a,b\n", "the columns"),
        ("Student,a,a feedback\n,50,ok\n", "empty or repeated"),
        ("Student,a,a feedback\nx,50,ok\nx,60,ok\n", "empty or repeated"),
        ("Student,a,a feedback\nx,,ok\n", "not a number"),
        ("Student,a,a feedback\nx,101,ok\n", "outside 0 to 100"),
    ],
)
def test_the_moodle_reader_refuses_what_moodle_would(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        read_moodle(text)


def test_the_teachers_page_shows_a_real_example_that_imports() -> None:
    """The page's copy, read back; ``scripts/grading_example.py --check`` grades it again."""
    page = (ROOT / "teachers.md").read_text(encoding="utf-8")
    books = gradebooks(page)
    assert sorted(books) == ["canvas.csv", "moodle/03_threading.csv"]
    possible, rows = read_canvas(books["canvas.csv"])
    assert possible == {"03_threading": 3}
    marks = {row["SIS Login ID"]: row["03_threading"] for row in rows}
    assert marks == {"ada": "3", "alan": "2", "zoë": "0"}
    rows = read_moodle(books["moodle/03_threading.csv"])
    marks = {row["Student"]: row["03_threading"] for row in rows}
    assert marks == {"ada": "100", "alan": "66.67", "zoë": "0"}
    example = page[page.index(BEGIN) : page.index(END)]
    assert "# Feedback on `alan/03_threading.ipynb`" in example
    assert "**2 of 3** exercises passed" in example
    assert not re.search(r"/tmp|/home/|/Users/|[A-Z]:\\|\d\.\d+ ?s\b", example), "machine's"
