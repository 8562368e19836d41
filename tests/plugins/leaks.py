"""What a process left running: child processes, listening sockets and threads.

Take a :class:`Snapshot` of a process (a notebook's kernel, say) before its work starts and
another when it ends; :func:`find_leaks` names everything the second has that the first did not:
a child process still alive (a server, a pool worker), a socket still listening, a thread
still running (a ``local-anilist`` server thread, a pool's worker thread).

Threads can only be seen from inside a process: run :data:`THREAD_PROBE` there (it prints one
line of JSON) and pass what it printed to :meth:`Snapshot.take`. Children and sockets are read
from outside with psutil.

Some things are not leaks: multiprocessing's helper processes (the resource tracker and the
fork server), which the standard library starts once and keeps for the life of the parent;
the event loop's default executor threads (``asyncio_0``, ...), which ``asyncio.to_thread``
reuses and the loop shuts down when it closes; and pyzmq's garbage-collector thread, which a
Jupyter kernel starts the first time it sends a large message (a figure, say).

As a pytest plugin (the root ``conftest.py`` loads it; ``-p tests.plugins.leaks`` elsewhere):
after the last cell of each notebook that nbval runs, and before nbval shuts the kernel down,
the kernel must have nothing left running that it did not have when it started: no child
process (a server, a pool worker), no listening socket, no thread (a ``local-anilist`` server,
a pool's workers). A notebook that leaks gets an error at the teardown of its last cell,
naming what it left; its leftover processes are then stopped.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import psutil
import pytest

from lib.plumbing.processes import describe, live_children, stop_processes

#: Run inside the process to inspect; prints its pid and threads as one line of JSON.
THREAD_PROBE = (
    "print('LEAK-PROBE' + __import__('json').dumps({'pid': __import__('os').getpid(), "
    "'threads': [[t.ident, t.name, type(t).__qualname__, getattr(getattr(t, '_target', None), "
    "'__qualname__', None)] for t in __import__('threading').enumerate()]}))"
)
PROBE_MARK = "LEAK-PROBE"
PROBE_TIMEOUT = 30.0  # seconds for the kernel to answer the probe
ALLOWED_THREADS = re.compile(
    r"asyncio_\d+( |$)"  # the event loop's default executor
    r"|.* \(GarbageCollectorThread\)$"  # pyzmq's, started by the kernel's first large message
)


def parse_probe(output: str) -> tuple[int, dict[int, str]]:
    """The pid and the threads from what :data:`THREAD_PROBE` printed.

    Each thread is keyed by its ident and described by its name, followed by its class or
    the function it runs when they tell more (``"Thread-4 (_ExecutorManagerThread)"``).

    Raises:
        ValueError: if ``output`` holds no probe line.
    """
    for line in output.splitlines():
        if line.startswith(PROBE_MARK):
            report = json.loads(line.removeprefix(PROBE_MARK))
            return report["pid"], {
                ident: _thread_label(*rest) for ident, *rest in report["threads"]
            }
    raise ValueError(f"no {PROBE_MARK} line in the probe's output: {output[:200]!r}")


def _thread_label(name: str, kind: str = "Thread", target: str | None = None) -> str:
    detail = target if kind == "Thread" else kind
    return f"{name} ({detail})" if detail and detail not in name else name


def listening_sockets(pids: Iterable[int]) -> frozenset[tuple[int, str, int]]:
    """The TCP/UDP sockets in state LISTEN of these processes, as (pid, ip, port)."""
    found: set[tuple[int, str, int]] = set()
    for pid in pids:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess):
            for conn in psutil.Process(pid).net_connections(kind="inet"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr:
                    found.add((pid, conn.laddr.ip, conn.laddr.port))
    return frozenset(found)


@dataclass(frozen=True)
class Snapshot:
    """One process at one moment: its threads, its live children, its listening sockets."""

    pid: int
    threads: dict[int, str]  # ident -> name
    children: tuple[psutil.Process, ...]
    listening: frozenset[tuple[int, str, int]]

    @classmethod
    def take(cls, probe_output: str) -> Snapshot:
        """Build a snapshot from :data:`THREAD_PROBE`'s output, reading the rest with psutil.

        Raises:
            ValueError: if the output holds no probe line.
        """
        pid, threads = parse_probe(probe_output)
        children = tuple(live_children(pid))
        pids = [pid, *(child.pid for child in children)]
        return cls(pid, threads, children, listening_sockets(pids))


def find_leaks(before: Snapshot, after: Snapshot) -> list[str]:
    """Everything ``after`` has running that ``before`` did not, one line each (empty: none)."""
    old_children = {child.pid for child in before.children}
    old_ports = {(ip, port) for pid, ip, port in before.listening if pid == before.pid}
    problems = [
        f"child process still running: {describe(child)}"
        for child in after.children
        if child.pid not in old_children
    ]
    problems += [
        f"socket still listening on {ip}:{port} (pid {pid})"
        for pid, ip, port in sorted(after.listening)
        if (ip, port) not in old_ports
    ]
    problems += [
        f"thread still running: {name!r}"
        for ident, name in sorted(after.threads.items(), key=lambda item: item[1])
        if before.threads.get(ident) != name and not ALLOWED_THREADS.match(name)
    ]
    return problems


def wait_for_no_leaks(
    before: Snapshot, probe: Callable[[], str], grace: float = 2.0, interval: float = 0.1
) -> tuple[Snapshot, list[str]]:
    """Take snapshots with ``probe()`` until nothing has leaked or ``grace`` seconds pass.

    A pool shut down without waiting, or a process just told to stop, may need a moment.
    Returns the last snapshot and its leaks. Exceptions from ``probe`` propagate.
    """
    deadline = time.monotonic() + grace
    while True:
        after = Snapshot.take(probe())
        problems = find_leaks(before, after)
        if not problems or time.monotonic() >= deadline:
            return after, problems
        time.sleep(interval)


# --- the same checks on this process, for unit tests ---------------------------------------


def probe_here() -> str:
    """Run :data:`THREAD_PROBE` in this process and return what it printed."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(THREAD_PROBE, {})
    return printed.getvalue()


@contextlib.contextmanager
def nothing_left_behind(grace: float = 2.0, *, threads: bool = True) -> Iterator[Snapshot]:
    """Fail unless the block leaves no child process, listening socket or (with ``threads``)
    thread running in this process, after up to ``grace`` seconds for what is already
    stopping. Leftover children are stopped first, so one leak does not spread.

    ``threads=False`` is for checks of answers that hang on purpose: the checker returns in
    time, but the thread running the answer (``exercise-check``) can only end when it does.
    """
    before = Snapshot.take(probe_here())
    yield before
    after, problems = wait_for_no_leaks(before, probe_here, grace)
    old = {child.pid for child in before.children}
    stop_processes(child for child in after.children if child.pid not in old)
    if not threads:
        problems = [problem for problem in problems if not problem.startswith("thread ")]
    assert problems == [], "left behind:\n  " + "\n  ".join(problems)


@pytest.fixture
def nothing_left() -> Iterator[Snapshot]:
    """The test must leave nothing running: see :func:`nothing_left_behind`."""
    with nothing_left_behind() as before:
        yield before


# --- the notebooks' check, after their last cell ----------------------------------------------


def _is_notebook_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell"  # nbval's item class


def probe_kernel(kernel: Any, timeout: float = PROBE_TIMEOUT) -> str:
    """Run :data:`THREAD_PROBE` in an nbval kernel and return what it printed.

    Raises:
        queue.Empty: if the kernel does not answer within ``timeout`` seconds.
    """
    msg_id = kernel.execute_cell_input(THREAD_PROBE, allow_stdin=False)
    printed = []
    while True:
        message = kernel.get_message(stream="iopub", timeout=timeout)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        if message["msg_type"] == "stream":
            printed.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            printed.append(f"error: {message['content']['ename']}")
        elif message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    kernel.await_reply(msg_id, timeout=timeout)
    return "".join(printed)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Any:
    result = yield  # sets up the notebook first: nbval starts its kernel
    notebook = item.parent
    if _is_notebook_cell(item) and not hasattr(notebook, "leak_baseline"):
        notebook.leak_baseline = Snapshot.take(probe_kernel(notebook.kernel))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    notebook = item.parent
    last_cell = _is_notebook_cell(item) and (nextitem is None or nextitem.parent is not notebook)
    problems: list[str] = []
    leftover: tuple[Any, ...] = ()
    baseline = getattr(notebook, "leak_baseline", None)
    kernel = getattr(notebook, "kernel", None)
    if last_cell and baseline is not None and kernel is not None and kernel.is_alive():
        try:
            after, problems = wait_for_no_leaks(baseline, lambda: probe_kernel(kernel))
            leftover = tuple(
                c for c in after.children if c.pid not in {b.pid for b in baseline.children}
            )
        except Exception as exc:  # never skip nbval's teardown: it stops the kernel
            problems = [f"could not check: {type(exc).__name__}: {exc}"]
    try:
        return (yield)  # nbval stops the kernel here
    finally:
        if leftover:
            stop_processes(leftover)
        if problems:
            pytest.fail(
                f"{item.path.name} left things running after its last cell:\n  "
                + "\n  ".join(problems),
                pytrace=False,
            )
