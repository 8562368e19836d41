"""lib.measure.loop_lag: how late a heartbeat wakes beside a block, and debug mode's report."""

from __future__ import annotations

import asyncio
import time

import pytest

from lib.measure.loop_lag import LoopLag, short_report


def test_a_blocked_loop_wakes_the_heartbeat_late() -> None:
    async def blocked() -> float:
        async with LoopLag() as lag:
            time.sleep(0.2)  # holds the loop
        return lag.worst

    assert asyncio.run(blocked()) >= 0.15


def test_a_free_loop_wakes_it_on_time() -> None:
    async def free() -> LoopLag:
        async with LoopLag() as lag:
            await asyncio.sleep(0.1)
        return lag

    lag = asyncio.run(free())
    assert lag.late and lag.worst < 0.09


def test_a_period_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        LoopLag(period=0)


def test_the_report_is_shortened() -> None:
    message = (
        "Executing <Task pending name='request-0' coro=<handle() running at "
        "/tmp/ipykernel_42/123.py:6> cb=[gather()] created at /usr/lib/python3.11/asyncio/"
        "tasks.py:680> took 0.253 seconds"
    )
    assert short_report(message) == (
        "Executing <Task pending name='request-0' coro=<handle() running at <cell>:6>> took 0.25 s"
    )
