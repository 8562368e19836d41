"""What chapter 10's checkers share: a client that counts what the learner sends."""

from __future__ import annotations

import atexit
import contextlib
import time
from typing import Any

from distributed import Client, Future, default_client

from lib.cluster import LoopbackCluster
from lib.exercises._harness.checking import CaseFailed

__all__ = [
    "SLOW_ITEM",
    "CountingClient",
    "checking_client",
    "magnitude",
    "require_values",
]

SLOW_ITEM = -11  # magnitude() takes 0.3 s on it: its batch finishes after the next one


def magnitude(item: int) -> int:
    """``abs(item)``, late for :data:`SLOW_ITEM`, so that on two or more workers the first
    batch finishes after the second, and an answer that collects the batches as they finish
    gets them out of order."""
    if item == SLOW_ITEM:
        time.sleep(0.3)
    return abs(item)


class CountingClient:
    """A Dask client that counts tasks, scatters and the large arguments sent with tasks.

    ``submit``, ``map`` and ``scatter`` go to the real client after being counted; anything
    else (``gather``, ``get_executor``, ...) goes straight through. An argument that is a
    ``str`` or ``bytes`` of at least ``large`` characters counts as data sent with a task.
    """

    def __init__(self, client: Client, large: int = 10_000) -> None:
        self._client = client
        self.large = large
        self.tasks = 0
        self.scatters = 0
        self.sent_large = 0  # tasks whose arguments carried a large str or bytes

    def _count_large(self, values: Any) -> int:
        return sum(isinstance(v, (str, bytes)) and len(v) >= self.large for v in values)

    def submit(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        self.tasks += 1
        self.sent_large += bool(self._count_large([*args, *kwargs.values()]))
        return self._client.submit(fn, *args, **kwargs)

    def map(self, fn: Any, *iterables: Any, **kwargs: Any) -> Any:
        columns = [list(iterable) for iterable in iterables]
        self.tasks += min((len(column) for column in columns), default=0)
        self.sent_large += max((self._count_large(column) for column in columns), default=0)
        return self._client.map(fn, *columns, **kwargs)

    def scatter(self, data: Any, *args: Any, **kwargs: Any) -> Any:
        self.scatters += 1
        return self._client.scatter(data, *args, **kwargs)  # type: ignore[no-untyped-call]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def require_values(got: Any, what: str) -> None:
    """Raise CaseFailed if ``got`` holds Dask futures instead of values."""
    values = got.values() if isinstance(got, dict) else got
    if isinstance(got, Future) or any(isinstance(value, Future) for value in values):
        raise CaseFailed(
            f"{what} holds futures: collect their results (future.result(), or "
            "client.gather(futures)) before returning"
        )


_OWN: list[tuple[LoopbackCluster, Client]] = []  # the checks' own cluster, once started


def _stop_own() -> None:
    while _OWN:
        cluster, client = _OWN.pop()
        client.close()  # type: ignore[no-untyped-call]
        cluster.close()


def checking_client(client: Client | None) -> Client:
    """The client a check runs the answer on: ``client``; else this process's default client
    (the chapter's, once it has made one); else the client of a cluster of two workers that
    the checks start on first use, share, and stop when this Python process exits.

    Raises:
        ClusterError: if that cluster cannot start.
    """
    if client is not None:
        return client
    with contextlib.suppress(ValueError):  # ValueError: no client made yet
        return default_client()  # type: ignore[no-untyped-call,no-any-return]
    if not _OWN:
        cluster = LoopbackCluster(workers=2).start()
        _OWN.append((cluster, cluster.client()))
        atexit.register(_stop_own)
    return _OWN[0][1]
