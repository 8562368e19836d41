"""`make test` leaves the whole-system tests out, for time; `make test-system` runs them, and so
does every place that runs the suite (CI, the GitHub workflow, `make test-versions`).

A test marked `system` that no command runs would be a test that can never fail: these checks
keep the two halves joined.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def recipe(target: str) -> str:
    """The lines of ``target``'s recipe in the Makefile (the part for a Python on this host)."""
    text = (ROOT / "Makefile").read_text()
    found = re.findall(rf"^{re.escape(target)}:[^\n]*\n((?:\t[^\n]*\n)+)", text, flags=re.M)
    assert found, f"no recipe for {target} in the Makefile"
    return found[-1]


def test_make_test_leaves_the_system_tests_out_and_test_system_runs_them() -> None:
    assert '-m "not system"' in recipe("test")
    assert "-m system" in recipe("test-system")


def test_ci_the_workflow_and_test_versions_run_the_system_tests() -> None:
    assert re.search(
        r"^\s*env BOOK_REQUIRE_SANDBOX=1 make test-system$", (ROOT / ".ci/run").read_text(), re.M
    )
    assert "make test-system" in (ROOT / ".github/workflows/test.yml").read_text()
    assert "test-system:$(v)" in recipe("test-versions")


def test_the_system_tests_are_the_slow_whole_system_ones() -> None:
    """The files marked `system` hold the browser, the reader's download and the class's
    grading, and the marker is registered (pytest runs with --strict-markers)."""
    marked = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "tests").rglob("test_*.py")
        if re.search(r"^pytestmark = pytest\.mark\.system\b", path.read_text(), re.M)
    }
    assert {
        "tests/book/test_browser.py",
        "tests/book/test_reader_download.py",
        "tests/grading/test_grading_run.py",
    } <= marked
    assert "tests/tooling/test_system_split.py" not in marked
    assert '"system: ' in (ROOT / "pyproject.toml").read_text()
