"""Every figure the chapters draw, one colour per model; each module checks its data first.

- ``alt``: each figure's alt text, made from its data and stored inside its PNG
- ``common``: the recurring pictures (speed-up bars, a per-worker timeline, a sweep, outcome
  counts) and the book's colours
- ``gil``: chapter 2's turns on the GIL, and pools with their start-up
- ``processes``: chapter 5's cost of talking to a worker process
- ``coordination``: chapter 7's queue and back-off charts
- ``event_loops``: chapter 8's same requests on two event loops
- ``choosing``, ``mixing``, ``flowchart``: chapter 9's four models side by side, the
  heartbeat of mixed models, and the decision tree
- ``correct_threads``: chapter 11's broken version's time beside its fix's
- ``cluster``: chapter 10's cost of one task, and where a cluster pays off
"""

__all__: list[str] = []
