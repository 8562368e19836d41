"""`make execute` writes a notebook back only when every claim held (scripts/execute_notebooks.py).

Each test runs a two-cell notebook in a real kernel, as `make execute` and CI's claims run do.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
import pytest

from tests.plugins.notebooks import ROOT

spec = importlib.util.spec_from_file_location(
    "execute_notebooks", ROOT / "scripts" / "execute_notebooks.py"
)
assert spec is not None and spec.loader is not None
execute_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(execute_notebooks)

pytestmark = pytest.mark.timeout(120)  # each test starts a kernel or two (one test: 180 s)

IMPORT = "from lib.measure.claims import Condition, claim"
UNMET = 'Condition(False, "at least 64 usable cores", "2 usable cores")'
CLAIMS = {
    "held": 'claim(True, "it held", evidence="2.0×")',
    "failed": 'claim(False, "it held", evidence="0.9×")',
    "unchecked": f'claim(False, "it held", evidence="1.0×", conditions=[{UNMET}])',
}


def write_notebook(path: Path, *sources: str) -> Path:
    """A notebook at ``path`` of one code cell for each source, for the python3 kernel."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nbformat.write(notebook, path)
    return path


def notebook_with(tmp_path: Path, outcome: str) -> Path:
    return write_notebook(tmp_path / f"{outcome}.ipynb", IMPORT, CLAIMS[outcome])


def outputs(path: Path) -> list[object]:
    return [cell.get("outputs", []) for cell in nbformat.read(path, as_version=4).cells]


def test_a_notebook_whose_claims_held_is_written(tmp_path: Path) -> None:
    path = notebook_with(tmp_path, "held")
    assert execute_notebooks.main([str(path)]) == 0
    [_, [shown]] = outputs(path)
    assert "✓ Shown by this run: it held" in shown["data"]["text/plain"]


def test_a_claim_that_failed_stops_the_run_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = notebook_with(tmp_path, "failed")
    assert execute_notebooks.main([str(path)]) == 1
    assert outputs(path) == [[], []], "the notebook on disk is untouched"
    assert "ClaimFailed" in capsys.readouterr().err
    assert execute_notebooks.main(["--check", str(path)]) == 1


def test_a_note_is_never_written_unless_allowed_and_does_not_fail_a_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = notebook_with(tmp_path, "unchecked")
    assert execute_notebooks.main([str(path)]) == 1
    assert outputs(path) == [[], []]
    assert "NOT written" in capsys.readouterr().err
    assert execute_notebooks.main(["--check", str(path)]) == 0
    assert outputs(path) == [[], []], "--check never writes"
    assert execute_notebooks.main(["--allow-notes", str(path)]) == 0
    assert "⚠ Not checked on this machine" in str(outputs(path))


@pytest.mark.timeout(180)
def test_a_second_attempt_is_only_for_a_failed_claim_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = notebook_with(tmp_path, "failed")
    assert execute_notebooks.main(["--check", "--attempts", "2", str(path)]) == 1
    err = capsys.readouterr().err
    assert "FAILED (run 1 of 2), running it again" in err
    assert "FAILED (run 2 of 2), not written" in err
    broken = write_notebook(tmp_path / "broken.ipynb", "1 / 0")
    assert execute_notebooks.main(["--check", "--attempts", "2", str(broken)]) == 1
    assert "run 2 of 2" not in capsys.readouterr().err, "any other error fails at once"
    with pytest.raises(SystemExit):
        execute_notebooks.main(["--attempts", "0", str(broken)])
