"""`python -m grading --scheduler ADDRESS` on a loopback Dask cluster of two workers, one of them
killed while it grades: the gradebook is the one that grading here writes.

The cluster is what ``dask scheduler`` and ``dask worker`` start (one thread each, no nanny, so
a killed worker stays dead), on 127.0.0.1, from the book's folder and environment. Four
submissions of chapter 3 (from ``hostile.py``: full, student, edited checks, ``os._exit``).
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from distributed import Client

from grading.cluster import lib_digest
from tests.grading.hostile import SUBMISSIONS
from tests.plugins.notebooks import ROOT

import nbformat  # isort: skip

pytestmark = pytest.mark.system  # make test-system, not make test

CHOSEN = ["full.ipynb", "student.ipynb", "edited_checks.ipynb", "os_exit.ipynb"]
OPTIONS = ["--cell-timeout", "5", "--notebook-timeout", "90", "--quiet"]
DASK = Path(sys.executable).with_name("dask")
STARTUP = 60.0  # seconds for the cluster to come up on a busy machine


def grade(submissions: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "grading", str(submissions), "--out", str(out)]
    return subprocess.Popen(
        [*command, *OPTIONS, *extra],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def rows(out: Path) -> dict[str, dict[str, str]]:
    with (out / "grades.csv").open(encoding="utf-8") as file:
        return {row["submission"]: row for row in csv.DictReader(file)}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("cluster")
    file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
    common = ["--no-dashboard", "--scheduler-file", str(file)]
    started = [
        subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", *common],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    deadline = time.monotonic() + STARTUP
    while not file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    for name in ("a", "b"):
        worker = [str(DASK), "worker", "--nthreads", "1", "--no-nanny", "--name", name]
        worker += ["--local-directory", str(folder / name), *common]
        started.append(
            subprocess.Popen(
                worker, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
    try:
        address = json.loads(file.read_text())["address"]
        with Client(address, timeout=STARTUP) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(2, timeout=STARTUP)
        yield address
    finally:  # workers first: a worker whose scheduler has gone waits for it before ending
        for process in reversed(started):
            process.terminate()
        for process in reversed(started):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, cluster: str) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("class")
    submissions = root / "submissions"
    submissions.mkdir()
    for name in CHOSEN:
        build = SUBMISSIONS[name][0]
        assert callable(build)
        nbformat.write(build(), submissions / name)
    started = time.monotonic()
    remote = grade(submissions, root / "cluster", "--scheduler", cluster)
    killed = ""
    try:
        with Client(cluster, timeout=STARTUP) as client:  # type: ignore[no-untyped-call]
            pids = client.run(os.getpid)
            deadline = time.monotonic() + STARTUP
            while not killed and time.monotonic() < deadline and remote.poll() is None:
                busy = [worker for worker, keys in client.processing().items() if keys]
                if busy:
                    time.sleep(1.0)  # well into its submission: the kernel has started
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed = client.scheduler_info()["workers"][busy[0]]["name"]
                time.sleep(0.05)
            remote_output = remote.communicate(timeout=300)
            cluster_seconds = time.monotonic() - started
            alive = len(client.scheduler_info()["workers"])
    finally:
        if remote.poll() is None:
            remote.kill()
            remote.communicate(timeout=30)
    started = time.monotonic()
    here = grade(submissions, root / "here", "--jobs", "2")
    here_output = here.communicate(timeout=300)
    return {
        "killed": killed,
        "workers_left": alive,
        "remote": (remote.returncode, *remote_output),
        "here": (here.returncode, *here_output),
        "rows": (rows(root / "cluster"), rows(root / "here")),
        "seconds": (cluster_seconds, time.monotonic() - started),
    }


def test_a_worker_was_killed_while_it_graded(graded: dict[str, Any]) -> None:
    assert graded["killed"] in ("a", "b")
    assert graded["workers_left"] == 1


def test_the_cluster_grades_every_submission(graded: dict[str, Any]) -> None:
    code, stdout, stderr = graded["remote"]
    assert code == 0, stderr[-2000:]
    assert f"graded {len(CHOSEN)} submission(s)" in stdout and "on the cluster at" in stdout


def test_the_gradebook_is_the_one_graded_here(graded: dict[str, Any]) -> None:
    code, _, stderr = graded["here"]
    assert code == 0, stderr[-2000:]
    on_cluster, here = graded["rows"]
    assert sorted(on_cluster) == sorted(CHOSEN)
    assert on_cluster == here
    assert here["full.ipynb"]["total"] == "3"


def test_a_worker_with_another_lib_grades_nothing() -> None:
    from grading.checks import Limits
    from grading.cluster import grade_task
    from grading.sandbox import SandboxLimits
    from grading.submissions import Submission

    result = grade_task(
        Submission(Path("x.ipynb"), "x.ipynb"), Limits(), "off", SandboxLimits(), "0"
    )
    assert result.events == ["not graded: this worker's lib differs from the book's"]
    assert lib_digest() != "0" and len(lib_digest()) == 64


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "submissions").mkdir()
    done = grade(tmp_path / "submissions", tmp_path / "out", "--scheduler", "tcp://127.0.0.1:9")
    _, stderr = done.communicate(timeout=120)
    assert done.returncode == 2 and stderr.startswith("error: "), stderr[-2000:]
