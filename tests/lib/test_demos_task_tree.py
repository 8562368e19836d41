"""lib.demos.task_tree: the live program, ``python -m asyncio pstree``/``ps`` against it, and
failures.

The program runs on every Python; reading it from outside needs 3.14. Every failure to read it
(no permission, no such process, an older Python) must come back as a readable message.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

import lib.demos.task_tree as task_tree
from lib.demos.task_tree import (
    PAGES,
    PERMISSION_HELP,
    Inspection,
    TaskTreeProgram,
    inspect_tasks,
    shorten_paths,
)

ON_314 = sys.version_info >= (3, 14)
needs_314 = pytest.mark.skipif(not ON_314, reason="python -m asyncio ps/pstree is new in 3.14")
MACHINE_PATHS = ("/work/", "/root/", "/tmp/", "/home/", "/usr/", "site-packages")

# What Python 3.14 prints when it may not read the process (from a real refusal).
REFUSED = (
    "Error: The specified process cannot be attached to due to insufficient permissions.\n"
    "See the Python documentation for details on required privileges and troubleshooting:\n"
)

# A child that gives up root, then runs Python with the arguments it was given.
AS_NOBODY = (
    "import os, sys; os.setgid(65534); os.setuid(65534); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_the_program_is_ready_then_stops_cleanly_leaving_nothing() -> None:
    with TaskTreeProgram(timeout=30.0) as program:
        pid = program.pid
        assert psutil.Process(pid).is_running()
    assert program.returncode == 0
    assert gone(pid)
    with pytest.raises(RuntimeError, match="not running"):
        _ = program.pid
    assert program.stop() == "", "stopping twice does nothing"


def test_the_program_gives_up_after_its_limit() -> None:
    start = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, "-m", "lib.demos.task_tree", "--limit", "0.5"],
        stdin=subprocess.PIPE,  # kept open: only the limit can end it
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as child:
        try:
            child.wait(timeout=30)  # not communicate(): that would close its stdin
        finally:
            child.kill()
        stdout, stderr = child.stdout.read(), child.stderr.read()
    assert time.perf_counter() - start < 20
    assert child.returncode == 3
    assert stdout == "ready\n"
    assert stderr == "gave up after 0.50 s: nobody closed my standard input\n"


def test_shorten_paths_keeps_no_folder_of_this_machine() -> None:
    own = Path(task_tree.__file__).resolve()
    report = (
        f"└──  crawl {own}:78\n"
        "    └──  Event.wait /root/.pyenv/versions/3.14.0/lib/python3.14/asyncio/locks.py:213\n"
        "    └──  helper elsewhere.py:3\n"
    )
    assert shorten_paths(report) == (
        "└──  crawl lib/demos/task_tree.py:78\n"
        "    └──  Event.wait asyncio/locks.py\n"
        "    └──  helper elsewhere.py\n"
    )


def test_an_unknown_command_is_refused() -> None:
    with pytest.raises(ValueError, match="command must be one of"):
        inspect_tasks(os.getpid(), "top")


@pytest.mark.skipif(ON_314, reason="before 3.14 only")
def test_before_314_it_says_the_command_is_new() -> None:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert inspect_tasks(os.getpid()) == Inspection(
        False, f"python -m asyncio pstree is new in Python 3.14, not in {version}"
    )


def test_a_refusal_is_explained_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuses(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, 1, stdout=REFUSED, stderr="")

    monkeypatch.setattr(task_tree.subprocess, "run", refuses)
    inspection = inspect_tasks(4321, python=[sys.executable])
    assert not inspection.ok
    assert str(inspection) == (
        "python -m asyncio pstree could not read pid 4321: Error: The specified process "
        "cannot be attached to due to insufficient permissions.\n" + PERMISSION_HELP
    )


@needs_314
def test_pstree_and_ps_read_the_live_program() -> None:
    with TaskTreeProgram(timeout=30.0) as program:
        tree = inspect_tasks(program.pid, "pstree", timeout=30.0)
        table = inspect_tasks(program.pid, "ps", timeout=30.0)
    assert program.returncode == 0
    if not tree.ok and "permission" in tree.text.lower():
        pytest.skip(f"this machine may not read another process's memory: {tree.text}")
    assert tree.ok, tree.text
    lines = tree.text.splitlines()
    depth = {line.split("(T) ")[1]: line.index("(T)") for line in lines if "(T) " in line}
    names = list(depth)  # in the order the tree shows them
    requests = [f"request {anime_id}" for ids in PAGES.values() for anime_id in ids]
    assert names == ["crawler", "page 1", *requests[:2], "page 2", *requests[2:]]
    assert depth["crawler"] < depth["page 1"] == depth["page 2"] < depth["request 100"]
    assert sum("Event.wait asyncio/locks.py" in line for line in lines) == 4
    assert "crawl lib/demos/task_tree.py:" in tree.text
    assert not any(path in tree.text for path in MACHINE_PATHS), tree.text
    assert table.ok and all(name in table.text for name in names)


@needs_314
def test_a_process_that_does_not_exist() -> None:
    with TaskTreeProgram(timeout=30.0) as program:
        pid = program.pid
    inspection = inspect_tasks(pid, timeout=30.0)  # it has exited and been reaped
    assert not inspection.ok
    assert inspection.text.startswith(f"python -m asyncio pstree could not read pid {pid}: ")
    assert "Traceback" not in inspection.text


@needs_314
@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root, to become another user"
)
def test_without_permission_it_says_why() -> None:
    with TaskTreeProgram(timeout=30.0) as program:
        inspection = inspect_tasks(
            program.pid, timeout=30.0, python=[sys.executable, "-c", AS_NOBODY]
        )
    assert not inspection.ok
    assert "insufficient permissions" in inspection.text
    assert inspection.text.endswith(PERMISSION_HELP)


def test_allowing_any_inspector_never_raises() -> None:
    # Yama (ptrace_scope 1, as on Ubuntu) is what it lifts; where there is no Yama, or no
    # Linux, it must quietly do nothing. A child process, so this one keeps its settings.
    code = "import lib.demos.task_tree as t; t.allow_any_inspector(); print('ok')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (0, "ok\n", "")
