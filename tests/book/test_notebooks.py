"""House rules for the committed notebooks, checked without running them (nbval runs them)."""

from __future__ import annotations

import base64
import re
import socket
import sys
from pathlib import Path

import pytest

from lib.charts.alt import png_description
from lib.measure.claims import NOTE_MARK
from tests.plugins.notebooks import ROOT, chapters, code_cells, read

sys.path.insert(0, str(ROOT / "scripts"))
from number_exercises import chapter_number, enumerator

NOTEBOOKS = chapters()
# Paths of this machine that must never reach a reader: home directories, temp and work
# folders, and the interpreter's install location that tracebacks would show.
MACHINE_PATH = re.compile(r"/root/|/home/\w|/work/|/tmp/|~/|\.pyenv|site-packages|C:\\\\Users")


def test_there_are_chapters() -> None:
    assert NOTEBOOKS, "no notebooks found in chapters/"


def test_table_of_contents_lists_every_chapter() -> None:
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    listed = re.findall(r"file:\s*chapters/(\S+)", toc)
    assert listed == [path.stem for path in NOTEBOOKS], "_toc.yml and chapters/ disagree"


def test_nbval_kernel_runs_this_interpreter() -> None:
    # conftest.py compares a cell tagged output-varies-by-python only when the notebook was
    # recorded with this interpreter's version; that holds only if the kernel is this one.
    from jupyter_client import KernelManager

    command = KernelManager(kernel_name="python3").format_kernel_cmd()
    assert Path(command[0]).resolve() == Path(sys.executable).resolve()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_version_tag_only_where_output_is_about_the_interpreter(path: Path) -> None:
    # The tag turns off output checks on other versions: it is no escape hatch for cells
    # whose output merely happens to change.
    about_the_interpreter = re.compile(r"\bdis\.|sys\.version_info|gil_status|interpreter_pool")
    for cell in code_cells(read(path)):
        if "output-varies-by-python" in cell["metadata"].get("tags", []):
            source = "".join(cell["source"])
            assert about_the_interpreter.search(source), f"tagged, yet not about Python:\n{source}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_committed_with_fresh_outputs(path: Path) -> None:
    cells = code_cells(read(path))
    unexecuted = [i for i, cell in enumerate(cells) if cell.get("execution_count") is None]
    assert not unexecuted, f"code cells {unexecuted} were never run: re-execute the notebook"
    counts = [cell["execution_count"] for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), "outputs come from one top-to-bottom run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_follows_the_chapter_skeleton(path: Path) -> None:
    headings = [
        line
        for cell in read(path)["cells"]
        if cell["cell_type"] == "markdown"
        for line in "".join(cell["source"]).splitlines()
        if line.startswith("#")
    ]
    assert headings and headings[0].startswith("# "), "a chapter starts with its title"
    for section in ("## What you will learn", "## Summary", "## Exercises"):
        assert section in headings, f"missing section {section!r}"
    order = [headings.index(s) for s in ("## What you will learn", "## Summary", "## Exercises")]
    assert order == sorted(order), "objectives, then summary, then exercises"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_failures_are_shown_only_where_tagged(path: Path) -> None:
    for index, cell in enumerate(code_cells(read(path))):
        raised = any(output["output_type"] == "error" for output in cell.get("outputs", []))
        tagged = "raises-exception" in cell.get("metadata", {}).get("tags", [])
        problem = "raised without the raises-exception tag" if raised else "is tagged, never raised"
        assert raised == tagged, f"code cell {index}: {problem}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_no_committed_output_carries_a_claim_note(path: Path) -> None:
    """A note that a claim was not shown (lib.measure.claims) belongs on a reader's screen: the
    committed outputs, and so the published pages, come from a run where every claim held."""
    for index, cell in enumerate(code_cells(read(path))):
        for output in cell.get("outputs", []):
            shown = output.get("text", "") + output.get("data", {}).get("text/plain", "")
            assert NOTE_MARK not in shown, f"code cell {index} carries a claim note: {shown}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_figure_has_alt_text(path: Path) -> None:
    """A screen reader reads a chart's alt text; without it the book shows a file name. The
    alt text is made from the figure's data (lib.charts.alt): the stored PNG carries it, as
    JupyterLab's output metadata does, and the HTML book takes it from the PNG
    (_ext/figure_alt.py). The browser test catches a missing one in the HTML, this one
    without building the book. A static cell alt could contradict the bars drawn: none."""
    for index, cell in enumerate(code_cells(read(path))):
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png is None:
                continue
            text = png_description(base64.b64decode("".join(png)))
            assert text, f"code cell {index}'s figure carries no Description: re-execute it"
            alt = output.get("metadata", {}).get("image/png", {}).get("alt")
            assert alt == text, f"code cell {index}'s output metadata has another alt text"
        static = cell.get("metadata", {}).get("mystnb", {}).get("image", {}).get("alt")
        assert not static, f"code cell {index} has a static alt text: lib.charts makes it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_nothing_of_this_machine_leaks(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    leak = MACHINE_PATH.search(text)
    assert leak is None, f"machine path {leak.group()!r} in {path.name}"
    hostname = socket.gethostname()
    if len(hostname) >= 4:
        assert hostname not in text, f"this machine's host name appears in {path.name}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_first_cell_installs_lib_from_where_the_build_says(path: Path) -> None:
    """The set-up cell names no address: the site's build writes its wheel's into the copy a
    reader downloads (scripts/package_book.py); every chapter has the same cell."""
    first = code_cells(read(path))[0]
    source = "".join(first["source"])
    assert "colab-setup" in first["metadata"].get("tags", [])
    assert source.count('BOOK_HELPERS = ""') == 1, "the line the site's build fills in"
    assert "http" not in source, "no address in the committed cell: it is a build input"
    assert 'find_spec("lib") is None' in source, "it must do nothing where lib is installed"
    assert not first.get("outputs"), "where lib is installed, the cell prints nothing"
    assert source == "".join(code_cells(read(NOTEBOOKS[0]))[0]["source"]), "one set-up cell"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_solutions_start_collapsed_in_jupyterlab(path: Path) -> None:
    """In JupyterLab a solution would sit open right under its starter: its cell's metadata
    collapses it (the HTML book closes it with sphinx-exercise's dropdown instead)."""
    open_cells = [
        index
        for index, cell in enumerate(code_cells(read(path)))
        if "solution" in cell["metadata"].get("tags", [])
        and (
            cell["metadata"].get("jupyter", {}).get("source_hidden") is not True
            or not "".join(cell["source"]).startswith("# ")  # the bar shows the first line
        )
    ]
    assert not open_cells, (
        f"solution code cells {open_cells} start open in JupyterLab, or their first line (what "
        "the collapsed bar shows) is not a comment: "
        f"run python scripts/collapse_solutions.py chapters/{path.name}"
    )


def test_chapter_numbers_are_the_books() -> None:
    """The HTML book numbers a chapter by its place in _toc.yml, which is the file order; the
    grader and JupyterLab number it from its file name: the two agree only without a gap."""
    numbers = [chapter_number(path) for path in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1)), "chapter files are numbered 01, 02, ..."


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_jupyterlab_numbers_exercises_as_the_book(path: Path) -> None:
    """jupyterlab-myst numbers a notebook's exercises 1, 2, ... unless the first cell's front
    matter gives the chapter's number, as the HTML book, the checkers and the grader do."""
    found = enumerator(read(path))
    assert found == f"{chapter_number(path)}.%s", (
        f"exercises would read {found!r} in JupyterLab: "
        f"run python scripts/number_exercises.py chapters/{path.name}"
    )
