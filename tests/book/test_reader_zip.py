"""The runnable book's zip, as a reader without a clone gets it from the site's home page.

Unpacked into an empty folder, its Makefile sets up a virtual environment from scratch and
re-runs a chapter with nbval (``make test-notebooks NB=...``), with pip limited to the wheels
``make test`` collected and no index, so nothing comes from the internet.

Its readers are learners: neither the zip nor the helpers' wheel holds the teachers' grader
(``grading/``), and the zip's ``make grade`` says at once that it needs a clone.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.plugins.book_build import package_checkout, reader_environment, wheelhouse

pytestmark = pytest.mark.system  # make test-system, not make test

# Chapter 3 runs in the downloaded-chapter test; this one is short and starts a child process.
CHAPTER = "chapters/12_correct_asyncio.ipynb"


def unpack(archive: Path, folder: Path) -> Path:
    """Unpack as a reader would (``unzip``, which keeps the files' modes, when there is one)."""
    if shutil.which("unzip"):
        subprocess.run(["unzip", "-q", str(archive), "-d", str(folder)], check=True, timeout=120)
    else:
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(folder)
    (top,) = folder.iterdir()
    return top


def test_the_zip_holds_what_make_lab_needs_and_nothing_of_this_machine(tmp_path: Path) -> None:
    archive = package_checkout(tmp_path / "pack")
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
    top = {name.split("/")[0] for name in names}
    assert top == {"concurrency-in-python"}, "one folder, named for the book"
    inside = {name.split("/", 1)[1] for name in names}
    for needed in ("Makefile", "requirements.txt", "pyproject.toml", "README.md", CHAPTER):
        assert needed in inside
    assert "lib/__init__.py" in inside and "jupyterlab-settings/overrides.json" in inside
    junk = [
        name for name in inside if "__pycache__" in name or name.startswith((".venv", "_build"))
    ]
    assert not junk, f"files of this machine in the zip: {junk[:5]}"


def test_neither_the_zip_nor_the_helpers_wheel_holds_the_grader(tmp_path: Path) -> None:
    archive = package_checkout(tmp_path / "pack")
    source = tmp_path / "pack" / "src"
    assert (source / "grading" / "probe.py").is_file(), "the checkout's copy has the grader"
    with zipfile.ZipFile(archive) as opened:
        inside = [name.split("/", 1)[1] for name in opened.namelist()]
    assert not [name for name in inside if "grading" in name], "the zip is for readers"
    # The wheel the site serves, and one pip builds from the whole checkout (pyproject's
    # packages): lib and its metadata only.
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path / "wheels"), str(source)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-3000:]
    wheels = [*(source / "_build" / "run").glob("*.whl"), *(tmp_path / "wheels").glob("*.whl")]
    assert len(wheels) == 2
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as opened:
            tops = {name.split("/")[0] for name in opened.namelist()}
        assert {top for top in tops if not top.endswith(".dist-info")} == {"lib"}, wheel.name
    book = unpack(archive, tmp_path / "reader")
    refused = subprocess.run(
        ["make", "grade", "SUBMISSIONS=class"], cwd=book, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert refused.returncode == 2 and "in a clone of the book's repository" in refused.stderr
    assert not (book / ".venv").exists(), "make grade stops before setting anything up"


def test_the_unpacked_zip_sets_up_and_runs_a_chapter(tmp_path: Path) -> None:
    wheels = wheelhouse()
    book = unpack(package_checkout(tmp_path / "pack"), tmp_path / "reader")
    base = Path(getattr(sys, "_base_executable", sys.executable))
    ran = subprocess.run(
        ["make", "test-notebooks", f"NB={CHAPTER}", f"PYTHON={base}"],
        cwd=book, env=reader_environment(tmp_path / "home", wheels),
        capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert "passed" in ran.stdout.splitlines()[-1], ran.stdout[-2000:]
    environ = reader_environment(tmp_path / "home", wheels)
    book_only = subprocess.run(
        ["make", "test", f"PYTHON={base}"], cwd=book, env=environ,
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert book_only.returncode != 0 and "needs a clone" in book_only.stdout, book_only.stdout
