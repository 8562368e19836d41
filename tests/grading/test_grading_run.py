"""`python -m grading` on a class of hostile submissions: each gets what it earned.

One grading run (two kernels at once) over the submissions of ``hostile.py``, all built from
chapter 3, the chapter that grades fastest: the full edition passes everything, the student
edition is "not attempted", and each broken or hostile one gets its marks and a reason.
Learner cells get 3 s here (the default is 60 s), so the infinite loops cost little.
"""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import nbformat
import psutil
import pytest

from grading.chapters import book_chapters
from grading.checks import Limits, grade
from grading.submissions import read_submission
from tests.grading.hostile import FAKE_PROBE, REAL_CHECKER, SUBMISSIONS, student, write_submissions
from tests.plugins.notebooks import ROOT

pytestmark = pytest.mark.system  # make test-system, not make test

COLUMNS = ["3.1 collect_all", "3.2 SafeAccount", "3.3 process_all"]
OPTIONS = ["--cell-timeout", "3", "--notebook-timeout", "60", "--max-mb", "2", "--jobs", "2"]
OPTIONS += ["--sandbox", "off"]  # as without bubblewrap; test_grading_sandbox.py runs with it


def digests(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("class")
    submissions, out = root / "submissions", root / "grades"
    write_submissions(submissions)
    before, checker = digests(submissions), REAL_CHECKER.read_bytes()
    started = time.monotonic()
    finished = subprocess.run(
        [sys.executable, "-m", "grading", str(submissions), "--out", str(out), *OPTIONS],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=ROOT,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
        check=False,
    )
    with (out / "grades.csv").open(encoding="utf-8") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    return {
        "finished": finished,
        "seconds": time.monotonic() - started,
        "rows": rows,
        "root": root,
        "out": out,
        "untouched": digests(submissions) == before and REAL_CHECKER.read_bytes() == checker,
    }


def test_every_submission_gets_one_row_and_one_page(graded: dict[str, Any]) -> None:
    finished = graded["finished"]
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert f"graded {len(SUBMISSIONS)} submission(s)" in finished.stdout
    assert sorted(graded["rows"]) == sorted(SUBMISSIONS)
    pages = sorted(path.name for path in (graded["out"] / "feedback").iterdir())
    assert pages == sorted(name.removesuffix(".ipynb") + ".md" for name in SUBMISSIONS)


@pytest.mark.parametrize("name", sorted(SUBMISSIONS))
def test_each_submission_gets_the_marks_it_earned_and_a_reason(
    graded: dict[str, Any], name: str
) -> None:
    _, statuses, reason = SUBMISSIONS[name]
    row = graded["rows"][name]
    if name == "03_threading.ipynb":  # chapter 1's notebook under chapter 3's name
        assert row["chapter"] == "01_why_concurrency"
        assert [row[column] for column in COLUMNS] == ["", "", ""]
    elif statuses:
        assert row["chapter"] == "03_threading"
        assert [row[column] for column in COLUMNS] == statuses, row["reason"]
    else:
        assert row["chapter"] == "" and row["out_of"] == "0"
    assert row["total"] == str(statuses.count("passed"))
    for words in (reason,) if isinstance(reason, str) else reason:
        assert words in row["reason"], row["reason"]
    assert (row["flagged"] == "yes") == row["reason"].startswith("FLAGGED: ")
    if "failed" in statuses:
        assert row["reason"], "every failure has a reason"


def test_feedback_pages_carry_each_checks_result_and_hint(graded: dict[str, Any]) -> None:
    feedback = graded["out"] / "feedback"
    full = (feedback / "full.md").read_text(encoding="utf-8")
    assert "**3 of 3** exercises passed" in full and "- ✓ " in full
    edited = (feedback / "edited_checks.md").read_text(encoding="utf-8")
    assert "- ✗ " in edited and "catch the exception" in edited
    assert "Not graded: not a notebook" in (feedback / "invalid.md").read_text(encoding="utf-8")


def test_nothing_is_written_outside_the_output_folder_or_left_running(
    graded: dict[str, Any],
) -> None:
    assert graded["untouched"], "a submission, or the book's own lib, was changed"
    assert sorted(path.name for path in graded["out"].iterdir()) == ["feedback", "grades.csv"]
    assert sorted(path.name for path in graded["root"].iterdir()) == ["grades", "submissions"]
    left = []
    for process in psutil.process_iter(["cmdline"]):
        if str(graded["out"]) in " ".join(process.info["cmdline"] or []):
            left.append(process)
    assert not left, f"kernels left running: {left}"


def test_the_class_is_graded_in_bounded_time(graded: dict[str, Any]) -> None:
    # 12 kernels, two at a time, two 3 s loops: about 20 s alone; the bound allows a busy CI.
    assert graded["seconds"] < 200


@pytest.mark.parametrize("shadow", ["grading.py", "grading/probe.py"])
def test_a_students_own_grading_module_does_not_stand_in_for_the_probe(
    tmp_path: Path, shadow: str
) -> None:
    """The kernel's folder is first on its path: a ``grading`` of the student's there (a file
    they handed in beside the notebook, say) that fakes the grader's probe changes nothing."""
    folder, scratch = tmp_path / "submissions", tmp_path / "scratch"
    folder.mkdir()
    nbformat.write(student(), folder / "student.ipynb")
    submission = read_submission(folder / "student.ipynb", folder, book_chapters())
    (scratch / shadow).parent.mkdir(parents=True, exist_ok=True)
    if shadow.startswith("grading/"):
        (scratch / "grading" / "__init__.py").write_text("")
    (scratch / shadow).write_text(FAKE_PROBE, encoding="utf-8")
    result = grade(submission, scratch, Limits(cell=10, notebook=60))
    statuses = [item.status for item in result.results]
    assert statuses == ["not attempted"] * 3, (statuses, result.events, result.flagged)
    assert not result.flagged and not result.events
