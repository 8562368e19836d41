"""Binder builds the book's environment from ``binder/`` (repo2docker), and it works.

repo2docker reads ``binder/runtime.txt`` for the Python version, installs
``binder/requirements.txt`` with pip from the repository's folder (after copying the whole
repository, since the file has a ``-r`` line), then runs ``binder/postBuild``. The last test
(``make test-binder``, which CI runs) does the same here, from scratch: a fresh virtual
environment, pip with no index and only the wheels ``make test`` collected
(tests/plugins/book_build.py), then the checks a Binder session depends on.
"""

from __future__ import annotations

import os
import re
import subprocess
import venv
from pathlib import Path

import pytest

from tests.plugins.book_build import copy_checkout, reader_environment, wheelhouse
from tests.plugins.notebooks import ROOT

BINDER = ROOT / "binder"
# The versions repo2docker can install (its conda/supported_python_version.py, 2026-08) and
# the versions this book is tested on (Makefile, TEST_VERSIONS and NOTEBOOK_VERSIONS).
REPO2DOCKER_PYTHONS = {"3.11", "3.12", "3.13", "3.14"}
TESTED_PYTHONS = {"3.11", "3.12", "3.13", "3.14", "3.15"}


def test_binder_uses_a_python_the_book_is_tested_on() -> None:
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    version = re.fullmatch(r"python-(3\.\d+)", runtime)
    assert version, f"runtime.txt is python-3.X, not {runtime!r}"
    assert version[1] in REPO2DOCKER_PYTHONS & TESTED_PYTHONS


def test_binder_installs_what_make_setup_installs() -> None:
    lines = [
        line.split("#")[0].strip()
        for line in (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    ]
    assert [line for line in lines if line] == ["-r ../requirements.txt"]
    assert "-e ." in (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()


def test_post_build_is_an_executable_script() -> None:
    post_build = BINDER / "postBuild"
    assert post_build.read_text(encoding="utf-8").startswith("#!/bin/bash\n")
    assert os.access(post_build, os.X_OK), "repo2docker runs it as a program"


@pytest.mark.skipif(
    not os.environ.get("BOOK_BUILD_BINDER"),
    reason="make test-binder builds it (CI runs it after make test, which leaves it out for time)",
)
def test_the_binder_environment_builds_from_scratch_with_the_books_helpers(tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    copy_checkout(repository)
    environ = reader_environment(tmp_path / "home", wheelhouse())
    prefix = tmp_path / "venv"  # repo2docker's NB_PYTHON_PREFIX
    venv.EnvBuilder(with_pip=True).create(prefix)
    environ |= {
        "NB_PYTHON_PREFIX": str(prefix),
        "PATH": f"{prefix / 'bin'}{os.pathsep}{environ['PATH']}",
    }

    def run(*command: str) -> str:
        done = subprocess.run(
            command, cwd=repository, env=environ, capture_output=True, text=True, timeout=900
        )
        assert done.returncode == 0, f"{command}: {done.stdout[-2000:]}{done.stderr[-2000:]}"
        return done.stdout + done.stderr  # jupyter labextension list writes to stderr

    run(str(prefix / "bin" / "pip"), "install", "--no-cache-dir", "-r", "binder/requirements.txt")
    run("binder/postBuild")
    settings = prefix / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert settings.read_text() == (ROOT / "jupyterlab-settings" / "overrides.json").read_text()
    where = run("python", "-c", "import lib, nbval; print(lib.__file__)")
    assert Path(where.strip()).is_relative_to(repository), "the helpers of this repository"
    extensions = run("jupyter", "labextension", "list")
    assert re.search(r"jupyterlab-myst .*enabled", extensions), extensions
    # What every chapter does first: its helpers, sized to the machine.
    setup = (
        "import lib.measure.timing\nfrom lib.measure.cores import usable_cpus\n"
        "print(usable_cpus() >= 1)"
    )
    assert run("python", "-c", setup).strip() == "True"
