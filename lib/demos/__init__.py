"""The programs the chapters run and take apart.

- ``workloads``: the CPU-bound task, and a wall-time-versus-CPU-time classifier
- ``gil``: watch CPU-bound threads take turns on the GIL; detect free-threaded builds
- ``bank``, ``bank_trace``, ``map_readahead``: chapter 3's shared account (and the same account,
  each step recorded), and how far ``Executor.map`` reads ahead
- ``primes``, ``process_tasks``: chapters 4 and 5's prime counter and child-process workers
- ``pipeline``, ``shared_sums``: chapter 5's queue pipeline, and workers that read shared memory
- ``nested_loops``, ``task_tree``: chapter 6's nest_asyncio in a child process, and a live
  task tree for ``python -m asyncio pstree``
- ``listen_backlog``, ``gc_tuning``, ``loop_sweep``: chapter 8's listen backlog that overflows, the
  cycle collector under ten thousand requests, and the same requests on each event loop
- ``choose``, ``choose_reasons``, ``comparison``, ``blocking_fetch``: chapter 9's decision guide and
  its reasons, the comparison table of the three models (and chapter 10's cluster column),
  importable pool workers
- ``deadlock``, ``account_transfers``, ``interrupt_child``, ``ctrl_c_demos``: chapter 11's locks
  that record who holds them and the watchdog, accounts with a lock each, and Ctrl-C on a child
- ``hung_programs``, ``hung_child``: chapter 14's programs that hang for real (a deadlock, tasks
  that await each other), and a child process of one, looked into and always stopped
- ``cluster_work``: chapter 10's tasks and what they cost on a pool or a cluster
- ``cancellation``: chapter 13's server that stops gracefully, its clients, and a stuck job
- ``under_test``, ``virtual_clock``: chapter 15's code under test (a deadlock, a save in the
  background, a timeout), and an event loop whose clock jumps from timer to timer
"""

__all__: list[str] = []
