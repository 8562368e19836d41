"""lib.demos.listen_backlog: connections past a full backlog wait for the SYN retry."""

from __future__ import annotations

import asyncio
import sys

import psutil
import pytest

from lib.demos.listen_backlog import ConnectTimes, connect_times


def own_sockets() -> int:
    return len(psutil.Process().net_connections(kind="tcp"))


@pytest.mark.skipif(sys.platform != "linux", reason="the one-second SYN retry is Linux's")
def test_connections_past_the_backlog_wait_for_the_retry() -> None:
    before = own_sockets()
    trial = asyncio.run(connect_times(12, backlog=2, accept_after=0.05))
    fast, slow = trial.split(0.5)
    assert (trial.count, trial.backlog, trial.errors) == (12, 2, [])
    assert len(fast) == 3  # the backlog, plus one: Linux lets one more in
    assert len(slow) == 9
    assert all(0.9 < t < 3.5 for t in slow)  # the initial retransmission timeout is 1 s
    assert trial.seconds == sorted(trial.seconds)
    assert own_sockets() == before  # every socket closed


def test_a_backlog_big_enough_lets_every_connection_in_at_once() -> None:
    trial = asyncio.run(connect_times(10, backlog=64, accept_after=0.0))
    assert trial.errors == []
    assert len(trial.split(0.5)[0]) == 10


def test_a_listener_that_never_accepts_ends_in_timeouts_not_a_hang() -> None:
    before = own_sockets()
    trial = asyncio.run(connect_times(6, backlog=1, accept_after=60.0, timeout=0.3))
    assert len(trial.seconds) + len(trial.errors) == 6
    assert trial.errors and set(trial.errors) <= {"TimeoutError", "ConnectionRefusedError"}
    assert own_sockets() == before


def test_split_divides_the_times_at_a_threshold() -> None:
    trial = ConnectTimes(3, 1, 0.2, seconds=[0.001, 0.002, 1.01], errors=[])
    assert trial.split(0.5) == ([0.001, 0.002], [1.01])


@pytest.mark.parametrize(
    ("count", "backlog", "accept_after", "timeout"),
    [(0, 8, 0.2, 5.0), (4, 0, 0.2, 5.0), (True, 8, 0.2, 5.0), (4, 8, -1.0, 5.0), (4, 8, 0.2, 0.0)],
)
def test_bad_arguments_are_refused(
    count: int, backlog: int, accept_after: float, timeout: float
) -> None:
    with pytest.raises(ValueError):
        asyncio.run(connect_times(count, backlog, accept_after, timeout))
