"""Watch the processes a learner's answer starts, and stop any it leaves running.

The multiprocessing checkers call the learner's code in this process, and that code starts
child processes: a pool's workers, a pipeline's stages. :class:`NewProcesses` notes which
``multiprocessing`` children were already running before, so it can tell which ones the
answer started, wait a moment for them to finish, and terminate whatever is still running
at the end of its ``with`` block, so that a wrong answer never leaves a process behind.
:func:`default_start_method` runs an answer under another start method than the kernel's.
:class:`CountingPool` is a process pool that counts the jobs an answer sends it, and how many
were in it at once, so a check can tell jobs sent together from jobs sent one at a time.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.process import BaseProcess
from types import TracebackType
from typing import Any, TypeVar

from lib.plumbing.processes import stop_processes

__all__ = [
    "EXIT_WAIT",
    "CountingPool",
    "NewProcesses",
    "default_start_method",
]

EXIT_WAIT = 1.0  # seconds a process that is about to exit gets before it counts as left running

_T = TypeVar("_T")


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


class CountingPool(ProcessPoolExecutor):
    """A ``ProcessPoolExecutor`` that counts the jobs submitted to it (``sent``, through
    ``submit``, which ``map`` and ``loop.run_in_executor`` use too) and the most that were
    in it at once, sent and not yet done (``peak``). :meth:`recount` starts the counts again.

    Jobs awaited one at a time never overlap, whatever the machine's load: the next one is
    sent only once the one before is done, so ``peak`` stays 1.
    """

    def __init__(self, max_workers: int) -> None:
        super().__init__(max_workers=max_workers)
        self._counts = threading.Lock()
        self.sent = self.peak = self._in_pool = 0

    def recount(self) -> None:
        """Forget the jobs sent so far (their ``peak`` too)."""
        with self._counts:
            self.sent, self.peak = 0, self._in_pool

    def submit(self, fn: Callable[..., _T], /, *args: Any, **kwargs: Any) -> Future[_T]:
        with self._counts:
            self.sent += 1
            self._in_pool += 1
            self.peak = max(self.peak, self._in_pool)
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._one_done(None)
            raise
        future.add_done_callback(self._one_done)
        return future

    def _one_done(self, _: Future[Any] | None) -> None:
        with self._counts:
            self._in_pool -= 1
