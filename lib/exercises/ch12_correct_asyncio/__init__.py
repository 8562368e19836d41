"""Checkers for chapter 12, "Getting asyncio right".

Every async answer runs on an event loop of its own, in a thread (through ``call_bounded``),
under a deadline set inside that loop, and any task it left running is cancelled, so a check
leaves nothing behind. Exercise 12.3's answer is a plain function: the check runs an event
loop in a thread of its own and calls the answer from another thread.

The checks measure behaviour: which tasks the garbage collector destroyed, which fetchers
were still running when the answer returned, which loop and thread a coroutine ran on, and
which request id each step saw, when each line of a child's output arrived, and whether the
child was still running afterwards.

One module an exercise, over what they share (``_common``):

- ``run_in_background``: The check of exercise 12.1: background tasks that are never lost.
- ``first_answer``: The check of exercise 12.2: the first answer, and the others cancelled.
- ``call_from_thread``: The check of exercise 12.3: a coroutine run on the loop, from a plain
  thread.
- ``serve``: The check of exercise 12.4: request ids in a ContextVar, across tasks and a thread.
- ``child_lines``: The check of exercise 12.5: a child process's lines, streamed, and the child
  always ended.
"""

from __future__ import annotations

from lib.exercises.ch12_correct_asyncio.call_from_thread import check_call_from_thread
from lib.exercises.ch12_correct_asyncio.child_lines import check_child_lines
from lib.exercises.ch12_correct_asyncio.first_answer import check_first_answer
from lib.exercises.ch12_correct_asyncio.run_in_background import check_run_in_background
from lib.exercises.ch12_correct_asyncio.serve import check_serve

__all__ = [
    "check_call_from_thread",
    "check_child_lines",
    "check_first_answer",
    "check_run_in_background",
    "check_serve",
]
