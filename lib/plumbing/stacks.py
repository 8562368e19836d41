"""Every thread's stack, from inside the program: what ``faulthandler`` prints, as a string.

:func:`thread_stacks` pairs ``threading.enumerate()`` (names) with ``sys._current_frames()``
(frames), and :func:`format_all_stacks` formats them, most recent call last, as tracebacks do.
"""

from __future__ import annotations

import sys
import threading
import traceback
from pathlib import Path

__all__ = ["format_all_stacks", "thread_stacks"]


def thread_stacks(skip: int = 0) -> dict[str, traceback.StackSummary]:
    """Each live thread's name and its stack, outermost call first. Never raises.

    The calling thread's stack ends where this function was called, less ``skip`` more
    frames (a script run by ``sys.remote_exec`` leaves its own frame out with ``skip=1``).
    """
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    frames = sys._current_frames()
    caller = sys._getframe(1)
    for _ in range(skip):
        caller = caller.f_back or caller
    frames[threading.get_ident()] = caller
    return {
        names.get(ident, f"thread {ident}"): traceback.extract_stack(frame)
        for ident, frame in frames.items()
    }


def format_all_stacks(last: int = 1, only: str = "", skip: int = 0) -> str:
    """Each thread's name, then its ``last`` innermost frames as ``file:line in function``
    and the line's source; only the threads whose names start with ``only``; ``skip`` as for
    :func:`thread_stacks`. Never raises."""
    lines = []
    for name, stack in sorted(thread_stacks(skip + 1).items()):
        if not name.startswith(only):
            continue
        lines.append(f"Thread {name!r}:")
        for frame in stack[-last:]:
            lines.append(f"  {Path(frame.filename).name}:{frame.lineno} in {frame.name}")
            lines.append(f"      {(frame.line or '').strip()}")
    return "\n".join(lines)
