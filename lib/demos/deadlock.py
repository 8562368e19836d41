"""Locks that know who holds them, and a watchdog that finds and breaks a deadlock.

A :class:`LockGraph` hands out :class:`WatchedLock` objects, used like ``threading.Lock``
(``with lock:``, ``acquire``, ``release``). Each records which thread holds it and which
thread waits for it, so the graph can tell at any moment whether some threads wait for one
another in a circle: a **deadlock**, which no thread in the circle can ever leave by itself.

:class:`Watchdog` is a thread that looks for such a circle every few milliseconds. When it
finds one it writes a report ("thread T1 holds A and waits for B; ...") and breaks the
deadlock: one thread in the circle gets :class:`DeadlockError` from its ``acquire``, so its
``with`` blocks unwind, its locks are released, the others go on, and nothing hangs.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

__all__ = [
    "DeadlockError",
    "LockGraph",
    "Watchdog",
    "WatchedLock",
]

POLL = 0.005  # seconds a waiting acquire sleeps on the real lock before it looks again


class DeadlockError(RuntimeError):
    """Raised in a thread of a deadlock that the watchdog broke; the message is the report."""


class WatchedLock:
    """A non-reentrant lock of a :class:`LockGraph`, named for the reports.

    Raises:
        RuntimeError: from :meth:`release`, if the calling thread does not hold it.
    """

    def __init__(self, graph: LockGraph, name: str) -> None:
        self.name = name
        self._graph = graph
        self._lock = threading.Lock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock, like ``threading.Lock.acquire``; ``False`` if it timed out.

        Raises:
            DeadlockError: if the watchdog found this thread in a deadlock and broke it.
        """
        me = threading.get_ident()
        if self._lock.acquire(blocking=False):
            self._graph._took(self, me)
            return True
        if not blocking:
            return False
        deadline = None if timeout < 0 else timeout
        waited = 0.0
        self._graph._waits(self, me)
        try:
            while deadline is None or waited < deadline:
                step = POLL if deadline is None else min(POLL, deadline - waited)
                if self._lock.acquire(timeout=step):
                    self._graph._took(self, me)
                    return True
                waited += step
                self._graph._raise_if_broken(me)
            return False
        finally:
            self._graph._stops_waiting(me)

    def release(self) -> None:
        """Release the lock (held by this thread)."""
        self._graph._released(self, threading.get_ident())
        self._lock.release()

    def locked(self) -> bool:
        return self._lock.locked()

    def held_by_me(self) -> bool:
        """Whether the calling thread holds this lock."""
        return self._graph._holder(self) == threading.get_ident()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()

    def __repr__(self) -> str:
        return f"<WatchedLock {self.name}>"


@dataclass
class LockGraph:
    """Who holds which :class:`WatchedLock`, and who waits for which.

    The state is read and changed under one internal lock, so a snapshot is never torn.
    """

    _guard: threading.Lock = field(default_factory=threading.Lock)
    _holders: dict[WatchedLock, int] = field(default_factory=dict)  # lock -> thread ident
    _waiting: dict[int, WatchedLock] = field(default_factory=dict)  # thread ident -> lock
    _names: dict[int, str] = field(default_factory=dict)  # thread ident -> name
    _broken: dict[int, str] = field(default_factory=dict)  # thread ident -> report

    def lock(self, name: str) -> WatchedLock:
        """A new lock in this graph, called ``name`` in reports.

        Raises:
            ValueError: if ``name`` is empty.
        """
        if not name:
            raise ValueError("a lock needs a name, for the reports")
        return WatchedLock(self, name)

    def held_by_me(self) -> list[str]:
        """The names of the locks the calling thread holds, sorted."""
        me = threading.get_ident()
        with self._guard:
            return sorted(lock.name for lock, ident in self._holders.items() if ident == me)

    def busy_threads(self) -> set[str]:
        """The names of the threads that hold a lock of this graph or wait for one."""
        with self._guard:
            idents = set(self._holders.values()) | set(self._waiting)
            return {self._names.get(ident, str(ident)) for ident in idents}

    def find_deadlock(self) -> str | None:
        """A report of one circle of waiting threads, or ``None`` when there is none.

        The report names each thread of the circle, starting from the first in name order:
        ``"thread T1 holds A and waits for B; thread T2 holds B and waits for A"``.
        """
        with self._guard:
            cycle = self._cycle()
            if cycle is None:
                return None
            return self._describe(cycle)

    def break_deadlock(self) -> str | None:
        """Find a circle, and make one thread in it (the first the report names) give up:
        its waiting ``acquire`` raises :class:`DeadlockError`. As its ``with`` blocks unwind,
        it releases its locks, and the others can go on.

        Returns the report, or ``None`` when there was no deadlock to break.
        """
        with self._guard:
            cycle = self._cycle()
            if cycle is None:
                return None
            report = self._describe(cycle)
            self._broken[cycle[0]] = report
            return report

    # What the locks tell the graph --------------------------------------------------------

    def _took(self, lock: WatchedLock, ident: int) -> None:
        with self._guard:
            self._holders[lock] = ident
            self._broken.pop(ident, None)
            self._names[ident] = threading.current_thread().name

    def _waits(self, lock: WatchedLock, ident: int) -> None:
        with self._guard:
            self._waiting[ident] = lock
            self._names[ident] = threading.current_thread().name

    def _stops_waiting(self, ident: int) -> None:
        with self._guard:
            self._waiting.pop(ident, None)

    def _released(self, lock: WatchedLock, ident: int) -> None:
        with self._guard:
            if self._holders.get(lock) != ident:
                raise RuntimeError(f"release of {lock.name}, which this thread does not hold")
            del self._holders[lock]

    def _holder(self, lock: WatchedLock) -> int | None:
        with self._guard:
            return self._holders.get(lock)

    def _raise_if_broken(self, ident: int) -> None:
        with self._guard:
            report = self._broken.pop(ident, None)
        if report is not None:
            raise DeadlockError(report)

    def _cycle(self) -> list[int] | None:
        """Threads that wait for one another in a circle (the guard is held)."""
        for start in sorted(self._waiting, key=lambda ident: self._names.get(ident, "")):
            path: list[int] = []
            ident: int | None = start
            while ident is not None and ident not in path:
                path.append(ident)
                wanted = self._waiting.get(ident)
                ident = None if wanted is None else self._holders.get(wanted)
            if ident is not None:  # came back to a thread on the path: a circle
                cycle = path[path.index(ident) :]
                first = min(range(len(cycle)), key=lambda i: self._names.get(cycle[i], ""))
                return cycle[first:] + cycle[:first]
        return None

    def _describe(self, cycle: list[int]) -> str:
        parts = []
        for ident in cycle:
            held = sorted(lock.name for lock, owner in self._holders.items() if owner == ident)
            parts.append(
                f"thread {self._names.get(ident, ident)} holds {' and '.join(held)} "
                f"and waits for {self._waiting[ident].name}"
            )
        return "; ".join(parts)


class Watchdog:
    """A thread that breaks any deadlock in ``graph`` within about ``patience`` seconds.

    Use it as a context manager; leaving the block stops the watchdog's thread. ``reports``
    lists every deadlock it broke.

    Raises:
        ValueError: if ``patience`` is not positive.
    """

    def __init__(self, graph: LockGraph, patience: float = 0.1) -> None:
        if patience <= 0:
            raise ValueError(f"patience must be positive, got {patience}")
        self.graph = graph
        self.patience = patience
        self.reports: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="deadlock-watchdog", daemon=True)

    def _watch(self) -> None:
        seen_since: float | None = None
        interval = min(0.01, self.patience / 4)
        waited = 0.0
        while not self._stop.wait(interval):
            waited += interval
            if self.graph.find_deadlock() is None:
                seen_since = None
                continue
            if seen_since is None:
                seen_since = waited
            if waited - seen_since >= self.patience:
                report = self.graph.break_deadlock()
                if report is not None:
                    self.reports.append(report)
                seen_since = None

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(5.0)
