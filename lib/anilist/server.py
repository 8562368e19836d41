"""A local, AniList-compatible GraphQL API, so every I/O demo in the book runs offline.

It answers ``POST /`` with AniList's response and error shapes, and has knobs for the things a
real network does to you: latency with seeded jitter, failures, hangs and a rate limit.
``GET /stats`` reports what it served; ``POST /admin/config`` changes the knobs while it runs.

Run it inside the kernel with :class:`lib.anilist.running.LocalAniList`, or as its own process
(the command line is :mod:`lib.anilist.__main__`)::

    python -m lib.anilist --port 8080 --latency 0.1

It listens on loopback only unless told otherwise (``--host ADDRESS --allow-remote``); its
guards against bad input and for binding live in :mod:`lib.anilist.guards`, and what it logs
about misbehaving clients (one line each, bursts summarised) in :mod:`lib.anilist.server_log`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from lib.anilist import guards
from lib.anilist.catalogue import JSON_UTF8, media_answer
from lib.anilist.guards import (
    BadBody,
    ClientGone,
    error_response,
    parse_media_id,
    read_json_body,
)
from lib.anilist.ratelimit import SlidingWindowLimiter
from lib.anilist.server_log import HangUpSummary, http_logger

__all__ = [
    "HOST",
    "LISTEN_BACKLOG",
    "LOG",
    "STATE",
    "ServerConfig",
    "ServerState",
    "answer_query",
    "build_app",
    "change_config",
    "config_from",
    "health",
    "loop_name",
    "reset_stats",
    "show_stats",
    "start_site",
    "stop_site",
]

LISTEN_BACKLOG = 4096
LOG = logging.getLogger(__name__)
HOST = guards.LOOPBACK  # the default: the book's server is not reachable from the network


@dataclass(frozen=True)
class ServerConfig:
    """The server's knobs. Times are in seconds, rates are fractions of requests (0 to 1).

    Raises:
        ValueError: on a negative time, a rate outside 0..1, or a rate limit below 1.
    """

    latency: float = 0.2
    jitter: float = 0.0  # each delay is drawn uniformly from latency ± jitter
    seed: int = 0
    failure_rate: float = 0.0  # answered with a 500
    hang_rate: float = 0.0  # answered only after hang_seconds: a client must time out
    hang_seconds: float = 3600.0
    rate_limit: int | None = None  # requests allowed per rate_window; None means no limit
    rate_window: float = 60.0

    def __post_init__(self) -> None:
        for name in ("latency", "jitter", "hang_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0 seconds, got {getattr(self, name)}")
        for name in ("failure_rate", "hang_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")
        if self.rate_limit is not None and self.rate_limit < 1:
            raise ValueError(f"rate_limit must be at least 1 or None, got {self.rate_limit}")
        if self.rate_window <= 0:
            raise ValueError(f"rate_window must be positive, got {self.rate_window}")

    def replace(self, **changes: Any) -> ServerConfig:
        """Return a copy with some knobs changed. Raises ``TypeError`` on an unknown knob."""
        return dataclasses.replace(self, **changes)


def config_from(config: ServerConfig | None, knobs: dict[str, Any]) -> ServerConfig:
    """``config``, or a ServerConfig of ``knobs`` (keyword arguments).

    Raises:
        TypeError: if given both.
        ValueError: on a bad knob value.
    """
    if config is not None and knobs:
        raise TypeError("pass either a ServerConfig or knobs as keywords, not both")
    return config if config is not None else ServerConfig(**knobs)


class ServerState:
    """Everything one running server knows. Lives on the server's event-loop thread."""

    def __init__(self, config: ServerConfig) -> None:
        self.stopping = asyncio.Event()
        self._stats_lock = threading.Lock()  # stats are read from other threads
        self.by_status: Counter[int] = Counter()
        self.disconnected = 0  # requests whose client hung up before it could be answered
        self.in_flight = 0
        self.peak_in_flight = 0
        self.hang_ups = HangUpSummary(LOG)  # the log's view of `disconnected`: bursts summarised
        self.apply(config)

    def apply(self, config: ServerConfig) -> None:
        """Switch to new knobs; the random stream and the rate window start afresh."""
        self.config = config
        self.rng = random.Random(config.seed)
        self.limiter = (
            SlidingWindowLimiter(config.rate_limit, config.rate_window)
            if config.rate_limit is not None
            else None
        )

    def stats(self) -> dict[str, Any]:
        with self._stats_lock:
            return {
                "requests": sum(self.by_status.values()),
                "by_status": {str(code): n for code, n in sorted(self.by_status.items())},
                "in_flight": self.in_flight,
                "peak_in_flight": self.peak_in_flight,
                "disconnected": self.disconnected,
            }

    def request_started(self) -> None:
        with self._stats_lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def request_finished(self, status: int) -> None:
        with self._stats_lock:
            self.in_flight -= 1
            self.by_status[status] += 1

    def client_gone(self) -> int:
        """Count a request whose client hung up before its answer; return the count so far."""
        with self._stats_lock:
            self.in_flight -= 1
            self.disconnected += 1
            return self.disconnected

    def reset_stats(self) -> None:
        with self._stats_lock:
            self.by_status.clear()
            self.disconnected = 0
            self.peak_in_flight = self.in_flight


STATE = web.AppKey("state", ServerState)


async def answer_query(request: web.Request) -> web.Response:
    state = request.app[STATE]
    state.request_started()
    status = 500  # what the stats say if the handler itself crashes or is cancelled
    try:
        response = await _answer(request, state)
        status = response.status
        return response
    except ClientGone as gone:
        # Normal on a network: counted, logged without a traceback (a burst in a line a
        # second). The empty answer goes nowhere (aiohttp drops a write to a closed connection).
        status = 0
        state.hang_ups.client_gone(str(gone), state.client_gone())
        return web.Response(status=499)
    finally:
        if status:
            state.request_finished(status)


async def _answer(request: web.Request, state: ServerState) -> web.Response:
    config = state.config
    headers: dict[str, str] = {}
    if state.limiter is not None:
        decision = state.limiter.check()
        headers = {
            "X-RateLimit-Limit": str(decision.limit),
            "X-RateLimit-Remaining": str(decision.remaining),
        }
        if not decision.allowed:
            headers["Retry-After"] = str(decision.retry_after)
            return error_response(429, "Too Many Requests.", headers)
    try:
        media_id = parse_media_id(await read_json_body(request))
    except BadBody as exc:
        return exc.answer(headers)
    except ValueError as exc:
        return error_response(400, str(exc), headers)

    # Draw every random number up front, in a fixed order, so a seed replays the same run.
    delay = max(0.0, config.latency + state.rng.uniform(-config.jitter, config.jitter))
    hangs = state.rng.random() < config.hang_rate
    fails = state.rng.random() < config.failure_rate
    await asyncio.sleep(delay)
    if request.transport is None:  # the client hung up while it waited: no one to answer
        raise ClientGone(request.remote or "a client")
    if hangs:
        with contextlib.suppress(TimeoutError):  # released early only by shutdown
            await asyncio.wait_for(state.stopping.wait(), config.hang_seconds)
    if fails:
        return error_response(500, "Internal Server Error.", headers)
    body = media_answer(media_id)
    if body is None:
        return error_response(404, "Not Found.", headers)
    return web.Response(body=body, headers={**headers, "Content-Type": JSON_UTF8})


async def show_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATE].stats())


async def reset_stats(request: web.Request) -> web.Response:
    request.app[STATE].reset_stats()
    return web.json_response(request.app[STATE].stats())


async def change_config(request: web.Request) -> web.Response:
    state = request.app[STATE]
    try:
        changes = await read_json_body(request)
        if not isinstance(changes, dict):
            raise ValueError("send a JSON object of knobs")
        state.apply(state.config.replace(**changes))
    except BadBody as exc:
        return exc.answer(prefix="Bad config: ")
    except (ValueError, TypeError) as exc:
        return error_response(400, f"Bad config: {exc}")
    return web.json_response(dataclasses.asdict(state.config))


def loop_name() -> str:
    """The kind of event loop running here, as :mod:`lib.plumbing.event_loops` names it."""
    module = type(asyncio.get_running_loop()).__module__
    return "uvloop" if module.partition(".")[0] == "uvloop" else "asyncio"


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "loop": loop_name()})


def build_app(state: ServerState) -> web.Application:
    """The aiohttp application, with the API at ``/`` and its admin routes beside it."""
    app = web.Application(middlewares=[guards.anilist_errors])
    app[STATE] = state
    app.router.add_post(guards.API_PATH, answer_query)
    app.router.add_get("/health", health)
    app.router.add_get("/stats", show_stats)
    app.router.add_delete("/stats", reset_stats)
    app.router.add_post("/admin/config", change_config)
    return app


async def start_site(
    state: ServerState, port: int = 0, host: str = HOST, allow_remote: bool = False
) -> tuple[web.AppRunner, int]:
    """Start serving on ``host`` (loopback by default); return the runner and the bound port.

    Raises:
        ValueError: if ``host`` is not loopback and ``allow_remote`` is false.
        OSError: if the port is taken.
    """
    guards.check_bind_host(host, allow_remote)
    # Its connections log to our own logger, which puts a malformed request in one line.
    app = build_app(state)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, logger=http_logger())
    await runner.setup()
    # A deep accept queue: a thousand clients connecting at once must not wait on SYN retries.
    site = web.TCPSite(runner, host, port, backlog=LISTEN_BACKLOG)
    await site.start()
    bound_port = runner.addresses[0][1]
    return runner, bound_port


async def stop_site(state: ServerState, runner: web.AppRunner) -> None:
    """Release hung requests, close every connection and the socket; log the last hang-ups."""
    state.stopping.set()
    await runner.cleanup()
    await asyncio.sleep(0)  # let the closed connections' callbacks run before the loop ends
    state.hang_ups.close()
