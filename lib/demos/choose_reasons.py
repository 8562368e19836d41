"""The reasons that :func:`lib.demos.choose.choose_model` gives, worded once, by situation.

Each recommendation says why, in sentences a reader can check against the chapters: who else
computes in parallel, how to bound what is in flight, what shared state needs.
"""

from __future__ import annotations

__all__ = ["OTHER_POOL", "SHARED_STATE", "bound", "processes"]


def processes(count: int) -> str:
    """Say "1 process" or "N processes"."""
    return f"{count} process" if count == 1 else f"{count} processes"


# Who else computes in parallel, with the GIL on (True) and off (False), for a pool of {n}.
OTHER_POOL = {
    True: "from Python 3.14, an InterpreterPoolExecutor of {n} interpreters is an option too: "
    "a GIL each, inside one process, cheaper to start than processes, for pure-Python work "
    "whose modules support sub-interpreters (chapter 2)",
    False: "this Python runs without the GIL: a pool of {n} threads computes in parallel too, "
    "with no pickling and no process to start, if every library the work uses is safe "
    "without the GIL; guard shared data with locks (chapter 2)",
}


def bound(count: int, n: int, max_in_flight: int) -> str:
    """Why and how to bound ``n`` asyncio tasks at ``count`` in flight at once."""
    if n <= max_in_flight:
        return (
            f"bound it all the same: asyncio.Semaphore({count}), or the client's connection limit"
        )
    return (
        f"bound it: at most {count} of the {n} tasks in flight at once, with an "
        f"asyncio.Semaphore({count}) or the client's connection limit; unbounded, they run "
        "into the open-file limit and the server's"
    )


SHARED_STATE = {
    "threads": "shared state: guard each read-modify-write with a threading.Lock, because a "
    "thread can be switched out between any two bytecodes",
    "asyncio": "shared state: tasks switch only at an await, so an update with no await inside "
    "is safe; hold an asyncio.Lock across an await",
    "processes": "shared state: processes share no memory, so send inputs in and results back "
    "through the pool (pickled), or use multiprocessing.shared_memory",
    "cluster": "shared state: the workers share no memory, not even a machine: send inputs in "
    "and results back (scatter data that many tasks read)",
}
