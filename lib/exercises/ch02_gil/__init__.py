"""Checkers for chapter 2, "The GIL".

Every reference is measured or computed here, independently of the learner's answer: the
reference counts by running each line, the digests with one plain ``hashlib`` call per
buffer, and whether code lets go of the GIL with :func:`gil_lockout`, which watches a probe
thread rather than a stopwatch. A speed-up depends on free cores, which a busy or one-core
machine lacks; a thread locked out of Python by the GIL looks the same everywhere. On a
free-threaded kernel with the GIL off, nothing is ever locked out, so exercise 2.2's calls are
measured in a child Python started with the GIL on (``-X gil=1``).

One module an exercise:

- ``refcount_changes``: The check of exercise 2.1: count the references.
- ``overlap_predictions``: The check of exercise 2.2: which calls can threads overlap?
- ``pool_for_python_work``: The check of exercise 2.3: a pool for pure-Python work.
- ``sha256_streams``: The check of exercise 2.4: hash many streams at once.
"""

from __future__ import annotations

from lib.exercises.ch02_gil.overlap_predictions import check_overlap_predictions
from lib.exercises.ch02_gil.pool_for_python_work import check_pool_for_python_work
from lib.exercises.ch02_gil.refcount_changes import check_refcount_changes
from lib.exercises.ch02_gil.sha256_streams import check_sha256_streams

__all__ = [
    "check_overlap_predictions",
    "check_pool_for_python_work",
    "check_refcount_changes",
    "check_sha256_streams",
]
