"""What the machine says while a benchmark runs, to explain a missed target as measured.

CPU time of a process, the time its threads waited for a CPU, the time Python's cycle
collector took (lib.demos.gc_tuning's ``CollectorTime``, as chapter 8 measures it), connections the
kernel dropped from a full listen queue, the load average, the limits on open files, and a
profile.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import re
import sys
from pathlib import Path

import psutil

from bench.config import ROOT
from lib.demos.gc_tuning import CollectorTime  # the chapter's own measure, re-exported
from lib.plumbing.fdlimits import FileLimits

__all__ = [
    "CollectorTime",
    "cpu_seconds",
    "limits_list",
    "listen_overflows",
    "load_average",
    "profile_summary",
    "waiting_for_cpu",
]


def load_average() -> float:
    """The 1-minute load average, rounded (NaN where the system has none)."""
    return round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else float("nan")


def cpu_seconds(process: psutil.Process) -> float:
    """User and system CPU time of ``process`` so far."""
    times = process.cpu_times()
    return float(times.user + times.system)


def waiting_for_cpu(pid: int) -> float:
    """Seconds the process's threads have spent runnable but not running, waiting for a CPU.

    Read from the scheduler's own accounting (/proc/PID/task/*/schedstat, Linux); 0.0 where
    it is not available. It is how much a busy machine delayed the process. (lib.demos.workloads'
    ``queued`` reads the same figure, for the calling thread alone.)
    """
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def listen_overflows() -> int | None:
    """Connections the kernel dropped because a listen queue was full (Linux; else None)."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2], strict=False):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split()[1:], values.split()[1:], strict=True))
            return int(table.get("ListenOverflows", 0))
    return None


def limits_list(limits: FileLimits | None) -> list[int | None] | None:
    """lib.plumbing.fdlimits' limits as the report keeps them: ``[soft, hard]``, None for
    unlimited."""
    return None if limits is None else [limits.soft, limits.hard]


def profile_summary(profile: cProfile.Profile, lines: int = 12) -> str:
    """The functions that took the most time of their own, as pstats prints them."""
    stream = io.StringIO()
    pstats.Stats(profile, stream=stream).sort_stats("tottime").print_stats(lines)
    text = stream.getvalue()
    body = text[text.find("ncalls") :] if "ncalls" in text else text
    return re.sub(re.escape(str(ROOT)) + "/?|" + re.escape(sys.prefix) + "/?", "", body).strip()
