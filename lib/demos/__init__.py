"""The programs the chapters run and take apart.

- ``workloads``: the CPU-bound task, and a wall-time-versus-CPU-time classifier
- ``gil``: watch CPU-bound threads take turns on the GIL; detect free-threaded builds
- ``bank``, ``bank_trace``, ``map_readahead``: chapter 3's shared account (and the same account,
  each step recorded), and how far ``Executor.map`` reads ahead
- ``primes``, ``process_tasks``: chapters 4 and 5's prime counter and child-process workers
- ``pipeline``, ``shared_sums``: chapter 5's queue pipeline, and workers that read shared memory
- ``nested_loops``, ``task_tree``: chapter 6's nest_asyncio in a child process, and a live
  task tree for ``python -m asyncio pstree``
- ``listen_backlog``, ``gc_tuning``, ``loop_sweep``: chapter 7's listen backlog that overflows, the
  cycle collector under ten thousand requests, and the same requests on each event loop
- ``choose``, ``choose_reasons``, ``comparison``, ``blocking_fetch``: chapter 9's decision guide and
  its reasons, the comparison table of the three models, importable pool workers
- ``deadlock``, ``account_transfers``, ``interrupt_child``, ``ctrl_c_demos``: chapter 11's locks
  that record who holds them and the watchdog, accounts with a lock each, and Ctrl-C on a child
- ``cluster_work``: chapter 10's tasks and what they cost on a pool or a cluster
"""

__all__: list[str] = []
