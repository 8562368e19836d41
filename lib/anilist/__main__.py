"""The local API as a program of its own: ``python -m lib.anilist --port 8080 --latency 0.1``.

It serves until it is sent SIGINT or SIGTERM (Ctrl+C), printing ``serving on URL`` once it
listens; :class:`lib.anilist.running.ServerProcess` starts it and reads that line. Every knob of
:class:`lib.anilist.server.ServerConfig` is an option (``--help`` lists them), and
``--loop uvloop`` serves on uvloop instead of asyncio's own loop (:mod:`lib.plumbing.event_loops`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import signal
from typing import NamedTuple

from lib.anilist import guards
from lib.anilist.server import HOST, ServerConfig, ServerState, start_site, stop_site
from lib.plumbing import event_loops
from lib.plumbing.fdlimits import raise_open_file_limit

__all__ = [
    "YOUNG_COLLECTION_EVERY",
    "Command",
    "main",
    "options",
    "parse_args",
    "parse_command_line",
    "tune_garbage_collector",
]

#: Allocations between two collections of the youngest generation in the server program
#: (Python's default is 700).
YOUNG_COLLECTION_EVERY = 10_000


class Command(NamedTuple):
    """What the command line asked for."""

    config: ServerConfig
    port: int
    host: str = HOST
    allow_remote: bool = False
    loop: str = "asyncio"


async def _serve_until_signalled(command: Command) -> None:
    state = ServerState(command.config)
    runner, bound_port = await start_site(state, command.port, command.host, command.allow_remote)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Windows has no add_signal_handler: Ctrl+C and terminate() end the process directly.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    print(f"serving on http://{guards.connect_host(command.host)}:{bound_port}/", flush=True)
    try:
        await stop.wait()
    finally:
        await stop_site(state, runner)


def options(
    config: ServerConfig, host: str = HOST, allow_remote: bool = False, loop: str = "asyncio"
) -> list[str]:
    """The command-line options that start a server with ``config`` on a free port, on the
    event loop ``loop``: the inverse of :func:`parse_command_line`, for
    :class:`lib.anilist.running.ServerProcess`."""
    argv = ["--port", "0", "--host", host, *(["--allow-remote"] if allow_remote else [])]
    argv += ["--loop", loop]
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if value is not None:
            argv += ["--" + field.name.replace("_", "-"), str(value)]
    return argv


def parse_command_line(argv: list[str] | None = None) -> Command:
    """Read the command line into a :class:`Command`. Exits with a message on bad input."""
    defaults = ServerConfig()
    parser = argparse.ArgumentParser(
        prog="python -m lib.anilist",
        description="Serve the book's local AniList-compatible API.",
    )
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--host", default=HOST, help=f"address to listen on (default {HOST})")
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a --host other than loopback"
    )
    parser.add_argument(
        "--loop",
        choices=event_loops.LOOP_NAMES,
        default="asyncio",
        help="the event loop to serve on (default asyncio; uvloop where it installs)",
    )
    parser.add_argument("--latency", type=float, default=defaults.latency)
    parser.add_argument("--jitter", type=float, default=defaults.jitter)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--failure-rate", type=float, default=defaults.failure_rate)
    parser.add_argument("--hang-rate", type=float, default=defaults.hang_rate)
    parser.add_argument("--hang-seconds", type=float, default=defaults.hang_seconds)
    parser.add_argument("--rate-limit", type=int, default=None)
    parser.add_argument("--rate-window", type=float, default=defaults.rate_window)
    args = vars(parser.parse_args(argv))
    port, host, allow_remote = args.pop("port"), args.pop("host"), args.pop("allow_remote")
    loop = args.pop("loop")
    if not 0 <= port <= 65535:
        parser.error(f"--port must be between 0 and 65535, got {port}")
    try:
        event_loops.loop_factory(loop)  # uvloop missing (Windows): say so before serving
        return Command(
            ServerConfig(**args),
            port,
            guards.check_bind_host(host, allow_remote),
            allow_remote,
            loop,
        )
    except (ValueError, ModuleNotFoundError) as exc:
        parser.error(str(exc))
        raise  # unreachable: parser.error exits


def parse_args(argv: list[str] | None = None) -> tuple[ServerConfig, int]:
    """The config and the port from the command line. Exits with a message on bad input."""
    command = parse_command_line(argv)
    return command.config, command.port


def tune_garbage_collector() -> None:
    """Make Python's cycle collector cheaper for a server with thousands of requests in flight.

    Every request in flight is a few dozen live objects, and each collection walks the live
    objects of its generations: with thousands in flight and the defaults, the collector took
    about a quarter of this program's CPU. So the objects that start-up made, which live as
    long as the program, are frozen out of every collection (:func:`gc.freeze`), and the
    youngest generation is collected every :data:`YOUNG_COLLECTION_EVERY` allocations. Only
    the server program does this (:func:`main`): a server in a notebook's thread shares the
    kernel's collector, and leaves it as it is.
    """
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_EVERY, middle, oldest)


def main(argv: list[str] | None = None) -> None:
    command = parse_command_line(argv)
    raise_open_file_limit()  # a process of its own may hold thousands of connections
    tune_garbage_collector()
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C where signals can't be handled
        event_loops.run(_serve_until_signalled(command), command.loop)


if __name__ == "__main__":
    main()
