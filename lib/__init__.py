"""Shared helpers for the *Concurrency in Python* book.

Each module has one job; open any of them beside the chapter that uses it:

- ``anilist``: the local AniList-compatible API (its catalogue, server, guards, rate limit,
  running it in a thread or a process) and the clients for it, the polite one included
- ``workloads``: the CPU-bound task, and a wall-time-versus-CPU-time classifier
- ``cpus``: how many cores this process may use
- ``gil``: watch CPU-bound threads take turns on the GIL; detect free-threaded builds
- ``timing``: timers that are correct for both functions and coroutines
- ``recorder``: who ran which task when, from threads, processes or asyncio tasks
- ``speedup``: ideal times, speed-ups and efficiency
- ``claims``, ``machine_load``: a sentence about a measurement, checked by the cell that
  measured it (strict or reader mode); how much of the CPU other programs took meanwhile
- ``plots``: the speed-up bar chart, the per-worker timeline, the sweep chart and the outcome
  histogram, one colour per model
- ``show``: display lib's own source in a notebook
- ``bank``, ``bank_trace``, ``startmethod``, ``childtasks``, ``pipeline``: the threading and
  multiprocessing chapters' shared account (and the same account, each step recorded),
  start-method switch, child-process workers and queue pipeline
- ``asyncio_tools``, ``fdlimits``: asyncio helpers and open-file limits
- ``event_loops``: run asyncio on its own event loop or on uvloop, where uvloop installs
- ``loop_sweep``, ``loop_profile``, ``loop_plots``: chapter 6's same requests on each event
  loop (in a thread of its own, CPU time measured), where a profile's time went by part of
  the program, and the two loops' charts, side by side and up to the CPU ceiling
- ``gc_tuning``: chapter 6's cycle collector during ten thousand requests in flight: the time
  it takes, and a block that freezes what was alive before and collects less often
- ``slow_steps``: read asyncio debug mode's reports of steps that held the event loop too long
- ``choose``, ``choose_reasons``, ``footprint``, ``workers``: the decision guide and the
  reasons it gives, memory per unit of concurrency, and importable pool workers (a blocking
  one-id fetch) for every start method
- ``comparison``: chapter 7's comparison table of the three models, worded from its
  measurements
- ``lazymap``, ``nested_loops``, ``task_tree``: how far ``Executor.map`` reads ahead (3.14's
  ``buffersize``), nest_asyncio in a child process, and a live task tree for
  ``python -m asyncio pstree``
- ``gil_plots``: chapter 2's charts of the threads' turns on the GIL, and of pools with their
  start-up
- ``multiprocessing_plots``: chapter 4's charts of what sending work to a process costs
- ``backlog``, ``cpu_use``: chapter 6's listen backlog that overflows (connections a second
  late), and the CPU time a block of code costs, here and in another process, and the
  CPU ceiling it sets
- ``coordination_plots``, ``flowchart``: chapter 6's queue and back-off charts, and
  chapter 7's decision tree
- ``choosing_plots``, ``mixing_plots``: chapter 7's charts: the four models side by side,
  memory per unit and as it grows, how far each scales, the decision tree; and the heartbeat
  of mixed models
- ``correct_threads_plots``: chapter 8's chart of a broken version's time beside its fix's
- ``log_capture``: what a logger reports inside a block (asyncio's "Task was destroyed but it
  is pending!"), for chapter 9 to print
- ``processes``, ``primes``: child processes still running, and stopping them for good; the
  prime counter that chapter 4's pool runs
- ``deadlock``, ``transfers``: locks that record who holds them, a watchdog that finds and
  breaks a deadlock, and accounts with a lock each for chapter 8's transfers
- ``interrupt_child``, ``ctrl_c_demos``: press Ctrl-C on a child program and report how it
  ended; the small programs chapter 8 interrupts
- ``cluster``: a Dask scheduler and workers as real processes on 127.0.0.1 (or the cluster
  named by ``BOOK_DASK_SCHEDULER``), stopped with nothing left behind
- ``cluster_work``, ``task_stream``, ``cluster_plots``: chapter 10's tasks and what they cost
  on a pool or a cluster, the scheduler's task stream as timeline spans, and its charts
- ``dask_tidy``: keep Dask's log lines out of the outputs, and stop the threads it leaves
- ``parent_watch``: run a module as a child process that ends when its parent does, even killed
- ``exercises``: each chapter's checkers, over their private harness
- ``grading``: for teachers: grade a class's submitted notebooks with those checkers
  (``make grade``), into a gradebook and a feedback page per student
"""

__all__: list[str] = []

__version__ = "0.1.0"
