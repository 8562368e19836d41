"""Python's cycle collector during a burst of live objects: what it costs, and how to cheapen it.

Each collection walks the live objects of the generations it collects, and a full one walks
all of them; ten thousand requests in flight are hundreds of thousands of live objects, so
the collector's time grows with the burst. :class:`CollectorTime` measures it (through
:data:`gc.callbacks`); :func:`fewer_collections` is what long-running services do about it,
for one block only::

    with CollectorTime() as collector, fewer_collections():
        await asyncio.gather(*requests)
    print(collector.seconds, collector.count, collector.full)
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

__all__ = ["YOUNG_THRESHOLD", "CollectorTime", "fewer_collections"]

#: Allocations between two collections of the youngest generation inside the block
#: (Python's default is 700 up to 3.12, 2,000 from 3.13).
YOUNG_THRESHOLD = 50_000


class CollectorTime:
    """The CPU time Python's cycle collector takes in this process while the block runs.

    ``seconds`` is the total, ``count`` the number of collections, ``full`` those of the
    oldest generation (each walks every live object the collector tracks, so its cost grows
    with the requests in flight). Timed with :func:`time.process_time`, so a busy machine does
    not inflate it. Not reentrant: one block per instance at a time.
    """

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0
        self.full = 0
        self._began = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._began = time.process_time()
            return
        self.seconds += time.process_time() - self._began
        self.count += 1
        self.full += info["generation"] == 2

    def __enter__(self) -> Self:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc_info: object) -> None:
        gc.callbacks.remove(self._callback)


@contextmanager
def fewer_collections(young: int = YOUNG_THRESHOLD, *, freeze: bool = True) -> Iterator[None]:
    """Make the collector cheap for a burst of objects that live until the block ends.

    With ``freeze``, the objects alive on entry are moved out of every collection
    (:func:`gc.freeze`) and back on exit (:func:`gc.unfreeze`), so no collection in the block
    walks them; that is skipped if something is frozen already (a server that froze its
    start-up), whose frozen objects stay as they are. The youngest generation is collected
    every ``young`` allocations instead of the default, so objects of the burst are promoted,
    and the older generations collected, far less often. On exit, even by an exception (which
    propagates), the thresholds are restored exactly. Both settings are the process's: other
    threads see them while the block runs. Garbage made in the block is freed later, so the
    process holds more memory for a while.

    Raises:
        ValueError: if ``young`` is not a positive whole number.
    """
    if isinstance(young, bool) or not isinstance(young, int) or young < 1:
        raise ValueError(f"young must be a positive number of allocations, got {young!r}")
    thresholds = gc.get_threshold()
    freezing = freeze and gc.get_freeze_count() == 0
    if freezing:
        gc.freeze()
    try:
        gc.set_threshold(young, *thresholds[1:])
        yield
    finally:
        gc.set_threshold(*thresholds)
        if freezing:
            gc.unfreeze()
