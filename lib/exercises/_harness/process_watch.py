"""Watch the processes a learner's answer starts, and stop any it leaves running.

The multiprocessing checkers call the learner's code in this process, and that code starts
child processes: a pool's workers, a pipeline's stages. :class:`NewProcesses` notes which
``multiprocessing`` children were already running before, so it can tell which ones the
answer started, wait a moment for them to finish, and terminate whatever is still running
at the end of its ``with`` block, so that a wrong answer never leaves a process behind.
:func:`default_start_method` runs an answer under another start method than the kernel's.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import time
from collections.abc import Iterator
from multiprocessing.process import BaseProcess
from types import TracebackType

from lib.processes import stop_processes

__all__ = [
    "EXIT_WAIT",
    "NewProcesses",
    "default_start_method",
]

EXIT_WAIT = 1.0  # seconds a process that is about to exit gets before it counts as left running


class NewProcesses:
    """The ``multiprocessing`` processes started while the ``with`` block runs.

    Only processes this process started itself, through ``multiprocessing`` (a
    ``Process``, a ``ProcessPoolExecutor``'s workers), are seen; its helper processes, the
    resource tracker and the fork server, are not children of that kind and are left alone.
    """

    def __init__(self) -> None:
        self._before: set[BaseProcess] = set()

    def __enter__(self) -> NewProcesses:
        self._before = set(multiprocessing.active_children())
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def alive(self) -> list[BaseProcess]:
        """The processes started in the block that are still running now."""
        return [p for p in multiprocessing.active_children() if p not in self._before]

    def still_running(self, grace: float = EXIT_WAIT) -> list[BaseProcess]:
        """The processes started in the block that still run after up to ``grace`` seconds."""
        deadline = time.monotonic() + grace
        running = self.alive()
        while running and time.monotonic() < deadline:
            time.sleep(0.05)
            running = self.alive()
        return running

    def stop(self) -> int:
        """Terminate (then kill, if need be) every process started in the block that still
        runs; return how many there were."""
        running = self.alive()
        stop_processes(running)
        return len(running)


@contextlib.contextmanager
def default_start_method(method: str) -> Iterator[None]:
    """Make ``method`` the default start method inside the ``with`` block, then put back the
    one before (pools and processes created without a context of their own use it).

    Raises:
        ValueError: if this platform does not offer ``method``.
    """
    previous = multiprocessing.get_start_method(allow_none=True)
    multiprocessing.set_start_method(method, force=True)
    try:
        yield
    finally:
        multiprocessing.set_start_method(previous, force=True)
