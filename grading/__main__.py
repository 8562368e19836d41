"""Grade a folder of submitted chapter notebooks: ``python -m grading SUBMISSIONS``.

Writes ``grades.csv`` and one feedback page per submission (``feedback/*.md``) into
``--out`` (default ``_build/grades``), and nothing anywhere else: each submission's kernel
works in a scratch folder under ``--out``, removed when its grading ends. Submissions are
graded in parallel, one kernel per usable core, with a progress bar. The exercises and their
checks come from the book's chapters: its ``chapters/`` folder, or ``--chapters DIR``.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from tqdm import tqdm  # type: ignore[import-untyped]

from grading.chapters import BOOK_CHAPTERS, book_chapters
from grading.checks import Grade, Limits, grade
from grading.feedback import write_feedback
from grading.kernel import LIB, Kernel, lib_changes, pristine_lib
from grading.lms import FORMATS, OUTPUTS, write_gradebooks
from grading.probe import pristine_source
from grading.students import student_pattern
from grading.submissions import MAX_BYTES, Submission, find_submissions, read_submission
from lib.measure.cores import usable_cpus

__all__ = ["grade_folder", "main", "parse_args"]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__)
    parser.add_argument("submissions", type=Path, help="a folder of submitted .ipynb files")
    parser.add_argument("--out", type=Path, default=Path("_build/grades"))
    parser.add_argument("--jobs", type=int, default=usable_cpus(), help="kernels at once")
    parser.add_argument("--cell-timeout", type=float, default=Limits.cell, metavar="SECONDS")
    parser.add_argument(
        "--notebook-timeout", type=float, default=Limits.notebook, metavar="SECONDS"
    )
    parser.add_argument("--check-timeout", type=float, default=Limits.check, metavar="SECONDS")
    parser.add_argument(
        "--whole", action="store_true", help="run every cell, the chapter's demos too"
    )
    parser.add_argument("--max-mb", type=float, default=MAX_BYTES / 2**20)
    parser.add_argument(
        "--chapters",
        type=Path,
        default=BOOK_CHAPTERS,
        metavar="DIR",
        help="the book's chapter notebooks to grade against (default: %(default)s)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument(
        "--format", choices=FORMATS, default="csv", help="a platform's gradebook too (teachers.md)"
    )
    parser.add_argument(
        "--student-id",
        metavar="REGEX",
        help="the student's identifier in a file's path: its one group, or (?P<id>...)",
    )
    args = parser.parse_args(argv)
    if min(args.jobs, args.cell_timeout, args.notebook_timeout, args.check_timeout) <= 0:
        parser.error("--jobs and every --...-timeout must be positive")
    try:
        args.student_id = student_pattern(args.student_id)
    except ValueError as error:
        parser.error(f"--student-id: {error}")
    return args


def _grade_one(submission: Submission, scratch: Path, limits: Limits) -> Grade:
    scratch.mkdir(parents=True)
    try:
        return grade(submission, scratch, limits)
    except Exception as error:  # a bug of the grader's: this row says so, the others go on
        return Grade(submission, events=[f"not graded: the grader failed ({error!r})"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def grade_folder(args: argparse.Namespace) -> list[Grade]:
    """Grade every submission under ``args.submissions``; write the gradebook and pages.

    Raises:
        NotADirectoryError: if the submissions folder, or ``args.chapters``, does not exist.
        FileNotFoundError: if ``args.chapters`` holds no chapter with exercises to grade.
        FileExistsError: if ``args.out`` holds files that are not an earlier run's.
    """
    chapters = book_chapters(args.chapters)
    out: Path = args.out
    paths = find_submissions(args.submissions, skip=out)
    ours = {"grades.csv", "feedback", ".work", *OUTPUTS}
    if out.exists() and not {path.name for path in out.iterdir()} <= ours:
        raise FileExistsError(f"{out} holds other files: give --out an empty or a new folder")
    feedback = out / "feedback"
    shutil.rmtree(feedback, ignore_errors=True)  # pages of an earlier run would mislead
    feedback.mkdir(parents=True)
    work = out / ".work"
    shutil.rmtree(work, ignore_errors=True)
    limits = Limits(
        cell=args.cell_timeout,
        notebook=args.notebook_timeout,
        check=args.check_timeout,
        whole=args.whole,
    )
    max_bytes = int(args.max_mb * 2**20)
    submissions = [read_submission(path, args.submissions, chapters, max_bytes) for path in paths]
    grades: list[Grade] = []
    jobs = min(args.jobs, max(1, len(submissions)))
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="grade")
    try:
        futures = [
            pool.submit(_grade_one, submission, work / str(index), limits)
            for index, submission in enumerate(submissions)
        ]
        bar = tqdm(
            as_completed(futures),
            total=len(futures),
            unit="notebook",
            disable=args.quiet or None,
            file=sys.stderr,
        )
        for future in bar:
            grades.append(future.result())
    except KeyboardInterrupt:  # stop every kernel now, rather than wait for their limits
        pool.shutdown(wait=False, cancel_futures=True)
        Kernel.kill_all()
        raise
    finally:
        pool.shutdown(wait=True)
        shutil.rmtree(work, ignore_errors=True)
    for result in grades:
        write_feedback(result, feedback)
    for line in write_gradebooks(grades, out, args.format, args.student_id):
        print(line, file=sys.stderr)
    return grades


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    pristine_lib()  # lib as it is now: every kernel gets a copy of this, whatever happens to lib
    try:
        grades = grade_folder(args)
    except (NotADirectoryError, FileNotFoundError, FileExistsError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: every kernel was stopped, and no gradebook written", file=sys.stderr)
        return 130
    seconds = time.monotonic() - started
    jobs = min(args.jobs, max(1, len(grades)))
    bound = math.ceil(len(grades) / jobs) * (args.notebook_timeout + 30)
    flagged = sum(bool(result.flagged) for result in grades)
    print(
        f"graded {len(grades)} submission(s) in {seconds:.1f} s with {jobs} kernel(s) at once "
        f"(at most about {bound:.0f} s: {args.notebook_timeout:g} s per notebook); "
        f"{flagged} flagged"
    )
    changed = lib_changes(LIB)
    probe = Path(__file__).with_name("probe.py")
    if not probe.is_file() or probe.read_text(encoding="utf-8") != pristine_source():
        changed.append("grading/probe.py")
    if changed:
        print(
            "warning: the book's own files changed on disk while grading "
            f"({', '.join(changed[:5])}): if nobody edited them, a submission did; "
            "see `git status`",
            file=sys.stderr,
        )
    print(f"gradebook: {args.out / 'grades.csv'}")
    print(f"feedback:  {args.out / 'feedback'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
