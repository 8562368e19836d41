"""How many CPU cores this process may really use, for sizing process pools."""

from __future__ import annotations

import os

__all__ = [
    "usable_cpus",
]


def usable_cpus() -> int:
    """The number of cores this process may run on; always at least 1.

    ``os.cpu_count()`` counts the machine's cores, even those a container or ``taskset``
    keeps from us. Python 3.13 has ``os.process_cpu_count()`` for the real figure; before
    that, Linux offers the affinity mask, and elsewhere ``cpu_count`` is the best we have.
    """
    if hasattr(os, "process_cpu_count"):
        count = os.process_cpu_count()
    elif hasattr(os, "sched_getaffinity"):
        count = len(os.sched_getaffinity(0))
    else:
        count = os.cpu_count()
    return max(1, count or 1)
