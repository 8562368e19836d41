"""Checkers for the exercises at the end of each chapter: one module or package per chapter.

Each ``check_*`` function takes the learner's answer and returns a
:class:`~lib.exercises._harness.checking.Feedback`, which prints one line per case, with a hint
for each failure. A chapter whose checkers would not fit one short file is a package with one
module an exercise (``ch06_asyncio_basics/stopwatch.py``, ...); the chapters import the
``check_*`` functions from the package all the same.


- ``ch01_why_concurrency``: predicting speed-ups, the smallest pool, fetching titles
- ``ch02_gil``: reference counts, which calls overlap, a pool for Python work, hashing streams
- ``ch03_threading``: collecting every result, a safe account, processing every item
- ``ch04_multiprocessing``: worker counts, counting primes in parallel, Amdahl's best speed-up
- ``ch05_process_pipelines``: a saving pipeline, a sum in shared memory, a chunk size
- ``ch06_asyncio_basics``: a stopwatch for both kinds of function, fetching and saving
- ``ch07_asyncio_coordination``: a counted view, handling every request, fetching politely
- ``ch08_asyncio_at_scale``: a thousand ids through a few workers, the fastest loop here, how
  many in flight under the CPU ceiling
- ``ch09_choosing_a_model``: choosing a model, scoring everything, fetching with any model
- ``ch11_correct_threads``: transfers that cannot deadlock, the first answer, a worker that stops
- ``ch12_correct_asyncio``: background tasks never lost, the first answer, a coroutine from a
  thread, request ids in a ContextVar, a child's output streamed
- ``ch10_beyond_one_machine``: every result from a cluster, scattering once, one task per batch
- ``ch13_cancellation``: retries that never swallow a cancellation, jobs stopped at a deadline
- ``ch14_debugging``: an audit that cannot deadlock, a lookup that frees the loop, all stacks
- ``ch15_testing``: a test that catches a race, one that fails on a deadlock, a timeout's test
  on a virtual clock
- ``_harness``: what every checker runs on (private: a learner never needs to open it)
"""

__all__: list[str] = []
