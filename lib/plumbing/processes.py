"""Child processes: which are still running, what they are, and stopping them for good.

A pool, a server in its own process or a pipeline stage can outlive the code that started
it. :func:`live_children` finds what is still running under a process, leaving out the two
helpers multiprocessing keeps for the life of its parent (the resource tracker and the fork
server); :func:`describe` names one in a line; :func:`stop_processes` terminates, waits, and
kills what would not stop.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from multiprocessing.process import BaseProcess

import psutil

__all__ = [
    "MULTIPROCESSING_HELPERS",
    "STOP_TIMEOUT",
    "describe",
    "is_multiprocessing_helper",
    "live_children",
    "stop_processes",
]

MULTIPROCESSING_HELPERS = ("multiprocessing.resource_tracker", "multiprocessing.forkserver")
STOP_TIMEOUT = 5.0  # seconds a process gets to exit after terminate, then again after kill


def is_multiprocessing_helper(process: psutil.Process) -> bool:
    """True for the resource tracker and the fork server that multiprocessing keeps running."""
    try:
        command = " ".join(process.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False
    return any(f"from {helper} import main" in command for helper in MULTIPROCESSING_HELPERS)


def describe(process: psutil.Process) -> str:
    """``pid 123: python -m lib.anilist ...``, shortened; safe if the process is gone."""
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


def stop_processes(
    processes: Iterable[BaseProcess | psutil.Process], timeout: float = STOP_TIMEOUT
) -> None:
    """Terminate the processes, wait up to ``timeout`` s, then kill any still alive.

    Takes ``multiprocessing`` processes (this process's children, which are joined so that
    none is left a zombie) and ``psutil`` processes (any process, found by
    :func:`live_children`, say). A process already gone is skipped. Never raises for one.
    """
    processes = list(processes)
    started = [p for p in processes if isinstance(p, BaseProcess) and p.pid is not None]
    found = [p for p in processes if isinstance(p, psutil.Process)]
    for process in started:
        if process.is_alive():
            process.terminate()
    for other in found:
        with contextlib.suppress(psutil.NoSuchProcess):
            other.terminate()
    for process in started:
        process.join(timeout)
        if process.is_alive():
            process.kill()
            process.join(timeout)
    _, alive = psutil.wait_procs(found, timeout=timeout)
    for other in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            other.kill()
    psutil.wait_procs(alive, timeout=timeout)
