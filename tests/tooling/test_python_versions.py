"""`make test PYTHON=...` finds interpreters the way the README says, and skips absent ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
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


def make(*args: str, pyenv_root: Path) -> subprocess.CompletedProcess[str]:
    """``make ARGS`` in the repository, as if run from a shell: no outer make's flags (an outer
    ``make test PYTHON=...`` aside), and ``pyenv_root`` as pyenv's folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL")}
    env["PYENV_ROOT"] = str(pyenv_root)
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_test_skips_an_absent_version_successfully(tmp_path: Path) -> None:
    done = make("test", "PYTHON=python3.98", pyenv_root=tmp_path / "no-pyenv")
    assert done.returncode == 0, done.stderr
    assert "skipped, no python3.98 on this machine" in done.stdout
    assert not (ROOT / ".venv-python3.98").exists(), "nothing is installed for it"


SID_ROOT = ROOT / "scripts" / "sid_root.sh"


def sid_can(name: str) -> bool:
    done = subprocess.run(["sh", str(SID_ROOT), "can", name], capture_output=True, timeout=60)
    return done.returncode == 0


@pytest.mark.parametrize("name", ["python3.11", "python3.13", "python3.98", "python", ""])
def test_the_sid_root_offers_only_3_14_and_3_15(name: str) -> None:
    assert not sid_can(name)


@pytest.mark.skipif(
    sys.platform != "linux" or os.geteuid() != 0, reason="the sid root needs Linux and root"
)
def test_make_runs_3_14_inside_the_sid_root_when_it_is_not_installed(tmp_path: Path) -> None:
    if shutil.which("python3.14") is not None:
        pytest.skip("python3.14 is installed here: make uses it as it is")
    assert sid_can("python3.14") == (
        shutil.which("debootstrap") is not None or shutil.which("apt-get") is not None
    )
    planned = make("-n", "test", "PYTHON=python3.14", pyenv_root=tmp_path / "no-pyenv")
    assert planned.returncode == 0, planned.stderr
    assert "scripts/sid_root.sh run" in planned.stdout
    assert "make --no-print-directory test PYTHON=python3.14" in planned.stdout


def test_sid_root_refuses_a_bad_command() -> None:
    done = subprocess.run(
        ["sh", str(SID_ROOT), "frobnicate"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0
    assert "usage: sid_root.sh" in done.stderr


SID_ROOT_DIR = Path(os.environ.get("BOOK_SID_ROOT", "/var/cache/concurrency-book/sid"))


@pytest.mark.skipif(
    sys.platform != "linux"
    or os.geteuid() != 0
    or not (SID_ROOT_DIR / ".book-sid-root-2").exists(),
    reason="needs Linux, root and a sid root already built",
)
def test_a_folder_cloned_again_at_the_same_path_is_seen_afresh(tmp_path: Path) -> None:
    # CI deletes its checkout and clones again at the same path; the bind mount of the old
    # folder must not be reused, or the command starts in a folder that no longer exists.
    folder = tmp_path / "checkout"

    def run_inside(marker: str) -> subprocess.CompletedProcess[str]:
        folder.mkdir()
        (folder / "marker").write_text(marker)
        return subprocess.run(
            ["sh", str(SID_ROOT), "run", str(folder), "cat", "marker"],
            capture_output=True,
            text=True,
            timeout=120,
        )

    inside = SID_ROOT_DIR / str(folder.resolve()).lstrip("/")
    try:
        first = run_inside("first clone")
        assert first.stdout == "first clone", first.stderr
        shutil.rmtree(folder)
        second = run_inside("second clone")
        assert second.stdout == "second clone", second.stderr
    finally:
        subprocess.run(["umount", "-l", str(inside)], capture_output=True, timeout=60)
