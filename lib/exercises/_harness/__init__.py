"""What the chapters' checkers run on; no chapter imports it directly.

- ``checking``: the result record (``Feedback``), ``call_bounded`` (every learner call under a
  time limit), ``exercise_check`` and the hints-not-tracebacks rules
- ``asyncio_runs``: running a learner's coroutine in a loop of its own, leftover tasks cancelled
- ``heartbeat``: a ticking task that shows whether the event loop was blocked
- ``interleaving``: forcing the thread switches that expose a race
- ``process_watch``: the child processes an answer started, stopped if left running
- ``gil_probe``: whether a call holds the GIL, and pretend interpreters
"""

__all__: list[str] = []
