"""The grader's parts that need no kernel: the book's chapters as the grader reads them,
recognising a submission, the plan of what runs, the gradebook and the pages."""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest

from grading.__main__ import main, parse_args
from grading.chapters import book_chapters, check_call
from grading.checks import ExerciseResult, Grade, plan
from grading.feedback import feedback_page, page_name
from grading.gradebook import write_gradebook
from grading.submissions import Submission, find_submissions, read_submission
from tests.grading.hostile import edited_checks, full, misnamed, no_checks, student
from tests.plugins.notebooks import chapters

CHAPTERS = book_chapters()


def test_every_chapter_has_its_exercises_and_the_imports_they_need() -> None:
    assert list(CHAPTERS) == [path.stem for path in chapters()], "a chapter cannot be graded"
    for chapter in CHAPTERS.values():
        assert len(chapter.exercises) >= 3, chapter.name
        assert chapter.imports, chapter.name
        for exercise in chapter.exercises:
            assert exercise.module.startswith("lib.exercises.")
            assert exercise.check.startswith("check_") and exercise.answers
    columns = [exercise.column for exercise in CHAPTERS["03_threading"].exercises]
    assert columns == ["3.1 collect_all", "3.2 SafeAccount", "3.3 process_all"]


def test_only_an_exact_book_check_cell_counts_as_one() -> None:
    book = "from lib.exercises.ch03_threading import check_x\n\ncheck_x(answer)"
    assert check_call(book) == ("lib.exercises.ch03_threading", "check_x", ("answer",))
    patched = book + "\nimport lib\nlib.exercises = None"
    for source in (patched, 'print("All 5 checks passed.")', "check_x(answer", ""):
        assert check_call(source) is None


def submission_of(tmp_path: Path, name: str, notebook: nbformat.NotebookNode) -> Submission:
    nbformat.write(notebook, tmp_path / name)
    return read_submission(tmp_path / name, tmp_path, CHAPTERS)


def test_a_submission_is_recognised_by_its_text_not_its_name(tmp_path: Path) -> None:
    submission = submission_of(tmp_path, "03_threading.ipynb", misnamed())
    assert submission.chapter is not None and submission.chapter.name == "01_why_concurrency"
    assert submission.note and "holds chapter 1" in submission.note
    assert submission_of(tmp_path, "mine.ipynb", student()).note is None


def test_the_plan_runs_the_exercises_not_the_demos_nor_the_book_check_cells(
    tmp_path: Path,
) -> None:
    steps = plan(submission_of(tmp_path, "full.ipynb", full()))
    cells = [step.source for step in steps if step.exercise is None]
    assert not any("check_" in source for source in cells)
    assert len(cells) == 6  # each exercise's starter and solution
    checks = [index for index, step in enumerate(steps) if step.exercise is not None]
    assert checks == [2, 5, 8], "each check comes after its exercise's cells"
    edited = [step.source for step in plan(submission_of(tmp_path, "e.ipynb", edited_checks()))]
    assert 'print("All 5 checks passed.")' in edited, "an edited check cell runs as learner code"
    whole = plan(submission_of(tmp_path, "w.ipynb", full()), whole=True)
    assert len(whole) > len(steps) + 20
    assert len(plan(submission_of(tmp_path, "n.ipynb", no_checks()))) == len(steps)


def test_unreadable_files_are_named_and_skipped_folders_are_left_out(tmp_path: Path) -> None:
    (tmp_path / "bad.ipynb").write_bytes(b"\xff\xfe not text")
    (tmp_path / ".ipynb_checkpoints").mkdir()
    (tmp_path / ".ipynb_checkpoints" / "x.ipynb").write_text("{}")
    (tmp_path / "grades").mkdir()
    (tmp_path / "grades" / "y.ipynb").write_text("{}")
    assert find_submissions(tmp_path, skip=tmp_path / "grades") == [tmp_path / "bad.ipynb"]
    problem = read_submission(tmp_path / "bad.ipynb", tmp_path, CHAPTERS).problem
    assert problem and problem.startswith("cannot be read")
    with pytest.raises(NotADirectoryError):
        find_submissions(tmp_path / "absent")


def test_gradebook_has_a_column_per_exercise_and_a_reason(tmp_path: Path) -> None:
    chapter = CHAPTERS["03_threading"]
    submission = Submission(tmp_path / "a/b.ipynb", "a/b.ipynb", chapter=chapter, cells=[])
    results = [ExerciseResult(exercise, "passed") for exercise in chapter.exercises]
    results[1].status, results[1].failed = "failed", [("a case", "a hint")]
    grade = Grade(submission, results, events=["cell 3 raised ZeroDivisionError"])
    bad = Grade(Submission(tmp_path / "c.ipynb", "c.ipynb", problem="not a notebook"))
    header = write_gradebook([grade, bad], tmp_path / "grades.csv")
    assert header[2:5] == [exercise.column for exercise in chapter.exercises]
    with (tmp_path / "grades.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert rows[0]["3.2 SafeAccount"] == "failed" and rows[0]["total"] == "2"
    assert rows[0]["reason"] == "cell 3 raised ZeroDivisionError; 3.2 SafeAccount: a case: a hint"
    assert rows[1]["reason"] == "not a notebook" and rows[1]["out_of"] == "0"
    page = feedback_page(grade)
    assert "**2 of 3**" in page and "- ✗ a case: a hint" in page
    assert page_name("a/b c.ipynb") == "a__b_c.md"


def test_the_command_line_refuses_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        parse_args([str(tmp_path), "--jobs", "0"])
    assert main([str(tmp_path / "absent"), "--out", str(tmp_path / "out"), "--quiet"]) == 2
