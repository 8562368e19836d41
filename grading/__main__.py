"""Grade a folder of submitted chapter notebooks: ``python -m grading SUBMISSIONS``.

Writes ``grades.csv`` and one feedback page per submission (``feedback/*.md``) into
``--out`` (default ``_build/grades``), and nothing anywhere else: each submission's kernel
works in a scratch folder under ``--out``, removed when its grading ends. Submissions are
graded in parallel, one kernel per usable core, with a progress bar. The exercises and their
checks come from the book's chapters: its ``chapters/`` folder, or ``--chapters DIR``.

Each kernel runs in a sandbox (:mod:`grading.sandbox`) where bubblewrap works (``--sandbox
auto``, the default); ``--sandbox on`` refuses to grade without one, ``off`` never uses it.
``--scheduler tcp://host:8786`` grades on a Dask cluster instead (:mod:`grading.cluster`).
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from tqdm import tqdm  # type: ignore[import-untyped]

from grading.chapters import BOOK_CHAPTERS, book_chapters
from grading.checks import Grade, Limits, grade
from grading.cluster import grade_on_cluster
from grading.feedback import write_feedback
from grading.kernel import Kernel
from grading.lms import FORMATS, OUTPUTS, write_gradebooks
from grading.pristine import LIB, lib_changes, pristine_lib
from grading.probe import pristine_source
from grading.sandbox import Sandbox, SandboxLimits, find_sandbox
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
    parser.add_argument(
        "--scheduler", metavar="ADDRESS", help="grade on this Dask cluster (tcp://host:8786)"
    )
    box = parser.add_argument_group("sandbox", "each kernel in bubblewrap (Linux)")
    box.add_argument("--sandbox", choices=("auto", "on", "off"), default="auto")
    box.add_argument("--memory-mb", type=int, default=SandboxLimits.memory_mb, metavar="MB")
    box.add_argument("--processes", type=int, default=SandboxLimits.processes, metavar="N")
    box.add_argument("--disk-mb", type=int, default=SandboxLimits.disk_mb, metavar="MB")
    args = parser.parse_args(argv)
    if min(args.jobs, args.cell_timeout, args.notebook_timeout, args.check_timeout) <= 0:
        parser.error("--jobs and every --...-timeout must be positive")
    if min(args.memory_mb, args.processes, args.disk_mb) <= 0:
        parser.error("--memory-mb, --processes and --disk-mb must be positive")
    try:
        args.student_id = student_pattern(args.student_id)
    except ValueError as error:
        parser.error(f"--student-id: {error}")
    return args


def choose_sandbox(args: argparse.Namespace) -> tuple[Sandbox | None, str]:
    """The sandbox to grade in, and what the gradebook says of it: "bubblewrap", or why none.

    Raises:
        RuntimeError: with ``--sandbox on``, where no sandbox can be made.
    """
    if args.sandbox == "off":
        return None, "none: turned off (--sandbox off)"
    limits = SandboxLimits(memory_mb=args.memory_mb, processes=args.processes, disk_mb=args.disk_mb)
    sandbox, why = find_sandbox(limits)
    if sandbox is None and args.sandbox == "on":
        raise RuntimeError(f"--sandbox on, and {why}")
    return sandbox, "bubblewrap" if sandbox is not None else why.replace("no sandbox: ", "none: ")


def _grade_one(
    submission: Submission, scratch: Path, limits: Limits, sandbox: tuple[Sandbox | None, str]
) -> Grade:
    scratch.mkdir(parents=True)
    try:
        result = grade(submission, scratch, limits, sandbox[0])
    except Exception as error:  # a bug of the grader's: this row says so, the others go on
        result = Grade(submission, events=[f"not graded: the grader failed ({error!r})"])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    result.sandbox = sandbox[1]
    return result


def _grade_here(
    submissions: list[Submission],
    work: Path,
    limits: Limits,
    sandbox: tuple[Sandbox | None, str],
    jobs: int,
    bar: Any,
) -> list[Grade]:
    """Grade on this machine, ``jobs`` kernels at once."""
    if sandbox[0] is None:
        print(
            f"warning: {sandbox[1].replace('none: ', 'no sandbox: ')}; kernels run with "
            "your own rights",
            file=sys.stderr,
        )
    grades: list[Grade] = []
    pool = ThreadPoolExecutor(
        max_workers=min(jobs, max(1, len(submissions))), thread_name_prefix="grade"
    )
    try:
        futures = [
            pool.submit(_grade_one, submission, work / str(index), limits, sandbox)
            for index, submission in enumerate(submissions)
        ]
        for future in as_completed(futures):
            grades.append(future.result())
            bar.update()
    except KeyboardInterrupt:  # stop every kernel now, rather than wait for their limits
        pool.shutdown(wait=False, cancel_futures=True)
        Kernel.kill_all()
        raise
    finally:
        pool.shutdown(wait=True)
        shutil.rmtree(work, ignore_errors=True)
    return grades


def grade_folder(args: argparse.Namespace) -> list[Grade]:
    """Grade every submission under ``args.submissions``; write the gradebook and pages.

    Raises:
        NotADirectoryError: if the submissions folder, or ``args.chapters``, does not exist.
        FileNotFoundError: if ``args.chapters`` holds no chapter with exercises to grade.
        FileExistsError: if ``args.out`` holds files that are not an earlier run's.
        RuntimeError: with ``--sandbox on``, where no sandbox can be made.
        OSError, TimeoutError: with ``--scheduler``, if the cluster cannot be reached, or
            does not grade (no workers).
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
    bar = tqdm(total=len(submissions), unit="notebook", disable=args.quiet or None, file=sys.stderr)
    with bar:
        if args.scheduler:
            box = SandboxLimits(
                memory_mb=args.memory_mb, processes=args.processes, disk_mb=args.disk_mb
            )
            grades = grade_on_cluster(
                args.scheduler, submissions, limits, args.sandbox, box, lambda _: bar.update()
            )
        else:
            grades = _grade_here(submissions, work, limits, choose_sandbox(args), args.jobs, bar)
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
    except (OSError, RuntimeError) as error:  # FileNotFoundError, TimeoutError and others
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: every kernel was stopped, and no gradebook written", file=sys.stderr)
        return 130
    seconds = time.monotonic() - started
    jobs = min(args.jobs, max(1, len(grades)))
    bound = math.ceil(len(grades) / jobs) * (args.notebook_timeout + 30)
    flagged = sum(bool(result.flagged) for result in grades)
    where = (
        f"on the cluster at {args.scheduler}"
        if args.scheduler
        else f"with {jobs} kernel(s) at once"
    )
    sandboxes = "; ".join(sorted({result.sandbox for result in grades if result.sandbox}))
    print(
        f"graded {len(grades)} submission(s) in {seconds:.1f} s {where} "
        f"(at most about {bound:.0f} s: {args.notebook_timeout:g} s per notebook); "
        f"{flagged} flagged; sandbox: {sandboxes or 'none'}"
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
