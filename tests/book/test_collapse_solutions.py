"""scripts/collapse_solutions.py: solution cells collapsed, nothing else touched, twice is once."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

from tests.plugins.notebooks import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from collapse_solutions import LEAD, collapse_file, is_collapsed, main


def write_notebook(path: Path) -> None:
    starter = nbformat.v4.new_code_cell("answer = ...", metadata={"tags": ["starter"]})
    solution = nbformat.v4.new_code_cell(
        "answer = 42",
        metadata={"tags": ["solution"], "jupyter": {"outputs_hidden": False}},
        execution_count=2,
        outputs=[nbformat.v4.new_output("stream", text="42\n")],
    )
    marker = nbformat.v4.new_markdown_cell("```{solution-end}\n```", metadata={"tags": []})
    nbformat.write(nbformat.v4.new_notebook(cells=[starter, solution, marker]), path)


def test_collapses_only_solution_cells_and_keeps_everything_else(tmp_path: Path) -> None:
    path = tmp_path / "chapter.ipynb"
    write_notebook(path)
    before = nbformat.read(path, as_version=4)

    assert collapse_file(path) == 1
    after = nbformat.read(path, as_version=4)
    starter, solution, marker = after.cells
    assert is_collapsed(solution)
    assert solution.metadata["jupyter"] == {"outputs_hidden": False, "source_hidden": True}
    assert not is_collapsed(starter) and not is_collapsed(marker)
    assert solution.source == f"{LEAD}\nanswer = 42", "the collapsed bar shows a comment"
    assert starter.source == "answer = ..." and marker.source == before.cells[2].source
    for old, new in zip(before.cells, after.cells, strict=True):
        assert (old.get("outputs"), old.get("execution_count")) == (
            new.get("outputs"),
            new.get("execution_count"),
        )


def test_a_second_run_leaves_the_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "chapter.ipynb"
    write_notebook(path)
    assert main([str(path)]) == 0
    written = path.read_bytes()
    path.touch()
    stamp = path.stat().st_mtime_ns
    assert main([str(path)]) == 0
    assert collapse_file(path) == 0
    assert path.read_bytes() == written and path.stat().st_mtime_ns == stamp, "rewritten"


def test_refuses_what_is_not_a_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a notebook", encoding="utf-8")
    assert main([str(text)]) == 2
    assert "not a notebook" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not a notebook"):
        collapse_file(tmp_path / "missing.ipynb")
