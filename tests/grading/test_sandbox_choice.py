"""How the grader chooses its sandbox, and says why there is none: no kernel starts here."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

from grading import sandbox
from grading.__main__ import choose_sandbox, main, parse_args
from grading.sandbox import SandboxLimits, find_sandbox


def test_no_bubblewrap_is_said_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    box, why = find_sandbox()
    assert box is None and "bubblewrap is not installed" in why and "apt install" in why


def test_another_system_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert find_sandbox() == (None, "no sandbox: bubblewrap needs Linux, and this is darwin")


def test_a_bubblewrap_that_cannot_make_namespaces_is_not_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake = tmp_path / "bwrap"
    fake.write_text(
        "#!/bin/sh\necho 'bwrap: No permissions to create a new namespace' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: str(fake))
    box, why = find_sandbox()
    assert box is None and "No permissions to create a new namespace" in why


@pytest.mark.parametrize("field", ["memory_mb", "processes", "disk_mb"])
def test_limits_must_be_positive(field: str) -> None:
    with pytest.raises(ValueError, match="positive"):
        SandboxLimits(**{field: 0})


def test_off_never_looks_and_on_refuses_without_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert choose_sandbox(parse_args(["x", "--sandbox", "off"])) == (
        None,
        "none: turned off (--sandbox off)",
    )
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    assert choose_sandbox(parse_args(["x"]))[1].startswith("none: bubblewrap is not installed")
    (tmp_path / "class").mkdir()
    code = main([str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--sandbox", "on"])
    assert code == 2
    assert (
        "error: --sandbox on, and no sandbox: bubblewrap is not installed"
        in capsys.readouterr().err
    )


@pytest.mark.parametrize("option", ["--memory-mb", "--processes", "--disk-mb"])
def test_a_limit_of_zero_is_a_usage_error(option: str) -> None:
    with pytest.raises(SystemExit) as stopped:
        parse_args(["x", option, "0"])
    assert stopped.value.code == 2


def test_a_python_kept_under_tmp_is_bound_inside_the_sandboxs_tmp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A clone checked out under /tmp has its environment there: the sandbox's own /tmp must
    not hide it (bubblewrap once refused: "Can't make symlink at /tmp: File exists")."""
    box, why = find_sandbox()
    if box is None:
        pytest.skip(why)
    venv = tempfile.mkdtemp(prefix="venv-", dir="/tmp")
    try:
        monkeypatch.setattr(sandbox, "_python_folders", lambda: [venv])
        assert sandbox._trial.__wrapped__(box.bwrap) == ""
    finally:
        os.rmdir(venv)
