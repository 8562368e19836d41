"""The local AniList-compatible API, and the clients that talk to it.

One module a job; open the one a chapter names:

- ``catalogue``: the titles the API serves, and the answer bodies
- ``server``: the aiohttp application: parse a GraphQL query, answer it, the knobs
  (latency, jitter, failures, hangs, rate limit)
- ``__main__``: the server as a program of its own, ``python -m lib.anilist --port 8080``
  (``--loop uvloop`` for uvloop)
- ``guards``: what keeps it safe: loopback binding, error shapes, body limits, clients that
  hang up mid-request
- ``server_log``: what it logs about misbehaving clients: a malformed request in one line,
  a burst of hang-ups summarised once a second
- ``ratelimit``: the sliding window behind the 429 answers
- ``running``: ``LocalAniList`` (the server in a thread of the kernel) and ``ServerProcess``
  (the server in a process of its own), each on asyncio's own event loop or on uvloop
- ``server_process``: ``ServerProcess``, the server started with ``python -m lib.anilist``
- ``clients``: the blocking (requests) and async (aiohttp) clients
- ``polite``: a client that keeps few requests in flight and backs off as ``Retry-After`` says
- ``polite_trace``: watches a polite batch from outside: each attempt, retry and wait

Nothing is re-exported here on purpose: ``lib.anilist.clients`` is imported by every process
pool worker that fetches, and it should not pull in the server and its dependencies.
"""

__all__: list[str] = []
