"""The check of exercise 14.3: every thread's name and the function it is running now.

The learner's ``dump_all_stacks()`` returns a dict: each live thread's name, mapped to the
name of the function of that thread's innermost Python frame. The check parks two threads,
one blocked on a lock inside :func:`hold_and_wait`, one waiting on an event (innermost:
``threading``'s own ``wait``), calls the answer from a third, and compares.
"""

from __future__ import annotations

import threading
from typing import Any

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    call_bounded,
    exercise_check,
    require_function,
    require_type,
)

__all__ = ["EXPECTED", "check_dump_all_stacks", "hold_and_wait", "idle"]

EXPECTED = {"stuck-on-lock": "hold_and_wait", "stuck-on-event": "wait"}
PAIR_HINT = "pair each frame of sys._current_frames() with its thread's name by ident"


def hold_and_wait(lock: threading.Lock, release: threading.Event) -> None:
    """Block on ``lock`` (held by the check) until ``release`` is set."""
    while not release.is_set():
        if lock.acquire(timeout=0.05):  # the innermost Python frame stays this one
            lock.release()
            return


def idle(release: threading.Event) -> None:
    """Wait on ``release``: the innermost Python frame is ``Event.wait``'s own."""
    release.wait(30)


def _describe(value: Any) -> str:
    kind = type(value).__name__
    return f"a {kind}" if kind in ("frame", "code", "FrameSummary", "StackSummary") else repr(value)


def _compare(stacks: dict[Any, Any]) -> None:
    keys = list(stacks)
    if keys and not any(isinstance(key, str) for key in keys):
        raise CaseFailed(f"the keys are {type(keys[0]).__name__}s, not thread names: {PAIR_HINT}")
    for name, expected in EXPECTED.items():
        if name not in stacks:
            raise CaseFailed(
                f"thread {name!r} is missing (got {sorted(map(str, keys))}): "
                "read every thread's frame, sys._current_frames(), not only your own"
            )
        got = stacks[name]
        if got == expected:
            continue
        if not isinstance(got, str):
            raise CaseFailed(
                f"{name!r} gave {_describe(got)}: give the function's name, frame.f_code.co_name"
            )
        if got in ("_bootstrap", "_bootstrap_inner", "run"):
            raise CaseFailed(
                f"{name!r} gave {got!r}, the outermost call: the thread's current frame, the "
                "one sys._current_frames() gives, is the innermost"
            )
        raise CaseFailed(f"{name!r} gave {got!r}, not {expected!r}: {PAIR_HINT}")


@exercise_check("Exercise 14.3: every thread's name and its current function")
def check_dump_all_stacks(
    checker: Checker, dump_all_stacks: Any, *, time_limit: float = 5.0
) -> None:
    """Park two threads, call the answer from a third, and compare its dict."""
    name = require_function(dump_all_stacks)
    lock, release = threading.Lock(), threading.Event()
    lock.acquire()
    parked = [
        threading.Thread(target=hold_and_wait, args=(lock, release), name="stuck-on-lock"),
        threading.Thread(target=idle, args=(release,), name="stuck-on-event"),
    ]
    try:
        for thread in parked:
            thread.daemon = True
            thread.start()
        stacks: Any = None
        with checker.case("two threads parked: each named, with its current function"):
            names = {thread.name for thread in threading.enumerate()}
            stacks = call_bounded(dump_all_stacks, time_limit=time_limit)
            require_type(stacks, dict, f"{name}()'s result")
            _compare(stacks)
        if not isinstance(stacks, dict):
            return  # nothing to look into further
        with checker.case("every other live thread is in it too, by its name"):
            missing = names & {thread.name for thread in threading.enumerate()} - set(stacks)
            if missing:
                raise CaseFailed(f"threads {sorted(missing)} are missing: give every live thread")
    finally:
        release.set()
        lock.release()
        for thread in parked:
            thread.join(5)
