"""Checkers for chapter 7, "asyncio: coordinating many tasks".

Every answer runs on an event loop of its own, in a thread (through ``call_bounded``), under
a deadline set *inside* that loop: an answer that waits forever is cancelled there, and any
task it left running is cancelled too, so a check leaves nothing behind. Only an answer that
blocks the loop itself (a ``time.sleep`` in an ``async def``) needs ``call_bounded``'s own,
outer time limit.

The checks measure behaviour: lost updates of a counter under a forced interleaving, how
often each item was handled and how far the producer ran ahead, and the server's own
``peak_in_flight`` and count of 429 answers.

One module an exercise, over the shared harness (``lib.exercises._harness.async_answers``
runs an async answer on a loop of its own and reads what it raised):

- ``count_view``: The check of exercise 7.1: a counter that loses no update.
- ``handle_all``: The check of exercise 7.2: a bounded queue whose consumers all stop.
- ``fetch_all``: The check of exercise 7.3: three at a time, and honour Retry-After.
"""

from __future__ import annotations

from lib.exercises.ch07_asyncio_coordination.count_view import check_count_view
from lib.exercises.ch07_asyncio_coordination.fetch_all import check_fetch_all
from lib.exercises.ch07_asyncio_coordination.handle_all import check_handle_all

__all__ = [
    "check_count_view",
    "check_fetch_all",
    "check_handle_all",
]
