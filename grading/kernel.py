"""Run a submission's code in a fresh Jupyter kernel, every cell under a time limit.

The kernel starts in a scratch folder of its own, with its home, temporary files, IPython and
matplotlib settings in that folder, and a private copy of ``lib`` first on its path, so what
a submission writes through them stays there. It is a process group of its own; closing it
kills the whole group, and any child that left the group, so nothing a submission started
outlives its grading. Output is counted, and dropped past a limit. Given a
:class:`~grading.sandbox.Sandbox`, the kernel runs inside it instead (see there).
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import psutil
from jupyter_client.manager import KernelManager

from grading.sandbox import Sandbox

__all__ = ["MAX_OUTPUT_CHARS", "CellRun", "Kernel", "kernel_env"]

MAX_OUTPUT_CHARS = 1_000_000  # what a submission may print, in all, before the rest is dropped
KEEP_TEXT = 2000  # characters of a cell's printed text kept for the feedback
INTERRUPT_GRACE = 3.0  # seconds an interrupted cell gets to stop before the kernel is killed


@dataclass
class CellRun:
    """What running one piece of code did: ``status`` is ok, error, timeout (interrupted),
    killed (past its time and deaf to the interrupt, so the kernel was killed) or dead."""

    status: str = "ok"
    error: str = ""  # "ZeroDivisionError: division by zero"
    data: list[dict[str, Any]] = field(default_factory=list)  # the grader's display data
    printed: int = 0  # characters of output, kept or not
    text: str = ""  # the start of what it printed, for the feedback
    seconds: float = 0.0


def kernel_env(scratch: Path) -> dict[str, str]:
    """The environment of a kernel whose writes stay in ``scratch``."""
    env = dict(os.environ)
    home, tmp = scratch / "home", scratch / "tmp"
    home.mkdir(exist_ok=True)
    tmp.mkdir(exist_ok=True)
    env.update(
        PYTHONPATH=str(scratch),
        PYTHONDONTWRITEBYTECODE="1",
        HOME=str(home),
        USERPROFILE=str(home),
        TMPDIR=str(tmp),
        TEMP=str(tmp),
        TMP=str(tmp),
        IPYTHONDIR=str(home / ".ipython"),
        MPLCONFIGDIR=str(home / ".matplotlib"),
        MPLBACKEND="Agg",
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_PLATFORM_DIRS="1",
        PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
    )
    return env


class Kernel:
    """A Jupyter kernel for one submission; use it as a context manager.

    Raises:
        RuntimeError: from ``__enter__``, if the kernel does not start in ``startup`` seconds.
    """

    _open: ClassVar[set[Kernel]] = set()
    _open_lock: ClassVar[threading.Lock] = threading.Lock()

    _closing: ClassVar[bool] = False

    @classmethod
    def kill_all(cls) -> None:
        """Kill every kernel still open, and start no more (on Ctrl-C, say)."""
        with cls._open_lock:
            cls._closing = True
            kernels = list(cls._open)
        for kernel in kernels:
            kernel.kill()

    def __init__(
        self, scratch: Path, *, startup: float = 60.0, sandbox: Sandbox | None = None
    ) -> None:
        self.scratch = scratch
        self.startup = startup
        self.sandbox = sandbox
        self.printed = 0
        self.alive = False
        if sandbox is None:
            self._manager = KernelManager(
                kernel_name="python3", connection_file=str(scratch / "kernel.json")
            )
        else:
            self._manager = sandbox.manager(scratch)
        self._client: Any = None

    def __enter__(self) -> Kernel:
        self._manager.start_kernel(
            cwd=str(self.scratch),
            env=kernel_env(self.scratch) if self.sandbox is None else self.sandbox.env(),
            stdout=subprocess.DEVNULL,  # what a submission writes past IPython goes nowhere
            stderr=subprocess.DEVNULL,
        )
        with self._open_lock:
            self._open.add(self)
            interrupted = self._closing
        if interrupted:
            self.close()
            raise RuntimeError("grading was interrupted")
        if self.sandbox is not None:
            try:
                self.sandbox.attach(self._manager, self.startup)
            except RuntimeError:
                self.close()
                raise
        self._client = self._manager.client()
        self._client.start_channels()
        try:
            self._client.wait_for_ready(timeout=self.startup)
        except RuntimeError:
            self.close()
            raise
        self.alive = True
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def run(self, code: str, time_limit: float, keep: str = "") -> CellRun:
        """Run ``code``; keep the display data of MIME type ``keep``.

        A run past ``time_limit`` seconds is interrupted; if it does not stop within a few
        seconds more, the kernel is killed (status ``killed``, then ``dead`` from then on).
        """
        started = time.monotonic()
        outcome = CellRun()
        if not self.alive:
            outcome.status = "dead"
            return outcome
        msg_id = self._client.execute(code, store_history=False, allow_stdin=False)
        deadline, interrupted = started + time_limit, False
        while True:
            now = time.monotonic()
            if now > deadline:
                if interrupted:
                    self.close()
                    outcome.status = "killed"
                    break
                outcome.status, interrupted = "timeout", True
                with contextlib.suppress(Exception):
                    self._manager.interrupt_kernel()
                deadline = now + INTERRUPT_GRACE
            try:
                message = self._client.get_iopub_msg(timeout=min(0.5, max(0.01, deadline - now)))
            except queue.Empty:
                if not self._manager.is_alive():
                    self.close()
                    outcome.status = "dead"
                    break
                if self._replied(msg_id):  # its "idle" was lost in a flood of output
                    break
                continue
            if message["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "status" and content.get("execution_state") == "idle":
                break
            self._take(kind, content, outcome, keep)
        outcome.seconds = time.monotonic() - started
        return outcome

    def _replied(self, msg_id: str) -> bool:
        while True:
            try:
                reply = self._client.get_shell_msg(timeout=0)
            except queue.Empty:
                return False
            if reply["parent_header"].get("msg_id") == msg_id:
                return True

    def _take(self, kind: str, content: dict[str, Any], outcome: CellRun, keep: str) -> None:
        if kind == "error":
            if outcome.status == "ok":
                outcome.status = "error"
            outcome.error = f"{content.get('ename', '')}: {content.get('evalue', '')}"[:300]
            return
        if kind == "stream":
            size = len(content.get("text", ""))
            if len(outcome.text) < KEEP_TEXT:
                outcome.text += content.get("text", "")[: KEEP_TEXT - len(outcome.text)]
        elif kind in ("display_data", "execute_result", "update_display_data"):
            data = content.get("data", {})
            if keep and keep in data and isinstance(data[keep], dict):
                outcome.data.append(data[keep])
                return
            size = sum(len(str(value)) for value in data.values())
        else:
            return
        outcome.printed += size
        self.printed += size

    def kill(self) -> None:
        """Kill the kernel's process group, and every process it started that left it.

        Safe from any thread (it sends signals only): the thread running the kernel then
        finds it dead and closes it.
        """
        pid = getattr(getattr(self._manager, "provisioner", None), "pid", None)
        if pid is None:
            return
        if self.sandbox is not None:  # its first process's end ends every process in it,
            with contextlib.suppress(psutil.Error):  # and bubblewrap, which reaps it, at once
                for first in psutil.Process(pid).children():
                    first.kill()
                psutil.Process(pid).wait(timeout=5)
        family: list[psutil.Process] = []
        with contextlib.suppress(psutil.Error):
            family = psutil.Process(pid).children(recursive=True)
        if hasattr(os, "killpg"):
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
        for process in family:
            with contextlib.suppress(psutil.Error):
                process.kill()
        psutil.wait_procs(family, timeout=5)

    def close(self) -> None:
        """Kill the kernel and all it started, and close its channels. Idempotent; call it
        from the thread that runs the kernel (:meth:`kill` is for other threads)."""
        self.alive = False
        with self._open_lock:
            if self not in self._open:
                return
            self._open.discard(self)
        self.kill()
        if self._client is not None:
            self._client.stop_channels()
        with contextlib.suppress(Exception):
            self._manager.shutdown_kernel(now=True)
        with contextlib.suppress(Exception):
            self._manager.cleanup_resources()
