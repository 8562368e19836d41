"""The virtual clock: timers jump, real waits stay real, and the clock never goes back."""

from __future__ import annotations

import asyncio
import time

import pytest

from lib.demos.under_test import ask
from lib.demos.virtual_clock import VirtualClockLoop, run_virtual


def test_an_hour_of_timers_takes_no_real_time() -> None:
    async def main() -> tuple[float, list[str]]:
        loop = asyncio.get_running_loop()
        got = await asyncio.gather(asyncio.sleep(3600, "late"), asyncio.sleep(1, "early"))
        return loop.time(), got

    start = time.perf_counter()
    now, got = run_virtual(main())
    assert time.perf_counter() - start < 1
    assert now == pytest.approx(3600) and got == ["late", "early"]


def test_a_timeout_fires_at_its_virtual_time() -> None:
    async def main() -> float:
        loop = asyncio.get_running_loop()
        with pytest.raises(TimeoutError):
            await ask(loop.create_future(), timeout=10)
        return loop.time()

    assert run_virtual(main()) == pytest.approx(10)


def test_a_thread_still_takes_real_time() -> None:
    async def main() -> float:
        await asyncio.to_thread(time.sleep, 0.05)
        return asyncio.get_running_loop().time()

    start = time.perf_counter()
    assert run_virtual(main()) == 0.0  # no timer waited for: the clock stood still
    assert time.perf_counter() - start >= 0.05


def test_the_clock_never_goes_back() -> None:
    loop = VirtualClockLoop()
    try:
        with pytest.raises(ValueError, match="never goes back"):
            loop.advance(-1)
    finally:
        loop.close()
