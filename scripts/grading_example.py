"""The teacher's page's example of grading: real submissions, graded by the real grader.

Usage: python scripts/grading_example.py                      the example, as markdown, on stdout
       python scripts/grading_example.py --write teachers.md  written between the page's markers
       python scripts/grading_example.py --check teachers.md  exit 1 if the page's copy is stale

Three students hand in chapter 3, a folder each: ``ada`` the full edition (every exercise
solved), ``zoë`` the student edition (nothing attempted), ``alan`` the full edition with a
wrong answer to exercise 3.1 (a mistake of ``tests/exercises/mistakes/ch03_threading.md``).
They are graded once by the grader itself (``grading.__main__``'s ``grade_folder``, what
``python -m grading`` runs: a fresh kernel each, about 3 s), and the example shows the Canvas
and Moodle gradebooks written from that grading and alan's feedback page. Nothing in it
depends on the machine: no times, no paths but the submissions' own. The grading takes a few
seconds, so ``tests/grading/test_grading_lms.py`` only reads the page's copy back; ``--check``
grades again, for whoever changes the grader or chapter 3.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]

from make_student import student_notebook  # noqa: E402

from grading.__main__ import grade_folder, parse_args  # noqa: E402
from grading.lms import write_gradebooks  # noqa: E402
from grading.pristine import pristine_lib  # noqa: E402

__all__ = ["BEGIN", "END", "example", "gradebooks", "main", "with_example"]

BEGIN, END = "<!-- grading-example: begin -->", "<!-- grading-example: end -->"
CHAPTER = ROOT / "chapters" / "03_threading.ipynb"
PATTERN = "^([^/]+)/"
WRONG = """\
def collect_all(fn, items, max_workers):
    with ThreadPoolExecutor(max_workers) as pool:
        futures = {pool.submit(fn, item): item for item in items}
        return {futures[f]: f.result() for f in as_completed(futures)}, {}"""
CAPTION = re.compile(r"`([\w/.]+\.csv)`:\n\n```text\n(.*?)```$", re.MULTILINE | re.DOTALL)


def write_submissions(folder: Path) -> None:
    """The three students' notebooks, ``NAME/03_threading.ipynb``, into ``folder``."""
    full = nbformat.read(CHAPTER, as_version=4)  # type: ignore[no-untyped-call]
    wrong = nbformat.read(CHAPTER, as_version=4)  # type: ignore[no-untyped-call]
    solutions = [cell for cell in wrong.cells if "solution" in cell.metadata.get("tags", [])]
    solutions[0].source = WRONG
    student = student_notebook(nbformat.read(CHAPTER, as_version=4))  # type: ignore[no-untyped-call]
    for name, notebook in (("ada", full), ("zoë", student), ("alan", wrong)):
        (folder / name).mkdir(parents=True)
        nbformat.write(notebook, folder / name / CHAPTER.name)  # type: ignore[no-untyped-call]


def example() -> str:
    """Grade the three submissions, and say what the teacher gets, in markdown."""
    with tempfile.TemporaryDirectory(prefix="grading-example-") as temporary:
        submissions, out = Path(temporary) / "submissions", Path(temporary) / "grades"
        write_submissions(submissions)
        argv = [str(submissions), "--out", str(out), "--quiet"]
        args = parse_args([*argv, "--format", "canvas", "--student-id", PATTERN])
        pristine_lib()  # as python -m grading does: lib as it is before any kernel starts
        with contextlib.redirect_stderr(io.StringIO()):  # its notes name the scratch folder
            grades = grade_folder(args)
        canvas = (out / "canvas.csv").read_text(encoding="utf-8")
        write_gradebooks(grades, out, "moodle", args.student_id)
        moodle = (out / "moodle" / "03_threading.csv").read_text(encoding="utf-8")
        page = (out / "feedback" / "alan__03_threading.md").read_text(encoding="utf-8")
        if temporary in canvas + moodle + page:
            raise RuntimeError("the example holds a path of this machine")
    return f"""\
Three students hand in chapter 3, a folder each: `ada/03_threading.ipynb` solves every
exercise (the full edition), `zoë/03_threading.ipynb` is the student edition as handed out,
and `alan/03_threading.ipynb` has a wrong answer to exercise 3.1. Graded with

```bash
make grade SUBMISSIONS=submissions GRADE_OPTIONS="--format canvas --student-id '{PATTERN}'"
```

the grader writes, beside `grades.csv` and the feedback pages, a row per student for Canvas,
`canvas.csv`:

```text
{canvas}```

and, with `--format moodle`, one file per chapter, `moodle/03_threading.csv`:

```text
{moodle}```

Alan's feedback page, `feedback/alan__03_threading.md`:

````markdown
{page.rstrip()}
````
"""


def gradebooks(page: str) -> dict[str, str]:
    """The gradebooks in ``page``'s example, by file name (``canvas.csv``, ...).

    Raises:
        ValueError: if the page has no example between its markers.
    """
    start, stop = page.find(BEGIN), page.find(END)
    if start < 0 or stop < start:
        raise ValueError(f"the page has no {BEGIN} ... {END} markers")
    return dict(CAPTION.findall(page[start:stop]))


def with_example(page: str, block: str) -> str:
    """``page`` with ``block`` between its markers.

    Raises:
        ValueError: if the page has no markers.
    """
    start, stop = page.find(BEGIN), page.find(END)
    if start < 0 or stop < start:
        raise ValueError(f"the page has no {BEGIN} ... {END} markers")
    return page[: start + len(BEGIN)] + "\n" + block + page[stop:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", type=Path, help="write the example into this page")
    group.add_argument("--check", type=Path, help="grade again; fail if this page's is stale")
    args = parser.parse_args(argv)
    current = example()
    if args.write is None and args.check is None:
        print(current, end="")
        return 0
    path = args.write or args.check
    page = path.read_text(encoding="utf-8")
    updated = with_example(page, current)
    if args.check is not None:
        if updated != page:
            print(f"{path}: the grading example is stale; run --write", file=sys.stderr)
            return 1
        return 0
    path.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
