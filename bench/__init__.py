"""Benchmarks for the book: are its speed-ups near the ideal, and is the book itself fast?

Run from the repository root::

    .venv/bin/python -m bench            # everything (several minutes)
    .venv/bin/python -m bench --quick    # skip notebooks, nbval, build, suite
    .venv/bin/python -m bench --only threads --only cpu

It writes ``_build/bench/report.json`` and ``_build/bench/report.md`` and prints the table.
A partial run (``--only``/``--quick``) updates its rows and keeps the others from earlier runs.

Every figure is a ratio, an efficiency or a time measured within one run, reported as the
median of several repeats, so that it means something on a noisy machine. Where a target is
missed, the row's note gives the reason as measured: client and server CPU time, the load on
the machine, a profile of the client.

The claim benchmarks run what the chapters run: lib's clients, servers, CPU task, timers,
recorder and speed-up arithmetic, so a chapter cannot regress while its benchmark passes.
One module a job:

- ``config``: where the bench runs and writes, and what its suites share
- ``report``: one row (:class:`~bench.report.Result`) and the Markdown table
- ``probes``: what the machine says while a benchmark runs: CPU time, time spent waiting
  for a CPU, listen-queue overflows, the load average, a profile
- ``loadgen``: the server benchmark's load generator (``python -m bench.loadgen``)
- ``suites``: the benchmarks themselves, and the registry of them, in report order
- ``cli``: the command line: run the chosen benchmarks, merge and write the report

Importing this package imports none of them, so that ``python -m bench.loadgen`` stays light.
"""

__all__: list[str] = []
