"""Small functions that chapters 4, 5 and 9 run in child processes.

They live in a module, not in the notebook, on purpose. A child started with ``spawn`` or
``forkserver`` is a fresh interpreter that never ran the notebook: it receives a function as
"module name + function name" and imports the module to find it. Functions defined here are
found everywhere; a function defined in a notebook cell is not (chapter 4 shows it failing).

Nothing here prints: a child's output reaches the notebook late or not at all, so every
function returns its answer (or puts it on a queue) for the parent to show.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sized
from multiprocessing.queues import Queue
from multiprocessing.sharedctypes import Synchronized, SynchronizedArray
from multiprocessing.synchronize import Barrier
from typing import Any, NoReturn, Protocol

__all__ = [
    "add_one_in_step",
    "add_one_repeatedly",
    "describe_child",
    "double",
    "exit_once_set",
    "fill_squares",
    "receive",
    "report_visit",
    "send_stderr_to",
    "setting",
    "visit",
    "visits",
]

#: How many times :func:`visit` ran *in this process*. Each process has its own copy.
visits = 0

#: A module-level setting that the parent may change, to see which children notice.
setting = "as the module defines it"


def visit() -> tuple[int, int]:
    """Count one visit in this process; return ``(pid, visits counted in this process)``."""
    global visits
    visits += 1
    return os.getpid(), visits


def report_visit(reports: Queue[tuple[int, int]]) -> None:
    """Run :func:`visit` and put its answer on ``reports``, for ``multiprocessing.Process``."""
    reports.put(visit())


def describe_child() -> dict[str, Any]:
    """What this process sees: its pid, :data:`setting`, and whether matplotlib is loaded.

    A forked child starts as a copy of its parent, so it sees the parent's changes and
    modules; a spawned one starts from scratch and imports only what it needs.
    """
    return {
        "pid": os.getpid(),
        "setting": setting,
        "matplotlib loaded": "matplotlib" in sys.modules,
    }


def receive(payload: object) -> int:
    """Accept an argument and do nothing with it; return its length (1 for a number).

    The work is nothing, so the time a call takes is all in sending the argument over.
    """
    return len(payload) if isinstance(payload, Sized) else 1


def double(number: int) -> int:
    """A task far too small to be worth sending to another process (which is the point)."""
    return 2 * number


class _Event(Protocol):
    def wait(self, timeout: float | None = None) -> bool: ...


def exit_once_set(event: _Event, timeout: float) -> NoReturn:
    """End this process abruptly, as a crash or the out-of-memory killer would, once ``event``
    is set: :func:`os._exit`, nothing cleaned up, exit status 1.

    ``event`` is a manager's ``Event`` (a proxy, which pickles), so the parent decides when:
    after it has queued the jobs that should fail with the worker. After ``timeout`` seconds
    unset, it exits all the same, so no parent waits for ever. Never returns.
    """
    event.wait(timeout)
    os._exit(1)


def send_stderr_to(path: str) -> None:
    """Pool initializer: send this process's standard error (file descriptor 2) to ``path``.

    A worker that crashes prints its traceback to standard error, which would otherwise
    reach the notebook at some unpredictable moment; in a file, the parent can read it.

    Raises:
        OSError: if ``path`` cannot be opened for appending.
    """
    sys.stderr.flush()
    with open(path, "a", encoding="utf-8") as log:
        os.dup2(log.fileno(), 2)


def add_one_repeatedly(
    counter: Synchronized[int],
    times: int,
    use_lock: bool,
    start_together: Barrier | None = None,
    timeout: float = 10.0,
) -> None:
    """Add 1 to a shared ``multiprocessing.Value`` ``times`` times.

    ``counter.value += 1`` reads the value, adds one and writes it back: two separate steps,
    even though a ``Value`` has a lock (it guards each read and each write, not the pair).
    With ``use_lock=True`` the whole step runs under ``counter.get_lock()``. A
    ``start_together`` barrier makes the processes begin at the same moment, so a process
    that started early cannot finish before the others begin.

    Raises:
        threading.BrokenBarrierError: if the others do not reach ``start_together`` within
            ``timeout`` seconds.
    """
    if start_together is not None:
        start_together.wait(timeout)
    if use_lock:
        for _ in range(times):
            with counter.get_lock():
                counter.value += 1
    else:
        for _ in range(times):
            counter.value += 1


def add_one_in_step(
    counter: Synchronized[int], rounds: int, barrier: Barrier, timeout: float = 10.0
) -> None:
    """Add 1 to ``counter`` ``rounds`` times, every process reading before any writes.

    Each round reads the value, waits at ``barrier`` until every process has read it too,
    then writes "what I read + 1". All processes read the same number, so all but one of
    their updates in each round are lost, every time: the race made certain.

    Raises:
        threading.BrokenBarrierError: if another process does not arrive within ``timeout``
            seconds (so a crashed partner can never make this one hang).
    """
    for _ in range(rounds):
        seen = counter.value
        barrier.wait(timeout)
        counter.value = seen + 1


def fill_squares(numbers: SynchronizedArray[int], start: int, stop: int) -> None:
    """Write ``i * i`` into ``numbers[i]`` for ``start <= i < stop`` of a shared ``Array``.

    Processes that fill disjoint ranges never touch the same element, so they need no lock.

    Raises:
        IndexError: if the range goes past the end of ``numbers``.
    """
    for index in range(start, stop):
        numbers[index] = index * index
