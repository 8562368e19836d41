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
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psutil

#: Run inside the process to inspect; prints its pid and threads as one line of JSON.
THREAD_PROBE = (
    "print('LEAK-PROBE' + __import__('json').dumps({'pid': __import__('os').getpid(), "
    "'threads': [[t.ident, t.name, type(t).__qualname__, getattr(getattr(t, '_target', None), "
    "'__qualname__', None)] for t in __import__('threading').enumerate()]}))"
)
PROBE_MARK = "LEAK-PROBE"
MULTIPROCESSING_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")
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


def is_multiprocessing_helper(process: psutil.Process) -> bool:
    """True for the resource tracker and the fork server that multiprocessing keeps running."""
    try:
        command = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return any(f"from {helper} import main" in command for helper in MULTIPROCESSING_HELPERS)


def describe(process: psutil.Process) -> str:
    """``pid 123: python -m lib.anilist.server ...``, shortened; safe if the process is gone."""
    try:
        command = " ".join(process.cmdline()) or process.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        command = "(gone)"
    return f"pid {process.pid}: {command[:120]}"


def live_children(pid: int) -> list[psutil.Process]:
    """Every descendant of ``pid`` still running, multiprocessing's helpers left out."""
    try:
        descendants = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    alive = [child for child in descendants if _running(child)]
    return [child for child in alive if not is_multiprocessing_helper(child)]


def _running(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


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


def stop_processes(processes: Iterable[psutil.Process], timeout: float = 5.0) -> None:
    """Terminate these processes, then kill whichever is still alive after ``timeout`` s."""
    processes = list(processes)
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.terminate()
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    for process in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(alive, timeout=timeout)
