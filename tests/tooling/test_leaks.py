"""Leaks: tests.plugins.leaks finds what a process left running, and the notebook check can fail.

The unit tests snapshot this very process around things it starts. The end-to-end tests run
nbval, with the repository's root conftest.py, on two toy notebooks in a temporary folder: a
leaky one, which must fail at the teardown of its last cell naming each leak, and a tidy one,
which uses the allowed helpers (asyncio's default executor, a spawn pool's resource tracker)
and must pass.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from lib.anilist.running import LocalAniList
from lib.plumbing.processes import is_multiprocessing_helper, stop_processes
from tests.plugins.leaks import (
    Snapshot,
    find_leaks,
    parse_probe,
    probe_here,
    wait_for_no_leaks,
)

pytestmark = pytest.mark.timeout(120)
REPO_ROOT = Path(__file__).resolve().parents[2]


def snapshot() -> Snapshot:
    return Snapshot.take(probe_here())


def sleeper() -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])


# --- the leak checks on this process ---------------------------------------------------------


def test_probe_reports_this_process_and_its_threads() -> None:
    pid, threads = parse_probe(probe_here())
    assert pid == os.getpid()
    assert threads[threading.main_thread().ident] == "MainThread (_MainThread)"


def test_parse_probe_needs_the_probe_line() -> None:
    with pytest.raises(ValueError, match="LEAK-PROBE"):
        parse_probe("something else\n")


def test_nothing_started_means_no_leaks() -> None:
    before = snapshot()
    assert find_leaks(before, snapshot()) == []


def test_a_running_server_is_a_thread_and_a_socket_leak() -> None:
    before = snapshot()
    server = LocalAniList(latency=0.0).start()
    try:
        problems = find_leaks(before, snapshot())
    finally:
        server.stop()
    assert problems == [
        f"socket still listening on 127.0.0.1:{problems[0].split(':')[1].split(' ')[0]}"
        f" (pid {os.getpid()})",
        "thread still running: 'local-anilist (LocalAniList._run)'",
    ]
    assert find_leaks(before, snapshot()) == [], "a stopped server leaves nothing"


def test_a_child_process_is_a_leak_until_it_is_stopped() -> None:
    before = snapshot()
    child = sleeper()
    try:
        after = snapshot()
        [problem] = find_leaks(before, after)
        assert problem.startswith(f"child process still running: pid {child.pid}: ")
        assert "time.sleep(30)" in problem
        stop_processes(after.children, timeout=5)
        assert child.wait(timeout=5) is not None
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert find_leaks(before, snapshot()) == []


def test_a_socket_listening_is_a_leak() -> None:
    before = snapshot()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert find_leaks(before, snapshot()) == [
            f"socket still listening on 127.0.0.1:{port} (pid {os.getpid()})"
        ]


class GarbageCollectorThread(threading.Thread):
    """Stands in for pyzmq's thread of that name."""


def test_the_kernels_own_helper_threads_are_not_leaks() -> None:
    before = snapshot()
    stop = threading.Event()
    threads = [
        threading.Thread(target=stop.wait, name=name, daemon=True)
        for name in ("asyncio_0", "ThreadPoolExecutor-0_0")
    ]
    threads.append(GarbageCollectorThread(target=stop.wait, name="Thread-9", daemon=True))
    for thread in threads:
        thread.start()
    try:
        assert find_leaks(before, snapshot()) == [
            "thread still running: 'ThreadPoolExecutor-0_0 (Event.wait)'"
        ]
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)


def test_wait_for_no_leaks_gives_a_stopping_thread_its_grace() -> None:
    before = snapshot()
    finishing = threading.Thread(target=time.sleep, args=(0.3,), name="finishing", daemon=True)
    finishing.start()
    _, problems = wait_for_no_leaks(before, probe_here, grace=5.0)
    assert problems == []
    stuck = threading.Event()
    lingering = threading.Thread(target=stuck.wait, name="lingering", daemon=True)
    lingering.start()
    try:
        _, problems = wait_for_no_leaks(before, probe_here, grace=0.2)
        assert problems == ["thread still running: 'lingering (Event.wait)'"]
    finally:
        stuck.set()
        lingering.join(5)


def test_multiprocessing_helpers_are_recognised() -> None:
    helper = subprocess.Popen(
        [sys.executable, "-c", "from multiprocessing.resource_tracker import main; 0"]
    )
    try:
        process = psutil.Process(helper.pid)
        deadline = time.monotonic() + 10
        # Until the child has exec'd, its command line is still its parent's: wait for it.
        while "resource_tracker" not in " ".join(process.cmdline()) and helper.poll() is None:
            assert time.monotonic() < deadline, "the helper process never started"
            time.sleep(0.01)
        assert is_multiprocessing_helper(process) or helper.poll() is not None
    finally:
        helper.wait(10)
    child = sleeper()
    try:
        assert not is_multiprocessing_helper(psutil.Process(child.pid))
    finally:
        child.kill()
        child.wait()


# --- the notebook check, end to end ---------------------------------------------------------------

LEAKY = [
    "import subprocess, sys, socket, threading, time\n"
    "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
    "open('child.pid', 'w').write(str(child.pid))",
    "listener = socket.socket()\nlistener.bind(('127.0.0.1', 0))\nlistener.listen()",
    "worker = threading.Thread(target=time.sleep, args=(60,), name='forgotten', daemon=True)\n"
    "worker.start()",
    "from lib.anilist.running import LocalAniList\nserver = LocalAniList(latency=0.0).start()",
]
TIDY = [
    "import asyncio, multiprocessing\n"
    "from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor\n"
    "from lib.anilist.running import LocalAniList, ServerProcess",
    "await asyncio.to_thread(sum, [1, 2])  # leaves the loop's default executor thread",
    "with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context('spawn')) as pool:\n"
    "    assert pool.submit(abs, -1).result(timeout=60) == 1",
    "with ThreadPoolExecutor(2) as pool:\n    list(pool.map(abs, [-1, -2]))",
    "with LocalAniList(latency=0.0), ServerProcess(latency=0.0):\n    pass",
]


PYTEST = [sys.executable, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "-q"]


def write_notebook(path: Path, sources: list[str]) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(notebook, path)


@pytest.fixture(scope="module")
def nbval_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], Path]:
    folder = tmp_path_factory.mktemp("notebooks")
    shutil.copy(REPO_ROOT / "conftest.py", folder / "conftest.py")
    write_notebook(folder / "leaky.ipynb", LEAKY)
    write_notebook(folder / "tidy.ipynb", TIDY)
    bin_dir = str(Path(sys.executable).parent)
    result = subprocess.run(
        [*PYTEST, "leaky.ipynb", "tidy.ipynb"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=100,
        env={
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "PYTHONPATH": str(REPO_ROOT),  # conftest.py loads the plugin tests.plugins.leaks
        },
    )
    print(result.stdout, result.stderr)  # shown when a test below fails
    return result, folder


def test_a_leaky_notebook_fails_and_names_each_leak(nbval_run) -> None:
    result, _ = nbval_run
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "ERROR at teardown of leaky.ipynb::Cell 3" in output, output
    assert "leaky.ipynb left things running after its last cell" in output
    assert "child process still running: pid" in output and "time.sleep(60)" in output
    # Ours and the server's; pytest may repeat the message in its summary (it does under CI).
    assert len(set(re.findall(r"socket still listening on 127\.0\.0\.1:\d+", output))) == 2
    assert "thread still running: 'forgotten (sleep)'" in output
    assert "thread still running: 'local-anilist (LocalAniList._run)'" in output


def test_a_tidy_notebook_passes(nbval_run) -> None:
    result, _ = nbval_run
    output = result.stdout + result.stderr
    assert "9 passed, 1 error" in output, output
    assert "tidy.ipynb left" not in output


def test_the_leaked_process_is_stopped_after_it_is_reported(nbval_run) -> None:
    _, folder = nbval_run
    pid = int((folder / "child.pid").read_text())
    deadline = time.monotonic() + 10
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        with contextlib.suppress(psutil.NoSuchProcess):
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                break
        time.sleep(0.1)
    alive = psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    assert not alive
