"""Measuring tools, whatever the model: nothing here draws or teaches one.

- ``timing``, ``recorder``, ``speedup``: timers for functions and coroutines, who ran which
  task when, speed-ups and efficiency
- ``claims``, ``machine_load``: a sentence about a measurement, checked by the cell that
  measured it; how much of the CPU other programs took meanwhile
- ``cores``, ``cpu_use``, ``cpu_profile``: how many cores this process may use, the CPU time
  a block costs (here, in other processes, machine-wide), where a profile's time went
- ``memory``, ``units``: what one thread, process or task costs; bytes and durations in words
- ``loop_lag``: how late the event loop runs a timer, and debug mode's report, shortened
- ``asyncio_watch``, ``slow_steps``, ``dask_task_stream``: connections and samples while
  asyncio runs, asyncio debug mode's slow steps, the Dask scheduler's task stream as spans
"""

__all__: list[str] = []
