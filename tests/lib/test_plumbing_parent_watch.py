"""lib.plumbing.parent_watch: a cluster's processes end with their parent, even killed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import psutil
import pytest

from lib.plumbing.parent_watch import ORPHAN_EXIT, main

# A parent that starts a cluster, prints its processes' pids, and then waits to be killed.
PARENT = """
import json, os, time
import psutil
from lib.plumbing.cluster import LoopbackCluster
cluster = LoopbackCluster(workers=1).start()
pids = [child.pid for child in psutil.Process().children()]
print(json.dumps({"pids": pids, "scratch": str(cluster.scratch)}), flush=True)
time.sleep(60)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_killed_parents_cluster_ends_at_once() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        started = json.loads(parent.stdout.readline())
        assert len(started["pids"]) == 2  # the scheduler and its worker
        children = [psutil.Process(pid) for pid in started["pids"]]
    finally:
        parent.kill()  # no clean-up can run in the parent
        parent.wait(10)
        parent.stdout.close()  # type: ignore[union-attr]
    start = time.monotonic()
    _, alive = psutil.wait_procs(children, timeout=10)
    for child in alive:  # never leave them behind, even when the test fails
        child.kill()
    shutil.rmtree(started["scratch"])  # a killed parent cannot remove its scratch folder
    assert not alive and time.monotonic() - start < 5


def test_a_child_whose_stdin_closes_exits() -> None:
    sleeper = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lib.plumbing.parent_watch",
            "http.server",
            "--bind",
            "127.0.0.1",
            "0",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    assert sleeper.stdin is not None
    time.sleep(0.5)
    assert sleeper.poll() is None  # still serving while its parent's pipe is open
    sleeper.stdin.close()  # as the system does when the parent ends
    assert sleeper.wait(10) == ORPHAN_EXIT


def test_no_module_is_a_usage_error() -> None:
    with pytest.raises(SystemExit, match="usage"):
        main([])
