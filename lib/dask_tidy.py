"""What Dask's ``distributed`` leaves in the process of its client: log lines and a thread.

:func:`quiet_distributed` keeps its informational log lines (a worker joined, a worker
left) out of the notebook's outputs; errors still show. :func:`stop_offload_thread` stops the
thread, ``Dask-Offload_0``, that ``distributed`` starts the first time a client (or worker)
serialises or deserialises a large message (over about 10 MiB) and never stops: it belongs to
a module-level executor, not to any client, so closing the client leaves it running.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import distributed.utils

__all__ = [
    "quiet_distributed",
    "stop_offload_thread",
]


def quiet_distributed() -> None:
    """Let distributed's loggers in this process report errors only (not its INFO lines)."""
    for name in ("distributed", "distributed.client", "distributed.worker", "tornado"):
        logging.getLogger(name).setLevel(logging.ERROR)


def stop_offload_thread() -> bool:
    """Stop distributed's offload thread, if it runs, and return whether it did.

    A fresh executor takes the old one's place, so a client still open goes on working: its
    thread starts only when a large message needs it. Call it after closing the clients, as
    ``lib.cluster``'s ``close()`` does. Never raises.
    """
    old = distributed.utils._offload_executor
    if not getattr(old, "_threads", True):  # no thread started yet
        return False
    distributed.utils._offload_executor = ThreadPoolExecutor(
        max_workers=1, thread_name_prefix="Dask-Offload"
    )
    old.shutdown(wait=True)
    return True
