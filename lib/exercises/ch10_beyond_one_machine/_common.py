"""What chapter 10's checkers share: a client that counts what the learner sends."""

from __future__ import annotations

import contextlib
import functools
import logging
import tempfile
import time
from collections.abc import Callable
from typing import Any

import dask.config
from distributed import Client, Future, LocalCluster, default_client

from lib.exercises._harness.checking import (
    CaseFailed,
    Checker,
    Feedback,
    exercise_check,
    require_function,
)
from lib.plumbing.dask_tidy import stop_distributed_threads

__all__ = [
    "SLOW_ITEM",
    "ClientSource",
    "CountingClient",
    "cluster_check",
    "magnitude",
    "require_values",
]

#: A check's body: ``(checker, answer, source, time_limit)``, run while ``source`` is open.
ClusterBody = Callable[[Checker, Any, "ClientSource", float], None]

SLOW_ITEM = -11  # magnitude() takes 0.3 s on it: its batch finishes after the next one


def magnitude(item: int, run: str = "") -> int:
    """``abs(item)``, late for :data:`SLOW_ITEM`, so that on two or more workers the first
    batch finishes after the second, and an answer that collects the batches as they finish
    gets them out of order.

    ``run`` changes only the tasks' keys (Dask names a task by its function and arguments): a
    check passes a new one each time, so that no run is handed an earlier run's results, still
    held on the cluster and all finished already, in the order they were sent."""
    if item == SLOW_ITEM:
        time.sleep(0.3)
    return abs(item)


class CountingClient:
    """A Dask client that counts tasks, scatters and the large arguments sent with tasks.

    ``submit``, ``map`` and ``scatter`` go to the real client after being counted; anything
    else (``gather``, ``get_executor``, ...) goes straight through. An argument that is a
    ``str`` or ``bytes`` of at least ``large`` characters counts as data sent with a task.
    The real client comes from ``source`` (:class:`ClientSource`), on first use.
    """

    def __init__(self, source: ClientSource, large: int = 10_000) -> None:
        self._source = source
        self.large = large
        self.tasks = 0
        self.scatters = 0
        self.sent_large = 0  # tasks whose arguments carried a large str or bytes

    @property
    def _client(self) -> Client:
        return self._source.get()

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


_LOGGERS = ("distributed", "distributed.worker", "distributed.client", "distributed.scheduler")


class ClientSource:
    """Where a check gets its client, on first use: the one given; else this process's default
    client (the chapter's, while it runs); else a cluster of the check's own, inside this
    process (a scheduler and two single-thread workers on threads, no TCP port), started then
    and stopped by :meth:`close` with nothing left running. An untouched starter, which raises
    before it uses the client, starts no cluster.
    """

    def __init__(self, client: Client | None) -> None:
        self._client = client
        self._own: list[Any] = []  # the check's own cluster and client, to close in reverse
        self._levels: dict[str, int] = {}  # its loggers' levels before it started
        self._config: dask.config.set | None = None  # its scratch folder, set as dask's

    def get(self) -> Client:
        if self._client is None:
            with contextlib.suppress(ValueError):  # ValueError: no client made, or all closed
                self._client = default_client()  # type: ignore[no-untyped-call]
        if self._client is None:
            # Its workers log each task that raises, in this process: the checks' tasks raise
            # on purpose, so only critical lines show while it runs.
            self._levels = {name: logging.getLogger(name).level for name in _LOGGERS}
            for name in _LOGGERS:
                logging.getLogger(name).setLevel(logging.CRITICAL)
            scratch = tempfile.TemporaryDirectory(prefix="book-check-")
            self._own.append(scratch)  # the scheduler's and workers' files, removed last
            self._config = dask.config.set({"temporary-directory": scratch.name})
            cluster = LocalCluster(  # type: ignore[no-untyped-call]
                n_workers=2,
                threads_per_worker=1,
                processes=False,
                dashboard_address="127.0.0.1:0",  # its HTTP server, on loopback
            )
            self._own.append(cluster)
            self._client = Client(cluster)  # type: ignore[no-untyped-call]
            self._own.append(self._client)
        return self._client

    def close(self) -> None:
        """Stop the check's own cluster and its client, if it started them."""
        if self._own:
            while self._own:
                own = self._own.pop()
                own.cleanup() if isinstance(own, tempfile.TemporaryDirectory) else own.close()
            stop_distributed_threads()
        if self._config is not None:
            self._config.__exit__(None, None, None)  # type: ignore[no-untyped-call]
            self._config = None
        for name, level in self._levels.items():
            logging.getLogger(name).setLevel(level)
        self._levels = {}

    def __enter__(self) -> ClientSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def cluster_check(title: str) -> Callable[[ClusterBody], Callable[..., Feedback]]:
    """:func:`~lib.exercises._harness.feedback.exercise_check` for a check on a cluster.

    ``body(checker, answer, source, time_limit)`` becomes ``check(answer, client=None, *,
    time_limit=10.0) -> Feedback``: the answer must be a function (checked before any cluster
    starts), and ``source`` gives the client given, else the default client, else a cluster
    of the check's own, stopped when the check ends.
    """

    def decorate(body: ClusterBody) -> Callable[..., Feedback]:
        @exercise_check(title)
        @functools.wraps(body)
        def check(
            checker: Checker, answer: Any, client: Client | None = None, *, time_limit: float = 10.0
        ) -> None:
            require_function(answer)
            with ClientSource(client) as source:
                body(checker, answer, source, time_limit)

        return check

    return decorate
