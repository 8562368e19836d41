"""What the chapters' checkers run on; no chapter imports it directly.

- ``feedback``: how a check reports (``Feedback``, ``exercise_check``, one line per case)
- ``checking``: the one result record (``Run``), ``call_bounded`` (every learner call under a
  time limit), ``GRACE``, and the cases every check shares (a function was given, every
  request accounted for, the right type); it re-exports ``feedback``'s names
- ``asyncio_runs``: running a learner's coroutine in a loop of its own, leftover tasks cancelled
- ``async_answers``: an async answer run bounded on a fresh loop (``run_answer``,
  ``call_answer``), and a one-line hint for what it raised (``describe_error``)
- ``heartbeat``: a ticking task that shows whether the event loop was blocked
- ``interleaving``: forcing the thread switches that expose a race
- ``process_watch``: the child processes an answer started, stopped if left running, and a
  process pool that counts the jobs in it at once
- ``gil_probe``: whether a call holds the GIL, and pretend interpreters
- ``outcomes``: calls that return a slug or raise, and every outcome kept (``english_slug``,
  ``reference``, ``compare``, ``require_split``): what the checks of 3.1, 3.3 and 10.1 share
"""

__all__: list[str] = []
