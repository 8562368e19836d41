"""Run the local API for a notebook: in a background thread, or in a process of its own
(:class:`ServerProcess`, kept in :mod:`lib.anilist.server_process` and importable from here).

Both are context managers that leave nothing behind on exit: no thread, no process, no socket::

    with LocalAniList(latency=0.2) as server:      # a thread of this kernel
        ...  # send requests to server.url

    with ServerProcess(latency=0.1) as server:     # its own process, so its own GIL
        ...

Both serve on asyncio's own event loop unless given ``loop="uvloop"`` (see
:mod:`lib.plumbing.event_loops`).
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any, Self

from lib.anilist.guards import check_bind_host, connect_host
from lib.anilist.server import (
    HOST,
    ServerConfig,
    ServerState,
    config_from,
    start_site,
    stop_site,
)
from lib.anilist.server_process import START_TIMEOUT, STOP_TIMEOUT, ServerProcess
from lib.plumbing import event_loops

__all__ = [
    "START_TIMEOUT",
    "STOP_TIMEOUT",
    "LocalAniList",
    "ServerProcess",
]


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
        self._initial_config = config_from(config, knobs)
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
