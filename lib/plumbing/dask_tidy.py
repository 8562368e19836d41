"""What Dask's ``distributed`` leaves in the process of its client: log lines and threads.

:func:`quiet_distributed` keeps its informational log lines (a worker joined, a worker
left) out of the notebook's outputs; errors still show. :func:`stop_distributed_threads`
stops the two threads that ``distributed`` starts on first need in a client's process and
never stops, because they belong to module- or class-level executors, not to any client, so
closing the client leaves them running:

- ``Dask-Offload_0``, which (de)serialises a large message (over about 10 MiB);
- ``Dask-Callback-Thread_0``, which runs the functions given to ``Future.add_done_callback``.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import distributed.client
import distributed.utils

__all__ = [
    "quiet_distributed",
    "stop_distributed_threads",
]


def quiet_distributed() -> None:
    """Let distributed's loggers in this process report errors only (not its INFO lines)."""
    for name in ("distributed", "distributed.client", "distributed.worker", "tornado"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _started(executor: object) -> bool:
    return bool(getattr(executor, "_threads", True))  # True: unknown, stop it to be sure


def stop_distributed_threads() -> list[str]:
    """Stop distributed's offload and callback threads, where running; return what stopped.

    A fresh offload executor takes the old one's place, and ``distributed`` makes a new
    callback executor when it next needs one, so a client still open goes on working; each
    thread starts again only when needed. Call it after closing the clients, as
    ``lib.plumbing.cluster``'s ``close()`` does. Never raises.
    """
    stopped = []
    offload = distributed.utils._offload_executor
    if _started(offload):
        distributed.utils._offload_executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="Dask-Offload"
        )
        offload.shutdown(wait=True)
        stopped.append("Dask-Offload")
    future_class = distributed.client.Future
    callbacks = getattr(future_class, "_cb_executor", None)
    if callbacks is not None and _started(callbacks):
        future_class._cb_executor = None  # made again on the next add_done_callback
        callbacks.shutdown(wait=True)
        stopped.append("Dask-Callback-Thread")
    return stopped
