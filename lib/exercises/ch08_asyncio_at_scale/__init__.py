"""Checkers for chapter 8, "asyncio at scale".

Exercise 8.1's answer runs on an event loop of its own, in a thread (``run_answer``), under a
deadline set inside that loop, against a local server that counts the requests in flight;
any task it left running is cancelled. Exercise 8.2's answer is a plain function that runs
a loop itself, so the check calls it in a thread where no loop runs, with uvloop replaced by
the check's stand-in, or made impossible to import. Exercise 8.3's answer is arithmetic.

The checks measure behaviour: the server's ``peak_in_flight``, the tasks alive as each
request starts, the loop each ``main`` ran on and whether it was closed, and the smallest
number in flight for a rate against the CPU ceiling.

One module an exercise:

- ``fetch_many``: The check of exercise 8.1: a thousand ids, a fixed number of workers.
- ``fastest_loop``: The check of exercise 8.2: uvloop where it installs, asyncio's loop
  elsewhere.
- ``in_flight``: The check of exercise 8.3: how many in flight, and is it possible at all.
"""

from __future__ import annotations

from lib.exercises.ch08_asyncio_at_scale.fastest_loop import check_run_on_fastest_loop
from lib.exercises.ch08_asyncio_at_scale.fetch_many import check_fetch_many
from lib.exercises.ch08_asyncio_at_scale.in_flight import check_in_flight_needed

__all__ = [
    "check_fetch_many",
    "check_in_flight_needed",
    "check_run_on_fastest_loop",
]
