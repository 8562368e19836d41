"""scripts/make_starters.py: every starter is what its solution makes, and cannot drift from it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

from tests.plugins.answers import exercise, exercises
from tests.plugins.notebooks import ROOT, chapters

sys.path.insert(0, str(ROOT / "scripts"))
from make_starters import RAISE, drift, main, make_starter, update

SOLUTION = '''# One answer of many: any code that passes the check is right.
import queue

LIMIT = 3  # the answer's own


class Worker:
    """Handles items, one at a time."""

    def __init__(self, handle):
        self.items = queue.Queue(maxsize=LIMIT)

    def _run(self):
        pass

    def stop(self):
        return []


async def lines(args, *, timeout=1.0):
    """Each line, as it comes."""
    for arg in args:
        yield arg


guesses = {
    "time.sleep(1)": "I/O-bound",  # waiting
    'json.loads("[]")': "CPU-bound",
}
'''

STARTER = '''class Worker:
    """Handles items, one at a time."""

    def __init__(self, handle):
        raise NotImplementedError("replace this line with your solution")

    def stop(self):
        raise NotImplementedError("replace this line with your solution")


async def lines(args, *, timeout=1.0):
    """Each line, as it comes."""
    raise NotImplementedError("replace this line with your solution")
    yield  # makes this an async generator, as the answer must be


guesses = {
    "time.sleep(1)": ...,
    'json.loads("[]")': ...,
}'''

NAMES = ["Worker", "lines", "guesses"]


@pytest.mark.parametrize("chapter", chapters(), ids=lambda path: path.stem)
def test_every_starter_is_what_its_solution_makes(chapter: Path) -> None:
    assert update(chapter, write=False) == []


@pytest.mark.parametrize("number", [found.number for found in exercises()])
def test_every_starter_agrees_with_its_solution(number: str) -> None:
    found = exercise(number)
    assert drift(found.starter, found.solution, list(found.answers)) == []


def test_a_starter_keeps_what_the_learner_writes_and_nothing_of_the_answer() -> None:
    assert make_starter(SOLUTION, NAMES) == STARTER


@pytest.mark.parametrize(
    ("starter", "says"),
    [
        (STARTER.replace("(args, *, timeout=1.0)", "(args, timeout)"), "def lines(args, timeout)"),
        (STARTER.replace("    yield  # makes", "    # makes"), "the solution async def lines"),
        (STARTER.replace("Each line, as it comes.", "Each line."), "'Each line.'"),
        (STARTER.replace("    def stop(self):", "    def halt(self):"), "def halt(self)"),
        (STARTER.replace("async def lines", "def lines"), "the starter has def lines"),
        (STARTER.replace("    'json.loads(\"[]\")': ...,\n", ""), "a dict of 'time.sleep(1)', "),
        (STARTER.replace("guesses = {", "answers = {"), "guesses: the starter has nothing"),
    ],
)
def test_drift_names_what_differs(starter: str, says: str) -> None:
    [problem] = drift(starter, SOLUTION, NAMES)
    assert says in problem


def write_notebook(path: Path, starter: str, *, tags: tuple[str, ...] = ("starter",)) -> None:
    cells = [
        nbformat.v4.new_markdown_cell("## Exercises"),
        nbformat.v4.new_code_cell(starter, metadata={"tags": list(tags)}),
        nbformat.v4.new_code_cell(SOLUTION, metadata={"tags": ["solution"]}),
        nbformat.v4.new_code_cell(
            "from lib.exercises.ch99 import check_all\n\ncheck_all(Worker, lines, guesses)",
            metadata={"tags": ["check"]},
            outputs=[nbformat.v4.new_output("stream", text="All 3 checks passed.\n")],
        ),
    ]
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)


def test_a_drifted_starter_is_written_again_and_nothing_else_changes(tmp_path: Path) -> None:
    path = tmp_path / "99_chapter.ipynb"
    write_notebook(path, "def lines(args):\n    pass")
    before = json.loads(path.read_text(encoding="utf-8"))
    assert main(["--check", str(path)]) == 1
    assert json.loads(path.read_text(encoding="utf-8")) == before, "--check wrote"
    assert main([str(path)]) == 0
    after = json.loads(path.read_text(encoding="utf-8"))
    assert "".join(after["cells"][1]["source"]) == STARTER
    after["cells"][1]["source"] = before["cells"][1]["source"]
    assert after == before, "only the starter's source changed"
    written, stamp = path.read_bytes(), path.stat().st_mtime_ns
    assert main([str(path)]) == 0 and main(["--check", str(path)]) == 0
    assert path.read_bytes() == written and path.stat().st_mtime_ns == stamp, "rewritten"


def test_a_hand_written_starter_is_kept_but_checked(tmp_path: Path) -> None:
    path = tmp_path / "99_chapter.ipynb"
    kept = STARTER.replace(RAISE, "...  # write yours here")
    write_notebook(path, kept, tags=("starter", "hand-written"))
    assert main(["--check", str(path)]) == 0 and main([str(path)]) == 0
    assert "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][1]["source"]) == kept
    write_notebook(path, kept.replace("(self, handle)", "(self)"), tags=("starter", "hand-written"))
    assert main(["--check", str(path)]) == 1


def test_refuses_what_is_not_a_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a notebook", encoding="utf-8")
    assert main([str(text)]) == 2
    assert "not a notebook" in capsys.readouterr().err
