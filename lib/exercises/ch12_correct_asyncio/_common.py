"""What chapter 12's checkers share beyond the harness's async answers
(:mod:`lib.exercises._harness.async_answers`): an event loop running in a thread of its own,
for the answers that are called from another thread."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator

__all__ = [
    "loop_in_thread",
]

STOP_TIMEOUT = 2.0  # seconds for the loop's thread to end once asked


@contextlib.contextmanager
def loop_in_thread() -> Iterator[asyncio.AbstractEventLoop]:
    """An event loop running forever in a thread named ``check-loop``, for the block.

    When the block ends, whatever happened, every task still on the loop is cancelled, the
    loop stops, its thread is joined, and the loop is closed.

    Raises:
        RuntimeError: if the loop's thread does not start, or does not end in time.
    """
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.call_soon(started.set)
        loop.run_forever()

    thread = threading.Thread(target=run, name="check-loop", daemon=True)
    thread.start()
    if not started.wait(STOP_TIMEOUT):
        raise RuntimeError("the check's event loop did not start")
    try:
        yield loop
    finally:

        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=STOP_TIMEOUT / 2)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(cancel_all(), loop).result(STOP_TIMEOUT)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(STOP_TIMEOUT)
        if thread.is_alive():
            raise RuntimeError("the check's event loop did not stop")
        loop.close()
