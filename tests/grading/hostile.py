"""A class's worth of submissions, built from the book's chapter 3, most of them hostile.

Chapter 3 is the chapter whose exercises grade fastest (about 2 s a kernel). Each builder
takes a fresh copy of the full chapter (or of its student edition) and changes what a
student might: ``SUBMISSIONS`` maps a file name to its builder and to what its row must say.
Two pairs of mishaps share a notebook (a loop and a huge output; deleted check cells and
``sys.exit``), which saves two kernels.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nbformat

from tests.plugins.notebooks import ROOT, chapter, read, tags

sys.path.insert(0, str(ROOT / "scripts"))
from make_student import student_notebook

__all__ = ["FAKE_PROBE", "SUBMISSIONS", "write_submissions"]

CHAPTER = chapter("03_threading.ipynb")
REAL_CHECKER = (ROOT / "lib" / "exercises" / "ch03_threading" / "collect_all.py").resolve()


def full() -> Any:
    return read(CHAPTER)


def student() -> Any:
    return student_notebook(read(CHAPTER))


def indexes(notebook: Any, tag: str) -> list[int]:
    return [index for index, cell in enumerate(notebook.cells) if tag in tags(cell)]


def after(notebook: Any, tag: str, number: int, source: str) -> Any:
    """``notebook`` with a code cell of ``source`` after its ``number``-th ``tag`` cell."""
    notebook.cells.insert(indexes(notebook, tag)[number] + 1, nbformat.v4.new_code_cell(source))
    return notebook


def misnamed() -> Any:
    return student_notebook(read(chapter("01_why_concurrency.ipynb")))


def not_a_chapter() -> Any:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# My holiday"), nbformat.v4.new_code_cell("1")]
    return notebook


def too_big() -> Any:
    notebook = full()
    output = nbformat.v4.new_output("stream", name="stdout", text="x" * 3 * 2**20)
    notebook.cells[indexes(notebook, "solution")[0]].outputs = [output]
    return notebook


def no_checks() -> Any:
    notebook = full()
    notebook.cells = [cell for cell in notebook.cells if "check" not in tags(cell)]
    return notebook


def edited_checks() -> Any:
    notebook = full()
    wrong = "def collect_all(fn, items, max_workers):\n    return {}, {}"
    notebook.cells[indexes(notebook, "solution")[0]].source = wrong
    notebook.cells[indexes(notebook, "check")[0]].source = 'print("All 5 checks passed.")'
    return notebook


PATCH_CHECKER = """\
import lib.exercises.ch03_threading as checks
from lib.exercises._harness.feedback import Feedback


def passing(*answers):
    return Feedback("Exercise 3.x", passed_cases=["everything"])


for name in ("check_collect_all", "check_safe_account", "check_process_all"):
    setattr(checks, name, passing)"""

PATCH_LIB = """\
from lib.exercises._harness import feedback


def every_case_passes(self, *exception):
    self._feedback.passed_cases.append(self._description)
    return True


feedback._Case.__exit__ = every_case_passes"""

PATCH_WHEN_CALLED = """\
def collect_all(fn, items, max_workers):
    from lib.exercises._harness import feedback

    feedback._Case.__exit__ = lambda case, *exception: True
    return {}, {}"""

EDIT_ON_DISK = f"""\
import pathlib

import lib.exercises.ch03_threading.collect_all as checker

path = pathlib.Path(checker.__file__).resolve()
if path != pathlib.Path({str(REAL_CHECKER)!r}):  # never the book's own file
    path.write_text(path.read_text() + "\\n# every check passes now\\n")"""

# A probe that passes every check and reports nothing changed: what a student would put where
# the kernel might import the grader's probe from (its own folder, first on its path).
FAKE_PROBE = """\
from IPython.display import display

MIME = "application/vnd.concurrency-book.grade+json"


def start(nonce, modules):
    display({MIME: {"nonce": nonce, "fingerprint": {}, "digest": "fake"}}, raw=True)


def report(nonce, baseline):
    display({MIME: {"nonce": nonce, "state": {"digest": baseline}}}, raw=True)


def run_check(nonce, baseline, module, check, answers):
    result = {"missing": [], "title": "faked", "passed": ["everything"], "failed": []}
    state = {"digest": baseline}
    display({MIME: {"nonce": nonce, "result": result, "before": state, "after": state}}, raw=True)
"""

SHADOW_PROBE = f"""\
import importlib
import pathlib
import sys

pathlib.Path("grading").mkdir(exist_ok=True)
pathlib.Path("grading/__init__.py").write_text("")
pathlib.Path("grading/probe.py").write_text({FAKE_PROBE!r})
for name in [name for name in sys.modules if name.split(".")[0] == "grading"]:
    del sys.modules[name]
importlib.invalidate_caches()"""

LOOP = "while True:\n    pass"
HUGE_OUTPUT = "for _ in range(50):\n    print('x' * 100_000)"
STUBBORN_LOOP = """\
import signal
import time

signal.signal(signal.SIGINT, signal.SIG_IGN)  # deaf to the grader's interrupt
while True:
    time.sleep(1)"""

# name: (builder, what its row must say: exercise statuses, and words in the reason)
Expected = tuple[Callable[[], Any] | str, list[str], str | tuple[str, ...]]
SUBMISSIONS: dict[str, Expected] = {
    "full.ipynb": (full, ["passed"] * 3, ""),
    "student.ipynb": (student, ["not attempted"] * 3, ""),
    "03_threading.ipynb": (misnamed, ["not attempted"] * 3, "it holds chapter 1"),
    "invalid.ipynb": ('{"cells": [', [], "invalid JSON"),
    "not_a_chapter.ipynb": (not_a_chapter, [], "not a chapter of this book"),
    "too_big.ipynb": (too_big, [], "too big to grade"),
    "loop_and_huge_output.ipynb": (
        lambda: after(after(full(), "solution", 0, LOOP), "solution", 1, HUGE_OUTPUT),
        ["passed"] * 3,
        ("interrupted", "printed 5.0 MB"),
    ),
    "stubborn_loop.ipynb": (
        lambda: after(full(), "solution", 1, STUBBORN_LOOP),
        ["passed", "failed", "failed"],
        "ignored the interrupt",
    ),
    "no_checks_and_sys_exit.ipynb": (
        lambda: after(no_checks(), "solution", 0, "import sys\n\nsys.exit('done')"),
        ["passed"] * 3,
        "raised SystemExit: done",
    ),
    "os_exit.ipynb": (
        lambda: after(full(), "solution", 1, "import os\n\nos._exit(0)"),
        ["passed", "failed", "failed"],
        "the kernel died",
    ),
    "edited_checks.ipynb": (edited_checks, ["failed", "passed", "passed"], "3.1 collect_all: "),
    "patch_checker.ipynb": (
        lambda: after(student(), "starter", 0, PATCH_CHECKER),
        ["failed"] * 3,
        "FLAGGED: changed lib.exercises.ch03_threading.check_collect_all",
    ),
    "patch_lib.ipynb": (
        lambda: after(student(), "starter", 0, PATCH_LIB),
        ["failed"] * 3,
        "FLAGGED: changed lib.exercises._harness.feedback._Case.__exit__",
    ),
    "patch_when_called.ipynb": (
        lambda: after(full(), "solution", 0, PATCH_WHEN_CALLED),
        ["failed"] * 3,
        "in the check of 3.1",
    ),
    "shadow_probe.ipynb": (
        lambda: after(student(), "starter", 0, SHADOW_PROBE),
        ["failed"] * 3,
        "FLAGGED: changed grading.probe",
    ),
    "edit_on_disk.ipynb": (
        lambda: after(student(), "starter", 0, EDIT_ON_DISK),
        ["failed"] * 3,
        "FLAGGED: edited lib/exercises/ch03_threading/collect_all.py on disk",
    ),
}


def write_submissions(folder: Path) -> None:
    """Write every submission of ``SUBMISSIONS`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (build, _, _) in SUBMISSIONS.items():
        if isinstance(build, str):
            (folder / name).write_text(build, encoding="utf-8")
        else:
            nbformat.write(build(), folder / name)
