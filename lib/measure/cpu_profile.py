"""Where a batch of requests spent its CPU time, by part of the program, from a cProfile run.

``cProfile`` reports the time spent in each function itself (its *own* time, ``tottime``).
:func:`where_time_goes` adds those times up by the part of the program the function belongs
to (:data:`PARTS`), so two runs of the same requests, on asyncio's own loop and on uvloop,
compare in a few lines instead of two long listings. The parts are told apart by the file a
function lives in, or, for compiled code, by its name:

- ``"the event loop"``: asyncio's modules (the default loop is written in Python, and
  ``Runner.run`` is where cProfile puts the time of a loop that is compiled, as uvloop is),
  ``selectors``, and the system calls the default loop makes from Python (``epoll``, socket
  ``send`` and ``recv``);
- ``"aiohttp"``: the HTTP client and its helpers (``multidict``, ``yarl``, ``propcache``);
- ``"JSON"``: encoding the requests and decoding the answers;
- ``"the book's code"``: ``lib``, the client and the loop that sends the batch;
- ``"everything else"``.
"""

from __future__ import annotations

import os
import pstats
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "LIB_FOLDER",
    "NEGATIVE_TOLERANCE",
    "PARTS",
    "format_shares",
    "part_of",
    "where_time_goes",
]

PARTS = ("the event loop", "aiohttp", "JSON", "the book's code", "everything else")

_LOOP_FILE = re.compile(r"[/\\](asyncio[/\\][^/\\]+|selectors)\.py$")
_LOOP_BUILTIN = re.compile(r"select\.epoll|select\.kqueue|select\.select|_socket\.socket|uvloop")
_AIOHTTP = re.compile(r"aiohttp|multidict|yarl|propcache")
_JSON = re.compile(r"[/\\]json[/\\]|_json|orjson")
#: Own time this far below zero is the clock's rounding; further is a broken profile (seconds).
NEGATIVE_TOLERANCE = 1e-6
#: Where this package, ``lib``, lives: its files are the book's code.
LIB_FOLDER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def part_of(filename: str, function: str) -> str:
    """Which of :data:`PARTS` the function ``function`` of ``filename`` belongs to.

    ``filename`` and ``function`` are as ``pstats`` gives them: ``"~"`` and
    ``"<method 'poll' of 'select.epoll' objects>"`` for compiled code.
    """
    where = f"{filename} {function}"
    if _LOOP_FILE.search(filename) or (filename == "~" and _LOOP_BUILTIN.search(function)):
        return "the event loop"
    if _AIOHTTP.search(where):
        return "aiohttp"
    if _JSON.search(where):
        return "JSON"
    if filename != "~" and os.path.abspath(filename).startswith(LIB_FOLDER + os.sep):
        return "the book's code"
    return "everything else"


def where_time_goes(stats: pstats.Stats) -> dict[str, float]:
    """Seconds of own time per part of the program, for every one of :data:`PARTS`, in order.

    Raises:
        ValueError: if the profile recorded no time at all, or a function's own time below
            zero: the mark of a profile that mixed threads, each timed on its own clock (since
            Python 3.12 cProfile sees every thread; profile in a process of its own, as
            :func:`lib.demos.loop_sweep.sweep` does).
    """
    raw: Mapping[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    seconds = dict.fromkeys(PARTS, 0.0)
    for (filename, _line, function), (_calls, _primitive, own, *_rest) in raw.items():
        if own < -NEGATIVE_TOLERANCE:
            raise ValueError(
                f"{function} ({filename}) has {own:.6f} s of own time, below zero: the profile"
                " mixed threads timed on different clocks; profile in a process of its own"
            )
        seconds[part_of(filename, function)] += own
    if not sum(seconds.values()) > 0:
        raise ValueError("the profile recorded no time: was anything run while it was enabled?")
    return seconds


def format_shares(seconds_by_loop: Mapping[str, Mapping[str, float]]) -> list[str]:
    """One line per part: its share of each loop's profiled time, ``"aiohttp: 40% on asyncio,
    45% on uvloop"``. The lines keep the order of :data:`PARTS`, whatever the numbers.

    Raises:
        ValueError: if there is no loop, or a loop's profile recorded no time.
    """
    if not seconds_by_loop:
        raise ValueError("no profiles to compare")
    totals = {}
    for loop, seconds in seconds_by_loop.items():
        totals[loop] = sum(seconds.values())
        if not totals[loop] > 0:
            raise ValueError(f"the profile on {loop} recorded no time")
    lines = []
    for part in PARTS:
        shares = [
            f"{seconds.get(part, 0.0) / totals[loop]:.0%} on {loop}"
            for loop, seconds in seconds_by_loop.items()
        ]
        lines.append(f"{part}: {', '.join(shares)}")
    return lines
