"""Checkers for chapter 14, "Debugging concurrent programs".

Exercise 14.1's books carry locks from :mod:`lib.demos.deadlock`, so an answer that deadlocks
is reported (who held what) and broken instead of hanging; exercise 14.2's coroutine runs on a
fresh event loop beside a heartbeat that measures how long the loop was kept from its timers;
exercise 14.3's function is called from a thread of its own while two others are parked.

One module an exercise:

- ``audit``: The check of exercise 14.1: an audit that cannot deadlock with the payroll.
- ``lookup``: The check of exercise 14.2: a lookup that does not block the event loop.
- ``stacks``: The check of exercise 14.3: every thread's name and the function it is running now.
"""

from __future__ import annotations

from lib.exercises.ch14_debugging.audit import check_audit
from lib.exercises.ch14_debugging.lookup import check_lookup
from lib.exercises.ch14_debugging.stacks import check_dump_all_stacks

__all__ = ["check_audit", "check_dump_all_stacks", "check_lookup"]
