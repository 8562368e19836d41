"""`make test PYTHON=...` finds interpreters the way the README says, and skips absent ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIND_PYTHON = ROOT / "scripts" / "find_python.sh"

pytestmark = pytest.mark.skipif(
    shutil.which("sh") is None or shutil.which("make") is None, reason="needs sh and make"
)


def find_python(name: str, path: str, pyenv_root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path, "PYENV_ROOT": str(pyenv_root)}
    return subprocess.run(
        ["sh", str(FIND_PYTHON), name], env=env, capture_output=True, text=True, timeout=60
    )


def fake_pyenv_root(tmp_path: Path, version: str, name: str) -> Path:
    """A pyenv folder whose only version is this interpreter, under another name."""
    bin_dir = tmp_path / "pyenv" / "versions" / version / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / name).symlink_to(sys.executable)
    return tmp_path / "pyenv"


def broken_shim_dir(tmp_path: Path, name: str) -> Path:
    """A folder holding a pyenv-like shim that fails, as pyenv's does for an unselected version."""
    shims = tmp_path / "shims"
    shims.mkdir()
    shim = shims / name
    shim.write_text('#!/bin/sh\necho "pyenv: $0: command not found" >&2\nexit 127\n')
    shim.chmod(0o755)
    return shims


def test_finds_an_interpreter_given_by_path(tmp_path: Path) -> None:
    found = find_python(sys.executable, os.environ["PATH"], tmp_path)
    assert found.returncode == 0
    assert found.stdout.strip() == sys.executable


def test_skips_a_failing_shim_and_finds_the_pyenv_version(tmp_path: Path) -> None:
    pyenv_root = fake_pyenv_root(tmp_path, "3.99.1", "python3.99")
    shims = broken_shim_dir(tmp_path, "python3.99")
    found = find_python("python3.99", f"{shims}:{os.environ['PATH']}", pyenv_root)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == str(pyenv_root / "versions/3.99.1/bin/python3.99")


def test_prefers_the_newest_pyenv_patch_release(tmp_path: Path) -> None:
    pyenv_root = fake_pyenv_root(tmp_path, "3.99.2", "python3.99")
    newer = pyenv_root / "versions" / "3.99.10" / "bin"
    newer.mkdir(parents=True)
    (newer / "python3.99").symlink_to(sys.executable)
    found = find_python("python3.99", "/usr/bin:/bin", pyenv_root)
    assert found.stdout.strip() == str(newer / "python3.99")


def test_reports_an_absent_interpreter(tmp_path: Path) -> None:
    shims = broken_shim_dir(tmp_path, "python3.98")
    found = find_python("python3.98", f"{shims}:/usr/bin:/bin", tmp_path / "no-pyenv")
    assert found.returncode == 1
    assert found.stdout == ""


def test_make_test_skips_an_absent_version_successfully(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
    env["PYENV_ROOT"] = str(tmp_path / "no-pyenv")  # an outer `make test PYTHON=...` aside
    done = subprocess.run(
        ["make", "--no-print-directory", "test", "PYTHON=python3.98"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "skipped, no python3.98 on this machine" in done.stdout
    assert not (ROOT / ".venv-python3.98").exists(), "nothing is installed for it"
