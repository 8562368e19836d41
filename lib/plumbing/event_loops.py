"""Which event loop asyncio runs on: its own, or uvloop where uvloop installs.

asyncio's event loop is replaceable. uvloop is a drop-in loop built on libuv (the library under
Node.js); it installs on Linux and macOS, not on Windows. From Python 3.11 an
:class:`asyncio.Runner` takes a ``loop_factory``, the function that makes the loop, so a
program picks its loop in one place::

    with asyncio.Runner(loop_factory=loop_factory("uvloop")) as runner:
        runner.run(main())

:func:`run` does exactly that. Names are ``"asyncio"`` (the default loop) and ``"uvloop"``.
A function that runs a loop of its own calls :func:`refuse_running_loop` first, to say where
it must be called instead.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

__all__ = [
    "LOOP_NAMES",
    "available_loops",
    "has_uvloop",
    "loop_factory",
    "refuse_running_loop",
    "run",
]

T = TypeVar("T")

LOOP_NAMES = ("asyncio", "uvloop")


def has_uvloop() -> bool:
    """Whether uvloop can be imported here (it has no Windows build)."""
    return importlib.util.find_spec("uvloop") is not None


def available_loops() -> tuple[str, ...]:
    """The loop names this machine can run: ``("asyncio", "uvloop")`` or ``("asyncio",)``."""
    return LOOP_NAMES if has_uvloop() else LOOP_NAMES[:1]


def loop_factory(name: str = "asyncio") -> Callable[[], asyncio.AbstractEventLoop]:
    """The function that makes a new event loop of the kind ``name``.

    Raises:
        ValueError: ``name`` is not one of :data:`LOOP_NAMES`.
        ModuleNotFoundError: ``name`` is ``"uvloop"`` and uvloop is not installed (Windows).
    """
    if name not in LOOP_NAMES:
        raise ValueError(f"loop must be one of {', '.join(LOOP_NAMES)}, not {name!r}")
    if name == "asyncio":
        return asyncio.new_event_loop
    if not has_uvloop():
        raise ModuleNotFoundError(
            "uvloop is not installed here (it has no Windows build); use loop='asyncio'",
            name="uvloop",
        )
    import uvloop

    factory: Callable[[], asyncio.AbstractEventLoop] = uvloop.new_event_loop
    return factory


def refuse_running_loop(caller: str) -> None:
    """Check that no event loop runs in this thread, for ``caller``, which runs one of its own.

    Raises:
        RuntimeError: an event loop is running in this thread (in a notebook, say); the message
            names ``caller`` and says to call it in a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return  # no loop runs in this thread: good
    raise RuntimeError(
        f"{caller} runs its own event loop: call it where none runs, in a thread of its own"
    )


def run(coroutine: Coroutine[Any, Any, T], loop: str = "asyncio") -> T:
    """Run ``coroutine`` to the end on a new event loop of the kind ``loop``, and close it.

    Like :func:`asyncio.run`, it must be called where no event loop is running (a thread of
    its own, in a notebook).

    Raises:
        ValueError: ``loop`` is not one of :data:`LOOP_NAMES`.
        ModuleNotFoundError: ``loop`` is ``"uvloop"`` and uvloop is not installed.
        RuntimeError: an event loop is already running in this thread.
    """
    try:
        factory = loop_factory(loop)
    except BaseException:
        coroutine.close()  # never awaited: close it, so Python does not warn about it
        raise
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coroutine)
