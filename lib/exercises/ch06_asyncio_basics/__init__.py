"""Checkers for chapter 6, "asyncio: the event loop and the async client".

Every answer here is async. Each check awaits it on a fresh event loop in a thread of its own
(through :func:`~lib.exercises._harness.checking.call_bounded`), never on the notebook's loop, so
the checks work the same before and after ``nest_asyncio2.apply()``, and a hanging answer costs
seconds. After each answer, the check cancels any task the answer left behind and closes any
aiohttp session it left open, so nothing it does outlives the check.

What the checks measure, and why it cannot flake:

- 5.1 compares the learner's measured seconds with the time the timed coroutine measured
  from the inside (a lower bound) and the time the whole awaited call took (an upper bound).
- 5.2 counts the aiohttp sessions the answer creates on the check's loop (by wrapping
  ``aiohttp.ClientSession.__init__`` while it runs), and asks the server how many requests
  were in flight at once; neither is a timing.
- 5.3 runs a heartbeat task beside the answer that asks to wake every 10 ms and records how
  late it woke. A loop blocked by the check's 0.5 s ``save`` wakes it late by 0.5 s for each
  of the four ids, 2 s in all; the check fails only if the late wake-ups (those over 0.1 s)
  add up to a full second, which a free loop does not come near even on a loaded machine (a
  free loop's run is over in about 0.6 s). Its client is an in-loop stand-in for
  ``AsyncAniListClient``, so no server thread competes with the loop for the GIL.

One module an exercise:

- ``stopwatch``: Exercise 6.1, time a coroutine correctly
- ``fetch_titles``: Exercise 6.2, many requests on one session
- ``fetch_and_save``: Exercise 6.3, find the call that blocks the event loop
"""

from __future__ import annotations

from lib.exercises.ch06_asyncio_basics.fetch_and_save import check_fetch_and_save
from lib.exercises.ch06_asyncio_basics.fetch_titles import check_fetch_titles
from lib.exercises.ch06_asyncio_basics.stopwatch import check_measured, check_stopwatch

__all__ = [
    "check_fetch_and_save",
    "check_fetch_titles",
    "check_measured",
    "check_stopwatch",
]
