"""The local API in a process of its own: ``ServerProcess``, started with ``python -m lib.anilist``.

A context manager that leaves nothing behind on exit: no process, no thread, no pipe. The
chapters import it from :mod:`lib.anilist.running`, beside :class:`LocalAniList`. What the
process logs (its standard error) is kept: :attr:`ServerProcess.output`.
"""

from __future__ import annotations

import collections
import queue
import subprocess
import sys
import threading
from typing import Any, Self

from lib.anilist.__main__ import options
from lib.anilist.clients import admin_request
from lib.anilist.guards import check_bind_host
from lib.anilist.server import HOST, ServerConfig, config_from
from lib.plumbing import event_loops

__all__ = ["OUTPUT_LINES", "START_TIMEOUT", "STOP_TIMEOUT", "ServerProcess"]

START_TIMEOUT = 15.0  # seconds to wait for a server to come up before giving up
STOP_TIMEOUT = 10.0
OUTPUT_LINES = 1000  # the last lines of the process's output that are kept


class ServerProcess:
    """The local API in a separate Python process, started with ``python -m lib.anilist``.

    Use this for the large-scale demos: a server in the kernel's own process would compete with
    the client for the GIL. Keyword arguments are :class:`lib.anilist.server.ServerConfig` knobs.
    It listens on 127.0.0.1; another ``host`` needs ``allow_remote=True``. The process raises
    its own limit on open files as far as the OS allows, so it can hold many connections.
    ``loop`` is the event loop it serves on: ``"asyncio"`` (the default) or ``"uvloop"``.

    Raises:
        ValueError: on a bad knob, a non-loopback ``host`` without ``allow_remote``, or an
            unknown ``loop``.
        ModuleNotFoundError: ``loop="uvloop"`` where uvloop is not installed (Windows).
        RuntimeError: if the process does not start in time (with what it printed).
    """

    def __init__(
        self,
        config: ServerConfig | None = None,
        *,
        host: str = HOST,
        allow_remote: bool = False,
        loop: str = "asyncio",
        **knobs: Any,
    ) -> None:
        self.config = config_from(config, knobs)
        event_loops.loop_factory(loop)  # an unknown name, or no uvloop here: fail now
        self.loop = loop
        self.host = check_bind_host(host, allow_remote)
        self._allow_remote = allow_remote
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        self._output: collections.deque[str] = collections.deque(maxlen=OUTPUT_LINES)
        self.url = ""

    def _command(self) -> list[str]:
        argv = options(self.config, self.host, self._allow_remote, self.loop)
        return [sys.executable, "-m", "lib.anilist", *argv]

    def start(self) -> Self:
        if self._process is not None:
            raise RuntimeError("this server is already running")
        process = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._process = process
        first_line: queue.Queue[str] = queue.Queue()
        output = self._output = collections.deque(maxlen=OUTPUT_LINES)

        def read_output() -> None:
            if process.stdout is None:
                first_line.put("")
                return
            first_line.put(process.stdout.readline())
            for line in process.stdout:  # keep draining: a full pipe would block the server
                output.append(line.rstrip("\n"))

        # readline() blocks, and pipes can't be polled on Windows: read in a helper thread,
        # which ends when the process closes its output.
        reader = threading.Thread(target=read_output, name="server-output", daemon=True)
        self._reader = reader
        reader.start()
        try:
            line = first_line.get(timeout=START_TIMEOUT)
        except queue.Empty:
            line = ""
        if not line.startswith("serving on "):
            self.stop()
            raise RuntimeError(f"the server process did not start: {line.strip() or 'no output'}")
        self.url = line.removeprefix("serving on ").strip()
        return self

    def stop(self) -> None:
        """Terminate the process and wait for it. Safe to call twice."""
        process, self._process = self._process, None
        if process is None:
            return
        process.terminate()
        try:
            process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(STOP_TIMEOUT)
        if self._reader is not None:
            self._reader.join(STOP_TIMEOUT)  # the output ends with the process
            self._reader = None
        if process.stdout is not None:
            process.stdout.close()
        self.url = ""

    @property
    def output(self) -> list[str]:
        """What the process printed after ``serving on``, its log: the last
        :data:`OUTPUT_LINES` lines, complete once it has stopped (kept until the next start)."""
        return list(self._output)

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        if self._process is None:
            raise RuntimeError("the server is not running")
        return admin_request(self.url, method, path, body, timeout=STOP_TIMEOUT)

    def reconfigure(self, **changes: Any) -> ServerConfig:
        """Change knobs while serving. Raises ValueError on a bad knob or value."""
        self.config = ServerConfig(**self._admin("POST", "/admin/config", changes))
        return self.config

    def stats(self) -> dict[str, Any]:
        stats: dict[str, Any] = self._admin("GET", "/stats")
        return stats

    def reset_stats(self) -> None:
        self._admin("DELETE", "/stats")

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<ServerProcess {self.url or 'not running'}>"
