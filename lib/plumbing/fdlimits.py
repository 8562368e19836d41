"""How many files this process may open, and how many it has open: every socket counts.

On Linux and macOS each open connection uses a file descriptor, and the operating system caps
how many one process may hold (``RLIMIT_NOFILE``): a *soft* limit, which the process may raise
itself, up to a *hard* limit. Typical soft limits are 1,024 (Linux) and 256 (macOS), far fewer
than the connections an asyncio client can open at once. Windows has no such per-process
limit for sockets; there these functions return ``None``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import dataclass

__all__ = [
    "OPEN_FILES_WANTED",
    "FileLimits",
    "open_file_count",
    "open_file_limits",
    "raise_open_file_limit",
]

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


@dataclass(frozen=True)
class FileLimits:
    """The soft and hard limits on open files; ``None`` means unlimited."""

    soft: int | None
    hard: int | None

    @staticmethod
    def describe(limit: int | None) -> str:
        return "unlimited" if limit is None else f"{limit:,}"

    def __str__(self) -> str:
        return f"soft limit {self.describe(self.soft)}, hard limit {self.describe(self.hard)}"


def _finite(value: int) -> int | None:
    return None if resource is None or value == resource.RLIM_INFINITY else value


def open_file_limits() -> FileLimits | None:
    """This process's limits on open files, or ``None`` where there are none (Windows)."""
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return FileLimits(_finite(soft), _finite(hard))


#: Enough open files for the book's largest demo (10,000 connections), and more.
OPEN_FILES_WANTED = 65_536


def raise_open_file_limit(wanted: int = OPEN_FILES_WANTED) -> FileLimits | None:
    """Raise the soft limit to ``wanted`` open files, or as close to it as allowed.

    Never lowers the limit and never goes above the hard limit (only root may raise that).
    Child processes started afterwards inherit the new limit. Returns the limits now in
    force, or ``None`` on Windows.

    Raises:
        ValueError: if ``wanted`` is below 1.
    """
    if wanted < 1:
        raise ValueError(f"wanted must be at least 1, got {wanted}")
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            # macOS refuses more than kern.maxfilesperproc even under an unlimited hard limit.
            fallback = min(target, 10_240)
            if fallback > soft:
                # If even that fails, keep the old limit: callers size their work by what they get.
                with contextlib.suppress(ValueError, OSError):
                    resource.setrlimit(resource.RLIMIT_NOFILE, (fallback, hard))
    return open_file_limits()


def open_file_count() -> int | None:
    """How many file descriptors this process has open now; ``None`` where it can't be told.

    Reads ``/proc/self/fd`` (Linux) or ``/dev/fd`` (macOS); each listing itself opens one
    descriptor, which is not counted.
    """
    for folder in ("/proc/self/fd", "/dev/fd"):
        if sys.platform != "win32" and os.path.isdir(folder):
            return max(0, len(os.listdir(folder)) - 1)
    return None
