"""`python -m grading --sandbox on` against submissions that attack the machine (``sandboxed.py``).

One grading run, two kernels at once, small limits (2 GiB per process, 64 MB to write, 128
processes, 5 s a cell): each attack gets its row and its reason, the honest submission its
marks, and nothing outside the sandboxes changes: the other submissions, a secret in the
grader's home, the book's files, a file beside the submissions, a server on this machine's
network address (which receives nothing), and no process is left behind.

Skipped where bubblewrap cannot make a sandbox (not installed, no user namespaces, as in a
chroot), except where ``BOOK_REQUIRE_SANDBOX`` is set (``.ci/run`` sets it for ``make test``).
"""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import nbformat
import psutil
import pytest

from grading.sandbox import find_sandbox
from tests.grading.hostile import REAL_CHECKER
from tests.grading.sandboxed import ATTACKS, LINGERING, Targets
from tests.plugins.notebooks import ROOT

pytestmark = pytest.mark.system  # make test-system, not make test

COLUMNS = ["3.1 collect_all", "3.2 SafeAccount", "3.3 process_all"]
LIMITS = ["--memory-mb", "2048", "--disk-mb", "64", "--processes", "128"]
OPTIONS = ["--sandbox", "on", *LIMITS, "--cell-timeout", "5", "--notebook-timeout", "90"]
SECRET = "the teacher's secret"

SANDBOX, WHY_NOT = find_sandbox()
if SANDBOX is None and not os.environ.get("BOOK_REQUIRE_SANDBOX"):
    pytest.skip(WHY_NOT, allow_module_level=True)


def network_address() -> str:
    """A non-loopback IPv4 address of this machine, or one no packet can reach."""
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                return str(address.address)
    return "192.0.2.1"  # TEST-NET-1: documentation only, never routed


@pytest.fixture(scope="module")
def listener() -> Iterator[tuple[socket.socket, list[bytes]]]:
    """A TCP server on every address of this machine, recording what it receives."""
    server = socket.create_server(("0.0.0.0", 0))
    server.settimeout(0.2)
    received: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except TimeoutError:
                continue
            with connection:
                connection.settimeout(2)
                received.append(b"connected:" + connection.recv(100))

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server, received
    stop.set()
    thread.join(timeout=5)
    server.close()


@pytest.fixture(scope="module")
def graded(
    tmp_path_factory: pytest.TempPathFactory, listener: tuple[socket.socket, list[bytes]]
) -> Iterator[dict[str, Any]]:
    assert SANDBOX is not None, f"BOOK_REQUIRE_SANDBOX is set, and {WHY_NOT}"
    root = tmp_path_factory.mktemp("attacks")
    submissions, out, home = root / "submissions", root / "grades", root / "home"
    submissions.mkdir()
    home.mkdir()
    (home / "secret.txt").write_text(SECRET)
    server, _ = listener
    port = server.getsockname()[1]
    targets = Targets(
        other_submission=submissions / "honest.ipynb",
        teacher_secret=home / "secret.txt",
        outside=root / "outside.txt",
        book_file=REAL_CHECKER,
        server=(network_address(), port),
        loopback_port=port,
    )
    for name, (build, _, _) in ATTACKS.items():
        nbformat.write(build(targets), submissions / name)
    checker = REAL_CHECKER.read_bytes()
    started = time.monotonic()
    try:
        finished = subprocess.run(
            [sys.executable, "-m", "grading", str(submissions), "--out", str(out), *OPTIONS],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
            env={**os.environ, "HOME": str(home), "PYTHONWARNINGS": "ignore"},
            check=False,
        )
    finally:
        book_untouched = REAL_CHECKER.read_bytes() == checker
        if not book_untouched:
            REAL_CHECKER.write_bytes(checker)
    with (out / "grades.csv").open(encoding="utf-8") as file:
        rows = {row["submission"]: row for row in csv.DictReader(file)}
    yield {
        "finished": finished,
        "seconds": time.monotonic() - started,
        "rows": rows,
        "out": out,
        "targets": targets,
        "book_untouched": book_untouched,
    }


def test_the_class_is_graded_in_sandboxes(graded: dict[str, Any]) -> None:
    finished = graded["finished"]
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "sandbox: bubblewrap" in finished.stdout
    assert sorted(graded["rows"]) == sorted(ATTACKS)
    assert {row["sandbox"] for row in graded["rows"].values()} == {"bubblewrap"}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_each_attack_gets_its_row_and_reason(graded: dict[str, Any], name: str) -> None:
    _, statuses, words = ATTACKS[name]
    row = graded["rows"][name]
    got = [row[column] for column in COLUMNS]
    assert [want in ("*", status) for want, status in zip(statuses, got, strict=True)] == [
        True
    ] * 3, (
        got,
        row["reason"],
    )
    for word in words:
        assert word in row["reason"], row["reason"]
    assert row["flagged"] == ""


def test_nothing_outside_the_sandboxes_changed(
    graded: dict[str, Any], listener: tuple[socket.socket, list[bytes]]
) -> None:
    targets: Targets = graded["targets"]
    assert graded["book_untouched"], "a submission wrote to the book's lib"
    assert not targets.outside.exists(), "a submission wrote beside the submissions"
    assert targets.other_submission.is_file()
    _, received = listener
    assert received == [], f"a submission reached a server outside: {received}"
    pages = [path.read_text(encoding="utf-8") for path in (graded["out"] / "feedback").iterdir()]
    assert not any(SECRET in page for page in pages)


def test_no_process_of_a_submission_is_left(graded: dict[str, Any]) -> None:
    left = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if LINGERING in command or str(graded["out"]) in command:
            left.append(command)
    assert not left, f"left running: {left}"


def test_the_listener_would_have_seen_a_connection(
    listener: tuple[socket.socket, list[bytes]],
) -> None:
    """The check above can fail: outside a sandbox, the same connection arrives."""
    server, received = listener
    count = len(received)
    with socket.create_connection(("127.0.0.1", server.getsockname()[1]), timeout=2) as sock:
        sock.sendall(b"probe")
    deadline = time.monotonic() + 5
    while len(received) == count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert received[count:] == [b"connected:probe"]
    del received[count:]
