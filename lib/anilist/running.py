"""Run the local API for a notebook: in a background thread, or in a process of its own.

Both are context managers that leave nothing behind on exit: no thread, no process, no socket::

    with LocalAniList(latency=0.2) as server:      # a thread of this kernel
        ...  # send requests to server.url

    with ServerProcess(latency=0.1) as server:     # its own process, so its own GIL
        ...

Both serve on asyncio's own event loop unless given ``loop="uvloop"`` (see
:mod:`lib.event_loops`).
"""

from __future__ import annotations

import asyncio
import queue
import subprocess
import sys
import threading
from typing import Any, Self

from lib import event_loops
from lib.anilist.__main__ import options
from lib.anilist.clients import admin_request
from lib.anilist.guards import check_bind_host, connect_host
from lib.anilist.server import HOST, ServerConfig, ServerState, start_site, stop_site

__all__ = [
    "START_TIMEOUT",
    "STOP_TIMEOUT",
    "LocalAniList",
    "ServerProcess",
]

START_TIMEOUT = 15.0  # seconds to wait for a server to come up before giving up
STOP_TIMEOUT = 10.0


def _config_from(config: ServerConfig | None, knobs: dict[str, Any]) -> ServerConfig:
    if config is not None and knobs:
        raise TypeError("pass either a ServerConfig or knobs as keywords, not both")
    return config if config is not None else ServerConfig(**knobs)


class LocalAniList:
    """The local API served from a background thread of this process.

    Use it as a context manager. Keyword arguments are
    :class:`lib.anilist.server.ServerConfig` knobs.
    It listens on 127.0.0.1; another ``host`` needs ``allow_remote=True``. ``loop`` is the
    event loop its thread runs: ``"asyncio"`` (the default) or ``"uvloop"``.

    Raises:
        ValueError: on a bad knob (from ``ServerConfig``), a non-loopback ``host``
            without ``allow_remote``, or an unknown ``loop``.
        ModuleNotFoundError: ``loop="uvloop"`` where uvloop is not installed (Windows).
        RuntimeError: if the server does not start, or its thread does not stop, in time.
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
        self._initial_config = _config_from(config, knobs)
        self._new_loop = event_loops.loop_factory(loop)
        self.loop = loop
        self.host = check_bind_host(host, allow_remote)
        self._allow_remote = allow_remote
        self._state: ServerState | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self.port: int | None = None

    @property
    def url(self) -> str:
        """The API's address, ``http://127.0.0.1:<port>/``. Raises RuntimeError if not running."""
        if self.port is None:
            raise RuntimeError("the server is not running: use it inside a `with` block")
        return f"http://{connect_host(self.host)}:{self.port}/"

    @property
    def config(self) -> ServerConfig:
        return self._state.config if self._state is not None else self._initial_config

    def start(self) -> Self:
        if self._thread is not None:
            raise RuntimeError("this server is already running")
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name="local-anilist", daemon=True)
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT):
            raise RuntimeError(f"the local API did not start within {START_TIMEOUT} s")
        if self._startup_error is not None:
            self._thread.join(STOP_TIMEOUT)
            self._thread = None
            raise RuntimeError("the local API failed to start") from self._startup_error
        return self

    def _run(self) -> None:
        # A loop of our own, not asyncio.run: a notebook may have patched asyncio.run.
        loop = self._new_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        finally:
            loop.close()

    async def _serve(self) -> None:
        try:
            self._state = ServerState(self._initial_config)
            self._stop = asyncio.Event()
            runner, self.port = await start_site(
                self._state, host=self.host, allow_remote=self._allow_remote
            )
        except BaseException as exc:
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await stop_site(self._state, runner)

    def stop(self) -> None:
        """Stop serving and wait for the thread to end. Safe to call twice."""
        if self._thread is None:
            return
        if self._loop is not None and self._stop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(STOP_TIMEOUT)
        if self._thread.is_alive():
            raise RuntimeError(f"the local API's thread did not stop within {STOP_TIMEOUT} s")
        self._thread = None
        self.port = None

    def _on_loop(self, action: Any) -> Any:
        """Run ``action()`` on the server's own thread and return its result."""
        if self._loop is None or self._thread is None:
            raise RuntimeError("the server is not running")

        async def call() -> Any:
            return action()

        return asyncio.run_coroutine_threadsafe(call(), self._loop).result(STOP_TIMEOUT)

    def reconfigure(self, **changes: Any) -> ServerConfig:
        """Change knobs while serving; the rate window and the random stream restart.

        Raises:
            TypeError: on an unknown knob.  ValueError: on a bad value.
        """
        state = self._state
        if state is None:
            raise RuntimeError("the server is not running")
        new_config = state.config.replace(**changes)
        self._on_loop(lambda: state.apply(new_config))
        return new_config

    def stats(self) -> dict[str, Any]:
        """Requests served so far, by HTTP status, and the peak number in flight."""
        if self._state is None:
            raise RuntimeError("the server has not started")
        return self._state.stats()

    def reset_stats(self) -> None:
        if self._state is None:
            raise RuntimeError("the server has not started")
        self._state.reset_stats()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self.port is not None else "not running"
        return f"<LocalAniList {where}>"


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
        self.config = _config_from(config, knobs)
        event_loops.loop_factory(loop)  # an unknown name, or no uvloop here: fail now
        self.loop = loop
        self.host = check_bind_host(host, allow_remote)
        self._allow_remote = allow_remote
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
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

        def read_output() -> None:
            if process.stdout is None:
                first_line.put("")
                return
            first_line.put(process.stdout.readline())
            for _ in process.stdout:  # keep draining: a full pipe would block the server
                pass

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
